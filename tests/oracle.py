"""Evaluators independent of the checker.

``FloatOracle`` is plain NumPy in double precision at random logits, with
every derivative taken by central finite differences of the function itself
(the loss, when a side differentiates the loss); the oracle test judges every
step with it.  ``Oracle`` is the same reading at 50 digits with mpmath, used
where a value must be confirmed to many digits (a reported counterexample)
and by the mutation tests.

``Oracle``: plain high-precision arithmetic.

It reads a step's expression tree directly: sums are loops, softmax is the
stable max-shifted formula, and a derivative is a central finite difference
of the function itself, with the variable's vector perturbed.  It shares no
code with ``derive.core.normalise`` or ``derive.core.instances``, so when it
agrees with a verdict, the agreement is evidence, not an echo.

Precision: 50 digits with a step h = 1e-15 leaves a truncation error of
order h^2 = 1e-30 and a rounding error of order 1e-50 / h = 1e-35, so two
values that differ by more than 1e-20 really differ.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import math

import mpmath
import numpy as np
import sympy as sp

from derive.core.context import Distinct, Equal, OneHot, SumsToOne
from derive.core.objects import CrossEntropy, LogSoftmax, LogSumExp, Sigmoid, Softmax, Softplus, SumExcept, Vector
from derive.model.proof import Case

DIGITS = 50
STEP = mpmath.mpf("1e-15")
TOLERANCE = mpmath.mpf("1e-20")


@dataclass
class Point:
    """Concrete values: number of classes, index values, free vector entries."""

    k: int
    indices: dict
    vectors: dict
    overrides: dict = field(default_factory=dict)

    def describe(self, classes_name: str = "k") -> str:
        parts = [f"{classes_name}={self.k}"] + [f"{s}={v}" for s, v in sorted(self.indices.items(), key=lambda kv: str(kv[0]))]
        parts += [f"{b}={[mpmath.nstr(x, 5) for x in vs]}" for b, vs in self.vectors.items()]
        return ", ".join(parts)


class _Reader:
    """A step's expression tree read directly, in the arithmetic a subclass chooses.

    Sums are loops, softmax and log-softmax are the max-shifted formulas, and a
    derivative is a finite difference of the function itself, with one entry
    of its vector moved.
    """

    def __init__(self, case: Case):
        self.case = case
        self.n = case.classes
        self.definitions = {d.name: d for d in case.context().definitions}

    # --- the arithmetic, chosen by a subclass ---------------------------------------------------

    def number(self, x):
        raise NotImplementedError

    def exp(self, x):
        raise NotImplementedError

    def log(self, x):
        raise NotImplementedError

    def total(self, xs):
        raise NotImplementedError

    def power(self, base, exponent):
        return base ** exponent

    def difference(self, at, current):
        """The derivative at ``current`` of ``at(delta)``, a function of the move ``delta``."""
        raise NotImplementedError

    def sample(self, base, k, indices, ctx, rng):
        raise NotImplementedError

    def new_rng(self, seed):
        raise NotImplementedError

    # --- evaluation -----------------------------------------------------------------------------

    def _index(self, expr, point, bound) -> int:
        return int(round(float(self._value(expr, point, bound))))

    def _entry(self, base, index: int, point, bound):
        if base in point.overrides:
            return point.overrides[base][index - 1]
        definition = self.definitions.get(base)
        if definition is not None:
            (variable,), body = definition.body.variables, definition.body.expr
            return self._value(body, point, {**bound, variable: index})
        if base in point.vectors:
            return point.vectors[base][index - 1]
        raise KeyError(f"no value for {base}")

    def _vector(self, base, point, bound):
        return [self._entry(base, i, point, bound) for i in range(1, point.k + 1)]

    def _value(self, e, point, bound):
        if e.is_Rational:
            return self.number(e.p) / self.number(e.q)
        if e.is_Float:
            return self.number(str(e))
        if isinstance(e, sp.NumberSymbol):  # e, pi: constants, evaluated beyond the working precision
            return self.number(str(sp.N(e, DIGITS + 10)))
        if isinstance(e, sp.Symbol):
            if e in bound:
                return self.number(bound[e])
            if e == self.n:
                return self.number(point.k)
            if e in point.indices:
                return self.number(point.indices[e])
            if e in point.overrides:
                return point.overrides[e]
            if e in self.definitions:
                return self._value(self.definitions[e].body, point, bound)
            raise KeyError(f"no value for {e}")
        if isinstance(e, sp.Indexed):
            return self._entry(e.base, self._index(e.indices[0], point, bound), point, bound)
        if e.is_Add:
            return self.total([self._value(a, point, bound) for a in e.args])
        if e.is_Mul:
            result = self.number(1)
            for a in e.args:
                result *= self._value(a, point, bound)
            return result
        if e.is_Pow:
            return self.power(self._value(e.base, point, bound), self._value(e.exp, point, bound))
        if isinstance(e, sp.exp):
            return self.exp(self._value(e.args[0], point, bound))
        if isinstance(e, sp.log):
            return self.log(self._value(e.args[0], point, bound))
        if isinstance(e, sp.KroneckerDelta):
            a, b = (self._index(x, point, bound) for x in e.args)
            return self.number(1 if a == b else 0)
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits), point, bound, skip=None)
        if isinstance(e, SumExcept):
            i, lo, hi = e.limits
            return self._sum(e.function, [(i, lo, hi)], point, bound, skip=self._index(e.skipped, point, bound))
        if isinstance(e, Softmax):
            z, j, _ = e.args
            values = self._vector(z, point, bound)
            top = max(values)
            shifted = [self.exp(v - top) for v in values]
            return shifted[self._index(j, point, bound) - 1] / self.total(shifted)
        if isinstance(e, LogSoftmax):
            z, j, _ = e.args
            values = self._vector(z, point, bound)
            top = max(values)
            return values[self._index(j, point, bound) - 1] - top - self.log(self.total([self.exp(v - top) for v in values]))
        if isinstance(e, CrossEntropy):
            y, p, _ = e.args
            ys, ps = self._vector(y, point, bound), self._vector(p, point, bound)
            return -self.total([a * self.log(b) for a, b in zip(ys, ps)])
        if isinstance(e, Sigmoid):
            return 1 / (1 + self.exp(-self._value(e.args[0], point, bound)))
        if isinstance(e, Softplus):
            return self.log(1 + self.exp(self._value(e.args[0], point, bound)))
        if isinstance(e, LogSumExp):
            values = self._vector(e.args[0], point, bound)
            top = max(values)
            return top + self.log(self.total([self.exp(v - top) for v in values]))
        if isinstance(e, sp.tanh):
            x = self._value(e.args[0], point, bound)
            return (self.exp(x) - self.exp(-x)) / (self.exp(x) + self.exp(-x))
        if isinstance(e, sp.Derivative):
            return self._derivative(e.expr, list(e.variable_count), point, bound)
        raise TypeError(f"the oracle cannot evaluate {type(e).__name__}: {e}")

    def _sum(self, function, limits, point, bound, skip):
        (i, lo, hi), rest = limits[0], limits[1:]
        lo, hi = self._index(lo, point, bound), self._index(hi, point, bound)
        terms = []
        for v in range(lo, hi + 1):
            if v == skip:
                continue
            inner = {**bound, i: v}
            terms.append(self._sum(function, rest, point, inner, None) if rest else
                         self._value(function, point, inner))
        return self.total(terms)

    def _derivative(self, function, variables, point, bound):
        if not variables:
            return self._value(function, point, bound)
        (variable, count), rest = variables[0], variables[1:]
        if count > 1:
            rest = [(variable, count - 1)] + rest
        if isinstance(variable, sp.Indexed):
            base = variable.base
            index = self._index(variable.indices[0], point, bound)
            vector = self._vector(base, point, bound)
            current = vector[index - 1]

            def at(delta):
                moved = list(vector)
                moved[index - 1] += delta
                shifted = Point(point.k, point.indices, point.vectors, {**point.overrides, base: moved})
                return self._derivative(function, rest, shifted, bound)
        else:
            current = self._value(variable, point, bound)

            def at(delta):
                shifted = Point(point.k, point.indices, point.vectors,
                                {**point.overrides, variable: current + delta})
                return self._derivative(function, rest, shifted, bound)
        return self.difference(at, current)

    # --- points -------------------------------------------------------------------------------

    def points(self, exprs, ks=(2, 3, 4), per_assignment=2, seed=0):
        """Random points consistent with the case's assumptions."""
        rng = self.new_rng(seed)
        ctx = self.case.context()
        names = sorted({s for e in exprs for s in sp.sympify(e).atoms(sp.Symbol)
                        if not isinstance(s, sp.Dummy) and s.is_integer and s != self.n}
                       | {s for a in ctx.assumptions for s in _symbols(a)}, key=str)
        vectors = sorted({x.base for e in exprs for x in sp.sympify(e).atoms(sp.Indexed)}
                         | {b for d in ctx.definitions for b in _bases(d.body)}, key=str)
        vectors = [v for v in vectors if v not in self.definitions]
        for k in ks:
            for values in itertools.product(range(1, k + 1), repeat=len(names)):
                indices = dict(zip(names, values))
                if not _consistent(indices, ctx.assumptions):
                    continue
                for _ in range(per_assignment):
                    yield Point(k, indices, {v: self.sample(v, k, indices, ctx, rng) for v in vectors})


