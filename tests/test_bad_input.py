"""Every kind of bad input gets one clear line naming its place, exit code 2, and no traceback.

The place is the file and line, and for a step the proof, case and step too.
The command runs in this process (``derive.cli.main``), so any exception that
escaped would fail the test.
"""

from __future__ import annotations


import pytest

from derive.cli import main

HEADER = """\
import sympy
from derive import (D, Case, Distinct, Equal, OneHot, Proof, Source, Vector, as_written, classes, exp, indices,
                    log, scalar, softmax, step, sum_over)

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
"""

# A proof whose second step is filled in by each test; the step is on line 15 of the file.
PROOF = HEADER + """\
ASSUMPTIONS = [{assumptions}]
with as_written():
    S = sum_over(exp(z[i]), i, k)
    CASE = Case("diagonal", "j = m", classes=k, assumptions=ASSUMPTIONS,
                start=D(softmax(z, j, k), z[j]),
                steps=[step(exp(z[j]) / S - exp(z[j]) ** 2 / S ** 2, "quotient rule"),
                       step({second}, "the step under test")])
PROOF = Proof("tiny", "A tiny proof", Source("Test notes"), "d softmax_j / d z_j", cases=[CASE])
"""
STEP_LINE = 14


def run(tmp_path, monkeypatch, capsys, *args):
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--no-progress", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, [line for line in err.splitlines() if line]


def write(tmp_path, text, name="tiny.py"):
    folder = tmp_path / "proofs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def one_line(lines, *fragments):
    """The single error line, which must contain every fragment."""
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert lines[0].startswith("derive: ")
    return lines[0]


def with_step(tmp_path, second, assumptions="Equal(j, m)"):
    write(tmp_path, PROOF.format(second=second, assumptions=assumptions))


STEP_PLACE = f"proofs/tiny.py:{STEP_LINE}: proof 'tiny', case 'diagonal', step 2: "


def test_the_template_itself_is_good(tmp_path, monkeypatch, capsys):
    with_step(tmp_path, "softmax(z, j, k) * (1 - softmax(z, j, k))")
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 0 and lines == []


# --- proof files -----------------------------------------------------------------------------


def test_a_syntax_error_names_file_and_line(tmp_path, monkeypatch, capsys):
    write(tmp_path, HEADER + "CASE = Case(\n  'x', 'y',, classes=k)\n")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:9: syntax error")


def test_a_module_that_raises_on_import_names_file_and_line(tmp_path, monkeypatch, capsys):
    write(tmp_path, HEADER + "raise RuntimeError('the notes are\\nnot finished')\n")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:8: RuntimeError: the notes are not finished")


def test_an_empty_proof_names_file_and_line(tmp_path, monkeypatch, capsys):
    write(tmp_path, HEADER + "PROOF = Proof('empty', 'Empty', Source('notes'), 'nothing', cases=[])\n")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:8: proof 'empty' has no cases")


def test_an_empty_case_names_file_and_line(tmp_path, monkeypatch, capsys):
    write(tmp_path, HEADER + "CASE = Case('empty', 'Empty', classes=k, start=z[j], steps=[])\n")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:8: case 'empty' has no steps")


def test_duplicate_proof_ids_name_both_places(tmp_path, monkeypatch, capsys):
    text = PROOF.format(second="softmax(z, j, k) * (1 - softmax(z, j, k))", assumptions="Equal(j, m)")
    write(tmp_path, text, "a.py")
    write(tmp_path, text, "b.py")
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, "proofs/b.py:15: duplicate proof id 'tiny' (first defined in proofs/a.py:15)")


def test_a_path_that_does_not_exist(tmp_path, monkeypatch, capsys):
    code, lines = run(tmp_path, monkeypatch, capsys, "notes/missing.py")
    assert code == 2
    one_line(lines, "notes/missing.py: no such file or directory")


def test_when_nothing_loads_the_error_is_the_whole_answer(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--no-progress", "notes/missing.py"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.startswith("derive: notes/missing.py")


def test_a_proof_file_that_is_a_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "proofs" / "folder.py").mkdir(parents=True)
    code, lines = run(tmp_path, monkeypatch, capsys, "proofs/folder.py")
    assert code == 2
    one_line(lines, "proofs/folder.py: is a directory, not a proof file")
    code, lines = run(tmp_path, monkeypatch, capsys)  # found while scanning proofs/
    assert code == 2
    one_line(lines, "proofs/folder.py: is a directory, not a proof file")


def test_a_binary_proof_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "blob.py").write_bytes(b"\x7fELF\x02\x01\x00\x00binary")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/blob.py: not a text file")


def test_a_proof_file_that_is_not_utf8(tmp_path, monkeypatch, capsys):
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "latin.py").write_bytes(b"# notes\nx = '\xe9t\xe9'\n")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/latin.py:2: not a UTF-8 text file")


# --- steps -----------------------------------------------------------------------------------


