"""The derive command: discovery, exit codes, one-line errors, JSON, and a fast --help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from commands import ROOT, derive




GOOD = """
from derive import Case, Proof, Source, Vector, as_written, classes, exp, indices, softmax, step, sum_over, D, Equal

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
with as_written():
    S = sum_over(exp(z[i]), i, k)
    PROOF = Proof("tiny", "A tiny proof", Source("Test notes"), "d softmax_j / d z_j",
        cases=[Case("diagonal", "j = m", classes=k, assumptions=[Equal(j, m)],
                    start=D(softmax(z, j, k), z[j]),
                    steps=[step(exp(z[j]) / S - exp(z[j]) ** 2 / S ** 2, "quotient rule"),
                           {second}])])
"""


def write(tmp_path, name, text):
    folder = tmp_path / "proofs"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_help_does_not_import_sympy():
    code = "import sys; from derive.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n" \
           "assert 'sympy' not in sys.modules, 'sympy imported'"
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_correct_proof_file_passes_with_exit_0(tmp_path):
    write(tmp_path, "tiny.py", GOOD.format(second='step(softmax(z, j, k) * (1 - softmax(z, j, k)), "factor")'))
    result = derive("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 proved" in result.stdout


def test_a_wrong_step_fails_with_exit_1_and_a_counterexample(tmp_path):
    write(tmp_path, "tiny.py", GOOD.format(second='step(softmax(z, j, k) * (1 + softmax(z, j, k)), "factor")'))
    result = derive("check", "--json", cwd=tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    failing = data["proofs"][0]["cases"][0]["steps"][1]
    assert failing["verdict"] == "REFUTED" and failing["ok"] is False
    assert failing["counterexample"]["k"] == 2


def test_a_proof_chosen_by_id_or_by_file(tmp_path):
    path = write(tmp_path, "tiny.py", GOOD.format(second='step(softmax(z, j, k) * (1 - softmax(z, j, k)), "f")'))
    assert derive("check", "tiny", cwd=tmp_path).returncode == 0
    assert derive("check", str(path)).returncode == 0
    missing = derive("check", "nope", cwd=tmp_path)
    assert missing.returncode == 2 and "no proof with id 'nope'" in missing.stderr


def test_a_module_with_a_python_error_names_file_and_line(tmp_path):
    write(tmp_path, "broken.py", "from derive import classes\n\nk = classes('k')\nx = 1 / 0\n")
    result = derive("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "proofs/broken.py:4: ZeroDivisionError: division by zero" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_step_with_an_undefined_symbol_names_proof_case_and_step(tmp_path):
    text = GOOD.format(second='step(Vector("w")[j], "oops")')
    write(tmp_path, "tiny.py", text)
    result = derive("check", cwd=tmp_path)
    assert result.returncode == 2
    line = next(l for l in result.stderr.splitlines() if "unknown vector" in l)
    assert line.startswith("derive: proofs/tiny.py:") and "proof 'tiny', case 'diagonal', step 2" in line
    assert "Traceback" not in result.stderr


def test_a_step_that_is_not_an_expression_names_proof_case_and_step(tmp_path):
    write(tmp_path, "tiny.py", GOOD.format(second='step("softmax(z)_j (1 - softmax(z)_j)", "as text")'))
    result = derive("check", cwd=tmp_path)
    assert result.returncode == 2
    line = next(l for l in result.stderr.splitlines() if "never parsed" in l)
    assert "proof 'tiny', case 'diagonal', step 2" in line
    assert "Traceback" not in result.stderr


def test_list_and_show(tmp_path):
    write(tmp_path, "tiny.py", GOOD.format(second='step(softmax(z, j, k) * (1 - softmax(z, j, k)), "f")'))
    listing = derive("list", cwd=tmp_path)
    assert listing.returncode == 0 and "tiny" in listing.stdout and "A tiny proof" in listing.stdout
    shown = derive("show", "tiny", cwd=tmp_path)
    assert shown.returncode == 0 and "quotient rule" in shown.stdout


def test_show_writes_definitions_as_a_reader_would():
    shown = derive("show", "cross-entropy-gradient")
    assert shown.returncode == 0
    assert "where ŷ_i := softmax(z)_i" in shown.stdout and "where CE := CE(y, ŷ)" in shown.stdout
    assert "Lambda" not in shown.stdout


@pytest.fixture(scope="module")
def bundled_json():
    result = derive("check", "--json")
    return result.returncode, json.loads(result.stdout)


def test_the_bundled_proofs_pass(bundled_json):
    code, data = bundled_json
    assert code == 0
    assert data["summary"]["ok"] is True
    assert data["summary"]["verdicts"]["REFUTED"] == sum(
        1 for p in data["proofs"] for c in p["cases"] for s in c["steps"] if s["expected"] == "erratum")


def test_every_step_of_the_softmax_document_is_proved(bundled_json):
    _, data = bundled_json
    proof = next(p for p in data["proofs"] if p["id"] == "softmax-cross-entropy")
    steps = [s for c in proof["cases"] for s in c["steps"]]
    assert len(steps) == 33
    assert all(s["verdict"] == "PROVED" for s in steps)
    assert all(c["derived"]["verdict"] == "PROVED" for c in proof["cases"])


def test_the_json_report_has_the_documented_fields(bundled_json):
    _, data = bundled_json
    assert set(data) >= {"schema_version", "proofs", "summary"}
    proof = data["proofs"][0]
    assert set(proof) >= {"id", "title", "source", "cases"}
    case = proof["cases"][0]
    assert set(case) >= {"name", "assumptions", "steps", "derived"}
    assert set(case["steps"][0]) >= {"index", "source_ref", "verdict", "expected", "ok", "seconds", "evidence"}
    assert set(data["summary"]) >= {"verdicts", "ok"}


def test_the_readme_example_checks_as_written(tmp_path):
    import re

    readme = (ROOT / "README.md").read_text()
    code = re.search(r"Copy this into `proofs/softmax_diagonal.py`.*?```python\n(.*?)```", readme, re.S).group(1)
    write(tmp_path, "softmax_diagonal.py", code)
    result = derive("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 proved" in result.stdout


def test_numeric_takes_the_words_after_the_class_counts_as_targets(tmp_path):
    right = 'step(softmax(z, j, k) * (1 - softmax(z, j, k)), "factor")'
    chosen = write(tmp_path, "tiny.py", GOOD.format(second=right))
    write(tmp_path, "other.py", GOOD.format(second=right).replace('Proof("tiny", "A tiny proof"',
                                                                  'Proof("other", "Another proof"'))
    result = derive("numeric", "--k", "2", "3", str(chosen), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "A tiny proof" in result.stdout and "Another proof" not in result.stdout
    by_id = derive("numeric", "--k", "2", "other", "--json", cwd=tmp_path)
    assert by_id.returncode == 0, by_id.stderr
    data = json.loads(by_id.stdout)
    assert data["classes"] == [2] and [p["id"] for p in data["proofs"]] == ["other"]


@pytest.mark.parametrize("words, message", [
    (["2", "ten"], "--k 'ten': neither a number of classes (write e.g. 1000 or 2^20) nor a proof file or id"),
    (["2", "proofs/missing.py"], "--k 'proofs/missing.py': neither a number of classes"),
    (["2", "2+2"], "argument --k: not a number of classes: '2+2'"),
    (["tiny"], "argument --k: expected at least one number of classes"),
])
def test_numeric_refuses_a_word_after_k_that_is_neither_a_count_nor_a_target(tmp_path, words, message):
    write(tmp_path, "tiny.py", GOOD.format(second='step(softmax(z, j, k) * (1 - softmax(z, j, k)), "factor")'))
    result = derive("numeric", "--k", *words, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_brackets_in_a_title_claim_or_reason_are_printed_as_written_not_read_as_markup(tmp_path):
    from scratch_proofs import JACOBIAN

    text = (JACOBIAN.replace('"The softmax Jacobian", Source', '"The softmax Jacobian [v2]", Source')
            .replace('"quotient rule", ref="line 1"', '"quotient rule [bold]twice[/bold]", ref="line 1"'))
    write(tmp_path, "jacobian.py", text)
    shown = derive("show", "softmax-jacobian", cwd=tmp_path)
    assert "The softmax Jacobian [v2]" in shown.stdout and "[bold]twice[/bold]" in shown.stdout
    checked = derive("check", "--no-numeric", cwd=tmp_path, columns=200)
    assert "[v2]" in checked.stdout and "[bold]twice[/bold]" in checked.stdout, checked.stdout


def test_a_folder_given_with_a_trailing_slash_is_a_folder_not_a_proof_id(tmp_path):
    from scratch_proofs import JACOBIAN

    write(tmp_path, "jacobian.py", JACOBIAN)
    result = derive("check", "--no-numeric", "proofs/", cwd=tmp_path)
    assert result.returncode == 0 and "no proof with id" not in result.stderr, result.stderr