class Oracle(_Reader):
    """Plain high-precision arithmetic: mpmath at 50 digits, central differences with h = 1e-15."""

    def number(self, x):
        return mpmath.mpf(x)

    def exp(self, x):
        return mpmath.exp(x)

    def log(self, x):
        return mpmath.log(x)

    def total(self, xs):
        return mpmath.fsum(xs)

    def difference(self, at, current):
        return (at(STEP) - at(-STEP)) / (2 * STEP)

    def new_rng(self, seed):
        return random.Random(seed)

    def value(self, expr, point: Point, bound=None):
        with mpmath.workdps(DIGITS):
            return self._value(sp.sympify(expr), point, dict(bound or {}))

    def sample(self, base, k, indices, ctx, rng):
        with mpmath.workdps(DIGITS):
            for a in ctx.assumptions:
                if isinstance(a, OneHot) and a.vector == base:
                    hot = indices[a.at] if a.at is not None else rng.randint(1, k)
                    return [mpmath.mpf(1 if i == hot else 0) for i in range(1, k + 1)]
                if isinstance(a, SumsToOne) and a.vector == base:
                    weights = [mpmath.mpf(rng.randint(1, 100)) for _ in range(k)]
                    return [w / mpmath.fsum(weights) for w in weights]
            domain = base.domain if isinstance(base, Vector) else "real"
            if domain == "real":
                return [mpmath.mpf(rng.uniform(-3, 3)) for _ in range(k)]
            return [mpmath.mpf(rng.uniform(0.05, 1)) for _ in range(k)]

    def defined(self, expr, point) -> bool:
        """Whether ``expr`` has a finite value at ``point`` (no division by zero, no log of zero)."""
        try:
            value = self.value(expr, point)
        except (ZeroDivisionError, ValueError):
            return False
        return bool(mpmath.isfinite(value))

    def agree(self, left, right, point) -> bool:
        a, b = self.value(left, point), self.value(right, point)
        return abs(a - b) <= TOLERANCE * max(1, abs(a), abs(b))


