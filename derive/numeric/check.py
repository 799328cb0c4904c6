"""Numeric checks of a proof's conclusions, the way a practitioner checks a gradient.

A conclusion ``∂F/∂x_k = formula`` is evaluated from its symbolic formula for a
concrete number of classes k and compared with central finite differences of
``F`` itself, evaluated from the symbolic definitions (the loss, softmax) with
a numerically stable softmax and log-sum-exp.  Nothing here is a hand-written
copy of a formula: both sides are read off the SymPy expressions by the small
interpreter :class:`Evaluator`, which also carries a first-order bound on its
own rounding error, so that every tolerance is derived, not tuned.

Methods:

* k ≤ 10: the full Jacobian, one central difference per coordinate direction,
  in float64; and again at 50 digits with mpmath where that adds information:
  at k ≤ 3 always, above only where a float64 check at the same k and input
  fails or comes within a tenth of its tolerance (where float64 cannot tell a
  small error from rounding);
* every k: the directional derivative along one random direction, O(k) work:
  the formula is contracted with the direction term by term (a term is a
  product of factors in the output index j, in the input index k, and
  possibly δ_jk), so the k × k Jacobian is never formed.

This module is not part of the trusted core: it confirms results, it never
decides a step.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from ..core.context import OneHot, SumsToOne
from . import general
from ..core.objects import CrossEntropy, LogSoftmax, LogSumExp, Sigmoid, Softmax, Softplus, SumExcept
from .rows import CLASS_COUNTS, NumericError, NumericRow, NumericSettings

__all__ = [
    "CLASS_COUNTS",
    "LOGIT_KINDS",
    "TARGET_KINDS",
    "NumericError",
    "NumericRow",
    "NumericSettings",
    "Evaluator",
    "check_conclusion",
    "check_conclusions",
    "check_one",
    "plan",
]

EPS = float(np.finfo(np.float64).eps)   # 2^-52, the float64 unit roundoff times 2
LOGIT_KINDS = ("random", "scale 1e3", "one dominating", "all equal")
TARGET_KINDS = ("one-hot", "soft")
FULL_UP_TO = 10          # full Jacobians (O(k^2)) and mpmath only up to this k
MP_ALWAYS_UP_TO = 3      # mpmath at every input up to this k; above, only where float64 is close (MP_CLOSE)
MP_CLOSE = 0.1           # ... that is, where a float64 error exceeds this fraction of its tolerance
MP_DIGITS = 50           # the digits the mpmath comparison demands
MP_WORKING_DIGITS = 150  # the digits it computes with, at first
MP_MOST_DIGITS = 2000    # ... and at most, for derivatives far below the function (see _at_50_digits)
DOMINANCE = 100.0        # "one dominating": that logit exceeds the others' maximum by this much
POSITIVE_RANGE = 600.0   # free probability vectors: entries within e^-600 of the largest (normal floats)

METHOD_DIRECTIONAL = "directional"             # float64, one random direction
METHOD_FULL = "full Jacobian"                   # float64, every coordinate direction
METHOD_MP = f"full, {MP_DIGITS} digits"          # mpmath, every coordinate direction


# --------------------------------------------------------------------------------------------------
# Backends: float64 arrays, or object arrays of mpmath numbers.


class _Float:
    name = "float64"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)

    @staticmethod
    def array(values):
        return np.asarray(values, dtype=np.float64)

    @staticmethod
    def number(x):
        return float(x)

    @staticmethod
    def total(values):
        return np.sum(values)  # pairwise summation


class _Mp:
    name = "mpmath"
    exp = staticmethod(np.frompyfunc(mpmath.exp, 1, 1))
    log = staticmethod(np.frompyfunc(mpmath.log, 1, 1))

    @staticmethod
    def array(values):
        return np.array([mpmath.mpf(float(v)) if isinstance(v, (float, np.floating)) else mpmath.mpf(v)
                         for v in np.ravel(values)], dtype=object)

    @staticmethod
    def number(x):
        if isinstance(x, sp.Rational):
            return mpmath.mpf(int(x.p)) / int(x.q)
        if isinstance(x, sp.Basic):
            raise NumericError(f"cannot evaluate the number {x} exactly")
        return mpmath.mpf(x)

    @staticmethod
    def total(values):
        return mpmath.fsum(np.ravel(values))


FLOAT = _Float()
MP = _Mp()


# --------------------------------------------------------------------------------------------------
# The interpreter: an expression is compiled once into a tree of closures, then run at every point.


class Evaluator:
    """Evaluate SymPy expressions of the derive vocabulary at concrete vectors.

    ``inputs`` maps each free vector to its entries; ``definitions`` are a
    conclusion's; ``fixed`` gives concrete (1-based) values to index symbols
    such as a true class ℓ.  :meth:`value` evaluates an expression whose free
    index, if any, is ``axis`` (the result is then an array over 1..k).

    Each result is a pair ``(value, bound)``: ``bound`` is a first-order bound
    on the absolute rounding error in units of EPS (float64), built operation
    by operation: every operation adds its own rounding, |result|, to the
    propagated errors of its operands (for a sum of n terms, pairwise
    summation adds ceil(log2 n) · Σ|terms|); an input entry x carries |x|,
    the rounding of x itself (which covers x + h·v being rounded).

    An expression is read once: :class:`_Compiler` turns it into closures
    over NumPy (or mpmath) operations, unfolding the definitions and the
    vocabulary and resolving every index then, so that evaluating it again at
    other inputs runs only the arithmetic, the same operations in the same
    order as a walk over the tree would.  ``plans`` keeps the compiled
    closures; evaluators that share it (the points of one check, the input
    kinds of one k) compile each expression once.
    """

    def __init__(self, inputs: dict, definitions, n: sp.Symbol, k: int, fixed: dict | None = None,
                 backend=FLOAT, bounds: bool = True, memo: dict | None = None, plans: dict | None = None):
        self.inputs = inputs
        definitions = tuple(definitions)
        self.definitions = {d.name: d for d in definitions}
        self.n = n
        self.k = k
        self.fixed = dict(fixed or {})
        self.backend = backend
        self.bounds = bounds   # without bounds, every bound is None (half the work, for the perturbed points)
        self._levels = math.ceil(math.log2(max(k, 2)))
        self.memo = memo if memo is not None else {}   # softmax pieces, keyed by the logits' identity
        # Compiled closures depend on everything fixed at compile time, and on nothing else: the
        # working precision too, for the mpmath constants (a rational is rounded when it is made).
        precision = mpmath.mp.prec if backend is MP else None
        shape = (backend.name, bounds, k, n, definitions, tuple(sorted(self.fixed.items(), key=str)),
                 tuple(sorted((str(v), getattr(v, "domain", "")) for v in inputs)), precision)
        self._plans = (plans if plans is not None else {}).setdefault(shape, {})

    # -- helpers used while running -------------------------------------------------------------
    def _broadcast(self, x):
        if x is None:
            return None
        if self.backend is MP:
            return np.array([x] * self.k, dtype=object)
        return np.full(self.k, x, dtype=np.float64)

    def _softmax_of(self, zv, zb):
        top = int(np.argmax(zv))
        d = zv - zv[top]
        e = self.backend.exp(d)
        s = self.backend.total(e)
        if not self.bounds:
            return d, None, e, None, s, None
        db = zb + zb[top] + abs(d)
        eb = e * (db + 1)
        sb = self.backend.total(eb) + self._levels * s
        return d, db, e, eb, s, sb

    def _remember(self, key, array, compute):
        """``compute()``, once per array (keyed by identity; the memo keeps the array alive)."""
        found = self.memo.get(key + (id(array),))
        if found is not None and found[0] is array:
            return found[1]
        value = compute()
        self.memo[key + (id(array),)] = (array, value)
        return value

    # -- the expression tree --------------------------------------------------------------------
    def value(self, expr, axis=None):
        """``(value, bound)`` of ``expr``; an array over 1..k when ``axis`` (an index) occurs in it."""
        plan = self._plans.get((expr, axis))
        if plan is None:
            plan = self._plans[(expr, axis)] = _Compiler(self).compile(expr, axis)
        return plan(self)


def _select(value, bound, position):
    if position is None:
        return value, bound
    return value[position], (None if bound is None else bound[position])


class _Compiler:
    """Turns an expression into a closure ``run(evaluator) -> (value, bound)``.

    Everything that does not depend on the input values is done here, once:
    definitions and the vocabulary (cross-entropy, sums that skip an index)
    unfolded, indices resolved to positions, constants made, unsupported
    expressions refused.  The closures do the arithmetic of the tree walk it
    replaces, operation for operation, so values and bounds are unchanged.
    """

    def __init__(self, ev: Evaluator):
        self.definitions = ev.definitions
        self.inputs = ev.inputs
        self.n = ev.n
        self.k = ev.k
        self.fixed = ev.fixed
        self.backend = ev.backend
        self.bounds = ev.bounds

    def _index(self, idx, axis):
        """``None`` for the axis, or a 0-based position."""
        if idx == axis:
            return None
        if idx in self.fixed:
            return self.fixed[idx] - 1
        if isinstance(idx, sp.Integer) and 1 <= int(idx) <= self.k:
            return int(idx) - 1
        raise NumericError(f"index {idx} has no value here (only one free index per factor is supported)")

    def _vector(self, base):
        """All entries of a vector, and their bounds."""
        i = sp.Dummy("i", integer=True, positive=True)
        entries = self.compile(base[i], i)

        def vector(ev):
            value, bound = entries(ev)
            if np.ndim(value) == 0:
                value, bound = ev._broadcast(value), ev._broadcast(bound)
            return value, bound
        return vector

    def _softmax_parts(self, z):
        """Stable softmax pieces: d = z - max z, e = exp(d), S = Σ e, with bounds."""
        vector = self._vector(z)

        def parts(ev):
            zv, zb = vector(ev)
            for bounded in (True,) if ev.bounds else (True, False):
                found = ev.memo.get(("softmax", id(zv), bounded))
                if found is not None and found[0] is zv:
                    return found[1]
            computed = ev._softmax_of(zv, zb)
            ev.memo[("softmax", id(zv), ev.bounds)] = (zv, computed)
            return computed
        return parts

    def compile(self, expr, axis=None):
        b, bounds = self.backend, self.bounds
        if isinstance(expr, sp.Indexed):
            base, idx = expr.base, expr.indices[0]
            definition = self.definitions.get(base)
            if definition is not None:
                return self.compile(definition.entry(idx), axis)
            if base not in self.inputs:
                raise NumericError(f"no values for the vector {base}")
            position = self._index(idx, axis)
            if not bounds:
                return lambda ev: _select(ev.inputs[base], None, position)
            if base.domain != "real":
                def entry(ev):
                    x = ev.inputs[base]
                    return _select(x, x, position)
                return entry

            def real_entry(ev):
                x = ev.inputs[base]
                return _select(x, ev._remember(("abs",), x, lambda: abs(x)), position)
            return real_entry
        if isinstance(expr, Softmax):
            z, idx, _ = expr.args
            parts = self._softmax_parts(z)
            position = self._index(idx, axis)

            def softmax(ev):
                d, db, e, eb, s, sb = parts(ev)

                def entries():
                    p = e / s
                    return p, (eb / s + e * (sb / (s * s)) + p if bounds else None)
                p, pb = ev._remember(("softmax entries", bounds), e, entries)
                return _select(p, pb, position)
            return softmax
        if isinstance(expr, LogSoftmax):
            return self._log_softmax(expr.args[0], expr.args[1], axis)
        if isinstance(expr, (CrossEntropy, SumExcept)):
            return self.compile(expr.unfold(), axis)
        if isinstance(expr, sp.Sum):
            return self._sum(expr, axis)
        zero = b.number(0) if bounds else None
        if isinstance(expr, sp.KroneckerDelta):
            left, right = (self._index(a, axis) for a in expr.args)
            if left is None and right is None:
                one = b.number(1)
                return lambda ev: (one, zero)
            if left is None or right is None:
                where = right if left is None else left

                def one_hot(ev):
                    entries = ev._broadcast(b.number(0))
                    entries[where] = b.number(1)
                    return entries, ev._broadcast(zero)
                return one_hot
            same = b.number(int(left == right))
            return lambda ev: (same, zero)
        if expr == self.n:
            count = b.number(self.k)
            return lambda ev: (count, zero)
        if isinstance(expr, sp.Symbol):
            definition = self.definitions.get(expr)
            if definition is None:
                raise NumericError(f"no value for the symbol {expr}")
            return self.compile(definition.body, axis)
        if expr.is_Integer:
            integer = b.number(int(expr))
            return lambda ev: (integer, zero)
        if expr.is_Number:
            x = b.number(expr)
            size = abs(x) if bounds else None
            return lambda ev: (x, size)
        if isinstance(expr, sp.Add):
            return self._add([self.compile(a, axis) for a in expr.args])
        if isinstance(expr, sp.Mul):
            coefficient, rest = expr.as_coeff_Mul()
            if coefficient in (1, -1) and rest != expr:   # a sign is exact: no rounding to bound
                inner = self.compile(rest, axis)
                if coefficient == 1:
                    return inner

                def negated(ev):
                    value, bound = inner(ev)
                    return -value, bound
                return negated
            return self._mul([self.compile(a, axis) for a in expr.args])
        if isinstance(expr, sp.Pow):
            base, exponent = expr.args
            if not exponent.is_Integer:
                raise NumericError(f"only integer powers are supported, not {expr}")
            return self._pow(self.compile(base, axis), int(exponent))
        if isinstance(expr, sp.exp):
            argument = self.compile(expr.args[0], axis)

            def exponential(ev):
                av, ab = argument(ev)
                value = b.exp(av)
                return value, (value * (ab + 1) if bounds else None)
            return exponential
        if isinstance(expr, sp.log):
            resolved = self._resolve(expr.args[0])
            if isinstance(resolved, Softmax):
                return self._log_softmax(resolved.args[0], resolved.args[1], axis)
            argument = self.compile(expr.args[0], axis)

            def logarithm(ev):
                av, ab = argument(ev)
                value = b.log(av)
                return value, (ab / abs(av) + abs(value) if bounds else None)
            return logarithm
        raise NumericError(f"cannot evaluate {expr.func.__name__} numerically")

    @staticmethod
    def _add(terms):
        extra = len(terms) - 1

        def add(ev):
            values = [term(ev) for term in terms]
            total = sum(v for v, _ in values)
            if not ev.bounds:
                return total, None
            return total, sum(e for _, e in values) + extra * abs(total)
        return add

    @staticmethod
    def _mul(factors):
        first, rest = factors[0], factors[1:]

        def mul(ev):
            value, bound = first(ev)
            for factor in rest:
                fv, fb = factor(ev)
                if ev.bounds:
                    # |ab - fl(a~ b~)| <= e_a |b| + |a| e_b + |ab|  (in units, to first order)
                    size = abs(fv)
                    bound = bound * size + abs(value) * (fb + size)
                value = value * fv
            return value, bound
        return mul

    @staticmethod
    def _pow(base, n):
        def power(ev):
            bv, bb = base(ev)
            value = bv ** n
            if not ev.bounds:
                return value, None
            # x^n by |n| multiplications, and a division when n < 0: each adds one rounding
            if n < 0:
                return value, abs(n) * abs(value) * (bb / abs(bv) + 1)
            return value, n * abs(bv) ** (n - 1) * bb + n * abs(value)
        return power

    def _resolve(self, expr):
        """A defined vector's entry, unfolded to its definition (ŷ_j → softmax(z)_j)."""
        while isinstance(expr, sp.Indexed) and expr.base in self.definitions:
            expr = self.definitions[expr.base].entry(expr.indices[0])
        return expr

    def _log_softmax(self, z, idx, axis):
        parts = self._softmax_parts(z)
        position = self._index(idx, axis)

        def log_softmax(ev):
            d, db, e, eb, s, sb = parts(ev)

            def entries():
                log_s = ev.backend.log(s)
                value = d - log_s
                return value, (db + (sb / s + abs(log_s)) + abs(value) if ev.bounds else None)
            value, bound = ev._remember(("log-softmax", ev.bounds), d, entries)
            return _select(value, bound, position)
        return log_softmax

    def _sum(self, expr, axis):
        function, *limits = expr.args
        if len(limits) != 1:
            raise NumericError("only single sums are supported")
        i, lo, hi = limits[0]
        if lo != 1 or hi != self.n:
            raise NumericError(f"only sums over 1..{self.n} are supported, not {lo}..{hi}")
        if axis is not None and axis in function.free_symbols:
            raise NumericError(f"a sum whose terms depend on the free index {axis} is not supported")
        terms = self.compile(function, i)

        def total(ev):
            value, bound = terms(ev)
            if np.ndim(value) == 0:
                value, bound = ev._broadcast(value), ev._broadcast(bound)
            result = ev.backend.total(value)
            if not ev.bounds:
                return result, None
            return result, ev.backend.total(bound) + ev._levels * ev.backend.total(abs(value))
        return total


