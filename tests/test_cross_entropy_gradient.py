"""The transcription of "Deriving Cross Entropy Gradient": faithful, judged, corrected, recombined.

The values below are worked out by hand from the source (at z = (0, 0) softmax
gives 1/2 to each class), not copied from the checker's output.
"""

from __future__ import annotations

import json

import pytest
from commands import derive_here

from derive.core.verdict import Verdict
from derive.model.proof import Expect
from derive.engine.run import Settings, check_proof

PROOF_FILE = "proofs/cross_entropy_gradient.py"


@pytest.fixture(scope="module")
def proof(bundled_proofs):
    return next(p for p in bundled_proofs if p.id == "cross-entropy-gradient")


@pytest.fixture(scope="module")
def report(bundled_report):
    return next(p for p in bundled_report.proofs if p.proof.id == "cross-entropy-gradient")


def _case(report, name):
    return next(c for c in report.cases if c.case.name == name)


def test_every_line_of_both_cases_is_transcribed_in_order(proof):
    assert proof.source.title == "Deriving Cross Entropy Gradient"
    assert [c.name for c in proof.cases] == ["given", "case-1", "case-1-corrected", "case-2"]
    assert [s.source_ref for s in proof.case("given").steps] == ["Cross Entropy, given equivalence"]
    assert [s.source_ref for s in proof.case("case-1").steps] == [f"Case 1, line {n}" for n in (1, 2, 3)]
    assert [s.source_ref for s in proof.case("case-2").steps] == [f"Case 2, line {n}" for n in range(1, 12)]
    assert [c.source_ref for c in proof.claims] == ["Recombination, line 1", "Recombination, line 2",
                                                    "Recombination, line 2"]
    # The two cases split the classes: j ≠ ℓ and j = ℓ, with y one-hot at ℓ in both.
    assert [a.text() for a in proof.case("case-1").assumptions] == ["j ≠ ℓ", "y is one-hot at ℓ"]
    assert [a.text() for a in proof.case("case-2").assumptions] == ["j = ℓ", "y is one-hot at ℓ"]


def test_ambiguous_notation_states_its_reading(proof):
    readings = [s for c in proof.cases for s in c.steps if "Reading:" in s.note or "named i here" in s.reason]
    assert {s.source_ref for s in readings} >= {"Cross Entropy, given equivalence", "Case 1, line 1", "Case 1, line 2", "Case 2, line 1",
                                                 "Case 2, line 10", "Case 2, line 11"}


def test_case_1_line_1_is_the_one_erratum_refuted_by_a_hand_checkable_point(report):
    errata = [(c.case.name, s) for c in report.cases for s in c.steps if s.step.expect is Expect.ERRATUM]
    assert [(name, s.step.source_ref) for name, s in errata] == [("case-1", "Case 1, line 1")]
    (_, line_1), = errata
    assert line_1.outcome.verdict is Verdict.REFUTED and line_1.ok
    note = line_1.step.note
    assert note.endswith(".") and note.count(". ") == 0, "the erratum's note is one sentence"
    point = line_1.outcome.counterexample
    assert point.classes == 2 and dict(point.indices) == {"j": 1, "ℓ": 2}
    assert dict(point.inputs) == {"y": ("0", "1"), "z": ("0", "0")}
    # ∂CE/∂z_1 = softmax(z)_1 − y_1 = 1/2 − 0, while the wrong-class terms alone give 0.
    assert (point.left, point.right) == ("0.5", "0")
    assert point.text() == "k=2, j=1, ℓ=2, y=(0, 1), z=(0, 0): left = 0.5, right = 0"


def test_case_1_concludes_wrongly_and_says_so(report):
    case_1 = _case(report, "case-1")
    assert case_1.case.conclusion is Expect.ERRATUM
    assert [s.outcome.verdict for s in case_1.steps[1:]] == [Verdict.PROVED, Verdict.PROVED]
    assert case_1.derived.outcome.verdict is Verdict.REFUTED and case_1.derived.ok
    assert str(case_1.derived.expr) == "ŷ[j]"  # the gradient at a wrong class, not 0
    assert case_1.ok


