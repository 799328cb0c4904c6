"""Small, independent mutation operators for the soundness tests of the foundation.

Each takes an expression and returns its mutants, one per position where the
operator applies, in a fixed order.
"""

from __future__ import annotations

import sympy as sp


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


def flip_sign(expr):
    found = [-expr]
    for path, node in _positions(expr):
        if node.is_Add:
            for i in range(len(node.args)):
                args = list(node.args)
                args[i] = -args[i]
                found.append(_replace(expr, path, sp.Add(*args)))
    return found


def swap_indices(expr, symbols):
    found = []
    for a_pos, a in enumerate(symbols):
        for b in symbols[a_pos + 1:]:
            found.append(expr.xreplace({a: b, b: a}))
    return found


def drop_term(expr):
    found = []
    for path, node in _positions(expr):
        if node.is_Add:
            for i in range(len(node.args)):
                found.append(_replace(expr, path, sp.Add(*(node.args[:i] + node.args[i + 1:]))))
    return found


def change_exponent(expr):
    found = []
    for path, node in _positions(expr):
        if node.is_Pow and node.exp.is_Integer:
            found.append(_replace(expr, path, sp.Pow(node.base, node.exp + 1)))
        if isinstance(node, sp.exp):
            found.append(_replace(expr, path, sp.exp(2 * node.args[0])))
    return found


def swap_fraction(expr):
    found = []
    for path, node in _positions(expr):
        if node.is_Pow and node.exp.is_Integer and node.exp < 0:
            found.append(_replace(expr, path, sp.Pow(node.base, -node.exp)))
        if node.is_Mul:
            numerator, denominator = sp.fraction(node)
            if denominator != 1 and numerator != 1:
                found.append(_replace(expr, path, denominator / numerator))
    return found


def change_constant(expr):
    found = []
    for path, node in _positions(expr):
        if node.is_Rational and (not path or _parent(expr, path).is_Add or _parent(expr, path).is_Mul):
            found.append(_replace(expr, path, node + 1))
    return found


def _parent(expr, path):
    for i in path[:-1]:
        expr = expr.args[i]
    return expr


OPERATORS = {
    "flip-sign": flip_sign,
    "swap-indices": None,  # needs the case's index symbols: see mutants()
    "drop-term": drop_term,
    "change-exponent": change_exponent,
    "swap-fraction": swap_fraction,
    "change-constant": change_constant,
}


def mutants(expr, index_symbols):
    """(operator, mutant) pairs, distinct and different from ``expr``."""
    seen = {expr}
    for name, operator in OPERATORS.items():
        made = swap_indices(expr, index_symbols) if operator is None else operator(expr)
        for mutant in made:
            if mutant not in seen:
                seen.add(mutant)
                yield name, mutant
