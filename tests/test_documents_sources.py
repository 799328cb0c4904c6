"""Both source documents read as documents give, line by line, the verdicts of their Python transcriptions.

Two routes in: ``tests/documents/*.md`` keep each source's headings and maths
exactly as written (prose replaced by our own words) with declarations in a
front matter; the originals in ``../shared/seeds/`` (beside the checkout, as
in CI) are read unchanged with a sidecar kept in ``tests/documents/``.  Each
document line that the Python transcription in ``proofs/`` also transcribes is
mapped to that step below, and must get its verdict; every other line must be
PROVED.  The Python proofs are the oracle here: they were written and checked
independently of the reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "tests" / "documents"
SEEDS = next((p for p in (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")) if p.is_dir()),
             ROOT.parent / "shared" / "seeds")
CROSS_ENTROPY_SEED = SEEDS / "000_7609a2e8a9123ac9.txt"
SOFTMAX_SEED = SEEDS / "001_8b06c7e8d75deb8f.txt"

# document line (its "Section, line N" and the position of the step within the row) -> Python (case, step)
CROSS_ENTROPY_MAP = {
    ("Cross Entropy, line 1", 1): ("given", 1),
    **{(f"Case 1, line {n}", 1): ("case-1", n) for n in (1, 2, 3)},
    **{(f"Case 2, line {n}", 1): ("case-2", n) for n in range(1, 12)},
}
CROSS_ENTROPY_CLAIMS = {"Recombination, line 1": "recombination", "Recombination, line 2": "gradient"}
SOFTMAX_MAP = {
    ("Case 1, line 1", 2): ("part1-case1-numerator", 1),
    ("Case 1, line 2", 2): ("part1-case1-denominator", 1),
    ("Case 1, line 3", 1): ("part1-case1-denominator", 2),
    **{(f"Case 1, line {n}", 1): ("part1-case1-quotient", n - 3) for n in (4, 5, 6, 7)},
    ("Case 2, line 3", 1): ("part1-case2-denominator", 1),
    **{(f"Case 2, line {n}", 1): ("part1-case2-quotient", n - 3) for n in (4, 5, 6, 7)},
    ("Part 2, line 2", 1): ("part2-loss", 1),
    ("Part 2, line 3", 1): ("part2-loss", 2),
    ("Part 2, line 4", 1): ("part2-inner-same", 1),
    ("Part 2, line 5", 1): ("part2-inner-other", 1),
    ("Part 2, line 6", 1): ("part2-loss", 3),
    ("Part 2, line 6", 2): ("part2-loss", 4),
    ("Part 3, line 1", 1): ("part3-chain-rule", 1),
    ("Part 3, line 2", 1): ("part3-chain-rule", 2),
    ("Part 3, line 3", 1): ("part3-diagonal-term", 2),
    ("Part 3, line 3", 2): ("part3-diagonal-term", 3),
    ("Part 3, line 4", 1): ("part3-off-diagonal-terms", 2),
    **{(f"Part 3, line {n}", 1): ("part3-chain-rule", n - 2) for n in (5, 6, 7)},
    ("Part 3, line 8", 1): ("part3-one-hot-sum", 2),
    ("Part 3, line 9", 1): ("part3-chain-rule", 6),
    ("Part 3, line 10", 1): ("part3-chain-rule", 7),
}


def _seed(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"the source document {path.name} is not at {SEEDS} (it is beside the checkout in CI)")
    return path


def _check_document(path: Path, sidecar: Path | None = None):
    from derive.documents.build import read_document
    from derive.engine.run import Settings, check_proof

    result = read_document(path, sidecar=sidecar)
    assert not result.problems, [p.text() for p in result.problems]
    return result, check_proof(result.proof, Settings())


def _check_python(module: str):
    from derive.io.loader import load_paths
    from derive.engine.run import Settings, check_proof

    loaded = load_paths([ROOT / "proofs" / module])
    assert not loaded.errors
    return check_proof(loaded.proofs[0][0], Settings())


@pytest.fixture(scope="module")
def python_cross_entropy():
    return _check_python("cross_entropy_gradient.py")


@pytest.fixture(scope="module")
def python_softmax():
    return _check_python("softmax_cross_entropy.py")


@pytest.fixture(scope="module")
def cross_entropy_routes():
    return {"notes": _check_document(DOCUMENTS / "cross_entropy_gradient.md"),
            "original": _check_document(_seed(CROSS_ENTROPY_SEED),
                                        DOCUMENTS / "cross_entropy_gradient.seed.derive.yaml")}


@pytest.fixture(scope="module")
def softmax_routes():
    return {"notes": _check_document(DOCUMENTS / "softmax_cross_entropy.md"),
            "original": _check_document(_seed(SOFTMAX_SEED), DOCUMENTS / "softmax_cross_entropy.seed.derive.yaml")}


def _line(source_ref: str) -> str:
    """"Case 1, line 2" of a reference "Case 1, line 2 (file:line:column)"."""
    return source_ref.rsplit(" (", 1)[0]


def _document_steps(report):
    """("Section, line N", position within its row) -> step report, for every step of the document."""
    found = {}
    for case in report.cases:
        seen: dict = {}
        for s in case.steps:
            line = _line(s.step.source_ref)
            assert s.step.source_ref == f"{line} ({s.step.origin})"
            seen[line] = seen.get(line, 0) + 1
            found[(line, seen[line])] = s
    return found


def _python_steps(report):
    return {(case.case.name, s.index): s for case in report.cases for s in case.steps}


def _formulas_and_headings(path: Path):
    from derive.documents.events import Formula, Heading
    from derive.documents.extract import extract

    document = extract(str(path), path.read_text(encoding="utf-8"))
    return ([e.text for e in document.events if isinstance(e, Formula)],
            [e.text for e in document.events if isinstance(e, Heading)])


def test_notes_keep_every_formula_and_heading_of_deriving_cross_entropy_gradient_in_order():
    formulas, headings = _formulas_and_headings(DOCUMENTS / "cross_entropy_gradient.md")
    source_formulas, source_headings = _formulas_and_headings(_seed(CROSS_ENTROPY_SEED))
    assert formulas == source_formulas and len(formulas) == 29
    assert headings == source_headings


def test_notes_keep_every_formula_of_softmax_and_cross_entropy_in_order_and_its_heading_lines():
    formulas, headings = _formulas_and_headings(DOCUMENTS / "softmax_cross_entropy.md")
    source_formulas, _ = _formulas_and_headings(_seed(SOFTMAX_SEED))
    assert formulas == source_formulas and len(formulas) == 62
    source_lines = {line.strip() for line in _seed(SOFTMAX_SEED).read_text(encoding="utf-8").splitlines()}
    assert headings and all(h in source_lines for h in headings)


@pytest.mark.parametrize("route", ["notes", "original"])
def test_deriving_cross_entropy_gradient_gives_the_python_verdict_on_every_line(route, cross_entropy_routes,
                                                                                python_cross_entropy):
    result, report = cross_entropy_routes[route]
    steps = _document_steps(report)
    python = _python_steps(python_cross_entropy)
    assert set(CROSS_ENTROPY_MAP) <= set(steps)
    for key, s in steps.items():
        expected = python[CROSS_ENTROPY_MAP[key]].outcome.verdict.value if key in CROSS_ENTROPY_MAP else "PROVED"
        assert s.outcome.verdict.value == expected, (key, s.outcome.verdict, s.outcome.message)
        assert s.ok, key
    case_1 = steps[("Case 1, line 1", 1)]
    assert case_1.outcome.verdict.value == "REFUTED" and case_1.outcome.counterexample is not None
    claims = {_line(c.claim.source_ref): c for c in report.claims}
    python_claims = {c.claim.name: c for c in python_cross_entropy.claims}
    assert set(claims) == set(CROSS_ENTROPY_CLAIMS)
    for ref, name in CROSS_ENTROPY_CLAIMS.items():
        assert claims[ref].holds is python_claims[name].holds is False
        assert claims[ref].ok and "contradicts" in claims[ref].reason
    assert report.ok
    assert result.counts() == {"read": 19, "not read": 0, "definition": 0, "skipped": 0}


@pytest.mark.parametrize("route", ["notes", "original"])
def test_deriving_cross_entropy_gradient_lists_its_readings(route, cross_entropy_routes):
    _, report = cross_entropy_routes[route]
    steps = _document_steps(report)
    assert "like the number of classes" in steps[("Cross Entropy, line 1", 1)].step.note
    assert "componentwise" in steps[("Cross Entropy, line 1", 1)].step.note
    assert "shadows the line's free index j" in steps[("Case 1, line 1", 1)].step.note
    assert "softmax' is the derivative" in steps[("Case 1, line 2", 1)].step.note
    assert "softmax(z) stands for its component softmax(z)_j" in steps[("Case 2, line 1", 1)].step.note
    assert "ŷ stands for its component ŷ_j" in steps[("Case 2, line 10", 1)].step.note
    assert "sample superscript (i) is dropped" in steps[("Case 2, line 11", 1)].step.note


@pytest.mark.parametrize("route", ["notes", "original"])
def test_softmax_and_cross_entropy_gives_the_python_verdict_on_every_line(route, softmax_routes, python_softmax):
    result, report = softmax_routes[route]
    steps = _document_steps(report)
    python = _python_steps(python_softmax)
    assert set(SOFTMAX_MAP) <= set(steps)
    for key, s in steps.items():
        expected = python[SOFTMAX_MAP[key]].outcome.verdict.value if key in SOFTMAX_MAP else "PROVED"
        assert s.outcome.verdict.value == expected == "PROVED", (key, s.outcome.verdict, s.outcome.message)
    assert report.ok and not report.claims
    assert result.counts() == {"read": 34, "not read": 0, "definition": 2, "skipped": 2}
    notes = {key: s.step.note for key, s in steps.items()}
    assert "without limits is read over 1..N" in notes[("Part 3, line 1", 1)]
    assert "written out are the sum" in notes[("Case 1, line 2", 2)]
    assert "u stands for exp(z_j)" in notes[("Case 1, line 1", 1)]


def test_the_cases_of_softmax_and_cross_entropy_come_from_its_headings_and_its_if_clauses(softmax_routes):
    _, report = softmax_routes["notes"]
    assumptions = {_line(c.case.source_ref): "; ".join(a.text() for a in c.case.assumptions)
                   for c in report.cases}
    assert assumptions["Case 1, line 4"] == "j = k; y is one-hot"
    assert assumptions["Case 2, line 4"] == "j ≠ k; y is one-hot"
    assert assumptions["Part 2, line 4"] == "j = k; y is one-hot"
    assert assumptions["Part 2, line 5"] == "j ≠ k; y is one-hot"
    assert assumptions["Part 2, line 6"] == "y is one-hot"   # the "if" ended with its paragraph