# --------------------------------------------------------------------------------------------------
# A conclusion, prepared for evaluation.


@dataclass(frozen=True)
class _Term:
    """One term of the expanded formula: (factors in j) · (factors in k), times δ_jk if ``diagonal``."""

    left: sp.Expr
    right: sp.Expr
    diagonal: bool


@dataclass(frozen=True)
class _Prepared:
    name: str
    n: sp.Symbol
    of: sp.Expr             # a defined scalar, or an entry of a defined vector
    of_index: sp.Symbol | None
    wrt: sp.Indexed
    definitions: tuple
    terms: tuple[_Term, ...]
    vectors: tuple          # the free vectors, in a fixed order
    one_hot: dict           # vector -> the index symbol of its true class, or None
    target_kinds: tuple     # which target kinds the assumptions allow (or (None,) without targets)
    where: str = ""         # "conclusion 'name' (file:line)", for messages


def _vectors_in(expr, definitions: dict, seen=None) -> set:
    seen = set() if seen is None else seen
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Indexed):
            base = node.base
            if base in definitions:
                if base not in seen:
                    seen.add(base)
                    _vectors_in(definitions[base].body.expr, definitions, seen)
            else:
                seen.add(base)
        elif isinstance(node, (Softmax, LogSoftmax)):
            seen.add(node.args[0])
        elif isinstance(node, CrossEntropy):
            _vectors_in(node.unfold(), definitions, seen)
        elif isinstance(node, sp.Symbol) and node in definitions and node not in seen:
            seen.add(node)
            _vectors_in(definitions[node].body, definitions, seen)
    return {v for v in seen if isinstance(v, sp.IndexedBase) and v not in definitions}


