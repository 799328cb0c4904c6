"""The pytest plugin: a course repository's proofs become test items, with JUnit XML for free."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

from scratch_proofs import JACOBIAN, scratch_repository

ROOT = Path(__file__).resolve().parent.parent

CORRECT_ITEMS = ["proofs/jacobian.py::diagonal::step1", "proofs/jacobian.py::diagonal::step2",
                 "proofs/jacobian.py::diagonal::step3", "proofs/jacobian.py::diagonal::derived",
                 "proofs/jacobian.py::off-diagonal::step1", "proofs/jacobian.py::off-diagonal::step2",
                 "proofs/jacobian.py::off-diagonal::derived", "proofs/jacobian.py::sign-slip::step1",
                 "proofs/wrong.py::diagonal::step1"]
ERRATA = ["proofs/jacobian.py::sign-slip::step2", "proofs/jacobian.py::sign-slip::derived"]
WRONG = ["proofs/wrong.py::diagonal::step2", "proofs/wrong.py::diagonal::derived"]


def pytest_in(folder: Path, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)


def outcomes(output: str) -> dict[str, str]:
    """node id -> PASSED/FAILED/XFAIL/XPASS/ERROR, from the -rA short summary."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"(PASSED|FAILED|XFAIL|XPASS|ERROR) (\S+)", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


def junit_name(node_id: str) -> str:
    """The ``classname::name`` under which JUnit XML lists a node id."""
    path, rest = node_id.split(".py::")
    *within, name = rest.split("::")
    return ".".join([path.replace("/", "."), *within]) + "::" + name


def test_the_plugin_is_registered_through_the_pytest11_entry_point():
    assert [e.value for e in entry_points(group="pytest11") if e.name == "derive"] == ["derive.plugin"]


def test_a_scratch_repository_gets_a_pass_per_correct_step_and_a_failure_with_its_counterexample(tmp_path):
    scratch_repository(tmp_path)
    result = pytest_in(tmp_path, "-rA", "--junitxml=report.xml")
    output = result.stdout
    assert result.returncode == 1, output + result.stderr
    assert re.search(r"2 failed, 9 passed, 2 xfailed", output), output
    assert outcomes(output) == {**{n: "PASSED" for n in CORRECT_ITEMS}, **{n: "XFAIL" for n in ERRATA},
                                **{n: "FAILED" for n in WRONG}}
    failure = re.search(r"_+ diagonal::step2 _+\n(.*?)\n[_=-]", output, re.S).group(1).splitlines()
    assert failure[0].endswith("proof 'wrong-diagonal', case 'diagonal', step 2: expected PROVED, got REFUTED")
    assert failure[0].startswith("proofs/wrong.py:")
    assert failure[1:] == ["  = p_j·(1 + p_j)", "  because: factor out p_j [line 2]",
                           "  counterexample: k=2, j=1, z=(0, 0): left = 0.25, right = 0.75"]
    assert "Traceback" not in output and "derive/plugin.py" not in output

    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    cases = {f"{c.get('classname')}::{c.get('name')}": c for c in suite.iter("testcase")}
    expected = {junit_name(n) for n in CORRECT_ITEMS + ERRATA + WRONG}
    assert set(cases) == expected
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("13", "2", "2")
    step = cases["proofs.wrong.diagonal::step2"].find("failure")
    assert "counterexample: k=2, j=1, z=(0, 0): left = 0.25, right = 0.75" in step.get("message")
    erratum = cases["proofs.jacobian.sign-slip::step2"].find("skipped")
    assert erratum.get("type") == "pytest.xfail" and "the minus sign is lost" in erratum.get("message")
    assert all(not list(cases[junit_name(n)]) for n in CORRECT_ITEMS)  # a pass has no child element


def test_an_erratum_that_holds_fails_the_run(tmp_path):
    mended = JACOBIAN.replace("erratum(p[j] * p[m],", "erratum(-p[j] * p[m],")
    scratch_repository(tmp_path, **{"jacobian.py": mended})
    result = pytest_in(tmp_path, "-rA")
    assert result.returncode == 1
    found = outcomes(result.stdout)
    assert found["proofs/jacobian.py::sign-slip::step2"] == "FAILED"
    assert found["proofs/jacobian.py::sign-slip::derived"] == "FAILED"
    assert "[XPASS(strict)] erratum, must be refuted: the minus sign is lost" in result.stdout


VERIFIED_ONLY = '''\
from derive import Case, Proof, Source, classes, indices, step, sum_over

k = classes("k")
(i,) = indices("i")
PROOF = Proof("gauss", "The sum of the first k integers", Source("Test notes"), "Σ i = k(k+1)/2",
              cases=[Case("sum", "by instances", classes=k, start=sum_over(i, i, k),
                          steps=[step(k * (k + 1) / 2, "Gauss")])])
'''

