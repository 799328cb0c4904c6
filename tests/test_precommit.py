"""The pre-commit hook (``.pre-commit-hooks.yaml``, hook ``derive-check``), run by the real ``pre-commit``
in a scratch course repository: it checks the proof modules a commit changes, and stops a commit with a
wrong step.  The course's ``.pre-commit-config.yaml`` names a local clone of this checkout (its working
tree, as ``pre-commit try-repo`` would take it), so no Git host is needed, and the hook's environment is
built once for all the tests here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from scratch_proofs import JACOBIAN, WRONG

ROOT = Path(__file__).resolve().parent.parent


def _pre_commit() -> list[str]:
    found = shutil.which("pre-commit") or (Path(sys.executable).parent / "pre-commit")
    if not Path(found).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("pre-commit is missing under CI: the test extra installs it")
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return [str(found)]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """pre-commit's own store, shared by the tests here (the hook's environment is built once)."""
    return tmp_path_factory.mktemp("pre-commit-home")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, timeout=60,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"})


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> tuple[Path, str]:
    """A clone of this checkout with its working tree committed: (folder, commit)."""
    clone = tmp_path_factory.mktemp("hook") / "derive"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True, timeout=120)
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True,
                             timeout=60).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, clone / name)
    for name in (".pre-commit-hooks.yaml",):  # the hook's manifest, also before it is committed
        shutil.copyfile(ROOT / name, clone / name)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--allow-empty", "-m", "the working tree")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, check=True, capture_output=True, text=True,
                            timeout=60).stdout.strip()
    return clone, commit


def run_hook(folder: Path, home: Path) -> subprocess.CompletedProcess:
    """``pre-commit run`` in ``folder``: the hooks of its configuration on the files staged there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "PYTEST_", "VIRTUAL_ENV"))}
    env["PRE_COMMIT_HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([*_pre_commit(), "run", "--verbose"], cwd=folder, capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.fixture
def course(tmp_path, hook_repository) -> Path:
    """A course repository with one correct proof committed, a notes file that is not a proof, and a
    pre-commit configuration that uses the derive-check hook."""
    clone, commit = hook_repository
    config = {"repos": [{"repo": str(clone), "rev": commit, "hooks": [{"id": "derive-check"}]}]}
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "jacobian.py").write_text(JACOBIAN, encoding="utf-8")
    (tmp_path / "notes.py").write_text("print('not a proof')\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "a correct proof")
    return tmp_path


def test_the_hook_is_declared_for_the_derive_command_on_proof_modules():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "derive-check" and hook["entry"].startswith("derive check")
    assert hook["language"] == "python" and hook["pass_filenames"] is True


def test_a_staged_wrong_step_stops_the_commit_and_only_the_changed_proof_is_checked(course, home):
    (course / "proofs" / "wrong.py").write_text(WRONG, encoding="utf-8")
    git(course, "add", "proofs/wrong.py")
    result = run_hook(course, home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "derive check" in output and "Failed" in output
    assert "wrong-diagonal" in output and "REFUTED" in output
    assert "softmax-jacobian" not in output  # unchanged: not checked


def test_a_staged_correct_change_passes_and_files_outside_proofs_are_left_alone(course, home):
    text = JACOBIAN.replace('"quotient rule", ref="line 1"', '"the quotient rule", ref="line 1"')
    assert text != JACOBIAN
    (course / "proofs" / "jacobian.py").write_text(text, encoding="utf-8")
    (course / "notes.py").write_text("print('still not a proof')\n", encoding="utf-8")
    git(course, "add", ".")
    result = run_hook(course, home)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output and "softmax-jacobian" in output and "7 steps" in output
    assert "notes.py" not in output


def test_with_no_proof_staged_the_hook_is_skipped(course, home):
    (course / "notes.py").write_text("print('changed')\n", encoding="utf-8")
    git(course, "add", "notes.py")
    result = run_hook(course, home)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "(no files to check)Skipped" in output
