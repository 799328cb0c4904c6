"""Cold, warm, one job and two jobs give the same JSON apart from timings, on every folder of proofs.

The folders are the bundled proofs and, when it holds proof files, the adversarial suite under
``tests/adversarial/``.  Each is checked from a scratch working directory, so that its cache is its own.
Its ``pyproject.toml`` leaves 2^20 out of the numeric checks' class counts (``numeric-k``): what is shown
here does not depend on the class counts, and the checks at 2^20 are tests/test_numeric.py's, at every
conclusion; four cold runs at 2^20 would be four fifths of this test's time.
"""

from __future__ import annotations

import json
import shutil

import pytest
from commands import ROOT, derive, without_seconds

from derive.cache.store import CACHE_DIR


def _folders() -> list:
    folders = [ROOT / "proofs"]
    adversarial = ROOT / "tests" / "adversarial"
    if adversarial.is_dir() and any(not p.name.startswith("_") for p in adversarial.rglob("*.py")):
        folders.append(adversarial)
    return [pytest.param(folder, id=str(folder.relative_to(ROOT))) for folder in folders]


RUNS = [  # (what the run is, its options, whether the cache is emptied before it)
    ("without the cache, one process", ("--no-cache", "-j", "1"), False),
    ("cold, one process", ("-j", "1"), True),
    ("warm, one process", ("-j", "1"), False),
    ("warm, two processes", ("-j", "2"), False),
    ("cold, two processes", ("-j", "2"), True),
    ("warm after two processes, one process", ("-j", "1"), False),
    ("without the cache, two processes", ("--no-cache", "-j", "2"), False),
]


@pytest.mark.parametrize("folder", _folders())
def test_cold_warm_one_job_and_two_jobs_give_the_same_json(folder, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nnumeric-k = [2, 3, 10, 1000]\n')
    results = []
    for how, options, empty in RUNS:
        if empty:
            shutil.rmtree(tmp_path / CACHE_DIR, ignore_errors=True)
        result = derive("check", "--json", "--no-progress", *options, str(folder), cwd=tmp_path)
        assert "warning" not in result.stderr, f"{how}: {result.stderr}"
        results.append((how, result))
    reference_how, reference = results[0]
    document = json.loads(reference.stdout)
    assert document["proofs"], f"{reference_how}: no proof was checked in {folder}"
    for how, result in results[1:]:
        assert result.returncode == reference.returncode, f"{how}: {result.stderr}"
        assert without_seconds(json.loads(result.stdout)) == without_seconds(document), how
    # the warm runs were answered from the cache: it holds an entry for every check
    assert any((tmp_path / CACHE_DIR).glob("*.json"))