NUMERIC_ONLY = '''\
import sympy as sp
from derive import Case, Proof, Source, Vector, classes, indices, step

k = classes("k")
(j,) = indices("j")
z = Vector("z")
PROOF = Proof("pythagoras", "sin² + cos² = 1", Source("Test notes"), "sin² + cos² = 1",
              cases=[Case("trig", "numerically only", classes=k, start=sp.sin(z[j]) ** 2 + sp.cos(z[j]) ** 2,
                          steps=[step(1, "Pythagoras")])])
'''

GAUSS_ITEMS = ["proofs/gauss.py::sum::step1", "proofs/gauss.py::sum::derived"]
TRIG_ITEMS = ["proofs/trig.py::trig::step1", "proofs/trig.py::trig::derived"]


def test_a_verified_step_fails_by_default_and_passes_with_derive_accept_verified(tmp_path):
    # Σ_{i=1}^{k} i = k(k+1)/2 is true (the oracle: Gauss's formula) but needs induction, so it is only VERIFIED.
    scratch_repository(tmp_path, **{"gauss.py": VERIFIED_ONLY})
    strict = pytest_in(tmp_path, "-rA")
    assert strict.returncode == 1, strict.stdout
    assert outcomes(strict.stdout) == {n: "FAILED" for n in GAUSS_ITEMS}
    assert "step 1: expected PROVED, got VERIFIED" in strict.stdout
    assert "exactly at k = 2.." in strict.stdout
    assert "not proved for every k; --derive-accept=verified (or [tool.derive] accept) accepts it" in strict.stdout
    accepting = pytest_in(tmp_path, "-rA", "--derive-accept=verified")
    assert accepting.returncode == 0, accepting.stdout
    assert outcomes(accepting.stdout) == {n: "PASSED" for n in GAUSS_ITEMS}


def test_a_numeric_step_passes_only_when_numeric_is_accepted(tmp_path):
    scratch_repository(tmp_path, **{"trig.py": NUMERIC_ONLY})
    assert outcomes(pytest_in(tmp_path, "-rA").stdout) == {n: "FAILED" for n in TRIG_ITEMS}
    verified_only = pytest_in(tmp_path, "-rA", "--derive-accept", "verified")
    assert outcomes(verified_only.stdout) == {n: "FAILED" for n in TRIG_ITEMS}
    assert "step 1: expected PROVED or VERIFIED (accepted), got NUMERIC" in verified_only.stdout
    both = pytest_in(tmp_path, "-rA", "--derive-accept=verified,numeric")
    assert both.returncode == 0, both.stdout
    assert outcomes(both.stdout) == {n: "PASSED" for n in TRIG_ITEMS}


def test_the_accepted_verdicts_come_from_the_ini_setting_or_tool_derive(tmp_path):
    scratch_repository(tmp_path, **{"gauss.py": VERIFIED_ONLY, "trig.py": NUMERIC_ONLY})
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.derive]\naccept = ["verified", "numeric"]\n')
    configured = pytest_in(tmp_path, "-rA")
    assert configured.returncode == 0, configured.stdout
    assert set(outcomes(configured.stdout).values()) == {"PASSED"}
    # The command line overrides the project: none accepts PROVED alone again.
    overridden = pytest_in(tmp_path, "-rA", "--derive-accept=none")
    assert set(outcomes(overridden.stdout).values()) == {"FAILED"}
    # The ini setting of pytest comes before [tool.derive].
    config.write_text('[tool.pytest.ini_options]\nderive_accept = ["verified"]\n'
                      '[tool.derive]\naccept = ["verified", "numeric"]\n')
    ini = pytest_in(tmp_path, "-rA")
    assert outcomes(ini.stdout) == {**{n: "PASSED" for n in GAUSS_ITEMS}, **{n: "FAILED" for n in TRIG_ITEMS}}


def test_an_unknown_accepted_verdict_is_a_one_line_usage_error(tmp_path):
    scratch_repository(tmp_path, **{"gauss.py": VERIFIED_ONLY})
    result = pytest_in(tmp_path, "--derive-accept=verifed")
    assert result.returncode == 4  # pytest's usage error
    assert ("ERROR: derive accept: unknown verdict to accept 'verifed': the allowed values are verified, numeric "
            "(comma-separated), or none") in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\naccept = ["proved"]\n')
    configured = pytest_in(tmp_path)
    assert configured.returncode == 4
    assert "pyproject.toml: [tool.derive] accept: unknown verdict to accept 'proved'" in configured.stderr


