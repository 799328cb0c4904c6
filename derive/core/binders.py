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


def rename_bound(expr: sp.Basic) -> sp.Basic:
    """Rename every bound index to a fresh dummy (alpha-renaming, capture-avoiding).

    Inner binders are renamed first, so an outer renaming touches only the
    occurrences it binds; afterwards no bound name can capture a free one.
    """
    return _rename(expr, lambda i, depth: sp.Dummy(str(i), integer=True), 0)


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
