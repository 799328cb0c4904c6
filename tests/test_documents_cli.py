"""Documents from the command line: check, JSON, notes, import, discovery, and a --help that stays light."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from commands import ROOT, derive_here

DOCUMENTS = ROOT / "tests" / "documents"
CORPUS = DOCUMENTS / "corpus"


def test_help_imports_neither_sympy_nor_the_document_parser():
    code = ("import sys; from derive.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('sympy', 'lark', 'markdown_it', 'mdit_py_plugins', 'yaml', "
            "'derive.documents.reading') if m in sys.modules]\nassert not heavy, heavy")
    run = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT)}, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_check_reads_a_markdown_document_and_counts_its_lines(tmp_path):
    shutil.copy(DOCUMENTS / "cross_entropy_gradient.md", tmp_path / "notes.md")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "notes.md: 19 of 19 equation lines read, 0 not read" in run.stdout
    assert "1 refuted" in run.stdout and "2 do not" in run.stdout


def test_json_names_each_step_by_file_line_and_column_and_carries_its_readings(tmp_path):
    shutil.copy(DOCUMENTS / "cross_entropy_gradient.md", tmp_path / "notes.md")
    run = derive_here("check", "notes.md", "--json", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    cases = {c["name"]: c for c in report["proofs"][0]["cases"]}
    first = cases["case-1-line-1"]["steps"][0]
    lines = (tmp_path / "notes.md").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "\\frac{\\partial \\text{CE}" in text and "&=" in text
                and "substack" in text)
    column = lines[line - 1].index("\\nabla") + 1
    assert first["source_ref"] == f"Case 1, line 1 (notes.md:{line}:{column})"
    assert first["verdict"] == "REFUTED" and first["expected"] == "erratum" and first["counterexample"]
    assert "shadows the line's free index j" in first["note"]
    assert "notes.md: 19 of 19 equation lines read" in run.stderr


def test_latex_writes_the_checked_notes_of_a_document(tmp_path):
    shutil.copy(DOCUMENTS / "softmax_cross_entropy.md", tmp_path / "notes.md")
    run = derive_here("latex", "notes.md", "--no-cache", "--no-numeric", "-o", "notes.tex", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    tex = (tmp_path / "notes.tex").read_text(encoding="utf-8")
    assert "\\begin{document}" in tex and "\\end{document}" in tex
    assert "Part 3, line 1" in tex and "sum without limits" in tex
    again = derive_here("latex", "notes.md", "--no-cache", "--no-numeric", "-o", "again.tex", cwd=tmp_path)
    assert again.returncode == 0 and (tmp_path / "again.tex").read_text(encoding="utf-8") == tex


def test_an_unread_line_fails_the_run_and_is_counted(tmp_path):
    text = (CORPUS / "sign_error.md").read_text(encoding="utf-8").replace("&= p_j - y_j", "&= p_j - y_j \\oint")
    (tmp_path / "notes.md").write_text(text, encoding="utf-8")
    run = derive_here("check", "notes.md", "--no-cache", "--no-numeric", cwd=tmp_path)
    assert run.returncode == 2
    assert "notes.md: 2 of 3 equation lines read, 1 not read" in run.stdout
    assert "not read: '\\oint' is not part of the maths derive reads" in run.stderr


def test_documents_in_a_proofs_folder_are_found_when_they_declare_themselves(tmp_path):
    (tmp_path / "proofs").mkdir()
    shutil.copy(CORPUS / "recombination.md", tmp_path / "proofs" / "recombination.md")
    shutil.copy(CORPUS / "written_out.tex", tmp_path / "proofs" / "written_out.tex")
    (tmp_path / "proofs" / "README.md").write_text("# Proofs\n\nSome $x = y$ prose.\n", encoding="utf-8")
    run = derive_here("list", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "recombination" in run.stdout and "written-out" in run.stdout and "README" not in run.stdout


def _verdicts(report):
    return ([(c.case.name, s.outcome.verdict.value, s.ok) for c in report.cases for s in c.steps],
            [(c.claim.name, c.holds, c.ok) for c in report.claims])


@pytest.mark.parametrize("document", ["cross_entropy_gradient.md", "softmax_cross_entropy.md",
                                      "corpus/cross_entropy_nabla.tex", "corpus/softmax_jacobian_cases.md",
                                      "corpus/written_out.tex", "corpus/swapped_index.md"])
def test_an_imported_module_gives_the_verdicts_of_its_document(document, tmp_path):
    from derive.documents.build import read_document
    from derive.io.loader import load_paths
    from derive.engine.run import Settings, check_proof

    source = DOCUMENTS / document
    run = derive_here("import", str(source), "-o", str(tmp_path / "imported.py"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    loaded = load_paths([tmp_path / "imported.py"])
    assert not loaded.errors, loaded.errors
    imported = check_proof(loaded.proofs[0][0], Settings())
    read = check_proof(read_document(source).proof, Settings())
    assert _verdicts(imported) == _verdicts(read)
    assert [s.step.note for c in imported.cases for s in c.steps] == [s.step.note for c in read.cases for s in c.steps]


def test_the_grammar_ships_as_package_data():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "documents/*.lark" in project["tool"]["setuptools"]["package-data"]["derive"]
    assert all(dependency in str(project["project"]["dependencies"])
               for dependency in ("lark", "markdown-it-py", "mdit-py-plugins", "pyyaml"))
