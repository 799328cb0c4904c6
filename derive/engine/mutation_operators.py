"""The mutation operators: small deliberate mistakes made in a step's expression.

Each operator takes an expression (and the :class:`Vocabulary` of its case) and
returns its mutants in a fixed order: a flipped sign, two indices swapped, a
term dropped, a changed exponent, a fraction turned upside down, a summation
bound lowered from k to k - 1, exp written for log, one vector written for
another, a changed constant.  The operators only build expressions; checking
the mutants, and counting what became of them, is :mod:`derive.engine.mutate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..core.binders import binders, walk
from ..core.context import IllFormed, as_expression
from ..core.objects import SumExcept
from ..model.proof import Case

__all__ = ["OPERATORS", "Vocabulary", "case_vocabulary", "mutants"]


# --- positions in an expression tree ---------------------------------------------------------


def _positions(expr, path=()):
    yield path, expr
    for i, arg in enumerate(expr.args):
        yield from _positions(arg, path + (i,))


def _replace(expr, path, new):
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return expr.func(*args)


def _parent(expr, path):
    for i in path[:-1]:
        expr = expr.args[i]
    return expr


# --- the operators: each returns the mutants of one expression, in a fixed order --------------


def flip_sign(expr, vocabulary=None):
    """The whole expression negated, and each term of each sum negated in turn."""
    found = [-expr]
    for path, node in _positions(expr):
        if node.is_Add:
            for i in range(len(node.args)):
                args = list(node.args)
                args[i] = -args[i]
                found.append(_replace(expr, path, sp.Add(*args)))
    return found


def swap_indices(expr, vocabulary):
    """Two of the case's free indices exchanged everywhere (j <-> k)."""
    symbols = vocabulary.indices
    found = []
    for a_pos, a in enumerate(symbols):
        for b in symbols[a_pos + 1:]:
            found.append(expr.xreplace({a: b, b: a}))
    return found


def drop_term(expr, vocabulary=None):
    """One term of a sum left out."""
    found = []
    for path, node in _positions(expr):
        if node.is_Add:
            for i in range(len(node.args)):
                found.append(_replace(expr, path, sp.Add(*(node.args[:i] + node.args[i + 1:]))))
    return found


def change_exponent(expr, vocabulary=None):
    """An integer power raised by one; exp(x) written as exp(2x)."""
    found = []
    for path, node in _positions(expr):
        if node.is_Pow and node.exp.is_Integer:
            found.append(_replace(expr, path, sp.Pow(node.base, node.exp + 1)))
        if isinstance(node, sp.exp):
            found.append(_replace(expr, path, sp.exp(2 * node.args[0])))
    return found


def swap_fraction(expr, vocabulary=None):
    """A fraction turned upside down: numerator and denominator exchanged."""
    found = []
    for path, node in _positions(expr):
        if node.is_Pow and node.exp.is_Integer and node.exp < 0:
            found.append(_replace(expr, path, sp.Pow(node.base, -node.exp)))
        if node.is_Mul:
            numerator, denominator = sp.fraction(node)
            if denominator != 1 and numerator != 1:
                found.append(_replace(expr, path, denominator / numerator))
    return found


def lower_bound_of_sum(expr, vocabulary):
    """A sum up to the number of classes k made to stop at k - 1."""
    n = vocabulary.classes
    found = []
    for path, node in _positions(expr):
        bound = binders(node)   # one index bound over lo..n (a Lambda's parameter has no bounds)
        if len(bound) != 1 or bound[0].hi != n:
            continue
        i, lo, skipped = bound[0].variable, bound[0].lo, bound[0].skipped
        shorter = node.func(node.function, (i, lo, n - 1)) if skipped is None \
            else SumExcept(node.function, (i, lo, n - 1), skipped)
        found.append(_replace(expr, path, shorter))
    return found


def exp_for_log(expr, vocabulary=None):
    """exp written where log belongs, and log where exp belongs."""
    found = []
    for path, node in _positions(expr):
        if isinstance(node, sp.exp):
            found.append(_replace(expr, path, sp.log(node.args[0])))
        if isinstance(node, sp.log):
            found.append(_replace(expr, path, sp.exp(node.args[0])))
    return found


def swap_vector(expr, vocabulary):
    """One entry of a vector written as the same entry of another vector of the case (ŷ_j as y_j)."""
    found = []
    for path, node in _positions(expr):
        if isinstance(node, sp.Indexed):
            for other in vocabulary.vectors:
                if (other != node.base and str(other.label) != str(node.base.label)
                        and _axes(other) == _axes(node.base)):  # a vector for a vector, a matrix for a matrix
                    found.append(_replace(expr, path, other[node.indices]))
    return found


def _axes(base):
    """The sizes of a vector's or matrix's axes (None: the case's classes), so that only like entries swap."""
    return tuple(base.shape) if base.shape else (None,)


def change_constant(expr, vocabulary=None):
    """A number in a sum or a product increased by one."""
    found = []
    for path, node in _positions(expr):
        if node.is_Rational and (not path or _parent(expr, path).is_Add or _parent(expr, path).is_Mul):
            found.append(_replace(expr, path, node + 1))
    return found


OPERATORS = {
    "flip-sign": flip_sign,
    "swap-indices": swap_indices,
    "drop-term": drop_term,
    "change-exponent": change_exponent,
    "swap-fraction": swap_fraction,
    "sum-bound": lower_bound_of_sum,
    "exp-log": exp_for_log,
    "swap-vector": swap_vector,
    "change-constant": change_constant,
}


@dataclass(frozen=True)
class Vocabulary:
    """What the operators may use: the case's class count, free indices and vectors."""

    classes: sp.Symbol
    indices: tuple = ()
    vectors: tuple = ()


def _free_index_symbols(expr, n) -> set:
    """The index symbols free in ``expr``: not bound by a sum or a definition there, not ``n``, not a dummy."""
    found = set()

    def visit(node, scope):
        if isinstance(node, sp.Symbol) and node.is_integer and node != n and node not in scope \
                and not isinstance(node, sp.Dummy):
            found.add(node)

    walk(expr, visit)
    return found


def case_vocabulary(case: Case, ctx) -> Vocabulary:
    """The free indices and the vectors that the case's own expressions mention."""
    exprs = []
    for value in [case.start, *(s.expr for s in case.steps)]:
        try:
            exprs.append(as_expression(value))
        except IllFormed:
            continue
    indices, vectors = set(), set()
    for e in exprs:
        indices |= _free_index_symbols(e, ctx.n)
        vectors |= {x.base for x in e.atoms(sp.Indexed)}
    for a in ctx.assumptions:
        for value in vars(a).values():
            if isinstance(value, sp.Symbol) and value.is_integer and value != ctx.n:
                indices.add(value)
            if isinstance(value, sp.IndexedBase):
                vectors.add(value)
    for d in ctx.definitions:
        if isinstance(d.name, sp.IndexedBase):
            vectors.add(d.name)
    return Vocabulary(ctx.n, tuple(sorted(indices, key=lambda s: s.name)),
                      tuple(sorted(vectors, key=lambda b: (str(b.label), str(b.domain)))))


def mutants(expr, vocabulary: Vocabulary):
    """(operator, mutant) pairs: distinct, different from ``expr``, in a fixed order."""
    seen = {expr}
    for name, operator in OPERATORS.items():
        for mutant in operator(expr, vocabulary):
            if mutant not in seen:
                seen.add(mutant)
                yield name, mutant
