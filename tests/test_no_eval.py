"""No evaluation of text: the package never parses a string, and its entry points refuse one clearly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from derive.core.checker import check_equal
from derive.core.context import Context, Definition, Equal, IllFormed, OneHot, as_expression
from derive.core.normalise import proves_equal
from derive.core.objects import (BadArgument, D, Vector, classes, cross_entropy, exp, indices, log, log_softmax,
                                 scalar, softmax, sum_except, sum_over, written_out)
from derive.core.verdict import Verdict
from derive.model.proof import Case, ModelError, step

PACKAGE = Path(__file__).resolve().parent.parent / "derive"

# Calls that turn text into code or expressions.  sympify is allowed only with strict=True, which
# refuses text; the others are never allowed.
FORBIDDEN = {"eval", "exec", "compile", "__import__", "parse_expr", "S", "sympify", "parse_latex"}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _offending_calls(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        if name not in FORBIDDEN:
            continue
        if name == "compile" and isinstance(node.func, ast.Attribute):
            continue  # re.compile and the like compile patterns, not code
        strict = any(k.arg == "strict" and isinstance(k.value, ast.Constant) and k.value.value is True
                     for k in node.keywords)
        if name == "sympify" and strict:
            continue
        found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_package_source_has_no_call_that_evaluates_text():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    offending = [line for f in files for line in _offending_calls(f.read_text(encoding="utf-8"), str(f))]
    assert offending == []


@pytest.mark.parametrize("source", [
    "x = eval(text)", "exec(text)", "compile(text, 'f', 'exec')", "sympy.sympify(text)", "sp.S(text)",
    "from sympy.parsing.sympy_parser import parse_expr\nparse_expr(text)", "sympify(text, strict=False)",
])
def test_the_search_finds_each_kind_of_call(source):
    assert _offending_calls(source, "example.py")


@pytest.mark.parametrize("source", ["re.compile(pattern)", "sp.sympify(value, strict=True)", "evaluate(x)"])
def test_the_search_allows_what_parses_no_text(source):
    assert _offending_calls(source, "example.py") == []


# --- entry points refuse text ----------------------------------------------------------------

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p", "positive")
L = scalar("L")

TEXT_CALLS = {
    "exp": lambda: exp("z[j]"),
    "log": lambda: log("z[j]"),
    "vector entry": lambda: z["j"],
    "sum_over summand": lambda: sum_over("exp(z[i])", i, k),
    "sum_over index": lambda: sum_over(z[i], "i", k),
    "sum_over bound": lambda: sum_over(z[i], i, "k"),
    "sum_except summand": lambda: sum_except("y[i]", i, k, j),
    "sum_except skipped": lambda: sum_except(y[i], i, k, "j"),
    "written_out": lambda: written_out("exp(z[i])", i, k),
    "softmax vector": lambda: softmax("z", j, k),
    "softmax index": lambda: softmax(z, "j", k),
    "log_softmax": lambda: log_softmax(z, j, "k"),
    "cross_entropy": lambda: cross_entropy(y, "p", k),
    "D expression": lambda: D("softmax(z, j, k)", z[j]),
    "D variable": lambda: D(softmax(z, j, k), "z[j]"),
}


@pytest.mark.parametrize("name", sorted(TEXT_CALLS))
def test_the_vocabulary_refuses_text(name):
    with pytest.raises(BadArgument, match="never parsed|must be"):
        TEXT_CALLS[name]()


def test_an_expression_entry_point_refuses_text():
    with pytest.raises(IllFormed, match="text is never parsed"):
        as_expression("exp(z[j])")
    with pytest.raises(IllFormed, match="text is never parsed"):
        proves_equal("z[j]", z[j], Context(k))


def test_the_checker_answers_text_with_an_error_verdict():
    outcome = check_equal(z[j], "z[j]", Context(k))
    assert outcome.verdict is Verdict.ERROR and "text is never parsed" in outcome.message


def test_assumptions_and_definitions_refuse_text():
    with pytest.raises(IllFormed, match="index symbols"):
        Context(k, (Equal("j", "m"),))
    with pytest.raises(IllFormed, match="not a vector"):
        Context(k, (OneHot("y"),))
    with pytest.raises(IllFormed, match="never parsed"):
        Definition.of(p, lambda a: "softmax(z, a, k)")
    with pytest.raises(IllFormed, match="expected an expression"):
        Definition.of(L, "-sum(y log p)")


def test_a_case_refuses_a_start_given_as_text():
    with pytest.raises(ModelError, match="the start is the text"):
        Case("c", "c", classes=k, start="D(L, z[j])", steps=(step(z[j], "x"),))


def test_text_is_refused_even_where_sympy_would_accept_it():
    # sympy.exp("1") would parse the text; derive's exp refuses it before SymPy sees it.
    with pytest.raises(BadArgument):
        exp("1")