@pytest.mark.parametrize("name", ["given", "case-1-corrected", "case-2"])
def test_the_given_equivalence_the_corrected_case_and_case_2_are_proved_for_every_k(report, name):
    case = _case(report, name)
    assert all(s.outcome.verdict is Verdict.PROVED for s in case.steps), \
        [(s.index, s.outcome.verdict) for s in case.steps if s.outcome.verdict is not Verdict.PROVED]
    assert case.derived.outcome.verdict is Verdict.PROVED  # the last line is the mechanically derived result


def test_the_corrected_case_stands_beside_the_case_it_corrects(proof, report):
    corrected = proof.case("case-1-corrected")
    assert corrected.corrects == "case-1"
    assert corrected.assumptions == proof.case("case-1").assumptions
    assert corrected.start == proof.case("case-1").start
    assert str(_case(report, "case-1-corrected").derived.expr) == "ŷ[j]"


def test_the_claims_recombining_the_source_cases_contradict_case_1_and_the_corrected_one_holds(report):
    claims = {c.claim.name: c for c in report.claims}
    assert list(claims) == ["recombination", "gradient", "gradient-corrected"]
    for name in ("recombination", "gradient"):
        found = claims[name]
        assert not found.holds and found.ok and found.claim.expect is Expect.ERRATUM
        assert [c.outcome.verdict for c in found.checks] == [Verdict.REFUTED, Verdict.PROVED]
        assert found.reason.startswith("contradicts case-1 (j ≠ ℓ; y is one-hot at ℓ), which concludes 0: "
                                       "at k=2, j=1, ℓ=2, y=(0, 1), z=(0, 0) case-1 gives 0, the claim 0.5")
        assert found.reason.endswith("agrees with case-2")
    corrected = claims["gradient-corrected"]
    assert corrected.holds and corrected.ok
    assert [c.outcome.verdict for c in corrected.checks] == [Verdict.PROVED, Verdict.PROVED]
    assert corrected.text == "∇CE = ŷ − y with Case 1 corrected: ∂CE/∂z_j = ŷ_j − y_j"
    assert report.ok


def test_the_default_demands_proved_and_the_proof_meets_it(proof):
    report = check_proof(proof, Settings())
    assert report.ok


def _derive(*args):
    return derive_here("check", "--no-cache", *args, columns=200)


def test_derive_check_shows_the_claims_first_and_counts_them():
    result = _derive(PROOF_FILE)
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    summary = lines[-1]
    assert summary == "1 proof, 26 steps: 25 proved, 1 refuted; 3 claims: 1 hold, 2 do not — ok"
    text = result.stdout
    assert text.index("✗ does not hold (erratum)  Recombination") < text.index("✓ holds  ∇CE = ŷ − y with") \
        < text.index("Case 1 (j ≠ ℓ)")
    assert "counterexample: k=2, j=1, ℓ=2, y=(0, 1), z=(0, 0): left = 0.5, right = 0" in " ".join(text.split())


def test_derive_check_json_carries_the_claims():
    result = _derive("--json", PROOF_FILE)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (proof,) = data["proofs"]
    assert [(c["name"], c["holds"], c["ok"]) for c in proof["claims"]] == [
        ("recombination", False, True), ("gradient", False, True), ("gradient-corrected", True, True)]
    assert all(set(c) >= {"text", "holds", "reason"} for c in proof["claims"])
    assert data["summary"]["claims"] == {"hold": 1, "do_not_hold": 2}
    erratum = proof["cases"][1]["steps"][0]
    assert erratum["expected"] == "erratum" and erratum["verdict"] == "REFUTED"
    assert erratum["counterexample"] == {"k": 2, "indices": {"j": 1, "ℓ": 2}, "inputs": {"y": ["0", "1"],
                                         "z": ["0", "0"]}, "left": "0.5", "right": "0", "classes_name": "k"}
