"""The pieces of the document reader on their own: the grammar, the layout of rows, and each reading.

Expected expressions are built with derive's API, as a proof module builds
them; the reader must build the same ones, and record each reading it makes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sympy as sp

from derive.core.objects import D, Vector, classes, exp, indices, log, softmax, sum_except, sum_over
from derive.documents.declarations import Declarations
from derive.documents.events import Formula
from derive.documents.extract import extract
from derive.documents.layout import rows_of
from derive.documents.names import Names
from derive.documents.reading import LineContext, Reader, ReadProblem
from derive.documents.syntax import GRAMMAR, SyntaxProblem, parse_row

DOCUMENTS = Path(__file__).resolve().parent / "documents"

k = classes("k")
i, j, l, n = indices("i j ℓ n")
z = Vector("z")
y = Vector("y", "nonnegative")
yhat = Vector("ŷ")


def _names(**extra):
    values = {"classes": "k", "indices": ["i", "j", "\\ell", "n"],
              "vectors": {"z": "real", "y": "nonnegative", "\\hat{y}": "real"}, "sample": "(i)", **extra}
    return Names(Declarations(values))


def _read(text: str, names=None, context=None):
    names = names or _names()
    tree = parse_row(text)
    row = tree.children[0]
    side = [c for c in row.children if getattr(c, "data", "rel") not in ("rel", "lead")][-1]
    expr, readings = Reader(names).side(side, text, context or LineContext())
    return expr, [r.kind for r in readings], [r.text for r in readings]


def _same(left, right) -> bool:
    return sp.srepr(left) == sp.srepr(right)


def test_the_grammar_is_lalr_without_conflicts(caplog):
    from lark import Lark, logger

    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", debug=True)
    finally:
        logger.setLevel(logging.WARNING)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]


def test_a_row_that_does_not_parse_names_the_offset_of_its_first_bad_token():
    with pytest.raises(SyntaxProblem) as problem:
        parse_row("a = b + \\int c")
    assert problem.value.position == len("a = b + ")


def test_rows_split_at_double_backslashes_outside_braces_and_keep_their_file_columns():
    text = ("\\begin{align*} a &= \\Sigma_{\\substack{j=1 \\\\ j \\neq \\ell}} b \\\\ "
            "&= c \\quad \\text{(why)} \\end{align*}")
    rows = rows_of(Formula(text, 100, True))
    assert [r.text.strip() for r in rows] == ["a  = \\Sigma_{\\substack{j=1 \\\\ j \\neq \\ell}} b", "= c"]
    assert rows[1].annotation == "(why)"
    for row in rows:   # every character kept is the file's character at its place; layout became spaces
        start = row.offset - 100
        assert all(c == " " or c == text[start + p] for p, c in enumerate(row.text))


@pytest.mark.parametrize("path", sorted(p for p in DOCUMENTS.rglob("*") if p.suffix in (".md", ".tex")))
def test_every_formula_found_is_the_text_at_its_offset(path):
    source = path.read_text(encoding="utf-8")
    document = extract(str(path), source)
    formulas = [e for e in document.events if isinstance(e, Formula)]
    assert formulas
    for formula in formulas:
        assert source[formula.offset:formula.offset + len(formula.text)] == formula.text


def test_a_summation_index_written_like_the_class_count_is_renamed_and_said():
    expr, kinds, texts = _read("\\Sigma^k_{k=1} y_k", context=LineContext())
    assert _same(expr, sum_over(y[n], n, k))
    assert kinds == ["sigma-as-sum", "count-as-index"]
    assert "written k, like the number of classes" in texts[1]


def test_a_summation_index_that_shadows_the_free_index_is_renamed_and_said():
    context = LineContext(wrt=z[j], free=j)
    expr, kinds, _ = _read("\\sum_{\\substack{j=1 \\\\ j \\neq \\ell}} y_j", context=context)
    assert _same(expr, sum_except(y[i], i, k, l))
    assert kinds == ["sum-without-limits", "shadowed-index"]


def test_a_bare_vector_stands_for_its_component_at_the_free_index():
    expr, kinds, texts = _read("\\hat{y}^{(i)} - y_j", context=LineContext(wrt=z[j], free=j))
    with sp.evaluate(False):
        assert _same(expr, sp.Add(yhat[j], sp.Mul(-1, y[j])))
    assert kinds == ["sample-superscript", "bare-vector"] and "ŷ stands for its component ŷ_j" in texts[1]


def test_softmax_of_a_vector_and_of_an_entry_are_components_and_softmax_prime_a_derivative():
    context = LineContext(wrt=z[j], free=j)
    expr, kinds, _ = _read("\\text{softmax}(z)", context=context)
    assert _same(expr, softmax(z, j, k)) and kinds == ["softmax-of-vector"]
    expr, kinds, _ = _read("\\log(\\text{softmax}(z_n))", context=context)
    assert _same(expr, log(softmax(z, n, k))) and kinds == ["softmax-of-entry"]
    expr, kinds, _ = _read("\\text{softmax'}(z)", context=context)
    assert _same(expr, D(softmax(z, j, k), z[j])) and kinds == ["softmax-of-vector", "softmax-prime"]


def test_nabla_of_a_vector_is_read_componentwise_at_the_declared_component():
    names = _names(component="j", functions={"CE": "cross_entropy"})
    expr, kinds, _ = _read("\\nabla_{z^{(i)}} e^{z_j}", names=names)
    assert _same(expr, D(exp(z[j]), z[j]))
    assert kinds == ["sample-superscript", "nabla"]


def test_a_sum_without_limits_is_read_over_the_classes():
    expr, kinds, _ = _read("\\sum_i e^{z_i}")
    assert _same(expr, sum_over(exp(z[i]), i, k)) and kinds == ["sum-without-limits"]


def test_a_sum_written_out_term_by_term_is_the_sum_of_its_pattern():
    expr, kinds, _ = _read("e^{z_1} + e^{z_2} + \\cdots + e^{z_k}")
    assert isinstance(expr, sp.Sum) and expr.limits[0][1:] == (1, k) and kinds == ["written-out-sum"]
    with pytest.raises(ReadProblem, match="do not follow one pattern"):
        _read("e^{z_2} + \\cdots + e^{z_k}")


@pytest.mark.parametrize("kind, text", [("sum-without-limits", "\\sum_i e^{z_i}"),
                                        ("sigma-as-sum", "\\Sigma_{i=1}^{k} e^{z_i}"),
                                        ("count-as-index", "\\sum_{k=1}^{k} e^{z_k}")])
def test_a_refused_reading_leaves_the_line_unread(kind, text):
    names = _names(readings={kind: "refuse"})
    with pytest.raises(ReadProblem, match="refused by the declarations") as problem:
        _read(text, names=names)
    assert problem.value.kind == "refused"


def test_a_renamed_summation_index_takes_the_declared_name():
    names = _names(rename={"count-as-index": "i"})
    expr, _, texts = _read("\\Sigma^k_{k=1} y_k", names=names)
    assert _same(expr, sum_over(y[i], i, k)) and "read as an index i" in texts[1]


def test_an_index_that_is_the_class_count_is_refused_outside_a_sum():
    with pytest.raises(ReadProblem, match="is the number of classes"):
        _read("z_k")


def test_a_renamed_summation_index_never_captures_a_name_the_line_uses():
    expr, _, texts = _read("\\sum_{j} y_j z_i", context=LineContext(wrt=z[j], free=j))
    (bound, _, _), = expr.limits
    assert bound not in (i, j) and i in expr.free_symbols and f"renamed {bound}" in texts[-1]
    expr, _, _ = _read("\\Sigma^k_{k=1} y_k z_n")
    (bound, _, _), = expr.limits
    assert bound != n and n in expr.free_symbols


def test_a_local_definition_is_not_expanded_where_a_sum_would_capture_its_index():
    names = _names()
    context = LineContext(macros={"u": (exp(z[i]), "notes.md:3:1")})
    with pytest.raises(ReadProblem, match="which a sum here binds"):
        _read("\\sum_{i=1}^{k} u", names=names, context=context)


def test_a_short_formula_is_placed_at_its_own_delimiters_not_inside_a_word_before_it():
    source = "# T\n\nA wor\\_k of $k$ and \\(j\\), then $$k = k$$\n"
    document = extract("notes.md", source)
    formulas = [e for e in document.events if isinstance(e, Formula)]
    assert [(f.text, source[f.offset - 1]) for f in formulas] == [("k", "$"), ("j", "("), ("k = k", "$")]


def test_a_closing_period_or_comma_is_not_part_of_the_maths():
    for text in ("y_j = y_j,", "y_j = y_j.", "y_j = y_j \\,."):
        expr, kinds, _ = _read(text)
        assert _same(expr, y[j]) and kinds == []
