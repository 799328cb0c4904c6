"""Binders: which indices a node binds, and the one traversal that knows it.

A sum binds its summation index over its body; a sum that skips one index
binds its index too; a ``Lambda`` (the entry of a defined vector, ``i ↦
softmax(z)_i``) binds its parameter.  Every pass that must tell a bound index
from a free one — validation, the range of an index, renaming bound indices
apart, the canonical names that make equal sums equal keys, where an
expression is defined — goes through :func:`walk`, :func:`rename_bound` and
:func:`canonical` here, so scoping and capture-avoiding renaming are written
once.

Not for rewriting: the rules that change an expression's value-preserving
shape live in :mod:`derive.core.normalise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import sympy as sp

from .objects import SumExcept

__all__ = ["Binder", "BoundIndex", "binders", "walk", "rename_bound", "canonical", "is_binder"]


@dataclass(frozen=True)
class Binder:
    """One bound index and its range: ``lo..hi``, less ``skipped`` when it is a sum that skips one index.

    ``lo`` and ``hi`` are None for the parameter of a ``Lambda``: the entry
    index of a defined vector, which ranges over ``1..n``.
    """

    variable: sp.Symbol
    lo: sp.Expr | None
    hi: sp.Expr | None
    skipped: sp.Expr | None = None


class BoundIndex(sp.Symbol):
    """The fixed name :func:`canonical` gives a bound index.

    A class of its own, so that it never equals a symbol a user wrote, whatever
    its name and assumptions (SymPy compares objects of different classes as
    different).
    """


def is_binder(node) -> bool:
    return isinstance(node, (sp.Sum, SumExcept, sp.Lambda))


def binders(node) -> tuple[Binder, ...]:
    """The indices ``node`` binds over its body, outermost first (empty for a node that binds nothing).

    SymPy writes ``Sum(f, (i, a, b), (j, c, d))`` for ``Σ_j Σ_i f``: its last
    limit is the outermost.
    """
    if isinstance(node, sp.Sum):
        return tuple(Binder(i, lo, hi) for i, lo, hi in reversed(node.limits))
    if isinstance(node, SumExcept):
        i, lo, hi = node.limits
        return (Binder(i, lo, hi, node.skipped),)
    if isinstance(node, sp.Lambda):
        return tuple(Binder(v, None, None) for v in node.variables)
    return ()


def _body(node):
    if isinstance(node, (sp.Sum, SumExcept)):
        return node.function
    return node.expr


Visit = Callable[[sp.Basic, Mapping[sp.Symbol, Binder]], None]


def walk(expr, visit: Visit, scope: Mapping[sp.Symbol, Binder] | None = None) -> None:
    """Call ``visit(node, scope)`` on every node of ``expr``, parents first.

    ``scope`` maps each bound index in force at ``node`` to its binder (an
    inner binder of the same name shadows an outer one).  The bounds of a sum
    are visited in the scope outside it, its body in the scope inside; the
    limits themselves are not visited as nodes.
    """
    scope = dict(scope or {})
    _walk(expr, visit, scope)


def _walk(expr, visit, scope):
    visit(expr, scope)
    if not is_binder(expr):
        for arg in expr.args:
            _walk(arg, visit, scope)
        return
    inner = dict(scope)
    for binder in binders(expr):
        for part in (binder.lo, binder.hi, binder.skipped):
            if part is not None:
                _walk(part, visit, inner)
        inner[binder.variable] = binder
    _walk(_body(expr), visit, inner)


def rename_bound(expr: sp.Basic, avoid=frozenset()) -> sp.Basic:
    """Rename every bound index apart (alpha-renaming, capture-avoiding), to names fixed by nesting depth.

    A binder nested in ``d`` others within ``expr`` gets the dummy of number
    ``o + d`` (its own name kept for display), ``o`` one more than the largest
    number of a renamed dummy free in ``expr`` or in ``avoid`` (the symbols of
    the context the result is used in, such as the variable it is
    differentiated by).  So nested binders never share a name, no bound name
    equals a free one, and an inner binder that shadows an outer one in the
    input is renamed by the scope it belongs to.

    The names depend only on the expression, not on a counter: equal inputs
    give equal outputs, so that SymPy's caches (of derivatives, of
    assumptions) serve every step that meets the same sum, where fresh dummies
    made each renaming a new object.  Siblings may share names, which a
    renaming does not change the meaning of.
    """
    free = _free_renamed(expr) | {s for s in avoid if _is_renamed(s)}
    offset = 1 + max(_number(s) for s in free) if free else 0
    return _rename_apart(expr, {}, offset, 0)


def _renamed(original, number: int) -> sp.Dummy:
    # a negative dummy index never equals one SymPy draws for a fresh Dummy (those are positive)
    # its name, not str(): a Dummy prints with a leading "_", so renaming a renamed index would make a new
    # name at every pass, and equal inputs would no longer give identical results
    return sp.Dummy(original.name, dummy_index=-1 - number, integer=True)


def _is_renamed(s) -> bool:
    return isinstance(s, sp.Dummy) and s.dummy_index < 0


def _number(s) -> int:
    return -1 - s.dummy_index


def _free_renamed(expr) -> set:
    found = set()

    def visit(node, scope):
        if _is_renamed(node) and node not in scope:
            found.add(node)

    walk(expr, visit)
    return found


def _rename_apart(expr, renaming, offset, depth):
    """``expr`` with each bound index in ``renaming`` (binder in force -> new name) replaced, binders renamed."""
    if isinstance(expr, sp.Symbol):
        return renaming.get(expr, expr)
    if not expr.args:  # not is_Atom: an Indexed is an atom to SymPy, with its indices as arguments
        return expr
    if not is_binder(expr):
        args = [_rename_apart(a, renaming, offset, depth) for a in expr.args]
        return expr.func(*args) if args != list(expr.args) else expr
    if isinstance(expr, sp.Lambda):
        inner, new = dict(renaming), []
        for position, v in enumerate(expr.variables):
            new.append(_renamed(v, offset + depth + position))
            inner[v] = new[-1]
        body = _rename_apart(expr.expr, inner, offset, depth + len(new))
        if tuple(new) == tuple(expr.variables) and body == expr.expr:
            return expr  # already so named: rebuilding it would only cost SymPy's constructor
        return sp.Lambda(tuple(new), body)
    if isinstance(expr, SumExcept):
        i, lo, hi = expr.limits
        d = _renamed(i, offset + depth)
        function = _rename_apart(expr.function, {**renaming, i: d}, offset, depth + 1)
        bounds = [_rename_apart(x, renaming, offset, depth) for x in (lo, hi, expr.skipped)]
        if d == i and function == expr.function and bounds == [lo, hi, expr.skipped]:
            return expr
        return SumExcept(function, (d, bounds[0], bounds[1]), bounds[2])
    # A Sum: its last limit is the outermost; the bounds of an inner limit may use an outer index.
    limits = list(expr.limits)
    inner = dict(renaming)
    for position, t in enumerate(reversed(range(len(limits)))):
        i, lo, hi = limits[t]
        lo, hi = (_rename_apart(x, inner, offset, depth + position) for x in (lo, hi))
        d = _renamed(i, offset + depth + position)
        inner[i] = d
        limits[t] = (d, lo, hi)
    function = _rename_apart(expr.function, inner, offset, depth + len(limits))
    if function == expr.function and all(tuple(new) == tuple(old) for new, old in zip(limits, expr.limits)):
        return expr  # already so named: rebuilding it would only cost SymPy's constructor
    return sp.Sum(function, *limits)


def canonical(expr: sp.Basic) -> sp.Basic:
    """Rename bound indices to names fixed by nesting depth, so that equal sums are equal keys."""
    return _rename(expr, lambda i, depth: BoundIndex(f"ι{depth}", integer=True), 0, by_depth=True)


def _rename(expr, fresh, depth, by_depth=False):
    if expr.is_Atom or not expr.args:
        return expr
    inner_depth = depth + len(binders(expr)) if by_depth else depth
    if not is_binder(expr):
        args = [_rename(a, fresh, depth, by_depth) for a in expr.args]
        return expr.func(*args) if args != list(expr.args) else expr
    if isinstance(expr, sp.Lambda):
        variables = expr.variables
        new = [fresh(v, depth + position) for position, v in enumerate(variables)]
        body = _rename(expr.expr, fresh, inner_depth, by_depth).xreplace(dict(zip(variables, new)))
        return sp.Lambda(tuple(new), body)
    if isinstance(expr, SumExcept):
        i, lo, hi = expr.limits
        d = fresh(i, depth)
        function = _rename(expr.function, fresh, inner_depth, by_depth).xreplace({i: d})
        bounds = [_rename(x, fresh, depth, by_depth) for x in (lo, hi, expr.skipped)]
        return SumExcept(function, (d, bounds[0], bounds[1]), bounds[2])
    # A Sum: its last limit is the outermost; the bounds of an inner limit may use an outer index.
    function = _rename(expr.function, fresh, inner_depth, by_depth)
    limits = [list(limit) for limit in expr.limits]
    outer_first = list(reversed(range(len(limits))))
    renaming = {}
    for position, t in enumerate(outer_first):
        i, lo, hi = limits[t]
        lo = _rename(lo, fresh, depth, by_depth).xreplace(renaming)
        hi = _rename(hi, fresh, depth, by_depth).xreplace(renaming)
        d = fresh(i, depth + position)
        renaming = {**renaming, i: d}
        limits[t] = (d, lo, hi)
    return sp.Sum(function.xreplace(renaming), *limits)
