"""What goes wrong in a document is named by file:line:column, with a caret, and says what to write.

One test per kind of failure: an unknown name, a token the grammar does not
know, a reading that is ambiguous with no default, declarations that
contradict each other, a reading the declarations refuse, and a document
without the declarations it needs.  Each runs ``derive check`` as a user does.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from commands import derive_here

FRONT = """\
---
derive:
  classes: k
  indices: [j]
  vectors: {z: real, p: real}
  definitions: ['p = softmax(z)']
---
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _column_of(path: Path, line: int, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines()[line - 1].index(text) + 1


def test_an_unknown_name_is_named_at_its_column_with_what_to_declare(tmp_path):
    path = _write(tmp_path, "notes.md", FRONT + "# Notes\n\n$$\\frac{\\partial}{\\partial z_j} e^{z_j} = e^{z_j} "
                  "+ \\lambda$$\n")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    column = _column_of(path, 10, "\\lambda")
    assert f"notes.md:10:{column}: not read: unknown name '\\lambda': declare it under 'derive:'" in run.stderr
    assert "'scalars: [\\lambda]'" in run.stderr
    caret = run.stderr.split(f"notes.md:10:{column}: not read:")[1].splitlines()
    assert caret[2].index("^") - 4 == column - 1 and caret[1].strip().startswith("$$")


def test_an_unparseable_token_gets_a_caret_under_it(tmp_path):
    path = _write(tmp_path, "notes.md", FRONT + "# Notes\n\n$$\\frac{\\partial}{\\partial z_j} e^{z_j} = "
                  "\\int e^{z_j}$$\n")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    column = _column_of(path, 10, "\\int")
    assert f"notes.md:10:{column}: not read: '\\int' is not part of the maths derive reads" in run.stderr
    assert "mark the line with a 'skip' declaration" in run.stderr
    lines = run.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if f"notes.md:10:{column}" in line)
    assert lines[at + 2].index("^") == lines[at + 1].index("\\int")
    assert "1 error" in run.stdout and "1 not read" in run.stdout


def test_a_vector_where_a_number_is_meant_and_no_free_index_is_ambiguous(tmp_path):
    path = _write(tmp_path, "notes.md", FRONT + "# Notes\n\n$$p = \\frac{e^{z_j}}{\\sum_{i=1}^{k} e^{z_i}}$$\n")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    column = _column_of(path, 10, "p =")
    assert f"notes.md:10:{column}: not read: ambiguous: p stands for a number here" in run.stderr
    assert "write the index (e.g. p_j), or declare 'component: j'" in run.stderr


def test_declarations_that_give_one_name_two_meanings_are_refused_at_the_second(tmp_path):
    path = _write(tmp_path, "notes.tex", """\
        % derive:
        %   classes: k
        %   indices: [j, z]
        %   vectors: {z: real}
        \\section{Two meanings}
        \\[ \\frac{\\partial}{\\partial z_j} e^{z_j} = e^{z_j} \\]
        """)
    run = derive_here("check", "notes.tex", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    column = _column_of(path, 4, "z:")
    assert f"notes.tex:4:{column}: 'z' is declared both as an index and as a vector: declare it once" in run.stderr


def test_a_key_declared_differently_in_the_document_and_its_sidecar_names_both(tmp_path):
    _write(tmp_path, "notes.md", FRONT + "# Notes\n\n$$\\frac{\\partial}{\\partial z_j} e^{z_j} = e^{z_j}$$\n")
    sidecar = _write(tmp_path, "notes.derive.yaml", "derive:\n  classes: K\n")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    assert f"{sidecar.name}:2:3: 'classes' is declared twice with different values (first at notes.md:3:3): " \
           f"keep one" in run.stderr


def test_a_refused_reading_leaves_the_line_unread_and_says_what_to_write(tmp_path):
    front = FRONT.replace("  definitions:", "  readings: {sum-without-limits: refuse}\n  definitions:")
    path = _write(tmp_path, "notes.md", front + "# Notes\n\n$$p_j = \\frac{e^{z_j}}{\\sum_i e^{z_i}}$$\n")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    column = _column_of(path, 11, "\\sum_i")
    assert f"notes.md:11:{column}: not read: a sum without limits is read over 1..k; this reading is refused" \
           in run.stderr


def test_a_document_without_a_class_count_is_told_to_declare_one(tmp_path):
    _write(tmp_path, "notes.md", "# Notes\n\n$$\\frac{\\partial}{\\partial z_j} e^{z_j} = e^{z_j}$$\n")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    assert "the number of classes is not declared: add 'classes: k' under 'derive:'" in run.stderr


def test_a_side_that_does_not_parse_leaves_the_other_sides_of_its_chain_checked(tmp_path):
    from derive.documents.build import read_document
    from derive.engine.run import Settings, check_proof

    path = _write(tmp_path, "notes.md", FRONT + "# Notes\n\n$$\\frac{\\partial}{\\partial z_j} e^{z_j} = "
                  "\\int e^{z_j} = e^{z_j}$$\n")
    result = read_document(path)
    report = check_proof(result.proof, Settings())
    case, = report.cases
    assert [s.outcome.verdict.value for s in case.steps] == ["ERROR", "PROVED"]
    assert str(case.steps[0].step.expr) == "(not read) \\int e^{z_j}"
    problem, = result.problems
    assert problem.place == f"{path}:10:{_column_of(path, 10, chr(92) + 'int')}"
    assert result.counts()["not read"] == 1