def _symbols(assumption):
    if isinstance(assumption, (Equal, Distinct)):
        return [s for s in (assumption.left, assumption.right) if isinstance(s, sp.Symbol)]
    if isinstance(assumption, OneHot) and assumption.at is not None:
        return [assumption.at]
    return []


def _bases(expr):
    """The vectors a definition's body reads: its entries, and whole vectors (softmax(z), CE(y, ŷ))."""
    return {x.base for x in expr.atoms(sp.Indexed)} | expr.atoms(sp.IndexedBase)


def _consistent(indices, assumptions) -> bool:
    def value(x):
        return int(x) if x.is_Integer else indices.get(x)

    for a in assumptions:
        if isinstance(a, Equal) and value(a.left) != value(a.right):
            return False
        if isinstance(a, Distinct) and value(a.left) == value(a.right):
            return False
    return True


# --- plain NumPy ----------------------------------------------------------------------------------

FLOAT_TOLERANCE = 1e-6   # relative; finite differences in double precision are good to about 1e-9


class FloatOracle(_Reader):
    """A step's two sides in plain NumPy double precision.

    A derivative is the five-point stencil
    ``(f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h`` with
    ``h = 1e-4 * max(|x|, 1e-2)``, so that a small probability is moved by a
    small fraction of itself.  Truncation error is of relative order
    (h/x)^4 <= 1e-16 and rounding error of order 1e-16 / h <= 1e-10, well below
    :data:`FLOAT_TOLERANCE`.  A value that is not finite (a division by zero)
    is ``nan``, which agrees with nothing.
    """

    def number(self, x):
        return float(x)

    def exp(self, x):
        return float(np.exp(x))

    def log(self, x):
        return float(np.log(x))

    def total(self, xs):
        return math.fsum(xs)

    def power(self, base, exponent):
        return math.nan if base == 0 and exponent < 0 else float(np.power(base, exponent))

    def difference(self, at, current):
        h = 1e-4 * max(abs(current), 1e-2)
        return (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h)

    def new_rng(self, seed):
        return np.random.default_rng(seed)

    def value(self, expr, point: Point) -> float:
        with np.errstate(all="ignore"):
            try:
                return float(self._value(sp.sympify(expr), point, {}))
            except (ZeroDivisionError, OverflowError, ValueError):
                return math.nan

    def agree(self, left, right, point: Point) -> bool:
        a, b = self.value(left, point), self.value(right, point)
        return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= FLOAT_TOLERANCE * max(1.0, abs(a), abs(b))

    def points(self, exprs, ks=(2, 3, 4, 5), per_assignment=3, seed=0):
        """Random points consistent with the case's assumptions: normal logits, uniform free probabilities."""
        return super().points(exprs, ks, per_assignment, seed)

    def sample(self, base, k, indices, ctx, rng):
        for a in ctx.assumptions:
            if isinstance(a, OneHot) and a.vector == base:
                hot = indices[a.at] if a.at is not None else int(rng.integers(1, k + 1))
                return [1.0 if i == hot else 0.0 for i in range(1, k + 1)]
            if isinstance(a, SumsToOne) and a.vector == base:
                weights = rng.uniform(0.05, 1.0, k)
                return [float(w) for w in weights / weights.sum()]
        domain = base.domain if isinstance(base, Vector) else "real"
        if domain == "real":
            return [float(x) for x in rng.normal(0.0, 2.0, k)]
        return [float(x) for x in rng.uniform(0.05, 1.0, k)]


