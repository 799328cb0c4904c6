"""``derive check --format github``: GitHub Actions workflow commands on the line of each failing step.

The syntax is checked against GitHub's documentation of workflow commands ("Setting an error
message": ``::error file={name},line={line},endLine={endLine},title={title}::{message}``), with its
escaping rules (message: ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``; property values also
``:`` → ``%3A`` and ``,`` → ``%2C``) written out here, independently of the renderer.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from commands import derive_here
from scratch_proofs import JACOBIAN, WRONG, scratch_repository

from derive.render.github import annotation

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"::(?P<level>error|warning|notice)(?: (?P<properties>[^:]*))?::(?P<message>[^\r\n]*)")
PROPERTY = re.compile(r"(?P<key>file|line|endLine|col|endColumn|title)=(?P<value>[^,:]*)")
UNESCAPE_DATA = {"%25": "%", "%0D": "\r", "%0A": "\n"}
UNESCAPE_PROPERTY = {**UNESCAPE_DATA, "%3A": ":", "%2C": ","}


def _unescape(text: str, table: dict) -> str:
    return re.sub("|".join(table), lambda m: table[m.group(0)], text)


def parse(line: str) -> tuple[str, dict, str]:
    """A workflow command as GitHub reads it: the level, the properties and the message, unescaped."""
    match = COMMAND.fullmatch(line)
    assert match, f"not a workflow command: {line!r}"
    properties = {}
    if match.group("properties"):
        for item in match.group("properties").split(","):
            field = PROPERTY.fullmatch(item)
            assert field, f"malformed property {item!r} in {line!r}"
            assert field.group("key") not in properties, line
            properties[field.group("key")] = _unescape(field.group("value"), UNESCAPE_PROPERTY)
    return match.group("level"), properties, _unescape(match.group("message"), UNESCAPE_DATA)


def line_of(text: str, fragment: str) -> int:
    (number,) = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return number


def test_special_characters_are_escaped_as_github_documents_and_read_back_unchanged():
    message = "100% wrong:\r\nleft = 1, right = 2"
    title = "derive: REFUTED at proof 'p', case 'c: j, l', step 2"
    line = annotation("error", message, "notes/a,b:c.py:17", title)
    assert "\n" not in line and "\r" not in line
    assert "%25" in line and "%0D%0A" in line
    level, properties, text = parse(line)
    assert (level, text) == ("error", message)
    assert properties == {"file": "notes/a,b:c.py", "line": "17", "title": title}


def test_a_refuted_step_is_an_error_on_its_own_file_and_line(tmp_path):
    scratch_repository(tmp_path)
    result = derive_here("check", "--format", "github", "--no-progress", "--no-numeric", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    commands = [parse(line) for line in lines if line.startswith("::")]
    assert lines[-1].startswith("derive: 2 proofs") and lines[-1].endswith("FAILED")
    assert all(line.startswith("::") for line in lines[:-1])
    step = [c for c in commands if "step 2" in c[1].get("title", "")]
    assert len(step) == 1
    level, properties, message = step[0]
    assert level == "error"
    assert properties["file"] == "proofs/wrong.py"
    assert int(properties["line"]) == line_of(WRONG, "step(p[j] * (1 + p[j])")
    assert "REFUTED" in properties["title"] and "wrong-diagonal" in properties["title"]
    assert "expected" in message and "got REFUTED" in message
    assert re.search(r"counterexample: k=2, j=1, z=\(0, 0\): left = 0\.25, right = 0\.75", message), message
    # the case's derived result, which no longer agrees with its last line, is annotated on the case
    derived = [c for c in commands if "derived result" in c[1].get("title", "")]
    assert len(derived) == 1 and derived[0][1]["file"] == "proofs/wrong.py"
    # the correct proof, whose erratum is refuted as expected, has no annotation
    assert not any("softmax-jacobian" in c[2] for c in commands)


def test_a_passing_run_prints_no_command_and_exits_0(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    result = derive_here("check", "--format", "github", "--no-progress", "--no-numeric", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["derive: 1 proof, 7 steps: 6 proved, 1 refuted — ok"]


def test_a_proof_that_cannot_be_loaded_is_an_error_on_its_line(tmp_path):
    scratch_repository(tmp_path, **{"broken.py": "from derive import step\n\nx = (\n"})
    result = derive_here("check", "--format", "github", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2
    level, properties, message = parse(result.stdout.splitlines()[0])
    assert level == "error" and properties["file"] == "proofs/broken.py" and properties["line"].isdigit()
    assert "syntax error" in message


def test_json_and_github_together_are_refused(tmp_path):
    result = derive_here("check", "--json", "--format", "github", cwd=tmp_path)
    assert result.returncode == 2 and "two formats" in result.stderr


def test_the_example_workflow_annotates_the_pull_request_with_the_github_format():
    workflow = yaml.safe_load((ROOT / "docs" / "github-actions.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.strip() == "derive check --format github" for run in runs)
