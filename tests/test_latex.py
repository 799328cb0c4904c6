"""The LaTeX printer: notation as a person writes it, in the author's order, shared with the Unicode printer."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from derive import D, Vector, as_written, classes, exp, indices, log, scalar, softmax, sum_except, sum_over
from derive.core.objects import written_out
from derive.render.latex_names import symbol_name
from derive.render.latex_printer import latex
from derive.render.prose import escape_text, prose, prose_parts
from derive.render.unicode import unicode

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
y = Vector("y", "nonnegative")
yhat = Vector("ŷ")
L = scalar("L")
ell = sp.Symbol("ℓ", integer=True, positive=True)


def test_names_are_written_as_in_the_sources():
    assert latex(yhat[j]) == r"\hat{y}_j"
    assert latex(z[j]) == "z_j"
    assert latex(y[ell]) == r"y_{\ell}"
    assert symbol_name("ŷ") == r"\hat{y}"
    assert symbol_name("ℓ") == r"\ell"


def test_softmax_sum_and_sum_that_skips_an_index():
    assert latex(softmax(z, j, k)) == r"\operatorname{softmax}(z)_j"
    assert latex(sum_over(exp(z[i]), i, k)) == r"\sum_{i=1}^{k} e^{z_i}"
    assert latex(sum_except(y[j], j, k, m)) == r"\sum_{j \ne m} y_j"


def test_partial_derivatives_are_fractions_of_partials():
    assert latex(D(L, z[m])) == r"\frac{\partial L}{\partial z_m}"
    assert latex(D(yhat[j], z[m])) == r"\frac{\partial \hat{y}_j}{\partial z_m}"
    with as_written():
        assert latex(D(-sum_over(y[j] * log(yhat[j]), j, k), yhat[m])) == \
            r"\frac{\partial}{\partial \hat{y}_m} \left(-\sum_{j=1}^{k} y_j \log \hat{y}_j\right)"


def test_kronecker_delta_and_log():
    assert latex(sp.KroneckerDelta(j, m)) == r"\delta_{jm}"
    assert latex(sp.KroneckerDelta(i, ell)) == r"\delta_{i\ell}"
    assert latex(log(yhat[j])) == r"\log \hat{y}_j"
    assert latex(log(sum_over(exp(z[i]), i, k))) == r"\log\left(\sum_{i=1}^{k} e^{z_i}\right)"


def test_terms_keep_the_order_the_author_wrote():
    with as_written():
        assert latex(yhat[m] - y[m]) == r"\hat{y}_m - y_m"
        assert latex(-y[m] + yhat[m] * 1) == r"-y_m + \hat{y}_m \cdot 1"
        assert latex(-y[m] + y[m] * yhat[m]) == r"-y_m + y_m \hat{y}_m"
    # SymPy's own order would put y first
    assert sp.latex(yhat[m] - y[m]).startswith("-")


def test_grouping_the_author_wrote_is_kept():
    with as_written():
        regrouped = -y[m] + (y[m] * yhat[m] + sum_except(y[j] * yhat[m], j, k, m))
        assert latex(regrouped) == r"-y_m + \left(y_m \hat{y}_m + \sum_{j \ne m} y_j \hat{y}_m\right)"
        assert latex(yhat[j] * (1 - yhat[j])) == r"\hat{y}_j (1 - \hat{y}_j)"


def test_signs_and_fractions_are_written_without_sympy_artefacts():
    with as_written():
        S = sum_over(exp(z[i]), i, k)
        assert latex(-(exp(z[j]) * exp(z[m])) / S**2) == \
            r"-\frac{e^{z_j} \cdot e^{z_m}}{\left(\sum_{i=1}^{k} e^{z_i}\right)^{2}}"
        assert latex(-y[m] * (1 / yhat[m])) == r"-\frac{y_m}{\hat{y}_m}"
        assert latex(-(y[m] / yhat[m])) == r"-\frac{y_m}{\hat{y}_m}"
        assert latex((-(y[m] / yhat[m])) * (yhat[m] * (1 - yhat[m]))) == \
            r"\left(-\frac{y_m}{\hat{y}_m}\right) \cdot (\hat{y}_m (1 - \hat{y}_m))"
        assert r"\left(-1\right)" not in latex(-(exp(z[j]) * exp(z[m])) / S**2)


def test_no_parentheses_around_a_single_symbol():
    with as_written():
        for expr in (yhat[j] ** 2, log(z[j]), D(yhat[j], z[m]) * D(L, yhat[j]), 2 * yhat[j], -yhat[j]):
            text = latex(expr)
            assert not re.search(r"\\left\(\s*(\\hat\{y\}|[a-zA-Z])(_\w)?\s*\\right\)", text), text
            assert not re.search(r"\((\\hat\{y\}|[a-zA-Z])(_\w)?\)", text.replace(r"\operatorname{softmax}(z)", "")), text


def test_a_written_out_sum_shows_its_first_terms_and_its_last():
    with as_written():
        assert latex(D(written_out(exp(z[i]), i, k), z[j])) == \
            r"\frac{\partial}{\partial z_j} (e^{z_1} + e^{z_2} + \dots + e^{z_k})"


def _entries_latex(text: str) -> list[str]:
    return [("ŷ" if base == r"\hat{y}" else base) + "_" + ("ℓ" if index == r"\ell" else index)
            for base, index in re.findall(r"(\\hat\{y\}|[a-zA-Z])_\{?(\\ell|\w)", text)]


def _entries_unicode(text: str) -> list[str]:
    return [base + "_" + index for base, index in re.findall(r"([a-zA-Zŷ])_\{?(\w)", text)]


def test_the_unicode_printer_shows_every_bundled_step_in_the_same_order(bundled_proofs):
    """Both printers write the same entries, in the same order, for every step of every bundled proof."""
    compared = 0
    for proof in bundled_proofs:
        for case in proof.cases:
            for expr in (case.start, *(s.expr for s in case.steps)):
                if not isinstance(expr, sp.Basic):
                    continue
                shown_unicode = re.sub(r"δ_\{?(\w),?(\w)\}?", "", unicode(expr)).replace("Σ_{", "Σ{")
                shown_latex = re.sub(r"\\delta_\{\w+\}", "", latex(expr)).replace(r"\sum_{", r"\sum{")
                assert _entries_unicode(shown_unicode) == _entries_latex(shown_latex), (case.name, expr)
                compared += 1
    assert compared > 30


def test_prose_turns_mathematical_words_into_inline_math():
    assert prose("quotient rule with u' = e^{z_j} and v' = 0") == \
        "quotient rule with $u' = e^{z_j}$ and $v' = 0$"
    assert prose("cancel ŷ_k") == r"cancel $\hat{y}_k$"
    assert prose("the terms j ≠ k (item 2), and 50% more") == r"the terms $j \ne k$ (item 2), and 50\% more"
    assert prose("log ŷ_j does not depend on ŷ_k") == r"$\log \hat{y}_j$ does not depend on $\hat{y}_k$"
    assert prose("where ŷ = softmax(z), y is one-hot") == \
        r"where $\hat{y} = \operatorname{softmax}(z)$, $y$ is one-hot"


def test_prose_leaves_plain_words_and_unbalanced_notation_as_text():
    assert prose_parts("a plain sentence") == [("text", "a plain sentence")]
    assert prose("a_{broken") == r"a\_\{broken"
    assert escape_text("#1 & 100% of $x_1 {}") == r"\#1 \& 100\% of \$x\_1 \{\}"


def test_the_unicode_printer_writes_signs_as_the_latex_printer_does():
    with as_written():
        S = sum_over(exp(z[i]), i, k)
        assert unicode(-yhat[j] * yhat[m]) == "-ŷ_j·ŷ_m" and latex(-yhat[j] * yhat[m]) == r"-\hat{y}_j \hat{y}_m"
        assert unicode(-y[m] * (1 / yhat[m])) == "-y_m/ŷ_m" and latex(-y[m] * (1 / yhat[m])) == r"-\frac{y_m}{\hat{y}_m}"
        assert unicode(-(exp(z[j]) * exp(z[m])) / S**2).startswith("-(exp(z_j)·exp(z_m))/")
        assert unicode((-(y[m] / yhat[m])) * (yhat[m] * (1 - yhat[m]))) == "(-y_m/ŷ_m)·(ŷ_m·(1 − ŷ_m))"


def test_a_file_and_its_place_in_free_text_stay_words():
    """An error or a reading that names a file (underscores and all) shows it as text, never as subscripts."""
    assert prose("defined at notes/soft_max_ce.md:35:7, see proofs/my_file.py") == \
        r"defined at notes/soft\_max\_ce.md:35:7, see proofs/my\_file.py"
    assert prose("a sign slips (tests/x_y.tex:14:1) in δ_ij") == r"a sign slips (tests/x\_y.tex:14:1) in $\delta_{ij}$"


def test_the_unicode_printer_writes_its_own_operators_and_unicode_adds_nothing():
    from derive.render.unicode import UnicodePrinter

    a, b, c = sp.symbols("a b c")
    expressions = [a * b**2 - c, -a / b**3 + sp.sqrt(c), sp.Mul(2, a, sp.Pow(b, -1, evaluate=False), evaluate=False),
                   sp.Sum(a * z[i], (i, 1, k)) * b, sum_except(z[i], i, k, j) - a]
    for expr in expressions:
        assert UnicodePrinter().doprint(expr) == unicode(expr)
    with as_written():
        assert unicode(a * b**2 - c) == "a·b^2 − c"
        assert unicode(sum_over(z[i], i, k) * b) == "(Σ_{i=1..k} z_i)·b"


def test_the_printers_declare_their_settings_and_reject_unknown_ones():
    from derive.render.latex_printer import DeriveLatexPrinter
    from derive.render.unicode import UnicodePrinter

    for printer in (DeriveLatexPrinter, UnicodePrinter):
        assert printer._default_settings["order"] == "none"
        with pytest.raises(TypeError, match="Unknown setting"):
            printer({"no_such_setting": True})


def test_the_renderers_track_no_binders_of_their_own():
    """Which indices a sum binds is read from derive.core.binders: no renderer tests for SumExcept or reads
    a sum's limits itself."""
    from pathlib import Path

    render = Path(__file__).resolve().parent.parent / "derive" / "render"
    for path in sorted(render.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"isinstance\([^)]*SumExcept", text), path.name
        assert ".limits" not in text, path.name
