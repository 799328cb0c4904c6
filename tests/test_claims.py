"""Claims that recombine cases: checked against each case's own conclusion, under its assumptions."""

from __future__ import annotations

import io
import json

import pytest
import sympy as sp
from rich.console import Console

from derive import (D, Case, Claim, Distinct, Equal, Expect, Proof, Source, Vector, as_written, classes, exp,
                    indices, softmax, step, sum_over)
from derive.io.config import Accepted
from derive.core.verdict import Verdict
from derive.model.proof import ModelError, erratum
from derive.render.json import report_data
from derive.render.terminal import render_report
from derive.model.report import Report
from derive.engine.checking import CachedChecker
from derive.engine.run import Settings, check_proof

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p")
SOFTMAX = {p: lambda a: softmax(z, a, k)}

with as_written():
    S = sum_over(exp(z[i]), i, k)
    DIAGONAL = Case("diagonal", "j = m", classes=k, assumptions=[Equal(j, m)], definitions=SOFTMAX,
                    start=D(p[j], z[m]), steps=[step(p[j] * (1 - p[j]), "quotient rule")])
    OFF_DIAGONAL = Case("off-diagonal", "j ≠ m", classes=k, assumptions=[Distinct(j, m)], definitions=SOFTMAX,
                        start=D(p[j], z[m]), steps=[step(-p[j] * p[m], "quotient rule")])
    # A case that concludes wrongly: its last line drops the off-diagonal term.
    WRONG_OFF_DIAGONAL = Case("off-diagonal-wrong", "j ≠ m, wrongly", classes=k, assumptions=[Distinct(j, m)],
                              definitions=SOFTMAX, start=D(p[j], z[m]), conclusion="erratum",
                              steps=[erratum(0, "forgets the denominator", note="the denominator has z_m")])


def _proof(*claims, cases=(DIAGONAL, OFF_DIAGONAL, WRONG_OFF_DIAGONAL)):
    return Proof(id="jacobian", title="The softmax Jacobian", source=Source("notes"), claim="the Jacobian",
                 cases=cases, claims=claims)


def _claim_report(claim, accepted=Accepted()):
    report = check_proof(_proof(claim), Settings(accepted=accepted))
    (found,) = report.claims
    return report, found


