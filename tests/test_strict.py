"""Strict by default: a step, result or claim that should hold passes only when PROVED, unless the run accepts
VERIFIED or NUMERIC (``--accept``, ``[tool.derive] accept``); errata pass only when REFUTED."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import mpmath
import pytest
from commands import ROOT, derive_here
from scratch_proofs import JACOBIAN, scratch_repository

from derive.io.config import Accepted, AcceptError, ConfigError, configured_accept, resolve_accepted
from derive.core.verdict import Verdict
from derive.model.report import Report, meets
from derive.model.proof import Expect

# Σ_{i=1}^{k} i = k(k+1)/2 is true for every k (Gauss), but needs induction, which the rules do not do:
# the checker can only verify it on instances.
GAUSS = '''\
from derive import Case, Proof, Source, classes, indices, step, sum_over

k = classes("k")
(i,) = indices("i")
PROOF = Proof("gauss", "The sum of the first k integers", Source("Test notes"), "Σ i = k(k+1)/2",
              cases=[Case("sum", "by instances", classes=k, start=sum_over(i, i, k),
                          steps=[step(k * (k + 1) / 2, "Gauss")])])
'''

# sin² + cos² = 1 is true, but outside the rational forms the checker decides exactly: numeric agreement only.
PYTHAGORAS = '''\
import sympy as sp
from derive import Case, Proof, Source, Vector, classes, indices, step

k = classes("k")
(j,) = indices("j")
z = Vector("z")
PROOF = Proof("pythagoras", "sin² + cos² = 1", Source("Test notes"), "sin² + cos² = 1",
              cases=[Case("trig", "numerically only", classes=k, start=sp.sin(z[j]) ** 2 + sp.cos(z[j]) ** 2,
                          steps=[step(1, "Pythagoras")])])
'''


def test_the_example_statements_are_true_by_an_independent_oracle():
    assert all(sum(range(1, n + 1)) == n * (n + 1) // 2 for n in range(2, 200))
    mpmath.mp.dps = 50
    rng = random.Random(0)
    for _ in range(50):
        x = mpmath.mpf(rng.uniform(-20, 20))
        assert abs(mpmath.sin(x) ** 2 + mpmath.cos(x) ** 2 - 1) < mpmath.mpf(10) ** -45


def _check(tmp_path, *args, files=None):
    scratch_repository(tmp_path, **(files or {"gauss.py": GAUSS}))
    result = derive_here("check", "--json", "--no-progress", "--no-cache", "--no-numeric", *args, cwd=tmp_path)
    return result, json.loads(result.stdout)


def _step(data, proof_id):
    (proof,) = [p for p in data["proofs"] if p["id"] == proof_id]
    return proof["cases"][0]["steps"][0], proof["cases"][0]["derived"]


def test_a_verified_step_fails_by_default_and_passes_with_accept_verified(tmp_path):
    strict, data = _check(tmp_path)
    step, derived = _step(data, "gauss")
    assert step["verdict"] == derived["verdict"] == "VERIFIED"
    assert not step["ok"] and not derived["ok"]
    assert strict.returncode == data["summary"]["exit_code"] == 1
    assert data["summary"]["accepted"] == ["PROVED"]
    assert ("derive: 2 checks are not proved for every k (VERIFIED) and fail the run; --accept verified"
            in strict.stderr)

    accepting, data = _check(tmp_path, "--accept", "verified")
    step, derived = _step(data, "gauss")
    assert step["ok"] and derived["ok"]
    assert accepting.returncode == 0, accepting.stderr
    assert data["summary"]["accepted"] == ["PROVED", "VERIFIED"]
    assert "not proved for every k" not in accepting.stderr


def test_a_numeric_step_fails_unless_numeric_is_accepted(tmp_path):
    files = {"trig.py": PYTHAGORAS}
    for args, code in [((), 1), (("--accept", "verified"), 1), (("--accept", "numeric"), 0),
                       (("--accept", "verified,numeric"), 0), (("--accept", "verified", "--accept", "NUMERIC"), 0)]:
        result, data = _check(tmp_path, *args, files=files)
        step, _ = _step(data, "pythagoras")
        assert step["verdict"] == "NUMERIC"
        assert result.returncode == code, (args, result.stderr)
        assert step["ok"] is (code == 0)


def test_the_project_accepts_in_pyproject_and_the_command_line_overrides_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\naccept = ["verified", "numeric"]\n')
    files = {"gauss.py": GAUSS, "trig.py": PYTHAGORAS}
    configured, data = _check(tmp_path, files=files)
    assert configured.returncode == 0, configured.stderr
    assert data["summary"]["accepted"] == ["PROVED", "VERIFIED", "NUMERIC"]
    only_verified, data = _check(tmp_path, "--accept", "verified", files=files)
    assert only_verified.returncode == 1
    assert data["summary"]["accepted"] == ["PROVED", "VERIFIED"]
    assert "(NUMERIC) and fail the run; --accept numeric" in only_verified.stderr
    none, data = _check(tmp_path, "--accept", "none", files=files)
    assert none.returncode == 1 and data["summary"]["accepted"] == ["PROVED"]


@pytest.mark.parametrize("args, config, message", [
    (("--accept", "verifed"), None,
     "derive: --accept: unknown verdict to accept 'verifed': the allowed values are verified, numeric "
     "(comma-separated), or none"),
    (("--accept", "proved"), None, "derive: --accept: unknown verdict to accept 'proved'"),
    (("--accept", "none,verified"), None, "'none' accepts nothing beyond PROVED and cannot be combined with verified"),
    ((), 'accept = ["verified", "refuted"]', "pyproject.toml: [tool.derive] accept: unknown verdict to accept "
                                             "'refuted': the allowed values are verified, numeric"),
    ((), "accept = true", 'pyproject.toml: [tool.derive] accept must be a list of verdict names'),
    (("--strict", "--accept", "verified"), None, "derive: --strict and --accept cannot be combined"),
])
def test_unknown_accept_values_are_a_one_line_error_with_exit_2(tmp_path, args, config, message):
    scratch_repository(tmp_path, **{"gauss.py": GAUSS})
    if config is not None:
        (tmp_path / "pyproject.toml").write_text(f"[tool.derive]\n{config}\n")
    for command in ("check", "latex"):
        result = derive_here(command, "--no-cache", *args, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stdout == ""


def test_strict_is_a_deprecated_spelling_of_accept_none(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\naccept = ["verified"]\n')
    result, data = _check(tmp_path, "--strict")
    assert result.returncode == 1
    assert data["summary"]["accepted"] == ["PROVED"]
    assert "derive: --strict is deprecated: only PROVED passes by default; it is the same as --accept none" \
        in result.stderr
    proved = derive_here("check", "--strict", "--no-cache", "--no-progress", cwd=scratch_repository(
        tmp_path / "jacobian", **{"jacobian.py": JACOBIAN}))
    assert proved.returncode == 0, proved.stderr


def test_a_statement_true_up_to_k_4_and_false_at_k_5_never_passes_by_default(tmp_path):
    # Σ i + (k−2)(k−3)(k−4) agrees with k(k+1)/2 for k = 2, 3, 4 and differs from k = 5 on.
    assert [n * (n + 1) // 2 + (n - 2) * (n - 3) * (n - 4) == sum(range(1, n + 1)) for n in range(2, 7)] == \
        [True, True, True, False, False]
    cubic = GAUSS.replace("step(k * (k + 1) / 2,", "step(k * (k + 1) / 2 + (k - 2) * (k - 3) * (k - 4),")
    result, data = _check(tmp_path, files={"gauss.py": cubic})
    step, _ = _step(data, "gauss")
    assert step["verdict"] != "PROVED" and not step["ok"]
    assert result.returncode == 1


def test_errata_pass_only_when_refuted_whatever_is_accepted(tmp_path):
    wrongly_an_erratum = GAUSS.replace('step(k * (k + 1) / 2, "Gauss")',
                                       'erratum(k * (k + 1) / 2, "Gauss", note="marked wrong, but it holds")')
    wrongly_an_erratum = wrongly_an_erratum.replace("indices, step,", "indices, erratum, step,")
    result, data = _check(tmp_path, "--accept", "verified,numeric", files={"gauss.py": wrongly_an_erratum})
    step, _ = _step(data, "gauss")
    assert step["verdict"] == "VERIFIED" and step["expected"] == "erratum" and not step["ok"]
    assert result.returncode == 1
    for verdict in Verdict:
        for accepted in (Accepted(), Accepted.parse("verified,numeric")):
            assert meets(verdict, Expect.ERRATUM, accepted) is (verdict is Verdict.REFUTED)


def test_only_proved_meets_a_step_that_should_hold_unless_accepted():
    everything = Accepted.parse(["verified", "numeric"])
    for verdict in Verdict:
        assert meets(verdict, Expect.HOLDS) is (verdict is Verdict.PROVED)
        assert meets(verdict, Expect.HOLDS, everything) is (verdict in (Verdict.PROVED, Verdict.VERIFIED,
                                                                         Verdict.NUMERIC))
    assert meets(Verdict.VERIFIED, Expect.HOLDS, Accepted.parse("verified"))
    assert not meets(Verdict.NUMERIC, Expect.HOLDS, Accepted.parse("verified"))


def test_the_accepted_verdicts_are_one_frozen_value():
    accepted = Accepted.parse(" Verified , numeric ")
    assert accepted == Accepted.parse(["numeric", "verified"]) == Accepted(frozenset({Verdict.VERIFIED,
                                                                                      Verdict.NUMERIC}))
    assert accepted.verdicts == (Verdict.PROVED, Verdict.VERIFIED, Verdict.NUMERIC)
    assert accepted.option() == "verified,numeric" and Accepted().option() == "none"
    assert Accepted.parse("none") == Accepted() and Accepted().verdicts == (Verdict.PROVED,)
    with pytest.raises(AttributeError):
        accepted.extra = frozenset()
    with pytest.raises(AcceptError, match="only VERIFIED and NUMERIC may be accepted"):
        Accepted(frozenset({Verdict.REFUTED}))
    with pytest.raises(AcceptError, match=r"unknown verdict to accept '\(empty\)'"):
        Accepted.parse("verified,")


def test_the_project_setting_is_read_without_sympy_and_defaults_to_proved_alone(tmp_path):
    assert configured_accept(tmp_path) is None
    assert resolve_accepted(None, tmp_path) == Accepted()
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\naccept = "numeric"\n')
    assert resolve_accepted(None, tmp_path) == Accepted.parse("numeric")
    assert resolve_accepted(["verified"], tmp_path) == Accepted.parse("verified")
    (tmp_path / "pyproject.toml").write_text('[tool.derive\n')
    with pytest.raises(ConfigError, match="pyproject.toml: cannot be read"):
        configured_accept(tmp_path)
    script = ("import sys; from pathlib import Path; from derive.io.config import resolve_accepted\n"
              f"resolve_accepted(None, Path({str(ROOT)!r}))\nprint('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_claims_pass_only_when_every_comparison_is_proved_or_accepted():
    from derive import Case, Claim, Proof, Source, classes, indices, step, sum_over
    from derive.engine.run import Settings, check_proof

    k = classes("k")
    (i,) = indices("i")
    # The case rewrites Σ 2i as 2·Σ i (linearity: PROVED); the claim says 2·Σ i = k(k+1), which needs Gauss.
    case = Case("double", "twice the sum", classes=k, start=sum_over(2 * i, i, k),
                steps=[step(2 * sum_over(i, i, k), "linearity")])
    claim = Claim("gauss", "Gauss, doubled", sum_over(2 * i, i, k), k * (k + 1), ("double",))
    proof = Proof("doubled", "Doubled", Source("notes"), "Σ 2i = k(k+1)", cases=[case], claims=[claim])
    strict = check_proof(proof)
    (found,) = strict.claims
    assert strict.cases[0].steps[0].outcome.verdict is Verdict.PROVED
    assert found.checks[0].outcome.verdict is Verdict.VERIFIED
    assert found.holds and not found.ok and not strict.ok
    assert "not proved for every k against double (VERIFIED)" in found.reason
    report = Report((strict,))
    assert report.exit_code == 1 and report.not_accepted() == (Verdict.VERIFIED,)
    lenient = check_proof(proof, Settings(accepted=Accepted.parse("verified")))
    assert lenient.claims[0].ok and lenient.ok


def test_the_notes_mark_verified_and_numeric_lines_as_not_proved_for_every_k(tmp_path):
    scratch_repository(tmp_path, **{"gauss.py": GAUSS, "trig.py": PYTHAGORAS})
    strict = derive_here("latex", "--markdown", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert strict.returncode == 0, strict.stderr
    text = strict.stdout
    assert r"$\checkmark_{k \le K}$ verified exactly on every instance up to K classes, not proved for every k" in text
    assert r"$\approx$ agrees numerically only, not proved for every k" in text
    assert ("*Line 1 is not proved for every k.* It is verified exactly at k = 2, 3, 4 only; it fails the run "
            "unless the run accepts VERIFIED (--accept verified).") in text
    assert ("*Line 1 is not proved for every k.* It is checked numerically at k = 2, 3, 4 only; it fails the run "
            "unless the run accepts NUMERIC (--accept numeric).") in text
    rows = [line for line in text.splitlines() if line.startswith(("| by instances |", "| numerically only |"))]
    assert len(rows) == 2 and all(row.endswith(r"| $\times$ |") for row in rows)  # neither came out as expected
    accepting = derive_here("latex", "--markdown", "--no-cache", "--no-numeric", "--accept", "verified,numeric",
                       cwd=tmp_path)
    assert ("It is verified exactly at k = 2, 3, 4 only, which this run accepts (--accept verified)."
            in accepting.stdout)
    rows = [line for line in accepting.stdout.splitlines()
            if line.startswith(("| by instances |", "| numerically only |"))]
    assert len(rows) == 2 and all(row.endswith(r"| $\checkmark$ |") for row in rows)
    latex = derive_here("latex", "--no-cache", "--no-numeric", cwd=tmp_path).stdout
    assert r"\textit{Line 1 is not proved for every k.} It is verified exactly at k = 2, 3, 4 only" in latex
    assert r"\tag*{\deriveverified{4}}" in latex and r"\tag*{\derivenumeric}" in latex