# --- exact semantics, for deciding the truth of a statement -----------------------------------------


class Undefined(ArithmeticError):
    """A value that does not exist in real arithmetic: the log of a nonpositive number, 1/0, (-1)^(1/2)."""


class PreciseOracle(Oracle):
    """The reader at 120 digits, with real-valued semantics, to decide whether a statement is true.

    It differs from :class:`Oracle` in what the adversarial suite needs:

    * precision: 120 digits with h = 1e-40 leave a truncation error of order
      h^2 = 1e-80 and a rounding error of order 1e-120 / h = 1e-80, so values
      that differ by more than :attr:`TOLERANCE` (1e-60, relative) really
      differ — an exact difference as small as 10^-30 or e^-60 is seen;
    * real semantics: a log of a nonpositive number, a division by zero and a
      fractional power of a negative number raise :class:`Undefined` (mpmath
      would give a complex value or an infinity);
    * points: every k from 2 to 10, every index assignment consistent with the
      case's assumptions (literal indices such as ``Equal(j, 3)`` restrict k,
      several ``OneHot`` of one vector must agree on its hot entry), free
      scalars sampled as reals of both signs, and vectors sampled from their
      own domain only (a positive vector is *not* normalised unless
      ``SumsToOne`` says so).
    """

    DIGITS = 120
    STEP = mpmath.mpf("1e-40")
    TOLERANCE = mpmath.mpf("1e-60")

    def log(self, x):
        if x <= 0:
            raise Undefined(f"log of {mpmath.nstr(x, 5)}")
        return mpmath.log(x)

    def power(self, base, exponent):
        if base == 0 and exponent < 0:
            raise Undefined("division by zero")
        if base < 0 and exponent != int(exponent):
            raise Undefined(f"fractional power of {mpmath.nstr(base, 5)}")
        return base ** exponent

    def difference(self, at, current):
        with mpmath.workdps(self.DIGITS):
            return (at(self.STEP) - at(-self.STEP)) / (2 * self.STEP)

    def value(self, expr, point: Point, bound=None):
        with mpmath.workdps(self.DIGITS):
            try:
                return self._value(sp.sympify(expr), point, dict(bound or {}))
            except ZeroDivisionError:
                raise Undefined("division by zero") from None

    def compare(self, left, right, point: Point) -> str:
        """``"equal"``, ``"differ"``, ``"undefined"`` (neither side has a value) or ``"one-sided"``."""
        values = []
        for side in (left, right):
            try:
                values.append(self.value(side, point))
            except Undefined:
                values.append(None)
        a, b = values
        if a is None and b is None:
            return "undefined"
        if a is None or b is None:
            return "one-sided"
        with mpmath.workdps(self.DIGITS):
            same = abs(a - b) <= self.TOLERANCE * max(1, abs(a), abs(b))
        return "equal" if same else "differ"

    def sample(self, base, k, indices, ctx, rng):
        with mpmath.workdps(self.DIGITS):
            hot = _hot_entry(base, indices, ctx.assumptions)
            if hot is not None:
                return [mpmath.mpf(1 if i == hot else 0) for i in range(1, k + 1)]
            if any(isinstance(a, OneHot) and a.vector == base for a in ctx.assumptions):
                hot = rng.randint(1, k)
                return [mpmath.mpf(1 if i == hot else 0) for i in range(1, k + 1)]
            if any(isinstance(a, SumsToOne) and a.vector == base for a in ctx.assumptions):
                weights = [mpmath.mpf(rng.randint(1, 100)) for _ in range(k)]
                return [w / mpmath.fsum(weights) for w in weights]
            domain = base.domain if isinstance(base, Vector) else "real"
            if domain == "real":
                return [mpmath.mpf(rng.randint(-3000, 3000)) / 997 for _ in range(k)]
            if domain == "positive":
                return [mpmath.mpf(rng.randint(50, 3000)) / 997 for _ in range(k)]
            return [mpmath.mpf(rng.randint(0, 3000)) / 997 for _ in range(k)]

    def points(self, exprs, ks=range(2, 11), per_assignment=1, seed=0, limit=None):
        """Points consistent with exactly the case's assumptions, for every k in ``ks``.

        Every index assignment is visited (at most ``limit`` per k, spread
        evenly, when given), each with ``per_assignment`` random inputs.
        """
        rng = self.new_rng(seed)
        ctx = self.case.context()
        exprs = [sp.sympify(e) for e in exprs]
        bodies = [d.body.expr if isinstance(d.body, sp.Lambda) else d.body for d in ctx.definitions]
        names = sorted({s for e in exprs + bodies for s in _free_indices(e, self.n)}
                       | {s for a in ctx.assumptions for s in _symbols(a)}, key=str)
        vectors = sorted({x.base for e in exprs for x in e.atoms(sp.Indexed)}
                         | {b for e in exprs for b in e.atoms(sp.IndexedBase)}
                         | {b for d in ctx.definitions for b in _bases(d.body)}
                         | {a.vector for a in ctx.assumptions if isinstance(a, (OneHot, SumsToOne))}, key=str)
        vectors = [v for v in vectors if v not in self.definitions]
        scalars = sorted({s for e in exprs for s in e.free_symbols
                          if isinstance(s, sp.Symbol) and not s.is_integer and s not in self.definitions
                          and not any(s == v.label for v in vectors)}
                         | {s for d in ctx.definitions for s in d.body.free_symbols
                            if isinstance(s, sp.Symbol) and not s.is_integer and s not in self.definitions
                            and not isinstance(s, sp.Dummy) and not any(s == v.label for v in vectors)}, key=str)
        for k in ks:
            assignments = [dict(zip(names, values)) for values in itertools.product(range(1, k + 1), repeat=len(names))]
            assignments = [a for a in assignments if _consistent(a, ctx.assumptions)
                           and all(_hot_entry(v, a, ctx.assumptions, strict=True) != -1 for v in vectors)]
            if limit is not None and len(assignments) > limit:
                stride = len(assignments) / limit
                assignments = [assignments[int(n * stride)] for n in range(limit)]
            for indices in assignments:
                for _ in range(per_assignment):
                    with mpmath.workdps(self.DIGITS):
                        overrides = {s: mpmath.mpf(rng.randint(-3000, 3000)) / 997 for s in scalars}
                    yield Point(k, indices, {v: self.sample(v, k, indices, ctx, rng) for v in vectors}, overrides)

    def satisfies(self, point: Point) -> bool:
        """Whether ``point`` meets every assumption of the case (indices in 1..k, one-hot, sums to one)."""
        ctx = self.case.context()
        if not all(1 <= v <= point.k for v in point.indices.values()):
            return False
        if not _consistent(point.indices, ctx.assumptions):
            return False
        with mpmath.workdps(self.DIGITS):
            for a in ctx.assumptions:
                if isinstance(a, (OneHot, SumsToOne)):
                    entries = point.vectors.get(a.vector)
                    if entries is None:
                        continue
                    if abs(mpmath.fsum(entries) - 1) > self.TOLERANCE:
                        return False
                if isinstance(a, OneHot):
                    if sorted(entries) != [0] * (point.k - 1) + [1]:
                        return False
                    if a.at is not None:
                        hot = int(a.at) if a.at.is_Integer else point.indices.get(a.at)
                        if hot is not None and entries[hot - 1] != 1:
                            return False
            for base, entries in point.vectors.items():
                if len(entries) != point.k:
                    return False
                domain = base.domain if isinstance(base, Vector) else "real"
                if domain == "positive" and any(e <= 0 for e in entries):
                    return False
                if domain == "nonnegative" and any(e < 0 for e in entries):
                    return False
        return True


def _free_indices(expr, n):
    """The free index symbols of ``expr`` (SymPy's own reading of which symbols a sum binds).

    SymPy counts the index of a derivative's variable (``j`` in ``∂f/∂z_j``) as
    bound; it is added, and is harmless where a sum binds it after all: a value
    the sum binds wins over the point's.
    """
    found = set(expr.free_symbols)
    for derivative in expr.atoms(sp.Derivative):
        for variable in derivative.variables:
            found |= variable.free_symbols
    return {s for s in found if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)
            and s.is_integer and s != n}


def _hot_entry(base, indices, assumptions, strict=False):
    """The entry at which ``base`` is one-hot by a ``OneHot(base, at)``; -1 if two such disagree."""
    found = None
    for a in assumptions:
        if isinstance(a, OneHot) and a.vector == base and a.at is not None:
            hot = int(a.at) if a.at.is_Integer else indices.get(a.at)
            if hot is None:
                continue
            if found is not None and hot != found:
                return -1 if strict else found
            found = hot
    return found
