"""Markdown notes: `$$` blocks that MathJax and KaTeX render, the same content as the LaTeX, notebook display."""

from __future__ import annotations

import re

import pytest

from derive.render.markdown import proof_markdown, render_markdown
from test_latex_document import sympy_isms

# Control words that both MathJax (with its AMS extensions) and KaTeX render out of the box.
RENDERED_BY_MATHJAX_AND_KATEX = {
    "frac", "partial", "hat", "sum", "ne", "operatorname", "log", "exp", "left", "right", "cdot", "dots",
    "text", "checkmark", "approx", "times", "le", "ge", "delta", "ell", "begin", "end", "nabla", "sqrt",
    "to", "in", "infty", "alpha", "beta", "gamma", "lambda", "sigma", "tilde", "bar", "dot", "vdash",
    "epsilon", "varepsilon", "top",
}


@pytest.fixture(scope="module")
def markdown(bundled_report):
    return render_markdown(bundled_report)


def _display_blocks(text: str) -> list[str]:
    lines = text.split("\n")
    blocks, current = [], None
    for line in lines:
        if line == "$$":
            if current is None:
                current = []
            else:
                blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    assert current is None, "a $$ block is not closed"
    return blocks


def test_every_case_is_a_heading_with_one_display_block(markdown, bundled_report):
    cases = [c for p in bundled_report.proofs for c in p.cases]
    assert len(re.findall(r"^### ", markdown, re.M)) >= len(cases)
    blocks = _display_blocks(markdown)
    assert len(blocks) == len(cases)
    for block, case in zip(blocks, [c for p in bundled_report.proofs for c in p.cases]):
        assert block.startswith(r"\begin{aligned}") and block.endswith(r"\end{aligned}")
        assert "" not in block.split("\n"), "a blank line inside $$ ends the block in most renderers"
        rows = block.split("\n")[1:-1]
        assert len(rows) == len(case.steps)
        assert all(row.count("&&") == 2 for row in rows), "each row: the step, its reason, its mark"


def test_math_uses_only_what_mathjax_and_katex_render(markdown):
    math = "\n".join(_display_blocks(markdown))
    math += "\n".join(re.findall(r"(?<!\\)\$([^$\n]+)(?<!\\)\$", markdown))
    used = set(re.findall(r"\\([A-Za-z]+)", math))
    assert used - RENDERED_BY_MATHJAX_AND_KATEX == set()
    assert "derive" not in math and r"\tag" not in math and r"\parbox" not in math


def test_inline_math_is_balanced_on_every_line(markdown):
    for line in markdown.split("\n"):
        if line != "$$":
            assert len(re.findall(r"(?<!\\)\$", line)) % 2 == 0, line


def test_no_sympy_isms_in_markdown(markdown):
    assert sympy_isms(markdown) == []


def test_text_outside_math_is_escaped_for_markdown(bundled_report):
    text = render_markdown(bundled_report)
    outside = re.sub(r"(?<!\\)\$[^$\n]*(?<!\\)\$", "", text)
    outside = "\n".join(line for line in outside.split("\n") if not line.startswith(("\\", "$$")) and "&=" not in line)
    assert not re.search(r"(?<!\\)_", outside), [line for line in outside.split("\n") if re.search(r"(?<!\\)_", line)]


def test_an_erratum_line_carries_the_refuted_mark_and_a_counterexample_follows(markdown, bundled_report):
    errata = [s for p in bundled_report.proofs for c in p.cases for s in c.steps if s.step.expect.value == "erratum"]
    assert errata, "the bundled proofs are expected to include one that has an erratum"
    assert len(re.findall(r"\\text\{ \(erratum\)\} && \\times", markdown)) == len(errata)
    assert markdown.count("**Counterexample.**") >= len(errata)


def test_the_summary_table_lists_every_case(markdown, bundled_report):
    summary = markdown[markdown.index("## Summary"):]
    for p in bundled_report.proofs:
        table = summary[summary.index(f"**{p.proof.title}**"):]
        end = table.find("\n\n", table.index("| case |"))
        table = table if end < 0 else table[:end]
        rows = [line for line in table.split("\n") if line.startswith("| ") and not line.startswith("| case")]
        assert len([r for r in rows if not r.startswith("| *")]) == len(p.cases)


def test_proofs_and_reports_display_in_a_notebook(bundled_proofs, bundled_report):
    proof = bundled_proofs[0]
    unchecked = proof._repr_markdown_()
    assert unchecked.startswith("## ") and r"\begin{aligned}" in unchecked
    assert r"\checkmark" not in unchecked  # nothing was checked
    checked = bundled_report.proofs[0]._repr_markdown_()
    assert r"\checkmark" in checked and checked.startswith("## ")
    whole = bundled_report._repr_markdown_()
    assert "## Summary" in whole and not whole.startswith("# ")
    assert sympy_isms(unchecked + checked + whole) == []


def test_the_notes_show_a_claims_own_assumptions_and_the_configurations_no_case_covers():
    from test_coverage import L, _proof, j, l, p, y, z

    from derive import D, Claim, OneHot, as_written
    from derive.render.document import proof_latex
    from derive.render.notes import proof_view
    from derive.engine.run import check_proof

    with as_written():
        claim = Claim("every-j", "Every j", D(L, z[j]), p[j] - 1, ("true-class",), assumptions=(OneHot(y, l),))
    view = proof_view(check_proof(_proof(claim)))
    (item,) = [line for line in proof_markdown(view) if line.startswith("- ")]
    assert item == (r"- $\times$ Every $j$: $\frac{\partial L}{\partial z_j} = p_j - 1$ (assuming $y$ is one-hot "
                    r"at the true class $\ell$: $y_i = \delta_{i\ell}$): $j \ne \ell$: covered by no case; agrees "
                    r"with true-class")
    assert any(r"\item[\deriverefuted] Every $j$" in line and r"$j \ne \ell$: covered by no case" in line
               for line in proof_latex(view))