def test_derive_strict_is_a_deprecated_spelling_of_the_default(tmp_path):
    scratch_repository(tmp_path, **{"gauss.py": VERIFIED_ONLY})
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\naccept = ["verified"]\n')
    strict = pytest_in(tmp_path, "-rA", "--derive-strict")
    assert strict.returncode == 1
    assert outcomes(strict.stdout)["proofs/gauss.py::sum::step1"] == "FAILED"
    assert "--derive-strict is deprecated" in strict.stdout
    both = pytest_in(tmp_path, "--derive-strict", "--derive-accept=verified")
    assert both.returncode == 4 and "cannot be combined" in both.stderr


def test_a_proof_file_that_cannot_be_loaded_is_a_collection_error_in_one_line(tmp_path):
    scratch_repository(tmp_path, **{"broken.py": "from derive import classes\n\nk = classes('k')\nx = 1 / 0\n"})
    result = pytest_in(tmp_path)
    assert result.returncode == 2
    assert "proofs/broken.py:4: ZeroDivisionError: division by zero" in result.stdout
    assert "Traceback" not in result.stdout


def test_two_proofs_in_one_file_are_told_apart_by_their_ids(tmp_path):
    second = JACOBIAN + textwrap.dedent('''
        AGAIN = Proof("softmax-jacobian-again", "Again", Source("Test notes"), "the same", cases=[DIAGONAL])
        ''')
    scratch_repository(tmp_path, **{"jacobian.py": second})
    result = pytest_in(tmp_path, "--collect-only", "-q")
    items = [line for line in result.stdout.splitlines() if line.startswith("proofs/")]
    assert "proofs/jacobian.py::softmax-jacobian::diagonal::step1" in items
    assert "proofs/jacobian.py::softmax-jacobian-again::diagonal::derived" in items
    assert len(items) == 10 + 4


def test_proof_folders_come_from_tool_derive_in_pyproject(tmp_path):
    scratch_repository(tmp_path)  # proofs/ is not configured below, so it is not collected
    (tmp_path / "notes" / "derivations").mkdir(parents=True)
    (tmp_path / "notes" / "derivations" / "jacobian.py").write_text(JACOBIAN)
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nproofs = ["notes/derivations"]\n')
    result = pytest_in(tmp_path, "--collect-only", "-q")
    items = [line for line in result.stdout.splitlines() if "::" in line]
    assert len(items) == 10 and all(i.startswith("notes/derivations/jacobian.py::") for i in items)


def test_this_repository_collects_its_proofs_only_when_asked():
    by_default = pytest_in(ROOT, "--collect-only", "-q")
    assert by_default.returncode == 0, by_default.stdout
    assert not [line for line in by_default.stdout.splitlines() if line.startswith("proofs/")]
    asked = pytest_in(ROOT, "--collect-only", "-q", "proofs")
    items = [line for line in asked.stdout.splitlines() if line.startswith("proofs/")]
    assert "proofs/softmax_cross_entropy.py::part1-case1-quotient::step1" in items
    assert len(items) >= 33 + 13


def test_items_replay_the_cache_on_a_second_run(tmp_path):
    scratch_repository(tmp_path)
    uncached = pytest_in(tmp_path, "--derive-no-cache")
    assert not (tmp_path / ".derive-cache").exists()
    first = pytest_in(tmp_path)
    entries = sorted(p.name for p in (tmp_path / ".derive-cache").glob("*.json"))
    assert len(entries) == 15  # twelve outcomes, three derived results (two cases share a start and a step)
    second = pytest_in(tmp_path, "-W", "error::derive.plugin.DeriveCacheWarning")
    last = [r.stdout.strip().splitlines()[-1] for r in (uncached, first, second)]
    assert all(re.search(r"2 failed, 9 passed, 2 xfailed", line) for line in last), last
    for entry in (tmp_path / ".derive-cache").glob("*.json"):
        entry.write_text("{")
    warned = pytest_in(tmp_path)
    assert "DeriveCacheWarning: ignoring cache entry" in warned.stdout
    assert re.search(r"2 failed, 9 passed, 2 xfailed", warned.stdout)


def test_a_document_in_the_proof_folder_is_collected_step_by_step(tmp_path):
    # A Markdown document that declares itself for derive is read like a proof module; a README is not.
    (tmp_path / "proofs").mkdir()
    corpus = ROOT / "tests" / "documents" / "corpus"
    (tmp_path / "proofs" / "sign_error.md").write_text((corpus / "sign_error.md").read_text())
    (tmp_path / "proofs" / "README.md").write_text("# Notes\n\n$$a = b$$\n")
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nproofs = ["proofs"]\n')
    result = pytest_in(tmp_path, "-rA")
    found = outcomes(result.stdout)
    assert found and all(node.startswith("proofs/sign_error.md::") for node in found), result.stdout + result.stderr
    assert "FAILED" in found.values() and "PASSED" in found.values()
    assert result.returncode == 1