@pytest.mark.parametrize("second, message", [
    ('"softmax(z, j, k) * (1 - softmax(z, j, k))"', "is the text"),
    ("None", "a step is None, not an expression"),
    ("0.25", "a step is the float 0.25, which is inexact"),
    ("True", "a step is True, not an expression"),
    ("[z[j]]", "a step is a list, not an expression"),
    ("0.5 * softmax(z, j, k)", "contains the float 0.5"),
])
def test_a_step_that_is_not_an_expression(tmp_path, monkeypatch, capsys, second, message):
    with_step(tmp_path, second)
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, STEP_PLACE, message)


@pytest.mark.parametrize("second, message", [
    ('scalar("c") * softmax(z, j, k)', "unknown symbol 'c'"),
    ('Vector("w")[j]', "unknown vector 'w'"),
    ("indices('q')[0] + z[j]", "unknown index 'q'"),
])
def test_an_undefined_symbol(tmp_path, monkeypatch, capsys, second, message):
    with_step(tmp_path, second)
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, STEP_PLACE, message)


@pytest.mark.parametrize("second, message", [
    ("z[0]", "index 0 in z[0] may lie outside 1..k"),
    ("z[3]", "index 3 in z[3] may lie outside 1..k (k can be as small as 2)"),
    ("z[k + 1]", "index k + 1 in z[k + 1] may lie outside 1..k"),
    ("z[k + 1]", "index k + 1 in z[k + 1] may lie outside 1..k"),
    ("z[k - 2]", "index k - 2 in z[k - 2] may lie outside 1..k"),
])
def test_an_index_outside_1_to_k(tmp_path, monkeypatch, capsys, second, message):
    with_step(tmp_path, second)
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, STEP_PLACE, message)


@pytest.mark.parametrize("second", ["sum_over(exp(z[i]), i, 1, start=k)", "sum_over(exp(z[i]), i, 1, start=3)"])
def test_a_sum_with_reversed_bounds(tmp_path, monkeypatch, capsys, second):
    with_step(tmp_path, second)
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, STEP_PLACE, "has reversed bounds")


@pytest.mark.parametrize("second", ["z[j] / 0", "z[j] / (z[j] - z[j])", "1 / (S - S)"])
def test_a_division_by_zero(tmp_path, monkeypatch, capsys, second):
    with_step(tmp_path, second)
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, STEP_PLACE, "divides by zero")


@pytest.mark.parametrize("variable", ["exp(z[j])", "j", "2", "z", "'z[j]'"])
def test_a_derivative_with_respect_to_something_that_is_not_a_variable(tmp_path, monkeypatch, capsys, variable):
    with_step(tmp_path, f"D(softmax(z, j, k), {variable})")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, f"proofs/tiny.py:{STEP_LINE}: ", "D: ")


def test_a_derivative_built_directly_with_sympy_is_checked_too(tmp_path, monkeypatch, capsys):
    with_step(tmp_path, "sympy.Derivative(softmax(z, j, k), j, evaluate=False)")
    code, lines = run(tmp_path, monkeypatch, capsys, "--no-cache")
    assert code == 2
    one_line(lines, STEP_PLACE, "cannot differentiate with respect to j: it is not a variable")


# --- assumptions -----------------------------------------------------------------------------


def test_conflicting_assumptions_name_the_case_and_its_line(tmp_path, monkeypatch, capsys):
    with_step(tmp_path, "softmax(z, j, k) * (1 - softmax(z, j, k))", assumptions="Equal(j, m), Distinct(j, m)")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:11: case 'diagonal': the assumptions contradict: j ≠ m, but j = m")


def test_conflicting_literal_assumptions(tmp_path, monkeypatch, capsys):
    with_step(tmp_path, "softmax(z, j, k) * (1 - softmax(z, j, k))", assumptions="Equal(j, 1), Equal(j, 2)")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:11: case 'diagonal': the assumptions contradict: j = 2 makes 1 equal to 2")


def test_an_assumption_given_as_text(tmp_path, monkeypatch, capsys):
    with_step(tmp_path, "softmax(z, j, k) * (1 - softmax(z, j, k))", assumptions="Equal('j', 'm')")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, "proofs/tiny.py:11: case 'diagonal': assumption Equal('j', 'm'): both sides must be index "
                    "symbols")


# --- budgets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "'5'", "float('nan')", "True"])
def test_a_step_budget_that_is_not_a_positive_number(tmp_path, monkeypatch, capsys, value):
    with_step(tmp_path, f"step(z[j], 'x', budget={value}).expr")
    code, lines = run(tmp_path, monkeypatch, capsys)
    assert code == 2
    one_line(lines, f"proofs/tiny.py:{STEP_LINE}: a step's budget must be a positive number of seconds")


@pytest.mark.parametrize("option, message", [("--budget=0", "--budget must be a positive number"),
                                             ("--max-k=1", "--max-k must be at least 2")])
def test_a_run_budget_that_is_not_positive(tmp_path, monkeypatch, capsys, option, message):
    code, lines = run(tmp_path, monkeypatch, capsys, option)
    assert code == 2
    one_line(lines, message)
