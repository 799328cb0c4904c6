"""A corpus of derivations written as course notes in many notations, each line's verdict decided by hand.

The documents in ``tests/documents/corpus/`` write the softmax and
cross-entropy derivations with ``\\sum`` and ``\\Sigma``, ``\\frac{\\partial}{\\partial}``,
``\\partial_{z_j}`` and ``\\nabla``, predictions named ``\\hat{y}``, ``p``, ``q``, ``a`` and
``s``, class counts ``k``, ``K``, ``C`` and ``N``, ``\\exp`` and ``e^{}``, ``\\mathbf``,
``\\operatorname``, ``\\left( \\right)``, cases in prose, in marker comments, in a
sidecar and in a ``cases`` environment, in Markdown and in LaTeX.  Five hold
deliberate mistakes.  The expected verdicts below were worked out by hand from
the mathematics (the oracle), line by line, in the order of the document.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "documents" / "corpus"

P, R = "PROVED", "REFUTED"
# document -> (the verdict of every step in order, whether each claim holds, whether the run passes)
EXPECTED = {
    "cross_entropy_nabla.tex": ([P] * 7, [], True),
    "dropped_true_class.md": ([R, P, P, P], [], True),          # the slip is a declared erratum
    "kronecker_sigma.md": ([P] * 6, [], True),
    "line_range_cases.md": ([P] * 3, [], True),
    "log_softmax_cases.md": ([P] * 6, [], True),
    "marker_cases.md": ([P] * 3, [], True),
    "prose_cases_partial.md": ([P] * 3, [], True),
    "quotient_missing_square.tex": ([R, P, R], [], False),      # the square of the denominator is missing
    "recombination.md": ([P] * 4, [True], True),
    "sidecar_cases.md": ([P] * 2, [], True),
    "sign_error.md": ([P, P, R], [], False),                    # y_j - p_j for p_j - y_j
    "soft_targets.tex": ([P] * 4, [], True),
    "softmax_jacobian_cases.md": ([P] * 3, [], True),
    "swapped_index.md": ([P, P, R], [], False),                 # p_j p_j for p_j p_k
    "tex_heading_cases.tex": ([P] * 2, [], True),
    "written_out.tex": ([P] * 4, [], True),
    "wrong_log_derivative.md": ([P, R], [], False),             # d log q / dq read as q
}
MISTAKES = {"dropped_true_class.md", "quotient_missing_square.tex", "sign_error.md", "swapped_index.md",
            "wrong_log_derivative.md"}
NOTATIONS = ["\\sum", "\\Sigma", "\\frac{\\partial}{\\partial", "\\partial_{", "\\nabla", "\\hat{y}", "p_", "a_",
             "s_", "q_", "classes: k", "classes: K", "classes: C", "classes: N", "\\exp", "e^{", "\\mathbf",
             "\\operatorname", "\\left(", "\\right)", "\\begin{cases}", "If $", "Assume $", "derive: case",
             "\\cdots", "\\ln", "\\mathrm", "\\delta_{", "\\mathcal", "\\sigma(z)"]


def _documents():
    return sorted(p.name for p in CORPUS.iterdir() if not p.name.endswith(".derive.yaml"))


@pytest.fixture(scope="module")
def checked():
    from derive.documents.build import read_document
    from derive.engine.run import Settings, check_proof

    results = {}
    for name in _documents():
        result = read_document(CORPUS / name)
        results[name] = (result, check_proof(result.proof, Settings()))
    return results


def test_the_corpus_has_twelve_documents_besides_the_sources_five_with_mistakes_in_md_and_tex():
    names = _documents()
    assert set(names) == set(EXPECTED) and len(names) >= 12
    assert len(MISTAKES & set(names)) >= 4
    assert {Path(n).suffix for n in names} == {".md", ".tex"}


def test_the_corpus_writes_each_notation_somewhere():
    text = "\n".join((CORPUS / name).read_text(encoding="utf-8") for name in _documents())
    text += (CORPUS / "sidecar_cases.derive.yaml").read_text(encoding="utf-8")
    missing = [notation for notation in NOTATIONS if notation not in text]
    assert not missing


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_line_of_the_corpus_gets_its_expected_verdict(name, checked):
    result, report = checked[name]
    steps, claims, passes = EXPECTED[name]
    verdicts = [s.outcome.verdict.value for c in report.cases for s in c.steps]
    assert verdicts == steps
    assert [c.holds for c in report.claims] == claims
    assert report.ok is passes
    for case in report.cases:
        for s in case.steps:
            if s.outcome.verdict.value == R:
                assert s.outcome.counterexample is not None
            assert s.step.origin.startswith(str(CORPUS / name) + ":")


def test_at_least_95_percent_of_the_corpus_equation_lines_are_read(checked):
    read = sum(result.counts()["read"] for result, _ in checked.values())
    total = sum(result.counts()["read"] + result.counts()["not read"] for result, _ in checked.values())
    assert total >= 40
    assert read / total >= 0.95, f"{read} of {total} lines read"


def test_a_cases_environment_gives_one_case_per_branch_with_its_condition(checked):
    _, report = checked["softmax_jacobian_cases.md"]
    assumptions = [[a.text() for a in c.case.assumptions] for c in report.cases]
    assert assumptions == [[], ["i = j"], ["i ≠ j"]]


def test_cases_in_prose_markers_and_sidecars_set_the_assumptions(checked):
    def assumptions(name):
        return [[a.text() for a in c.case.assumptions] for c in checked[name][1].cases]

    assert assumptions("log_softmax_cases.md") == [[], ["r = j"], ["r ≠ j"]]
    assert assumptions("prose_cases_partial.md") == [["i = j"], ["i ≠ j"]]
    assert assumptions("marker_cases.md") == [["i = j"], ["i ≠ j"]]
    assert assumptions("sidecar_cases.md") == [["a = b"], ["a ≠ b"]]
    assert assumptions("line_range_cases.md") == [["i = j"], ["i ≠ j"], []]
    assert assumptions("tex_heading_cases.tex") == [["i = j"], ["i ≠ j"]]


def test_a_recombination_section_claims_over_the_cases_before_it(checked):
    _, report = checked["recombination.md"]
    claim, = report.claims
    assert claim.claim.cases == ("case-1-line-1", "case-2-line-1") and claim.holds and claim.ok
