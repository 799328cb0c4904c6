"""The CI example (docs/github-actions.yml) runs the commands docs/ci.md and the README document,
and those commands do what they say in a scratch course repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from scratch_proofs import JACOBIAN, scratch_repository

from derive.cache.store import CACHE_DIR

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "docs" / "github-actions.yml"
GUIDE = ROOT / "docs" / "ci.md"
INSTALL = "python -m pip install -r requirements.txt"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict]:
    (job,) = workflow()["jobs"].values()
    return job["steps"]


def commands() -> list[str]:
    """The shell commands the workflow runs, in order."""
    return [line for step in steps() if "run" in step for line in step["run"].splitlines() if line.strip()]


def documented_commands() -> list[str]:
    guide = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"These are the commands it runs, in order:\n\n```sh\n(.*?)```", guide, re.S).group(1)
    return block.splitlines()


def test_the_workflow_runs_exactly_the_commands_docs_ci_documents():
    assert commands() == documented_commands()
    assert commands()[0] == INSTALL


def test_the_readme_shows_the_same_commands_and_points_to_the_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/ci.md" in readme and "docs/github-actions.yml" in readme
    for command in commands()[1:]:
        assert command in readme, f"{command!r} is not in the README"


def test_the_workflow_runs_on_pushes_and_pull_requests_with_the_python_derive_needs():
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"push", "pull_request"}
    used = {step["uses"].split("@")[0]: step for step in steps() if "uses" in step}
    assert set(used) == {"actions/checkout", "actions/setup-python", "actions/cache", "actions/upload-artifact"}
    assert used["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert used["actions/cache"]["with"]["path"] == CACHE_DIR
    kept = used["actions/upload-artifact"]["with"]["path"].split()
    outputs = [re.search(r"> (\S+)$|--junitxml=(\S+)$", c) for c in commands()[1:]]
    assert kept == [m.group(1) or m.group(2) for m in outputs if m]
    # the annotations go to the log, on failure only: a command without an output file
    annotate = next(step for step in steps() if step.get("run") == "derive check --format github")
    assert annotate["if"] == "failure()"
    # the reports are kept, and the JUnit step runs, even when a check fails
    later = [step for step in steps() if "pytest" in step.get("run", "") or "upload-artifact" in step.get("uses", "")]
    assert all(step.get("if") == "always()" for step in later)


def run_workflow_commands(folder: Path) -> list[subprocess.CompletedProcess]:
    """Run the workflow's commands after the install, with this checkout's derive installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    results = []
    for command in commands()[1:]:
        results.append(subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True,
                                      timeout=600))
    return results


def test_the_commands_pass_on_correct_proofs_and_leave_the_reports(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    check, annotate, tests = run_workflow_commands(tmp_path)
    assert check.returncode == 0, check.stderr
    assert annotate.returncode == 0 and "::" not in annotate.stdout
    assert tests.returncode == 0, tests.stdout
    report = json.loads((tmp_path / "derive-report.json").read_text())
    assert report["summary"]["ok"] is True and report["summary"]["steps"] == 7
    suite = ET.parse(tmp_path / "derive-junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("10", "0", "2")
    assert (tmp_path / CACHE_DIR).is_dir()


def test_the_commands_fail_on_a_wrong_step_and_the_reports_name_it(tmp_path):
    scratch_repository(tmp_path)
    check, annotate, tests = run_workflow_commands(tmp_path)
    assert check.returncode == 1 and tests.returncode == 1
    assert annotate.returncode == 1
    assert "::error file=proofs/wrong.py,line=" in annotate.stdout
    report = json.loads((tmp_path / "derive-report.json").read_text())
    wrong = next(p for p in report["proofs"] if p["id"] == "wrong-diagonal")
    assert wrong["cases"][0]["steps"][1]["verdict"] == "REFUTED"
    failures = [c for c in ET.parse(tmp_path / "derive-junit.xml").getroot().iter("testcase") if c.find("failure")
                is not None]
    assert [(c.get("classname"), c.get("name")) for c in failures] == [("proofs.wrong.diagonal", "step2"),
                                                                       ("proofs.wrong.diagonal", "derived")]
