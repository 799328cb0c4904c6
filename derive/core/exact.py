"""Values of concrete expressions at rational points, with rigorous error bounds.

An instance of a step (a fixed number of classes, fixed indices, its sums
written out) at a point whose inputs are rationals is a number built from
rationals by ``+ · ÷``, integer and rational powers, ``exp`` and ``log``.  It
is evaluated here in interval arithmetic (``mpmath.iv``): the true value lies
in the interval, whatever the rounding.  So a difference whose interval
excludes 0 is nonzero for certain — a counterexample, never float noise — and
a difference of exact rationals is decided exactly.

Not for symbolic work: that is :mod:`derive.core.normalise`.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction

import mpmath
import sympy as sp

__all__ = ["Compared", "compare", "interval", "defined", "point_values", "entry_at", "Undefined", "Unsupported",
           "Inconclusive", "LADDER"]

LADDER = (60, 160)  # working digits: the first try, then one more before giving up
AGREE_DIGITS = 50  # agreement to this many digits (relative to the larger side, at least 1) counts as numeric


class Undefined(ArithmeticError):
    """The expression is undefined at the point (the log of a nonpositive number, a division by zero)."""


class Unsupported(ValueError):
    """A node this evaluator does not know (an unevaluated sum, a derivative, a free symbol)."""


class Inconclusive(ArithmeticError):
    """The interval is too wide to decide a condition (a denominator or log argument that may be 0)."""


class Compared(Enum):
    DIFFER = "differ"  # certainly different: the interval of the difference excludes 0
    EQUAL = "equal"  # exactly equal (both sides exact rationals, equal)
    AGREE = "agree"  # equal to AGREE_DIGITS digits, not decided exactly
    UNDEFINED = "undefined"  # a side is undefined at the point
    UNDECIDED = "undecided"  # nothing certain (unsupported nodes, or too close to decide and not close enough)



def interval(expr, point: dict, dps: int):
    """The interval of ``expr`` at ``point`` (vector → tuple of Fractions), at ``dps`` working digits."""
    saved = mpmath.iv.dps
    mpmath.iv.dps = dps
    try:
        return _value(expr, point)
    finally:
        mpmath.iv.dps = saved


def _rational(q: Fraction):
    return mpmath.iv.mpf(q.numerator) / q.denominator


def _excludes_zero(x) -> bool:
    return x.a > 0 or x.b < 0


def _value(expr, point):
    iv = mpmath.iv
    if expr.is_Integer:
        return iv.mpf(int(expr))
    if expr.is_Rational:
        return _rational(Fraction(int(expr.p), int(expr.q)))
    if expr is sp.E:
        return iv.e
    if expr is sp.pi:
        return iv.pi
    if isinstance(expr, sp.Indexed):
        entry = entry_at(point, expr)
        if entry is None:
            raise Unsupported(f"no value for {expr}")
        return _rational(Fraction(entry))
    if isinstance(expr, sp.Symbol) and expr in point:
        return _rational(Fraction(point[expr][0]))
    if isinstance(expr, sp.KroneckerDelta):
        a, b = expr.args
        if a.is_Integer and b.is_Integer:
            return iv.mpf(1 if a == b else 0)
        raise Unsupported(f"no value for {expr}")
    if expr.is_Add:
        total = iv.mpf(0)
        for arg in expr.args:
            total += _value(arg, point)
        return total
    if expr.is_Mul:
        total = iv.mpf(1)
        for arg in expr.args:
            total *= _value(arg, point)
        return total
    if expr.is_Pow:
        base = _value(expr.base, point)
        exponent = expr.exp
        if exponent.is_Integer:
            if exponent < 0:
                if base.a == 0 and base.b == 0:
                    raise Undefined(f"division by zero in {expr}")
                if not _excludes_zero(base):
                    raise Inconclusive(f"the base of {expr} may be 0")
            return base ** int(exponent)
        if base.b <= 0:
            raise Undefined(f"a power of a nonpositive number in {expr}")
        if not base.a > 0:
            raise Inconclusive(f"the base of {expr} may be 0 or negative")
        return iv.exp(_value(exponent, point) * iv.log(base))
    if isinstance(expr, sp.exp):
        return iv.exp(_value(expr.args[0], point))
    if isinstance(expr, (sp.sin, sp.cos)):
        return (iv.sin if isinstance(expr, sp.sin) else iv.cos)(_value(expr.args[0], point))
    if isinstance(expr, sp.log):
        argument = _value(expr.args[0], point)
        if argument.b <= 0:
            raise Undefined(f"the log of a nonpositive number in {expr}")
        if not argument.a > 0:
            raise Inconclusive(f"the argument of {expr} may be 0")
        return iv.log(argument)
    raise Unsupported(f"no interval value for {type(expr).__name__}")


def entry_at(point: dict, indexed):
    """The value at ``point`` of one entry (``z[2]``, ``W[1, 3]``: rows of a matrix are tuples), or None."""
    entries = point.get(indexed.base)
    if entries is None:
        return None
    for index in indexed.indices:
        position = int(index) - 1 if index.is_Integer else -1
        if not isinstance(entries, tuple) or not 0 <= position < len(entries):
            return None
        entries = entries[position]
    return None if isinstance(entries, tuple) else entries


def point_values(expr, point: dict) -> dict | None:
    """The exact value of each input ``expr`` uses (entries of vectors, scalars) at ``point``, or None."""
    values = {}
    for indexed in expr.atoms(sp.Indexed):
        entry = entry_at(point, indexed)
        if entry is None:
            return None
        q = Fraction(entry)
        values[indexed] = sp.Rational(q.numerator, q.denominator)
    for symbol in expr.free_symbols:
        if symbol in point:
            q = Fraction(point[symbol][0])
            values[symbol] = sp.Rational(q.numerator, q.denominator)
    return values


def _exact(expr, point):
    """``expr`` at ``point`` as an exact SymPy number when it is a rational, else None."""
    values = point_values(expr, point)
    if values is None:
        return None
    try:
        value = expr.xreplace(values)
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    return value if value.is_Rational else None


def compare(left, right, point: dict) -> Compared:
    """Whether ``left`` and ``right`` differ at ``point``, decided rigorously."""
    exact_left, exact_right = _exact(left, point), _exact(right, point)
    if exact_left is not None and exact_right is not None:
        return Compared.EQUAL if exact_left == exact_right else Compared.DIFFER
    for dps in LADDER:
        try:
            a, b = interval(left, point, dps), interval(right, point, dps)
        except Undefined:
            return Compared.UNDEFINED
        except Unsupported:
            return Compared.UNDECIDED
        except Inconclusive:
            continue
        difference = a - b
        if _excludes_zero(difference):
            return Compared.DIFFER
        scale = max(mpmath.mpf(1), abs(a.a), abs(a.b), abs(b.a), abs(b.b))
        if difference.b - difference.a <= scale * mpmath.mpf(10) ** (-AGREE_DIGITS):
            return Compared.AGREE
    return Compared.UNDECIDED


def defined(expr, point: dict) -> bool | None:
    """Whether ``expr`` is certainly defined at ``point`` (True), certainly not (False), or unknown (None)."""
    try:
        interval(expr, point, LADDER[0])
    except Undefined:
        return False
    except (Inconclusive, Unsupported):
        return None
    return True
