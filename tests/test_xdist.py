"""The pytest plugin under pytest-xdist, and the result cache under concurrent writers.

``pytest -n 2`` over a course of proofs (two of the bundled ones and one wrong proof) gives every item the
same outcome as plain ``pytest``; two ``derive check`` processes writing one ``.derive-cache/`` at once lose no entry and
corrupt none; the split over CI jobs that docs/ci.md shows runs every item exactly once.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scratch_proofs import JACOBIAN, WRONG, scratch_repository

from derive.cache.store import CACHE_DIR

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "ci.md"


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(ROOT)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _require_xdist() -> None:
    if importlib.util.find_spec("xdist") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pytest-xdist is missing under CI: the test extra installs it")
        pytest.skip("pytest-xdist is not installed")


def outcomes(folder: Path, *options: str) -> dict[str, str]:
    """Each item's outcome (passed, failed, skipped or xfailed) from the JUnit report of ``pytest proofs``."""
    report = folder / f"junit-{len(list(folder.glob('junit-*.xml')))}.xml"
    result = subprocess.run([sys.executable, "-m", "pytest", "proofs", "-p", "no:cacheprovider", "-q",
                             f"--junitxml={report}", *options], cwd=folder, env=_environment(),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        skipped = case.find("skipped")
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif skipped is not None:
            outcome = "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
        else:
            outcome = "passed"
        assert name not in found, f"{name} ran twice"
        found[name] = outcome
    return found


# Two of the bundled proofs: a source document's transcription, with its errata (xfailed items), numeric
# conclusions and a recombined claim, and a course-library proof.  What is shown here (every item gets the
# same outcome in parallel and in the split, each exactly once) depends on the kinds of items and on there
# being more items than workers and groups, not on how many proofs there are; the whole of proofs/ under
# the plugin is test_plugin.py's test_this_repository_collects_its_proofs_only_when_asked.
COURSE_PROOFS = ("cross_entropy_gradient.py", "softmax_jacobian.py")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Two bundled proofs (COURSE_PROOFS) and one wrong proof, in a scratch repository."""
    folder = scratch_repository(tmp_path_factory.mktemp("course"), **{"wrong.py": WRONG})
    for name in COURSE_PROOFS:
        shutil.copyfile(ROOT / "proofs" / name, folder / "proofs" / name)
    return folder


def test_pytest_n_2_gives_every_item_the_same_outcome_as_plain_pytest(course):
    _require_xdist()
    plain = outcomes(course, "--derive-no-cache")
    parallel = outcomes(course, "--derive-no-cache", "-n", "2")
    assert parallel == plain
    kinds = set(plain.values())
    assert {"passed", "failed", "xfailed"} <= kinds, kinds
    assert plain["proofs.wrong.diagonal::step2"] == "failed"
    assert sum(1 for outcome in plain.values() if outcome == "xfailed") >= 1


def test_the_split_over_ci_jobs_in_docs_ci_runs_every_item_once(course):
    """docs/ci.md splits the items over jobs with pytest-split; the jobs' union is the whole, each item once."""
    if importlib.util.find_spec("pytest_split") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pytest-split is missing under CI: the test extra installs it")
        pytest.skip("pytest-split is not installed")
    guide = GUIDE.read_text(encoding="utf-8")
    (command,) = re.findall(r"^\s*(?:- )?run: (pytest proofs --splits .*)$", guide, re.M)
    (groups,) = re.findall(r"^\s*group: \[([\d, ]+)\]$", guide, re.M)
    groups = [int(g) for g in groups.split(",")]
    splits = int(re.search(r"--splits (\d+)", command).group(1))
    assert groups == list(range(1, splits + 1))
    whole = outcomes(course)
    parts: dict[str, str] = {}
    for group in groups:
        options = [o for o in command.replace("${{ matrix.group }}", str(group)).split()[2:]
                   if not o.startswith("--junitxml")]
        found = outcomes(course, *options)
        assert found, f"group {group} ran nothing"
        assert not set(found) & set(parts), "an item ran in two groups"
        parts.update(found)
    assert parts == whole


def cache_entries(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (folder / CACHE_DIR).glob("*.json")}


def test_two_processes_writing_one_cache_at_once_lose_nothing_and_corrupt_nothing(tmp_path):
    alone = scratch_repository(tmp_path / "alone", **{"jacobian.py": JACOBIAN, "wrong.py": WRONG})
    shared = scratch_repository(tmp_path / "shared", **{"jacobian.py": JACOBIAN, "wrong.py": WRONG})
    command = [sys.executable, "-m", "derive", "check", "--no-progress", "--json"]
    single = subprocess.run(command, cwd=alone, env=_environment(), capture_output=True, text=True, timeout=600)
    assert single.returncode == 1, single.stderr
    # both start before either has written anything, into the same folder
    writers = [subprocess.Popen(command, cwd=shared, env=_environment(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [w.communicate(timeout=600) for w in writers]
    for writer, (out, err) in zip(writers, results):
        assert writer.returncode == 1, err
        assert "warning" not in err, err
    expected = cache_entries(alone)
    written = cache_entries(shared)
    assert expected and set(written) == set(expected)
    assert not list((shared / CACHE_DIR).glob(".entry-*")), "a temporary file was left behind"
    # every entry written concurrently is read back as valid: a third run replays them with no warning
    replay = subprocess.run(command, cwd=shared, env=_environment(), capture_output=True, text=True, timeout=600)
    assert replay.returncode == 1 and "warning" not in replay.stderr, replay.stderr
    assert cache_entries(shared) == written
