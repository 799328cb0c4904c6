"""Values of an expression at an instance and a point, by walking its tree once.

An instance fixes the number of classes, the other counts and the free
indices; a point gives every input a rational value.  The slow way to a value
writes the instance out as a SymPy expression (every sum unrolled, every term
built and simplified by SymPy), then puts the point in.  Here the tree is
walked directly instead: an index takes its value from an environment, a sum
over a concrete range is a loop, and the arithmetic is exact (``Fraction``)
until an ``exp``, ``log`` or irrational power makes it an interval
(``mpmath.iv``), whose true value lies inside whatever the rounding.  No SymPy
object is built per term.

This evaluator is part of the trusted core (it refutes steps), so it answers
only where its answer is certain and agrees with the slow way: anything it
does not know, any undefined or nearly undefined operation (a log argument or
a denominator not bounded away from 0 by ``MARGIN``), any sum with bounds it
cannot read, raises :class:`Refused`, and the caller falls back to the slow
way.  It never simplifies, so where it answers, the written-out instance
(SymPy's simplification of the same tree) has the same value.

Not for symbolic work (:mod:`derive.core.normalise`) and not for the values of
written-out instances (:mod:`derive.core.exact`).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from .objects import SumExcept

__all__ = ["Refused", "value_at", "differ_at", "defined_here", "MARGIN"]

LONGEST = 100  # SymPy writes a sum out term by term only below this many terms
MARGIN = mpmath.mpf(10) ** -30  # how far from 0 a log argument, a denominator or a difference must certainly be


class Refused(Exception):
    """No certain answer here: the caller takes the slow way (writing the instance out)."""


def value_at(expr, env: dict, point: dict, dps: int):
    """The value of ``expr`` with the indices and counts of ``env`` (symbol → int) at ``point``.

    A ``Fraction`` when every operation on the way was rational, else an
    interval at ``dps`` working digits.  Raises :class:`Refused`.
    """
    saved = mpmath.iv.dps
    mpmath.iv.dps = dps
    try:
        return _Walk(point).value(expr, dict(env))
    except (ZeroDivisionError, OverflowError, ValueError, TypeError) as error:
        raise Refused(str(error)) from error
    finally:
        mpmath.iv.dps = saved


def differ_at(left, right, env: dict, point: dict, dps: int) -> bool:
    """True where the two sides certainly differ, by more than ``MARGIN`` relative to the larger side;
    False where they are exactly equal; else :class:`Refused` (they agree only approximately)."""
    a, b = value_at(left, env, point, dps), value_at(right, env, point, dps)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a != b
    a, b = _interval(a), _interval(b)
    difference = a - b
    scale = max(mpmath.mpf(1), abs(a.a), abs(a.b), abs(b.a), abs(b.b))
    if difference.a > scale * MARGIN or difference.b < -scale * MARGIN:
        return True
    raise Refused("the sides agree to within the margin, not exactly")


def defined_here(expr, env: dict, point: dict, dps: int) -> bool:
    """True where every operation in ``expr`` is certainly defined, with margin; else :class:`Refused`."""
    value_at(expr, env, point, dps)
    return True


def _interval(x):
    if isinstance(x, Fraction):
        return mpmath.iv.mpf(x.numerator) / x.denominator
    return x


def _away_from_zero(x) -> bool:
    return x.a > MARGIN or x.b < -MARGIN


class _Walk:
    """One evaluation: the point, and the node types it knows (anything else is refused)."""

    def __init__(self, point):
        self.point = point

    def value(self, expr, env):
        if expr.is_Integer:
            return Fraction(int(expr))
        if expr.is_Rational:
            return Fraction(int(expr.p), int(expr.q))
        if expr.is_Symbol:
            if expr in env:
                return Fraction(env[expr])
            entry = self.point.get(expr)
            if isinstance(entry, tuple) and len(entry) == 1 and not isinstance(entry[0], tuple):
                return Fraction(entry[0])
            raise Refused(f"no value for {expr}")
        if expr is sp.E:
            return mpmath.iv.e
        if expr is sp.pi:
            return mpmath.iv.pi
        if isinstance(expr, sp.Indexed):
            return self.entry(expr, env)
        if isinstance(expr, sp.KroneckerDelta):
            a, b = (self.integer(arg, env) for arg in expr.args)
            return Fraction(int(a == b))
        if expr.is_Add:
            return self.add([self.value(arg, env) for arg in expr.args])
        if expr.is_Mul:
            return self.mul([self.value(arg, env) for arg in expr.args])
        if expr.is_Pow:
            return self.power(expr, env)
        if isinstance(expr, sp.exp):
            x = self.value(expr.args[0], env)
            if isinstance(x, Fraction) and x == 0:
                return Fraction(1)
            return mpmath.iv.exp(_interval(x))
        if isinstance(expr, sp.log):
            x = self.value(expr.args[0], env)
            if isinstance(x, Fraction):
                if x <= 0:
                    raise Refused(f"the log of a nonpositive number in {expr}")
                if x == 1:
                    return Fraction(0)
            x = _interval(x)
            if not x.a > MARGIN:
                raise Refused(f"the argument of {expr} is not certainly positive")
            return mpmath.iv.log(x)
        if isinstance(expr, (sp.sin, sp.cos)):
            x = _interval(self.value(expr.args[0], env))
            return (mpmath.iv.sin if isinstance(expr, sp.sin) else mpmath.iv.cos)(x)
        if isinstance(expr, sp.Sum):
            return self.sum(expr.function, list(reversed(expr.limits)), env)
        if isinstance(expr, SumExcept):
            i, lo, hi = expr.limits
            lo, hi, skipped = (self.integer(x, env) for x in (lo, hi, expr.skipped))
            if hi - lo >= LONGEST:
                raise Refused("a long sum")
            # as SumExcept.doit writes it out: a skipped index outside the range skips nothing
            return self.add([self.value(expr.function, {**env, i: v}) for v in range(lo, hi + 1) if v != skipped])
        raise Refused(f"no direct value for {type(expr).__name__}")

    def integer(self, expr, env) -> int:
        x = self.value(expr, env)
        if not (isinstance(x, Fraction) and x.denominator == 1):
            raise Refused(f"{expr} is not an integer here")
        return int(x)

    def entry(self, expr, env):
        entries = self.point.get(expr.base)
        for index in expr.indices:
            position = self.integer(index, env) - 1
            if not isinstance(entries, tuple) or not 0 <= position < len(entries):
                raise Refused(f"no value for {expr}")
            entries = entries[position]
        if entries is None or isinstance(entries, tuple):
            raise Refused(f"no value for {expr}")
        return Fraction(entries)

    def sum(self, function, limits, env):
        """``limits`` outermost first; the bounds of an inner one may use an outer index."""
        if not limits:
            return self.value(function, env)
        (i, lo, hi), rest = limits[0], limits[1:]
        lo, hi = self.integer(lo, env), self.integer(hi, env)
        if hi < lo - 1 or hi - lo >= LONGEST:
            # SymPy's convention for reversed bounds is not a loop, and it writes out only short sums
            raise Refused("a sum that is not written out term by term")
        return self.add([self.sum(function, rest, {**env, i: v}) for v in range(lo, hi + 1)])

    @staticmethod
    def add(values):
        if all(isinstance(v, Fraction) for v in values):
            return sum(values, Fraction(0))
        total = mpmath.iv.mpf(0)
        for v in values:
            total += _interval(v)
        return total

    @staticmethod
    def mul(values):
        if all(isinstance(v, Fraction) for v in values):
            product = Fraction(1)
            for v in values:
                product *= v
            return product
        total = mpmath.iv.mpf(1)
        for v in values:
            total *= _interval(v)
        return total

    def power(self, expr, env):
        base = self.value(expr.base, env)
        exponent = self.value(expr.exp, env)
        if isinstance(exponent, Fraction) and exponent.denominator == 1:
            e = int(exponent)
            if isinstance(base, Fraction):
                if base == 0 and e < 0:
                    raise Refused(f"division by zero in {expr}")
                return base ** e
            if e < 0 and not _away_from_zero(base):
                raise Refused(f"the base of {expr} is not certainly nonzero")
            return base ** e
        base = _interval(base)
        if not base.a > MARGIN:
            raise Refused(f"the base of {expr} is not certainly positive")
        return mpmath.iv.exp(_interval(exponent) * mpmath.iv.log(base))