def _prepare(c) -> _Prepared:
    where = f"conclusion {c.name!r}" + (f" ({c.origin})" if c.origin else "")
    definitions = tuple(c.definitions)
    by_name = {d.name: d for d in definitions}
    wrt, of = c.wrt, c.of
    if not (isinstance(wrt, sp.Indexed) and len(wrt.indices) == 1 and isinstance(wrt.indices[0], sp.Symbol)):
        raise NumericError(f"{where}: wrt must be an entry of a vector, such as z[k]")
    if wrt.base in by_name:
        raise NumericError(f"{where}: wrt {wrt} is a defined vector; differentiate with respect to a free one")
    if isinstance(of, sp.Indexed) and of.base in by_name and len(of.indices) == 1:
        of_index = of.indices[0]
        if of_index == wrt.indices[0]:
            raise NumericError(f"{where}: of and wrt must use different indices (∂ŷ_j/∂z_k)")
    elif isinstance(of, sp.Symbol) and of in by_name:
        of_index = None
    else:
        raise NumericError(f"{where}: of must be a defined scalar (the loss) or an entry of a defined vector")
    one_hot, sums_to_one = {}, set()
    for a in c.assumptions:
        if isinstance(a, OneHot):
            one_hot[a.vector] = a.at
        elif isinstance(a, SumsToOne):
            sums_to_one.add(a.vector)
        else:
            raise NumericError(f"{where}: a conclusion holds for every index; state index cases with δ, "
                               f"not with {type(a).__name__}")
    formula = c.formula
    if isinstance(formula, int):
        formula = sp.Integer(formula)
    if not isinstance(formula, sp.Expr):
        raise NumericError(f"{where}: the formula is a {type(formula).__name__}, not an expression")
    j, k = of_index, wrt.indices[0]
    terms = []
    for term in sp.Add.make_args(sp.expand(formula)):
        left, right, diagonal = [], [], False
        for factor in sp.Mul.make_args(term):
            free = factor.free_symbols & {s for s in (j, k) if s is not None}
            if free == {j, k} and factor in (sp.KroneckerDelta(j, k), sp.KroneckerDelta(k, j)) \
                    and not diagonal:
                diagonal = True
            elif free == {j, k}:
                raise NumericError(f"{where}: the factor {factor} mixes {j} and {k}; only products of factors "
                                   f"in one index (and δ_{j}{k}) can be contracted with a direction")
            elif k in free:
                right.append(factor)
            else:
                left.append(factor)
        terms.append(_Term(sp.Mul(*left), sp.Mul(*right), diagonal))
    vectors = _vectors_in(formula, by_name) | _vectors_in(of, by_name) | {wrt.base}
    vectors = tuple(sorted(vectors, key=lambda v: (str(v), v.domain)))
    targets = [v for v in vectors if v.domain == "nonnegative"]
    if len(targets) > 1:
        raise NumericError(f"{where}: at most one target vector is supported, found {targets}")
    if targets:
        kinds = ("one-hot",) if targets[0] in one_hot else TARGET_KINDS
    else:
        kinds = (None,)
    if targets and targets[0] == wrt.base:
        raise NumericError(f"{where}: differentiating with respect to the targets is not supported")
    return _Prepared(c.name, c.classes, of, of_index, wrt, definitions, tuple(terms), vectors, one_hot,
                     kinds, where)