def test_a_claim_agreeing_with_every_case_holds():
    claim = Claim("jacobian", "Jacobian", D(p[j], z[m]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                  ("diagonal", "off-diagonal"))
    report, found = _claim_report(claim)
    assert found.holds and found.ok and report.ok
    assert [c.outcome.verdict for c in found.checks] == [Verdict.PROVED, Verdict.PROVED]
    assert found.reason.startswith("agrees with the conclusion of every case")
    assert "diagonal" in found.reason and "off-diagonal" in found.reason


def test_a_claim_contradicting_a_case_names_the_case_its_conclusion_and_a_point():
    claim = Claim("too-simple", "Too simple", D(p[j], z[m]), p[j] * (1 - p[m]), ("diagonal", "off-diagonal"))
    report, found = _claim_report(claim)
    assert not found.holds and not found.ok and not report.ok
    diagonal, off = found.checks
    assert diagonal.outcome.verdict is Verdict.PROVED
    assert off.outcome.verdict is Verdict.REFUTED
    assert "contradicts off-diagonal (j ≠ m), which concludes -p_j·p_m: at k=2" in found.reason
    assert found.reason.endswith("agrees with diagonal")
    # The counterexample's values are the case's and the claim's, at the same point.
    ce = off.outcome.counterexample
    assert f"off-diagonal gives {ce.left}, the claim {ce.right}" in found.reason
    assert "Too simple" in found.text


def test_a_claim_against_a_wrong_case_is_an_erratum_and_meets_its_expectation():
    claim = Claim("jacobian-wrong", "Jacobian", D(p[j], z[m]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                  ("diagonal", "off-diagonal-wrong"), expect="erratum")
    report, found = _claim_report(claim)
    assert claim.expect is Expect.ERRATUM
    assert not found.holds and found.ok and report.ok
    assert "contradicts off-diagonal-wrong" in found.reason


def test_an_erratum_claim_that_holds_fails_its_expectation():
    claim = Claim("jacobian", "Jacobian", D(p[j], z[m]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                  ("diagonal", "off-diagonal"), expect=Expect.ERRATUM)
    report, found = _claim_report(claim)
    assert found.holds and not found.ok
    assert Report((report,)).exit_code == 1


def test_a_case_that_derives_another_subject_is_reported():
    claim = Claim("other", "Other subject", D(p[j], z[j]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                  ("off-diagonal",))
    _, found = _claim_report(claim)
    (check,) = found.checks
    assert check.subject is not None and check.subject.verdict is Verdict.REFUTED
    assert not found.holds
    assert found.reason.startswith("off-diagonal derives ∂p_j/∂z_m, not the claim's subject (REFUTED, counterexample: k=2")
    assert found.reason.endswith("; j = m: covered by no case")  # and the one case covers only j ≠ m


def test_the_same_subject_written_differently_is_compared_by_theCachedChecker():
    claim = Claim("same", "Same subject", D(softmax(z, j, k), z[m]), -p[j] * p[m], ("off-diagonal",),
                  assumptions=(Distinct(j, m),))
    _, found = _claim_report(claim)
    (check,) = found.checks
    assert check.subject is not None and check.subject.verdict is Verdict.PROVED
    assert found.holds


def test_a_claim_over_unknown_names_is_an_error_naming_proof_claim_and_case():
    stray = Vector("q")
    claim = Claim("stray", "Stray", D(p[j], z[m]), stray[j], ("diagonal",))
    report, found = _claim_report(claim)
    assert found.checks[0].outcome.verdict is Verdict.ERROR
    assert not found.holds and not found.ok
    whole = Report((report,))
    assert whole.exit_code == 2
    (line,) = whole.ill_formed()
    assert "proof 'jacobian', claim 'stray', case 'diagonal': unknown vector 'q'" in line
    assert "test_claims.py:" in line


def test_a_claim_proved_against_every_case_passes_without_accepting_weaker_verdicts():
    claim = Claim("jacobian", "Jacobian", D(p[j], z[m]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                  ("diagonal", "off-diagonal"))
    _, found = _claim_report(claim)
    assert found.ok  # both are PROVED


def test_claims_are_validated_when_the_proof_is_built():
    with pytest.raises(ModelError, match="claim 'x': no case named 'nowhere'"):
        _proof(Claim("x", "X", D(p[j], z[m]), 0, ("nowhere",)))
    with pytest.raises(ModelError, match="two claims are named 'x'"):
        _proof(Claim("x", "X", D(p[j], z[m]), 0, "diagonal"), Claim("x", "X", D(p[j], z[m]), 0, "diagonal"))
    with pytest.raises(ModelError, match="recombines no cases"):
        Claim("x", "X", D(p[j], z[m]), 0, ())
    with pytest.raises(ModelError, match="'holds' or 'erratum', not 'maybe'"):
        Claim("x", "X", D(p[j], z[m]), 0, "diagonal", expect="maybe")
    with pytest.raises(ModelError, match="expected Claim"):
        _proof("not a claim")
    assert Claim("x", "X", D(p[j], z[m]), 0, "diagonal").cases == ("diagonal",)


def test_a_case_conclusion_given_as_text_is_an_expectation():
    assert WRONG_OFF_DIAGONAL.conclusion is Expect.ERRATUM
    with pytest.raises(ModelError, match="case 'c': the expectation must be 'holds' or 'erratum'"):
        Case("c", "C", classes=k, start=D(p[j], z[m]), steps=[step(0, "x")], conclusion="wrong")


def test_counterexamples_use_the_case_name_for_the_number_of_classes():
    N = classes("N")
    with as_written():
        case = Case("c", "C", classes=N, assumptions=[Distinct(j, m)], start=D(exp(z[j]), z[m]),
                    steps=[erratum(exp(z[j]), "wrong", note="e^{z_j} does not depend on z_m")])
    proof = Proof(id="n-classes", title="N", source=Source("notes"), claim="c", cases=[case])
    (case_report,) = check_proof(proof).cases
    counterexample = case_report.steps[0].outcome.counterexample
    assert counterexample.classes_name == "N"
    assert counterexample.text().startswith("N=2, j=")
    assert "k=" not in counterexample.text()


def test_the_json_and_terminal_reports_carry_the_claims():
    with as_written():
        holding = Claim("jacobian", "Jacobian", D(p[j], z[m]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                        ("diagonal", "off-diagonal"), note="δ is the Kronecker delta")
    failing = Claim("jacobian-wrong", "Jacobian, wrong case", D(p[j], z[m]), p[j] * (sp.KroneckerDelta(j, m) - p[m]),
                    ("diagonal", "off-diagonal-wrong"), expect="erratum")
    report = Report((check_proof(_proof(holding, failing)),))
    data = report_data(report)
    claims = data["proofs"][0]["claims"]
    assert [(c["name"], c["holds"], c["expected"], c["ok"]) for c in claims] == [
        ("jacobian", True, "holds", True), ("jacobian-wrong", False, "erratum", True)]
    assert claims[0]["text"] == "Jacobian: ∂p_j/∂z_m = p_j·(δ_jm − p_m)"
    assert claims[0]["note"] == "δ is the Kronecker delta"
    assert claims[1]["reason"] == report.proofs[0].claims[1].reason
    assert [c["case"] for c in claims[1]["cases"]] == ["diagonal", "off-diagonal-wrong"]
    assert claims[1]["cases"][1]["verdict"] == "REFUTED"
    assert claims[1]["cases"][1]["counterexample"]["classes_name"] == "k"
    assert data["summary"]["claims"] == {"hold": 1, "do_not_hold": 1}
    json.dumps(data)  # serialisable

    out = io.StringIO()
    render_report(report, Console(file=out, width=400, color_system=None))
    text = out.getvalue()
    assert "✓ holds  Jacobian: ∂p_j/∂z_m = p_j·(δ_jm − p_m) — agrees with" in text
    assert "✗ does not hold (erratum)  Jacobian, wrong case:" in text
    # The verdicts of the claims come before the cases' tables.
    assert text.index("does not hold") < text.index("(assuming: j = m)")
    assert text.rstrip().endswith("1 proof, 3 steps: 2 proved, 1 refuted; 2 claims: 1 hold, 1 do not — ok")


def test_a_proof_without_claims_reports_none():
    report = Report((check_proof(_proof()),))
    assert report.proofs[0].claims == ()
    assert report_data(report)["proofs"][0]["claims"] == []
    out = io.StringIO()
    render_report(report, Console(file=out, width=400, color_system=None))
    assert "claims" not in out.getvalue()


def test_claims_and_their_counterexamples_replay_from_the_cache_unchanged():
    from derive.cache.store import MemoryStore

    N = classes("N")
    with as_written():
        case = Case("c", "C", classes=N, assumptions=[Distinct(j, m)], start=D(exp(z[j]), z[m]),
                    steps=[step(0, "e^{z_j} does not depend on z_m")])
    claim = Claim("wrong", "Wrong", D(exp(z[j]), z[m]), exp(z[j]), ("c",), expect="erratum")
    proof = Proof(id="n-classes", title="N", source=Source("notes"), claim="c", cases=[case], claims=[claim])
    store = MemoryStore()
    cold = check_proof(proof, Settings(), CachedChecker(store))
    stored = len(store.entries)
    warm = check_proof(proof, Settings(), CachedChecker(store))
    # One outcome for the step (the derivation compares the same two sides), one for the claim, and the
    # case's derived result; then replayed.
    assert sorted(kind for kind, _ in store.entries) == ["derived", "outcome", "outcome"]
    assert len(store.entries) == stored
    assert warm.claims[0].reason == cold.claims[0].reason
    assert "at N=2, j=" in warm.claims[0].reason and warm.claims[0].ok


def test_the_readme_claim_example_checks_as_written(tmp_path):
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = re.search(r"Copy this into `proofs/cross_entropy_cases.py`.*?```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "cross_entropy_cases.py").write_text(code)
    result = subprocess.run([sys.executable, "-m", "derive.cli", "check", "--no-cache"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ holds  Both cases at once: ∂L/∂z_j = p_j − y_j" in result.stdout
    assert result.stdout.rstrip().endswith("1 proof, 2 steps: 2 proved; 1 claim: 1 hold, 0 do not — ok")


def test_derive_show_lists_the_claims_with_their_cases():
    from derive.render.terminal import render_proof

    claim = Claim("jacobian", "Jacobian", D(p[j], z[m]), -p[j] * p[m], ("off-diagonal",), expect="erratum",
                  source_ref="line 9", note="read componentwise", assumptions=(Distinct(j, m),))
    with as_written():
        referenced = Case("off-diagonal", "j ≠ m", classes=k, assumptions=[Distinct(j, m)], definitions=SOFTMAX,
                          start=D(p[j], z[m]), steps=[step(-p[j] * p[m], "quotient rule", ref="line 8")])
    out = io.StringIO()
    render_proof(_proof(claim, cases=(DIAGONAL, referenced)), Console(file=out, width=400, color_system=None))
    text = out.getvalue()
    assert "= -p_j·p_m    — quotient rule [line 8]\n" in text  # brackets are text, not markup
    assert "Claim: Jacobian\n    ∂p_j/∂z_m = -p_j·p_m    — in each of off-diagonal [line 9] (erratum)\n" in text
    assert "note: read componentwise" in text
    assert "(erratum)\n    assuming j ≠ m\n" in text


def test_a_case_whose_last_line_is_ill_formed_concludes_nothing():
    with as_written():
        broken = Case("off-diagonal", "j ≠ m", classes=k, assumptions=[Distinct(j, m)], definitions=SOFTMAX,
                      start=D(p[j], z[m]), steps=[step(-p[j] * p[m], "quotient rule"), step("p_j", "as text")])
    claim = Claim("c", "C", D(p[j], z[m]), -p[j] * p[m], ("off-diagonal",))
    report = check_proof(_proof(claim, cases=(DIAGONAL, broken)))
    (found,) = report.claims
    assert found.checks[0].outcome.verdict is Verdict.ERROR and found.checks[0].conclusion is None
    assert not found.holds and not found.ok
    assert "the last line of case 'off-diagonal' could not be evaluated" in " ".join(Report((report,)).ill_formed())
