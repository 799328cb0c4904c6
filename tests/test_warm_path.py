"""A warm ``derive check``: nothing changed, so the run is answered from .derive-cache/runs/ without
importing SymPy or any proof module; any change to what the run read is seen and checked again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from commands import ROOT

PROOF = '''\
from derive import Case, Proof, Source, Vector, as_written, classes, indices, step, sum_over
from common import FACTOR

k = classes("k")
(i,) = indices("i")
z = Vector("z")

with as_written():
    CASE = Case("linearity", "A constant out of a sum", classes=k, start=sum_over(FACTOR * z[i], i, k),
                steps=[step(2 * sum_over(z[i], i, k), "take the constant out", ref="line 1")])

PROOF = Proof("tiny", "A constant out of a sum", Source("Test notes, section 1"), "Σ 2 z_i = 2 Σ z_i",
              cases=[CASE])
'''

# Runs derive's command in-process and says which heavy modules it imported.
PROBE = '''\
import sys
from derive.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
heavy = sorted(m for m in ("sympy", "numpy", "mpmath", "rich", "derive_proofs") if any(
    name == m or name.startswith(m + ".") or name.startswith(m + "_") for name in sys.modules))
print("IMPORTED:" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
'''


def _course(tmp_path: Path) -> Path:
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "tiny.py").write_text(PROOF, encoding="utf-8")
    (tmp_path / "common.py").write_text("FACTOR = 2\n", encoding="utf-8")
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    return tmp_path


def _run(course: Path, *args: str):
    env = {**os.environ, "PYTHONPATH": f"{course}{os.pathsep}{ROOT}", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    result = subprocess.run([sys.executable, "probe.py", "check", "--no-progress", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=300)
    stderr, _, imported = result.stderr.rpartition("IMPORTED:")
    return result.returncode, result.stdout, stderr, imported.strip()


def test_a_warm_run_prints_the_same_bytes_without_importing_sympy_or_the_proofs(tmp_path):
    course = _course(tmp_path)
    cold = _run(course)
    assert cold[0] == 0 and "tiny" in cold[1] and "sympy" in cold[3]
    warm = _run(course)
    assert warm[:3] == cold[:3]
    assert warm[3] == "", f"a warm run imported {warm[3]}"
    assert len(list((course / ".derive-cache" / "runs").glob("*.json"))) == 1


def test_each_kind_of_change_is_seen(tmp_path):
    course = _course(tmp_path)
    assert _run(course)[0] == 0
    # the helper module the proof imports: FACTOR = 3 makes the step wrong
    (course / "common.py").write_text("FACTOR = 3\n", encoding="utf-8")
    code, out, _, imported = _run(course)
    assert code == 1 and "REFUTED" in out and "sympy" in imported
    (course / "common.py").write_text("FACTOR = 2\n", encoding="utf-8")
    assert _run(course)[0] == 0
    # a new proof file in the proofs folder
    (course / "proofs" / "second.py").write_text(PROOF.replace('"tiny"', '"second"'), encoding="utf-8")
    code, out, _, imported = _run(course)
    assert code == 0 and "second" in out and "sympy" in imported
    # the proof file itself
    (course / "proofs" / "second.py").write_text(PROOF.replace('"tiny"', '"second"').replace("2 *", "4 *"),
                                                 encoding="utf-8")
    code, out, _, imported = _run(course)
    assert code == 1 and "sympy" in imported
    # the arguments: a JSON report is another question
    code, out, _, imported = _run(course, "--json")
    assert code == 1 and json.loads(out)["summary"]["exit_code"] == 1 and "sympy" in imported
    # pyproject.toml ([tool.derive] settings) and derive's settings of the run
    (course / "pyproject.toml").write_text('[tool.derive]\naccept = ["verified"]\n', encoding="utf-8")
    assert "sympy" in _run(course, "--json")[3]
    assert "sympy" not in _run(course, "--json")[3]


def test_no_cache_records_nothing_and_a_load_error_is_never_replayed(tmp_path):
    course = _course(tmp_path)
    _run(course, "--no-cache")
    assert not (course / ".derive-cache").exists()
    (course / "proofs" / "broken.py").write_text("x = 1 / 0\n", encoding="utf-8")
    first = _run(course)
    assert first[0] == 2 and "ZeroDivisionError" in first[2]
    second = _run(course)
    assert second[0] == 2 and "sympy" in second[3]   # checked again, not replayed
    assert not (course / ".derive-cache" / "runs").exists()


def test_a_run_with_an_unsettled_verdict_is_not_recorded():
    from types import SimpleNamespace as S

    from derive.cache.runs import settled
    from derive.core.verdict import Outcome, Verdict

    def report(verdict):
        step = S(outcome=Outcome(verdict))
        case = S(steps=[step], derived=None)
        return S(proofs=[S(cases=[case], claims=[])])

    assert settled(report(Verdict.PROVED)) and settled(report(Verdict.REFUTED))
    assert not settled(report(Verdict.UNKNOWN))
