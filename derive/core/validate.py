"""Well-formedness: a step must be an expression over known names, with valid indices."""

from __future__ import annotations

import sympy as sp

from .context import Context, IllFormed, as_expression
from .normalise import nonnegative
from .objects import SumExcept

__all__ = ["validate", "as_expression", "names_in", "free_indices_of"]


def names_in(expr) -> set[str]:
    """The free names of an expression: symbols and vector names, by their text."""
    found = set()
    _walk(expr, set(), lambda node, bound: found.update(_free_names(node, bound)))
    return found


def free_indices_of(expr, ctx: Context) -> set:
    """The free index symbols of an expression as written (bound ones excluded)."""
    found = set()

    def visit(node, bound):
        if (isinstance(node, sp.Symbol) and node not in bound and not isinstance(node, sp.Dummy)
                and node.is_integer and node != ctx.n):
            found.add(node.xreplace(ctx.substitution))

    _walk(expr, set(), visit)
    return {s for s in found if isinstance(s, sp.Symbol)}


def _free_names(node, bound):
    if isinstance(node, sp.Indexed):
        return {str(node.base.label)}
    if isinstance(node, sp.Symbol) and node not in bound:
        return {node.name}
    return set()


def _walk(expr, bound, visit):
    visit(expr, bound)
    if isinstance(expr, sp.Indexed):
        for index in expr.indices:
            _walk(index, bound, visit)
        return
    if isinstance(expr, sp.Sum):
        inner = set(bound)
        for i, lo, hi in expr.limits:
            _walk(lo, inner, visit)
            _walk(hi, inner, visit)
            inner.add(i)
        _walk(expr.function, inner, visit)
        return
    if isinstance(expr, SumExcept):
        i, lo, hi = expr.limits
        for part in (lo, hi, expr.skipped):
            _walk(part, bound, visit)
        _walk(expr.function, bound | {i}, visit)
        return
    if isinstance(expr, sp.Lambda):
        _walk(expr.expr, bound | set(expr.variables), visit)
        return
    for arg in expr.args:
        _walk(arg, bound, visit)


def validate(expr, ctx: Context, known: frozenset = frozenset()) -> None:
    """Raise :class:`IllFormed` naming what is wrong with ``expr``, if anything."""
    expr = as_expression(expr)
    if expr.has(sp.zoo, sp.nan) or expr.has(sp.oo):
        raise IllFormed(f"{expr} divides by zero or is infinite")
    problems: list[str] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Float):
            raise IllFormed(f"{expr} contains the float {node}, which is inexact: write an integer or "
                            f"sympy.Rational")
        if node.is_Pow and node.base == 0 and node.exp.is_negative:
            raise IllFormed(f"{expr} divides by zero")

    def visit(node, bound):
        if isinstance(node, sp.Symbol) and node not in bound and not isinstance(node, sp.Dummy):
            if node != ctx.n and known and node.name not in known:
                kind = "index" if node.is_integer else "symbol"
                problems.append(f"unknown {kind} {node.name!r}: it is not in the case's start expression, "
                                f"definitions or assumptions")
        if isinstance(node, sp.Indexed):
            if known and str(node.base.label) not in known:
                problems.append(f"unknown vector {str(node.base.label)!r}: it is not in the case's start "
                                f"expression, definitions or assumptions")
            for index in node.indices:
                problems.extend(_index_problem(node, index, bound, ctx))
        if isinstance(node, sp.Sum):
            for i, lo, hi in node.limits:
                problems.extend(_bounds_problem(node, i, lo, hi, ctx))
        if isinstance(node, SumExcept):
            i, lo, hi = node.limits
            problems.extend(_bounds_problem(node, i, lo, hi, ctx))
        if isinstance(node, sp.Derivative):
            for variable, _ in node.variable_count:
                if not (isinstance(variable, sp.Indexed) or
                        (isinstance(variable, sp.Symbol) and not variable.is_integer)):
                    problems.append(f"cannot differentiate with respect to {variable}: it is not a variable")

    _walk(expr, set(), visit)
    if problems:
        raise IllFormed(problems[0])


def _index_problem(node, index, bound, ctx):
    if index.is_Integer:
        if not 1 <= int(index) <= ctx.minimum_classes:
            yield (f"index {index} in {node} may lie outside 1..{ctx.n} "
                   f"(k can be as small as {ctx.minimum_classes})")
        return
    if isinstance(index, sp.Symbol):
        if index == ctx.n:
            yield f"index {index} in {node}: the number of classes is not an index"
        elif not index.is_integer:
            yield f"index {index} in {node} is not an integer index symbol (use indices('...'))"
        return
    yield f"index {index} in {node} may lie outside 1..{ctx.n}: use an index symbol or a literal"


def _bounds_problem(node, i, lo, hi, ctx):
    if not (isinstance(i, sp.Symbol) and i.is_integer):
        yield f"summation index {i} in {node} is not an integer index symbol"
        return
    if not nonnegative(lo - 1, ctx):
        yield f"sum {node} starts at {lo}, below 1"
    if not nonnegative(ctx.n - hi, ctx):
        yield f"sum {node} ends at {hi}, beyond {ctx.n}"
    if not nonnegative(hi - lo, ctx):
        yield f"sum {node} has reversed bounds: it starts at {lo}, which can exceed its end {hi}"
