"""The command line and the pytest plugin agree: the same verdicts, the same numeric checks, one cache."""

from __future__ import annotations

import json
import re

from commands import derive_here
from scratch_proofs import JACOBIAN, WRONG, scratch_repository
from test_plugin import outcomes, pytest_in

from derive.cache.store import CACHE_DIR

# A correct conclusion and a wrong one (the sign of p_j p_m flipped), checked numerically.
CONCLUDED = '''\
"""Two conclusions about the softmax Jacobian, one of them wrong (a test fixture)."""
from sympy import KroneckerDelta
from derive import (D, Case, Equal, Proof, Source, Vector, as_written, classes, conclusion, indices, softmax,
                    step)

k = classes("k")
j, m = indices("j m")
z = Vector("z")
p = Vector("p")

with as_written():
    DEFINITIONS = {p: lambda a: softmax(z, a, k)}
    PROOF = Proof("concluded", "Softmax conclusions", Source("Test notes, section 3"), "∂p_j/∂z_m",
                  cases=[Case("diagonal", "The diagonal entries", classes=k, assumptions=[Equal(j, m)],
                              definitions=DEFINITIONS, start=D(p[j], z[j]),
                              steps=[step(p[j] * (1 - p[j]), "the quotient rule, factored", ref="line 1")])],
                  conclusions=[conclusion("jacobian", p[j] * KroneckerDelta(j, m) - p[j] * p[m], of=p[j], wrt=z[m],
                                          classes=k, definitions=DEFINITIONS),
                               conclusion("flipped", p[j] * KroneckerDelta(j, m) + p[j] * p[m], of=p[j], wrt=z[m],
                                          classes=k, definitions=DEFINITIONS)])
'''


def _cli_results(data) -> dict[str, bool]:
    """node id -> passed, from ``derive check --json``, named as the plugin names its items."""
    files = {"softmax-jacobian": "jacobian.py", "wrong-diagonal": "wrong.py", "concluded": "concluded.py"}
    found = {}
    for proof in data["proofs"]:
        prefix = f"proofs/{files[proof['id']]}"
        for case in proof["cases"]:
            for s in case["steps"]:
                found[f"{prefix}::{case['name']}::step{s['index']}"] = s["ok"]
            found[f"{prefix}::{case['name']}::derived"] = case["derived"]["ok"]
        rows = proof["numeric"]["rows"] if proof["numeric"] else []
        for name in sorted({r["conclusion"] for r in rows}):
            found[f"{prefix}::numeric::{name}"] = all(r["passed"] for r in rows if r["conclusion"] == name)
    return found


def test_the_plugin_and_the_command_line_give_the_same_verdicts_and_numeric_checks(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN, "wrong.py": WRONG, "concluded.py": CONCLUDED})
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nproofs = ["proofs"]\n')
    checked = derive_here("check", "--json", "--no-cache", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    cli = _cli_results(json.loads(checked.stdout))
    # the wrong step and the wrong conclusion fail, the right ones pass: the oracle is the fixture itself
    assert cli["proofs/wrong.py::diagonal::step2"] is False and cli["proofs/jacobian.py::diagonal::step3"] is True
    assert cli["proofs/concluded.py::numeric::jacobian"] is True
    assert cli["proofs/concluded.py::numeric::flipped"] is False

    result = pytest_in(tmp_path, "-rA", "--derive-no-cache")
    plugin = {node: state in ("PASSED", "XPASS") for node, state in outcomes(result.stdout).items()
              if state != "XFAIL"}
    expected_errata = {"proofs/jacobian.py::sign-slip::step2", "proofs/jacobian.py::sign-slip::derived"}
    assert set(plugin) | expected_errata == set(cli), result.stdout
    assert plugin == {node: ok for node, ok in cli.items() if node not in expected_errata}, result.stdout
    failure = re.search(r"_+ numeric::flipped _+\n(.*?)\n[_=-]", result.stdout, re.S).group(1)
    assert "proof 'concluded', conclusion 'flipped', numeric checks (seed 0)" in failure
    assert "Traceback" not in result.stdout


def test_the_plugin_and_the_command_line_keep_one_cache_in_the_project_root(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nproofs = ["proofs"]\n')
    inner = tmp_path / "proofs"
    checked = derive_here("check", "--no-numeric", ".", cwd=inner)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (tmp_path / CACHE_DIR).is_dir() and not (inner / CACHE_DIR).exists()
    entries = sorted(p.name for p in (tmp_path / CACHE_DIR).glob("*.json"))
    result = pytest_in(inner, "-rA", "--derive-no-numeric", ".")
    assert result.returncode == 0, result.stdout
    assert sorted(p.name for p in (tmp_path / CACHE_DIR).glob("*.json")) == entries  # replayed, nothing new
    assert not (inner / CACHE_DIR).exists()


def test_an_unknown_key_of_tool_derive_is_a_one_line_error_in_both(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nproofs = ["proofs"]\nbudjet = 10\n')
    checked = derive_here("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert checked.stderr.strip().endswith("[tool.derive] has no setting 'budjet': the settings are proofs, accept, "
                                           "numeric-k")
    result = pytest_in(tmp_path)
    assert result.returncode != 0 and "has no setting 'budjet'" in result.stderr
    assert "Traceback" not in result.stderr


def test_numeric_k_of_tool_derive_sets_the_numbers_of_classes_in_both(tmp_path):
    scratch_repository(tmp_path, **{"concluded.py": CONCLUDED})
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nnumeric-k = [2, "3", "2^4"]\n')
    checked = derive_here("check", "--json", "--no-cache", cwd=tmp_path)
    (proof,) = json.loads(checked.stdout)["proofs"]
    assert sorted({r["k"] for r in proof["numeric"]["rows"]}) == [2, 3, 16]
    numeric = derive_here("numeric", "--json", cwd=tmp_path)
    assert json.loads(numeric.stdout)["classes"] == [2, 3, 16]
    assert json.loads(derive_here("numeric", "--json", "--k", "5", cwd=tmp_path).stdout)["classes"] == [5]  # --k wins
    result = pytest_in(tmp_path, "-rA", "--derive-no-cache")
    failure = re.search(r"_+ numeric::flipped _+\n(.*?)\n[_=-]", result.stdout, re.S).group(1)
    assert "k=16," in failure and "k=1048576" not in failure


def test_a_numeric_k_that_is_not_a_list_of_class_counts_is_a_one_line_error_in_both(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    for value, reason in (("1000", "must be a list of numbers of classes"), ("[]", "must be a list"),
                          ('[2, "2^x"]', "not a number of classes: '2^x'"), ("[1]", "at least 2, not 1"),
                          ("[true]", "not a number of classes: True"), ('["2^99"]', "not a number of classes")):
        (tmp_path / "pyproject.toml").write_text(f"[tool.derive]\nnumeric-k = {value}\n")
        checked = derive_here("check", cwd=tmp_path)
        assert checked.returncode == 2, value
        (line,) = checked.stderr.strip().splitlines()
        assert "pyproject.toml: [tool.derive] numeric-k" in line and reason in line, (value, line)
        result = pytest_in(tmp_path)
        assert result.returncode != 0 and "[tool.derive] numeric-k" in result.stderr, value
        assert "Traceback" not in result.stderr