# --------------------------------------------------------------------------------------------------
# Inputs.


@dataclass(frozen=True)
class _Draw:
    """The random numbers of one (seed, k): every input kind and target kind is built from them."""

    base: np.ndarray        # standard normal logits
    spike: int              # 0-based position of the dominating logit
    true_class: int         # 1-based true class of one-hot targets
    weights: np.ndarray     # positive weights of soft targets
    direction: np.ndarray   # entries uniform in [-1, 1]


def _draw(seed: int, k: int) -> _Draw:
    """Seeded by (seed, k) alone, so that a row does not depend on which other rows run."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, k]))
    base = rng.standard_normal(k)
    spike = int(rng.integers(k))
    true_class = int(rng.integers(k)) + 1
    weights = rng.random(k) + 1e-3
    direction = rng.uniform(-1.0, 1.0, k)
    return _Draw(base, spike, true_class, weights, direction)


class _Workspace:
    """The inputs of one (seed, k, input kind), and the work that rows at them share.

    Conclusions and target kinds at the same logits share the logits, the
    direction, the points moved along it and the softmax at each point: the
    memo keys arrays by identity and keeps them alive, so a key is never reused.
    """

    def __init__(self, draw: _Draw, kind: str, plans: dict | None = None):
        self.draw = draw
        self.kind = kind
        self.k = len(draw.base)
        self.memo: dict = {}
        self.plans = plans if plans is not None else {}   # compiled expressions, shared by the kinds of a k

    def remember(self, key, arrays: tuple, compute):
        found = self.memo.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], arrays)):
            return found[1]
        value = compute()
        self.memo[key] = (arrays, value)
        return value

    def logits(self) -> np.ndarray:
        def compute():
            base = self.draw.base
            if self.kind == "random":
                return base
            if self.kind == "scale 1e3":
                return 1e3 * base
            if self.kind == "one dominating":
                logits = base.copy()
                logits[self.draw.spike] = base.max() + DOMINANCE
                return logits
            return np.full(self.k, base[0])  # all equal
        return self.remember("logits", (), compute)

    def positive(self) -> np.ndarray:
        """A free probability vector: the softmax of the logits, every entry a positive normal float."""
        def compute():
            logits = self.logits()
            clipped = np.maximum(logits, logits.max() - POSITIVE_RANGE)
            e = np.exp(clipped - clipped.max())
            return e / np.sum(e)
        return self.remember("positive", (), compute)

    def target(self, kind: str) -> np.ndarray:
        def compute():
            if kind == "one-hot":
                y = np.zeros(self.k)
                y[self.draw.true_class - 1] = 1.0
                return y
            return _exact_distribution(self.draw.weights)
        return self.remember(("target", kind), (), compute)

    def inputs(self, prepared: _Prepared, target: str | None) -> dict:
        values = {}
        for v in prepared.vectors:
            if v.domain == "real":
                values[v] = self.logits()
            elif v.domain == "positive":
                values[v] = self.positive()
            else:
                values[v] = self.target(target)
        return values


def _exact_distribution(weights: np.ndarray) -> np.ndarray:
    """Positive weights made into a distribution whose entries sum to exactly 1.

    Each entry is a multiple of 2^-52 (exact in float64, and in mpmath); the
    integers sum to 2^52, so the entries sum to 1 in real arithmetic, as the
    conclusions assume, not merely to 1 within rounding.
    """
    units = np.floor(weights / np.sum(weights) * 2.0**52).astype(np.int64)
    units = np.maximum(units, 1)
    units[int(np.argmax(units))] += 2**52 - int(units.sum())
    return units.astype(np.float64) * 2.0**-52


def _kind_label(kind: str, target: str | None) -> str:
    return kind if target is None else f"{kind}, {target}"


# --------------------------------------------------------------------------------------------------
# Both sides of one comparison.


def _formula_along(prepared: _Prepared, ev: Evaluator, direction):
    """The formula contracted with ``direction`` over the input index: (value, bound in units)."""
    j, k = prepared.of_index, prepared.wrt.indices[0]
    total, bound, first = 0, 0, True
    for term in prepared.terms:
        lv, lb = ev.value(term.left, j)
        rv, rb = ev.value(term.right, k)
        if term.diagonal:
            # Σ_k L_j R_k δ_jk v_k = L_j R_j v_j
            product = lv * rv
            value = product * direction
            size = ev._remember(("abs",), direction, lambda: abs(direction))
            error = (lb * abs(rv) + abs(lv) * rb + 2 * abs(product)) * size
        else:
            # Σ_k L_j R_k v_k = L_j (Σ_k R_k v_k)
            if np.ndim(rv) == 0:
                rv, rb = ev._broadcast(rv), ev._broadcast(rb)
            weighted = rv * direction
            s = ev.backend.total(weighted)
            size = ev._remember(("abs",), direction, lambda: abs(direction))
            sb = ev.backend.total((rb + (ev._levels + 1) * abs(rv)) * size)
            value = lv * s
            error = lb * abs(s) + abs(lv) * sb + abs(value)
        if first:   # nothing to add to yet: no rounding
            total, bound, first = value, error, False
        else:
            total, bound = total + value, bound + error + abs(total + value)
    if prepared.of_index is not None and np.ndim(total) == 0:
        total, bound = ev._broadcast(total), ev._broadcast(bound)
    return total, bound


def _evaluator(prepared, values, k, true_class, backend, bounds=True, memo=None, plans=None):
    fixed = {at: true_class for at in prepared.one_hot.values() if at is not None}
    return Evaluator(values, prepared.definitions, prepared.n, k, fixed, backend, bounds, memo, plans)


def _compare(prepared: _Prepared, values: dict, true_class: int, k: int, directions, backend, h,
             space: _Workspace | None = None, plans: dict | None = None):
    """Formula and central differences along each direction; returns (errors, tolerances, references).

    The reference is D(h) = (F(x + h v) - F(x - h v)) / 2h.  Its error is
    truncation plus rounding:

    * truncation: D(h) - f' = h² f‴/6 + O(h^4), and D(2h) has four times
      that, so |D(2h) - D(h)| / 3 estimates it (Richardson); we allow twice the
      estimate;
    * rounding: each F carries at most u · bound, u the unit of the arithmetic
      (EPS, or 10^-150 for mpmath) and bound the evaluator's first-order bound,
      taken at x (it changes by O(h) between x and x ± 2h v); so D(h) is off by
      at most u · bound / h.

    The formula's own rounding is u · its bound.  The tolerance is twice the
    sum of the three, the factor 2 covering the second-order terms that the
    first-order bounds leave out.

    ``plans`` holds the compiled expressions (see :class:`Evaluator`), shared
    by every point, direction and input kind at this k.
    """
    b = backend
    plans = plans if plans is not None else {}
    unit = b.number(EPS) if backend is FLOAT else mpmath.mpf(10) ** -mpmath.mp.dps
    memo = space.memo if space is not None else {}
    base = prepared.wrt.base
    x = values[base]
    ev = _evaluator(prepared, values, k, true_class, backend, memo=memo, plans=plans)
    # F depends on the inputs only through the arrays it reads: conclusions of one proof about one
    # function (and target kinds that give the same arrays) share its evaluations
    function = ("F", prepared.of, prepared.of_index, prepared.definitions, true_class)
    inputs_key = tuple(sorted((str(v), v.domain, id(x)) for v, x in values.items()))
    f_bound = ev.value(prepared.of, prepared.of_index)[1] if space is None else \
        space.remember(function + ("bound",) + inputs_key, tuple(values.values()),
                       lambda: ev.value(prepared.of, prepared.of_index)[1])
    errors, tolerances, references = [], [], []
    two = b.number(2)
    for u in directions:
        if base.domain == "positive":   # move a positive vector relative to its entries: x ⊙ (1 + t u)
            v = space.remember(("scaled", id(x), id(u)), (x, u), lambda: x * u) if space else x * u
        else:
            v = u

        def at(t):
            moved = dict(values)
            if space is None:
                moved[base] = x + t * v
                return _evaluator(prepared, moved, k, true_class, backend, bounds=False, memo=memo,
                                  plans=plans).value(prepared.of, prepared.of_index)[0]
            moved[base] = space.remember(("moved", id(x), id(v), float(t)), (x, v), lambda: x + t * v)
            key = function + tuple(sorted((str(w), w.domain, id(y)) for w, y in moved.items()))
            return space.remember(key, tuple(moved.values()),
                                  lambda: _evaluator(prepared, moved, k, true_class, backend, bounds=False,
                                                     memo=memo, plans=plans).value(prepared.of,
                                                                                   prepared.of_index)[0])

        formula, formula_bound = _formula_along(prepared, ev, v)
        d1 = (at(h) - at(-h)) / (two * h)
        d2 = (at(two * h) - at(-two * h)) / (two * two * h)
        truncation = two * abs(d2 - d1) / 3
        rounding = unit * f_bound / h
        own = unit * formula_bound
        errors.append(abs(formula - d1))
        tolerances.append(two * (truncation + rounding + own))
        references.append(abs(d1))
    return errors, tolerances, references


def _row(prepared, k, kind, target, method, errors, tolerances, references, floor=0.0) -> NumericRow:
    worst = general.largest(errors)
    scale = general.largest(references)
    tolerance = max(general.largest(tolerances), floor * scale)
    # relative to the largest reference entry, or to the tolerance where the reference is smaller still
    # (a derivative that is 0 to float64 resolution has no meaningful relative error)
    relative = worst / max(scale, tolerance) if worst > 0 else 0.0
    passed = bool(np.isfinite(worst) and worst <= tolerance)
    return NumericRow(prepared.name, k, _kind_label(kind, target), method, worst, relative, tolerance, passed)


# The central-difference steps.  Directions have entries of size ≤ 1 (relative to the entry, for a
# positive vector), so F varies on a unit scale along them; h = EPS^(1/3) balances the truncation
# error h²|f‴|/6 against the rounding error EPS·|F|/h for such F (the textbook optimum).
H_FLOAT = EPS ** (1 / 3)
# At 150 working digits, h = 1e-40 leaves truncation ~1e-80·|f‴| and rounding ~1e-110·|F|: both
# far below 1e-50 of the derivative wherever the derivative is not itself below ~1e-60·|F|.
H_MP = "1e-40"


def _method(prepared: _Prepared, space: _Workspace, target: str | None, method: str) -> NumericRow:
    k, kind = space.k, space.kind
    values = space.inputs(prepared, target)
    true_class = space.draw.true_class
    with np.errstate(all="ignore"):
        if method == METHOD_DIRECTIONAL:
            found = _compare(prepared, values, true_class, k, [space.draw.direction], FLOAT, H_FLOAT, space,
                             space.plans)
            return _row(prepared, k, kind, target, method, *found)
        basis = (np.eye(1, k, i)[0] for i in range(k))   # one coordinate direction at a time
        if method == METHOD_FULL:
            found = _compare(prepared, values, true_class, k, basis, FLOAT, H_FLOAT, plans=space.plans)
            return _row(prepared, k, kind, target, method, *found)
        if method == METHOD_MP:
            return _at_50_digits(prepared, values, true_class, k, kind, target, space.plans)
    raise NumericError(f"unknown method {method!r}")


def _at_50_digits(prepared, values, true_class, k, kind, target, plans) -> NumericRow:
    """The full Jacobian at 50 digits of the largest derivative entry.

    At 150 working digits the reference resolves derivatives down to ~10^-110
    of the function; where the derivative is smaller still (logits at scale
    1e3 make softmax entries like e^-1000), the comparison is repeated with as
    many more digits as the shortfall, so that the tolerance is always 10^-50
    of the largest reference entry.
    """
    digits = MP_WORKING_DIGITS
    while True:
        with mpmath.workdps(digits):
            exact = {v: MP.array(x) for v, x in values.items()}
            basis = (MP.array(np.eye(1, k, i)[0]) for i in range(k))
            errors, tolerances, references = _compare(prepared, exact, true_class, k, basis, MP,
                                                      mpmath.mpf(H_MP), plans=plans)
        scale, derived = general.largest(references), general.largest(tolerances)
        wanted = 10.0 ** -(MP_DIGITS + 10) * scale
        if scale == 0 or derived <= wanted or digits >= MP_MOST_DIGITS:
            return _row(prepared, k, kind, target, METHOD_MP, errors, tolerances, references,
                        floor=10.0 ** -MP_DIGITS)
        digits = min(MP_MOST_DIGITS, digits + math.ceil(math.log10(derived / wanted)) + 10)


def _check_one(prepared: _Prepared, space: _Workspace, target: str | None) -> list[NumericRow]:
    if space.k > FULL_UP_TO:
        return [_method(prepared, space, target, METHOD_DIRECTIONAL)]
    rows = [_method(prepared, space, target, m) for m in (METHOD_DIRECTIONAL, METHOD_FULL)]
    if space.k <= MP_ALWAYS_UP_TO or any(_close_to_tolerance(r) for r in rows):
        rows.append(_method(prepared, space, target, METHOD_MP))
    return rows


def _close_to_tolerance(row: NumericRow) -> bool:
    """Whether a float64 check failed or came near its tolerance: then 50 digits tell more."""
    return not row.passed or not row.max_abs_error <= MP_CLOSE * row.tolerance


def check_one(conclusion, k: int, kind: str = "random", target: str | None = None,
              method: str = METHOD_DIRECTIONAL, seed: int = 0) -> NumericRow:
    """One check of one conclusion, by any method at any k (the benchmark times these)."""
    if _is_general(conclusion):   # its rows at this input come together; the one asked for is picked
        wide = general.prepare(conclusion)
        target = target if target in wide.target_kinds else wide.target_kinds[0]
        with _arrays_reused(k):
            rows = [r for r in general.check_at(wide, seed, k, kind, target) if r.method == method]
        if not rows:
            raise NumericError(f"{wide.where}: no {method} check at k = {k}")
        return rows[0]
    prepared = _prepare(conclusion)
    if target not in prepared.target_kinds:
        target = prepared.target_kinds[0]
    with _arrays_reused(k):
        return _method(prepared, _Workspace(_draw(seed, k), kind), target, method)


# Arrays over 2^20 classes are 8 MiB each, and a check makes hundreds of them.  glibc serves such
# blocks with fresh mmap()s or trims them back to the system when freed, so every new array pays
# its page faults again: about a third of the time of a check at k = 2^20 on a virtual machine
# (bench/numeric.py).  While the arrays are large, the allocator is asked to keep freed memory
# for reuse; afterwards its thresholds go back to glibc's documented defaults and the memory is
# returned.  Elsewhere than glibc this does nothing.
_LARGE = 1 << 16
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_THRESHOLD = 128 * 1024


@contextmanager
def _arrays_reused(k: int):
    libc = _glibc() if k >= _LARGE else None
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)   # glibc's largest allowed on 64-bit
    libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    try:
        yield
    finally:
        libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
        libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def _glibc():
    """The C library when it is glibc (which has mallopt and malloc_trim), else None."""
    import ctypes
    import ctypes.util
    import platform

    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes, libc.malloc_trim.argtypes = (ctypes.c_int, ctypes.c_int), (ctypes.c_size_t,)
    except (OSError, AttributeError):
        return None
    return libc


# Vocabulary that only :mod:`derive.numeric.general` evaluates.
_GENERAL_FUNCTIONS = (Sigmoid, Softplus, LogSumExp, sp.tanh)


def _is_general(c) -> bool:
    """Whether a conclusion goes beyond vectors over the classes (scalars, matrices, other sizes, sigmoid, ...).

    Those are checked by :mod:`derive.numeric.general`; the rest here, by the term-by-term contraction
    that also handles Jacobians (whose rows are therefore unchanged by the general evaluator).
    """
    wrt, of = c.wrt, c.of
    if not (isinstance(wrt, sp.Indexed) and len(wrt.indices) == 1 and isinstance(wrt.indices[0], sp.Symbol)):
        return True
    definitions = {d.name: d for d in c.definitions}
    if not ((isinstance(of, sp.Indexed) and of.base in definitions and len(of.indices) == 1)
            or (isinstance(of, sp.Symbol) and of in definitions)):
        return True
    formula = sp.Integer(c.formula) if isinstance(c.formula, int) else c.formula
    if not isinstance(formula, sp.Basic):
        return False
    inputs, counts, functions = general._free_objects([formula, of, wrt], definitions)
    if counts - {c.classes} or any(not isinstance(v, sp.IndexedBase) or v.shape for v in inputs):
        return True
    if any(issubclass(f, _GENERAL_FUNCTIONS) for f in functions):
        return True
    # a positive vector assumed to sum to 1 is drawn there so that it sums to 1 exactly
    if any(isinstance(a, SumsToOne) and getattr(a.vector, "domain", "") == "positive" for a in c.assumptions):
        return True
    # log Σ e^f written out overflows here at logits of scale 1e3; the general evaluator shifts it
    return isinstance(of, sp.Symbol) and _has_log_of_sum(formula, of, definitions)


def _has_log_of_sum(formula, of, definitions) -> bool:
    bodies = [formula, of] + [d.body.expr if isinstance(d.body, sp.Lambda) else d.body
                              for d in definitions.values()]
    return any(isinstance(node, sp.log) and isinstance(node.args[0], sp.Sum)
               for body in bodies for node in sp.preorder_traversal(body))


def _prepare_any(c):
    return general.prepare(c) if _is_general(c) else _prepare(c)


def plan(conclusions, settings: NumericSettings | None = None) -> int:
    """How many units of work :func:`check_conclusions` reports to its progress callback."""
    settings = settings or NumericSettings()
    conclusions = list(conclusions)
    prepared = [_prepare_any(c) for c in conclusions]
    return len(LOGIT_KINDS) * sum(len(p.target_kinds) * (len(settings.classes) if c.classes is not None else 1)
                                  for p, c in zip(prepared, conclusions))


def check_conclusions(conclusions, settings: NumericSettings | None = None, progress=None) -> list[NumericRow]:
    """Every numeric check of the conclusions, as rows: by conclusion, then k, input kind, method.

    ``progress``, if given, is called with the k of each unit of work done.
    """
    settings = settings or NumericSettings()
    conclusions = list(conclusions)
    prepared = [_prepare_any(c) for c in conclusions]
    for k in settings.classes:
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            raise NumericError(f"the number of classes must be an integer of at least 2, not {k!r}")
    found: list[list[NumericRow]] = [[] for _ in prepared]
    for k in settings.classes:
        # A conclusion without classes does not depend on k: it is checked once, at the first k.
        todo = [(rows, p) for rows, p, c in zip(found, prepared, conclusions)
                if c.classes is not None or k == settings.classes[0]]
        with _arrays_reused(k):
            _check_at(k, todo, settings.seed, progress)
    return [row for rows in found for row in rows]


def _check_at(k: int, todo, seed: int, progress) -> None:
    draw = _draw(seed, k)
    plans: dict = {}   # every expression compiled once for this k, then run at every input kind and point
    for kind in LOGIT_KINDS:
        space = _Workspace(draw, kind, plans)
        for rows, p in todo:
            for target in p.target_kinds:
                if isinstance(p, general.Prepared):
                    rows.extend(general.check_at(p, seed, k, kind, target))
                else:
                    rows.extend(_checked(p, space, target))
                if progress is not None:
                    progress(k)


def _checked(p: _Prepared, space: _Workspace, target) -> list[NumericRow]:
    """The rows of :func:`_check_one`; arithmetic that fails (a log of 0 at 50 digits) is a one-line error."""
    try:
        return _check_one(p, space, target)
    except (ZeroDivisionError, OverflowError, ValueError) as error:
        if isinstance(error, NumericError):
            raise
        label = _kind_label(space.kind, target)
        raise NumericError(f"{p.where}: {general.undefined(space.k, label, error)}") from None


def check_conclusion(conclusion, settings: NumericSettings | None = None, progress=None) -> list[NumericRow]:
    """Every numeric check of one conclusion (see :class:`NumericRow`)."""
    return check_conclusions([conclusion], settings, progress)
