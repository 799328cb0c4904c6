"""`derive latex` over the bundled proofs: a document that compiles, with no SymPy-isms, byte for byte the same."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent

# What the stock SymPy printers would leave in the notes, and the notes must never show.
SYMPY_ISMS = [
    ("KroneckerDelta", re.compile(r"KroneckerDelta")),
    (r"\operatorname{Indexed}", re.compile(r"\\operatorname\{Indexed")),
    ("an operatorname of a SymPy class", re.compile(r"\\operatorname\{(SumExcept|Softmax|LogSoftmax|"
                                                    r"CrossEntropy|WrittenOutSum|Derivative)")),
    ("Sum(", re.compile(r"\bSum\(")),
    ("exp( as text", re.compile(r"(?<![\\A-Za-z])exp\(")),
    ("Derivative(", re.compile(r"Derivative\(")),
    ("a Dummy's name", re.compile(r"_\{?\w+_\d+\}?|Dummy")),
    (r"\left( around a single symbol",
     re.compile(r"\\left\(\s*\{?(\\hat\{\w\}|\\?[A-Za-z]+)\}?(_\{?[\w\\]+\}?)?\s*\\right\)")),
    (r"\left(-1\right)", re.compile(r"\\left\(-1\\right\)")),
    (r"\frac{d}{d ...} of a partial derivative", re.compile(r"\\frac\{d\}\{d")),
    ("{ŷ} or another raw Unicode letter in math", re.compile(r"[ŷℓΣ∂≠−]")),
    ("the log's \\left( around its argument", re.compile(r"\\log\{\\left\(")),
]


def sympy_isms(text: str) -> list[str]:
    return [name for name, pattern in SYMPY_ISMS if pattern.search(text)]


def _derive_latex(folder: Path, course: Path, *arguments: str) -> str:
    output = folder / ("notes-" + "-".join(a.strip("-") for a in arguments) + ".out")
    cwd = os.getcwd()
    os.chdir(course)
    try:
        assert main(["latex", *arguments, "-o", str(output)]) == 0
    finally:
        os.chdir(cwd)
    return output.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def notes(tmp_path_factory, bundled_course):
    """The standalone document, the fragment and the Markdown of every bundled proof, from the CLI (in a copy of
    the bundled proofs whose cache a cold run filled: see tests/conftest.py)."""
    folder = tmp_path_factory.mktemp("notes")
    return {"tex": _derive_latex(folder, bundled_course), "fragment": _derive_latex(folder, bundled_course, "--fragment"),
            "md": _derive_latex(folder, bundled_course, "--markdown")}


def _pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is missing under CI: .ci/run installs TeX Live first")
        pytest.skip("pdflatex is not installed")
    return found


def _compile(tex: str, folder: Path) -> str:
    """Compile twice (for references) and return the log; fail on any error or undefined name."""
    pdflatex = _pdflatex()
    (folder / "notes.tex").write_text(tex, encoding="utf-8")
    for _ in range(2):
        result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                                 "notes.tex"], cwd=folder, capture_output=True, text=True, errors="replace",
                                timeout=300)
        log = (folder / "notes.log").read_text(encoding="utf-8", errors="replace")
        errors = [line for line in log.splitlines() if line.startswith("!") or re.match(r".*\.tex:\d+: ", line)]
        assert result.returncode == 0 and not errors, "\n".join(errors) or result.stdout[-2000:]
    assert "Undefined control sequence" not in log
    assert "undefined" not in log.lower().replace("undefined references", ""), \
        [line for line in log.splitlines() if "undefined" in line.lower()]
    assert "There were undefined references" not in log
    assert (folder / "notes.pdf").stat().st_size > 10_000
    return log


def test_the_standalone_document_of_every_bundled_proof_compiles(notes, tmp_path, bundled_proofs):
    tex = notes["tex"]
    assert tex.startswith(r"\documentclass")
    for proof in bundled_proofs:
        assert proof.id in tex and all(f"derive:{proof.id}:{c.name}" in tex for c in proof.cases)
    log = _compile(tex, tmp_path)
    assert "Output written on notes.pdf" in log
    # Nothing runs past the margin or off the bottom of a page (the summary of a course spans pages).
    assert "Overfull" not in log, [line for line in log.splitlines() if "Overfull" in line]


def test_the_fragment_compiles_with_the_documented_preamble(notes, tmp_path, capsys):
    assert main(["latex", "--preamble"]) == 0
    preamble = capsys.readouterr().out
    assert r"\usepackage{amsmath}" in preamble and r"\documentclass" not in preamble
    fragment = notes["fragment"]
    assert r"\documentclass" not in fragment and r"\begin{document}" not in fragment
    _compile("\\documentclass{article}\n" + preamble + "\\begin{document}\n" + fragment + "\\end{document}\n",
             tmp_path)


@pytest.mark.parametrize("form", ["tex", "fragment", "md"])
def test_no_sympy_isms_in_the_notes(notes, form):
    assert sympy_isms(notes[form]) == []


def test_the_sympy_ism_check_catches_what_sympy_prints():
    import sympy as sp

    from derive.core.objects import Vector, indices, sum_except

    j, k = indices("j k")
    y = Vector("y")
    stock = str(sp.KroneckerDelta(j, k)) + sp.latex(sum_except(y[j], j, k, k)) + \
        sp.latex(sp.Indexed(y, j) * sp.exp(y[j]), order="none") + str(sp.Sum(y[j], (j, 1, k))) + \
        r"\left(x\right) \left({y}_{j}\right)"
    found = sympy_isms(stock + " exp(z_j)")
    for name in ("KroneckerDelta", "an operatorname of a SymPy class", "Sum(", "exp( as text",
                 r"\left( around a single symbol"):
        assert name in found


def test_every_case_is_a_heading_with_its_chain_reasons_and_marks(notes, bundled_report):
    tex = notes["tex"]
    cases = [c for p in bundled_report.proofs for c in p.cases]
    assert tex.count(r"\subsection{") == len(cases)
    assert tex.count(r"\begin{align*}") == len(cases)
    steps = sum(len(c.steps) for c in cases)
    assert tex.count(r"\derivereason{") == steps
    assert tex.count(r"\tag*{") == steps
    assert r"\section*{Summary}" in tex
    for p in bundled_report.proofs:
        assert p.proof.source.title.split()[0] in tex


def test_an_erratum_is_marked_refuted_with_its_counterexample_and_correction_after(notes, bundled_report):
    errata = [(p, c, s) for p in bundled_report.proofs for c in p.cases for s in c.steps
              if s.step.expect.value == "erratum"]
    assert errata, "the bundled proofs are expected to include one that has an erratum"
    tex = notes["tex"]
    for p, c, s in errata:
        label = f"derive:{p.proof.id}:{c.case.name}"
        section = tex[tex.index(label):]
        section = section[:section.index(r"\subsection{", 1) if r"\subsection{" in section[1:] else len(section)]
        assert r"\emph{(erratum)}} \tag*{\deriverefuted}" in section
        chain_end = section.index(r"\end{align*}")
        assert section.index(r"\textbf{Counterexample.}") > chain_end
        corrections = [o for o in p.cases if o.case.corrects == c.case.name]
        for fix in corrections:
            assert tex.index(f"derive:{p.proof.id}:{fix.case.name}") > tex.index(label)


def test_generating_again_in_another_process_with_another_hash_seed_gives_the_same_bytes(notes, tmp_path,
                                                                                       bundled_course):
    """The notes made in this process and in a fresh one, with string hashing seeded differently, agree.

    Both render from the verdicts kept in the cache of ``bundled_course``; that checking itself gives the same
    verdicts in processes with different hash seeds is tests/test_cache_runs.py's comparison of cold runs."""
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    files = {"tex": tmp_path / "again.tex", "md": tmp_path / "again.md"}
    script = ("import sys; from derive.cli import main; "
              f"sys.exit(main(['latex', '-o', {str(files['tex'])!r}]) or main(['latex', '--markdown', '-o', "
              f"{str(files['md'])!r}]))")
    subprocess.run([sys.executable, "-c", script], cwd=bundled_course,
                   env=dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT)),
                   check=True, timeout=900)
    for form, file in files.items():
        assert file.read_bytes() == notes[form].encode("utf-8"), form
    assert len(notes["tex"]) > 5000


def test_pdf_says_clearly_when_there_is_no_latex(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(ROOT)
    assert main(["latex", "--pdf", "-o", str(tmp_path / "notes.pdf")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("derive: no LaTeX here: --pdf needs latexmk or pdflatex")
    assert not (tmp_path / "notes.pdf").exists()


def test_pdf_compiles_the_standalone_document(tmp_path, monkeypatch, capsys, bundled_course):
    _pdflatex()
    monkeypatch.chdir(bundled_course)
    output = tmp_path / "notes.pdf"
    assert main(["latex", "--pdf", "--no-numeric", "-o", str(output)]) == 0
    assert output.read_bytes().startswith(b"%PDF")
    assert f"wrote {output}" in capsys.readouterr().err


def test_an_unknown_proof_is_a_one_line_error(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(ROOT)
    assert main(["latex", "no-such-proof", "-o", str(tmp_path / "x.tex")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("derive: ") and "no-such-proof" in err[0]


def _with_numeric_rows(report):
    """The bundled report with numeric rows on its first proof, as derive's numeric checks report them."""
    from types import SimpleNamespace

    from derive.numeric.rows import NumericRow as Row

    first = report.proofs[0]
    rows = (Row("gradient", 2, "random", "central difference", 1.25e-10, 3.5e-10, 1e-6, True),
            Row("gradient", 1048576, "extreme", "central difference", 2.0e-3, 0.5, 1e-6, False))
    proof = SimpleNamespace(proof=first.proof, cases=first.cases, claims=getattr(first, "claims", ()),
                            numeric=rows, numeric_seed=7, numeric_error="", ok=first.ok)
    return SimpleNamespace(proofs=(proof, *report.proofs[1:]))


def test_numeric_checks_appear_in_the_proof_and_in_the_summary(bundled_report, tmp_path):
    from derive.render.document import render_latex
    from derive.render.markdown import render_markdown

    report = _with_numeric_rows(bundled_report)
    tex = render_latex(report)
    section = tex[tex.index(r"\subsection*{Numeric checks of the conclusions}"):]
    assert "largest abs error" in section and "$2^{20}$" in section and r"1.3 \times 10^{-10}" in section
    assert "seed 7" in section and "random; extreme" in section and "central difference" in section
    assert r"1 of 1 \deriveproved" in section and r"0 of 1 \deriverefuted" in section
    summary = tex[tex.index(r"\section*{Summary}"):]
    assert r"numeric checks: 1 of 2 within tolerance, largest relative error $5.0 \times 10^{-1}$}" in summary
    assert summary.count(r"\deriverefuted") >= 1
    markdown = render_markdown(report)
    assert "| gradient | $2^{20}$ | $1$ |" in markdown
    assert "numeric checks: 1 of 2 within tolerance" in markdown[markdown.index("## Summary"):]
    assert sympy_isms(tex) == [] and sympy_isms(markdown) == []
    _compile(tex, tmp_path)


def test_claims_appear_with_their_marks(notes, bundled_report):
    claims = [c for p in bundled_report.proofs for c in getattr(p, "claims", ())]
    assert claims, "the bundled proofs are expected to include one that has claims"
    tex = notes["tex"]
    items = tex[tex.index(r"\subsection*{The claims, case by case}"):]
    assert items.count(r"\item[") >= len(claims)
    held = sum(1 for c in claims if c.holds)
    assert tex.count(r"\item[\deriveproved]") == held
    assert tex.count(r"\item[\deriverefuted]") == len(claims) - held


def test_latex_help_and_preamble_do_not_load_sympy():
    script = ("import sys, contextlib, io; from derive.cli import main\n"
              "with contextlib.redirect_stdout(io.StringIO()):\n"
              "    main(['latex', '--preamble'])\n"
              "    try:\n        main(['latex', '--help'])\n    except SystemExit:\n        pass\n"
              "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_every_verdict_has_a_mark_that_compiles(tmp_path):
    from derive import Case, Proof, Source, Vector, classes, indices, step
    from derive.core.verdict import Counterexample, Outcome, Verdict
    from derive.render.document import render_latex
    from derive.render.markdown import render_markdown
    from derive.model.report import CaseReport, ProofReport, Report, StepReport

    k = classes("k")
    (j,) = indices("j")
    z = Vector("z")
    outcomes = [
        Outcome(Verdict.PROVED, rules=("rational",)),
        Outcome(Verdict.VERIFIED, classes_checked=(2, 3, 4, 5), instances=14),
        Outcome(Verdict.NUMERIC, classes_checked=(2, 3), instances=5),
        Outcome(Verdict.REFUTED, counterexample=Counterexample(3, (("j", 2),), (("z", ("0", "1", "-1/3")),),
                                                               "0.333333333333333333333333333333", "2")),
        Outcome(Verdict.UNKNOWN, message="no decision within 5 s"),
        Outcome(Verdict.ERROR, message="the step is the text 'z_j'"),
    ]
    case = Case("every-mark", "Every mark", classes=k, start=z[j],
                steps=[step(z[j], f"reason {n}") for n in range(len(outcomes))])
    proof = Proof(id="marks", title="Marks", source=Source("A test"), claim="z_j = z_j", cases=[case])
    steps = tuple(StepReport(n + 1, s, s.expr, o, o.verdict is not Verdict.ERROR)
                  for n, (s, o) in enumerate(zip(case.steps, outcomes)))
    report = Report((ProofReport(proof, (CaseReport(case, steps, None),)),))
    tex = render_latex(report)
    chain = tex[tex.index(r"\begin{align*}"):tex.index(r"\end{align*}")]
    for macro in (r"\deriveproved", r"\deriveverified{5}", r"\derivenumeric", r"\deriverefuted",
                  r"\deriveunknown", r"\deriveerror"):
        assert chain.count(r"\tag*{" + macro + "}") == 1, macro
    assert r"Take $k = 3$ classes, $j = 2$, $z = (0, 1, -1/3)$" in tex
    assert r"equals $\approx 0.333333$ but line 4 equals $2$." in tex
    assert r"Line 6 could not be checked." in tex
    markdown = render_markdown(report)
    assert r"&& \checkmark_{k \le 5}" in markdown and r"&& \times" in markdown
    _compile(tex, tmp_path)


def test_views_carry_verdicts_and_each_renderer_draws_its_own_mark():
    """The view of a checked proof holds a Mark (a verdict, and the largest k of a VERIFIED one), never
    LaTeX; the LaTeX document draws it with the preamble's macros and Markdown as maths."""
    from derive import Case, Proof, Source, Vector, classes, indices, step
    from derive.core.verdict import Outcome, Verdict
    from derive.model.report import CaseReport, ProofReport, Report, StepReport
    from derive.render.document import render_latex
    from derive.render.markdown import math_mark, render_markdown
    from derive.render.marks import Mark
    from derive.render.notes import proof_view

    k = classes("k")
    (j,) = indices("j")
    z = Vector("z")
    case = Case("verified", "Verified", classes=k, start=z[j], steps=[step(z[j], "as written")])
    proof = Proof(id="verified", title="Verified", source=Source("A test"), claim="z_j = z_j", cases=[case])
    outcome = Outcome(Verdict.VERIFIED, classes_checked=(2, 7, 3), instances=9)
    report = ProofReport(proof, (CaseReport(case, (StepReport(1, case.steps[0], z[j], outcome, False),), None),))
    (line,) = proof_view(report).cases[0].lines
    assert line.mark == Mark(Verdict.VERIFIED, 7)
    assert math_mark(line.mark) == r"\checkmark_{k \le 7}" and math_mark(Mark(Verdict.VERIFIED)) == r"\checkmark_{k \le K}"
    assert r"\tag*{\deriveverified{7}}" in render_latex(Report((report,)))
    assert r"&& \checkmark_{k \le 7}" in render_markdown(Report((report,)))
    unchecked = proof_view(proof).cases[0].lines[0]
    assert unchecked.mark is None and unchecked.verdict is None


def test_the_bundled_notes_show_the_numeric_checks_of_every_proof_with_conclusions(notes, bundled_proofs):
    with_conclusions = [p for p in bundled_proofs if getattr(p, "conclusions", ())]
    assert with_conclusions, "the bundled proofs are expected to include one that declares conclusions"
    for form, heading, summary_heading in (("tex", r"\subsection*{Numeric checks of the conclusions}",
                                            r"\section*{Summary}"),
                                           ("md", "### Numeric checks of the conclusions", "## Summary")):
        text = notes[form]
        assert text.count(heading) == len(with_conclusions), form
        summary = text[text.index(summary_heading):]
        assert len(re.findall(r"numeric checks: \d+ of \d+ within tolerance", summary)) == len(with_conclusions)
        for proof in with_conclusions:
            for conclusion in proof.conclusions:
                assert f"{conclusion.name}: $" in text, (form, conclusion.name)
