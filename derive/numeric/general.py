"""Numeric checks of conclusions over scalars, matrices and vectors of any size.

:mod:`derive.numeric.check` checks conclusions about vectors over the classes
(``∂L/∂z_k``, the softmax Jacobian ``∂ŷ_j/∂z_k``) with an interpreter built
for one class axis.  The course library goes further: scalar parameters with
a domain (a temperature ``T > 0``, a smoothing weight ``ε``), a scalar logit
``z`` (``dL/dz``), entries of matrices (``Z[c, j]``, ``W[j, d]``), vectors of
another size (``x[d]``, ``d`` over a count ``D``), and the functions sigmoid,
softplus, tanh and log-sum-exp.  Such conclusions are checked here, by the
same method: the formula, evaluated from its SymPy expression, is contracted
with a random direction over every entry of the variable and compared with
the central difference of the function along it, against a tolerance derived
from a first-order bound on rounding that every value carries.

Values are NumPy arrays with one axis per index in scope (size 1 where a
value does not depend on an index), so that a sum over an index is a sum over
its axis and nested sums never form an array larger than the indices they
use.  Exponentials of sums are evaluated stably: a product of ``e^a`` and
powers of ``Σ e^f`` is one exponential of ``a − n·logsumexp(f)``, the log of
such a product is the sum of the logs, ``log Σ e^f`` is shifted by the
largest ``f``, and ``log σ(x)``, ``log(1 − σ(x))`` are ``−softplus(∓x)``.

This module is not part of the trusted core: it confirms results, it never
decides a step.  It is not for conclusions whose ``of`` has a free index (a
Jacobian): :mod:`derive.numeric.check` contracts those term by term.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..core.context import OneHot, SumsToOne
from ..core.objects import (Count, CrossEntropy, Index, LogSoftmax, LogSumExp, Sigmoid, Softmax, Softplus,
                           SumExcept)
from .rows import NumericError, NumericRow

EPS = float(np.finfo(np.float64).eps)
LOGIT_KINDS = ("random", "scale 1e3", "one dominating", "all equal")
TARGET_KINDS = ("one-hot", "soft")
FULL_UP_TO = 10          # every coordinate direction (and 50 digits) only up to this k ...
FULL_MOST_ENTRIES = 64   # ... and while the variable has at most this many entries
MP_UP_TO = 3             # 50 digits at every input up to this k; above, where float64 comes close:
MP_CLOSE = 0.1           # ... where its error exceeds this fraction of its tolerance (as derive.numeric.check)
MP_DIGITS = 50
MP_WORKING_DIGITS = 150
DOMINANCE = 100.0
H_FLOAT = EPS ** (1 / 3)
H_MP = "1e-40"

# The values a scalar parameter takes, by its domain (docs/numeric.md).  A positive scalar such as a
# temperature T is drawn from (0.5, 3): temperatures near 1, on both sides, without the extremes that
# would turn every softmax into a one-hot vector.  A nonnegative scalar (a smoothing weight ε, the target
# probability y of binary logistic regression) is drawn from [0, 1), and is 0 at the input kind
# "all equal", an end of its domain.  A real scalar (a scalar logit z, a shift c) is drawn as a logit.
POSITIVE_SCALARS = (0.5, 3.0)
NONNEGATIVE_SCALARS = (0.0, 1.0)


def count_values(counts, k: int) -> dict:
    """The values the counts other than the classes take at k classes (a batch size N, a dimension D).

    Small up to k = 1000 (3, 4, ... in the order of their names), so that the full checks stay small;
    from 2 above, so that at k = 2^20 a batch of N × k logits has 2^21 entries, past the 2^20 the checks
    are claimed for.  No two counts take the same value, and none takes the value k: a formula that
    divides by the wrong count (N for D, k for N) then fails.
    """
    values, candidate = {}, 3 if k <= 1000 else 2
    for c in counts:
        while candidate == k:
            candidate += 1
        values[c] = candidate
        candidate += 1
    return values


# --------------------------------------------------------------------------------------------------
# Backends.


class _Float:
    name = "float64"
    unit = EPS

    @staticmethod
    def levels(n: int) -> int:   # NumPy's pairwise summation
        return math.ceil(math.log2(max(n, 2)))

    @staticmethod
    def number(x):
        return float(x)

    @staticmethod
    def array(values):
        return np.asarray(values, dtype=np.float64)

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)

    @staticmethod
    def softplus(x):
        return np.logaddexp(0.0, x)

    @staticmethod
    def sigmoid(x):
        # e^{-|x|} never overflows; σ(x) = 1/(1 + e^{-x}) for x ≥ 0 and e^x/(1 + e^x) below
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _mp_function(f):
    return np.frompyfunc(f, 1, 1)


class _Mp:
    name = "mpmath"

    @property
    def unit(self):
        return mpmath.mpf(10) ** -mpmath.mp.dps

    @staticmethod
    def levels(n: int) -> int:   # object arrays are summed left to right
        return max(n - 1, 1)

    @staticmethod
    def number(x):
        if isinstance(x, sp.Rational):
            return mpmath.mpf(int(x.p)) / int(x.q)
        if isinstance(x, sp.Basic):
            raise NumericError(f"cannot evaluate the number {x} exactly")
        return mpmath.mpf(x)

    @staticmethod
    def array(values):
        values = np.asarray(values)
        return np.array([mpmath.mpf(float(v)) for v in values.ravel()], dtype=object).reshape(values.shape)

    exp = staticmethod(_mp_function(mpmath.exp))
    log = staticmethod(_mp_function(mpmath.log))
    tanh = staticmethod(_mp_function(mpmath.tanh))
    softplus = staticmethod(_mp_function(lambda x: mpmath.log1p(mpmath.exp(x))))
    sigmoid = staticmethod(_mp_function(lambda x: 1 / (1 + mpmath.exp(-x))))


FLOAT = _Float()
MP = _Mp()


# --------------------------------------------------------------------------------------------------
# The evaluator.


def _reduced(result, like):
    """A reduction's result as an array of ``like``'s type (NumPy gives a bare mpf for object arrays)."""
    return np.asarray(result, dtype=like.dtype)


class Evaluator:
    """Evaluate expressions at concrete inputs: ``(value, bound)``, arrays with one axis per index in scope.

    ``inputs`` maps each free vector, matrix and scalar to its values;
    ``sizes`` each count (the classes' symbol too) to its value; ``fixed``
    gives an index a value (a true class).  ``bound`` is a first-order bound on
    the absolute rounding error in units of the backend's unit, built
    operation by operation as in :mod:`derive.numeric.check` (each operation adds
    its own rounding |result|; a sum of n terms ``levels(n) · Σ|terms|``; an
    input carries |x|); without ``bounds`` it is not computed.
    """

    def __init__(self, inputs: dict, definitions: dict, sizes: dict, classes, fixed=None, backend=FLOAT,
                 bounds=True):
        self.inputs = inputs
        self.definitions = definitions
        self.sizes = sizes
        self.classes = classes
        self.fixed = dict(fixed or {})
        self.b = backend
        self.bounds = bounds
        self.index_sizes: dict = {}   # the indices bound by sums, with their ranges

    # -- shapes ----------------------------------------------------------------------------------
    def size_of(self, symbol) -> int:
        if symbol in self.index_sizes:
            return self.index_sizes[symbol]
        count = symbol.count if isinstance(symbol, Index) else self.classes
        return self._size(count)

    def _size(self, expr) -> int:
        if isinstance(expr, sp.Integer):
            return int(expr)
        if expr in self.sizes:
            return self.sizes[expr]
        raise NumericError(f"no size for {expr}")

    def _shaped(self, value, axes):
        """A scalar as an array of ``len(axes)`` axes of size 1."""
        if self.b is MP:
            return np.full((1,) * len(axes), value, dtype=object)
        return np.full((1,) * len(axes), value, dtype=np.float64)

    def _zero_bound(self, axes):
        return self._shaped(self.b.number(0), axes) if self.bounds else None

    # -- the expression tree ---------------------------------------------------------------------
    def value(self, expr, axes=()):
        axes = tuple(axes)
        if isinstance(expr, sp.Indexed):
            return self._entry(expr, axes)
        if isinstance(expr, sp.Symbol):
            return self._symbol(expr, axes)
        if expr.is_Number:
            x = self.b.number(expr)
            bound = self._shaped(abs(x) if not expr.is_Integer else self.b.number(0), axes) \
                if self.bounds else None
            return self._shaped(x, axes), bound
        if isinstance(expr, (Softmax, LogSoftmax, LogSumExp, CrossEntropy, SumExcept)):
            return self.value(expr.unfold(), axes)
        if isinstance(expr, sp.Sum):
            return self._sum(expr.function, expr.limits, axes, self._total)
        if isinstance(expr, sp.KroneckerDelta):
            left, right = (self._index_values(a, axes) for a in expr.args)
            value = (left == right).astype(np.float64)
            if self.b is MP:
                value = MP.array(value)
            return value, (self._zero_bound(axes) if self.bounds else None)
        if isinstance(expr, sp.Add):
            return self._add([self.value(a, axes) for a in expr.args])
        if isinstance(expr, sp.Mul):
            return self._mul(expr, axes)
        if isinstance(expr, sp.Pow):
            return self._pow(expr, axes)
        if isinstance(expr, sp.exp):
            return self._exp(self.value(expr.args[0], axes))
        if isinstance(expr, sp.log):
            return self._log(expr.args[0], axes)
        if isinstance(expr, Sigmoid):
            x, xb = self.value(expr.args[0], axes)
            value = self.b.sigmoid(x)
            return value, (xb / 4 + 4 * abs(value) if self.bounds else None)   # σ' ≤ 1/4
        if isinstance(expr, Softplus):
            return self._softplus(self.value(expr.args[0], axes))
        if isinstance(expr, sp.tanh):
            x, xb = self.value(expr.args[0], axes)
            value = self.b.tanh(x)
            return value, (xb + 2 * abs(value) if self.bounds else None)       # tanh' ≤ 1
        raise NumericError(f"cannot evaluate {expr.func.__name__} numerically")

    def _symbol(self, symbol, axes):
        if symbol in self.definitions:
            return self.value(self.definitions[symbol].body, axes)
        if symbol in self.inputs:
            x = self.inputs[symbol]
            return self._shaped(x, axes), (self._shaped(abs(x), axes) if self.bounds else None)
        if symbol in self.sizes:
            return self._shaped(self.b.number(self.sizes[symbol]), axes), self._zero_bound(axes)
        if symbol.is_integer and (symbol in axes or symbol in self.fixed):
            values = self._index_values(symbol, axes).astype(np.float64)
            return (MP.array(values) if self.b is MP else values), self._zero_bound(axes)
        raise NumericError(f"no value for the symbol {symbol}")

    def _index_values(self, idx, axes) -> np.ndarray:
        """An index as an integer array over ``axes`` (1-based)."""
        if isinstance(idx, sp.Integer):
            return np.full((1,) * len(axes), int(idx))
        if idx in self.fixed:
            return np.full((1,) * len(axes), self.fixed[idx])
        if idx in axes:
            shape = [1] * len(axes)
            shape[axes.index(idx)] = self.size_of(idx)
            return np.arange(1, self.size_of(idx) + 1).reshape(shape)
        raise NumericError(f"the index {idx} has no value here")

    def _entry(self, expr, axes):
        base, idx = expr.base, expr.indices
        if base in self.definitions:
            return self.value(self.definitions[base].entry(*idx), axes)
        if base not in self.inputs:
            raise NumericError(f"no values for {base}")
        x = self.inputs[base]
        picks, kept = [], []
        for position, i in enumerate(idx):
            if isinstance(i, sp.Integer) or i in self.fixed:
                at = int(i) if isinstance(i, sp.Integer) else self.fixed[i]
                if not 1 <= at <= x.shape[position]:
                    raise NumericError(f"{expr}: the index {at} lies outside 1..{x.shape[position]}")
                picks.append(at - 1)
            elif isinstance(i, sp.Symbol) and i in axes:
                if i in kept:
                    raise NumericError(f"{expr}: an entry with one index twice is not supported")
                if self.size_of(i) != x.shape[position]:
                    raise NumericError(f"{expr}: the index {i} takes {self.size_of(i)} values here, but {base} has "
                                       f"{x.shape[position]} entries along that axis; index it with an index over "
                                       f"its own count")
                picks.append(slice(None))
                kept.append(i)
            else:
                raise NumericError(f"{expr}: the index {i} has no value here (an index of the entry must be an "
                                   f"index symbol or a number)")
        value = x[tuple(picks)]                     # one axis per kept index, in the entry's order
        order = sorted(range(len(kept)), key=lambda n: axes.index(kept[n]))
        value = np.transpose(value, order)          # ... now in the order of the axes in scope
        shape = [1] * len(axes)
        for m, n in enumerate(order):
            shape[axes.index(kept[n])] = value.shape[m]
        value = np.reshape(value, shape)
        return value, (abs(value) if self.bounds else None)

    # -- arithmetic ------------------------------------------------------------------------------
    def _add(self, terms):
        total = terms[0][0]
        for v, _ in terms[1:]:
            total = total + v
        if not self.bounds:
            return total, None
        bound = terms[0][1]
        for _, e in terms[1:]:
            bound = bound + e
        return total, bound + (len(terms) - 1) * abs(total)

    def _times(self, left, right):
        (a, ea), (c, ec) = left, right
        value = a * c
        if not self.bounds:
            return value, None
        return value, ea * abs(c) + abs(a) * ec + abs(value)

    def _mul(self, expr, axes):
        exponents, others, stable = [], [], False
        for factor in expr.args:
            if isinstance(factor, sp.exp):
                exponents.append((None, factor.args[0]))
            elif isinstance(factor, sp.Pow) and factor.exp.is_Integer and factor.exp < 0 \
                    and self._sum_of_exp(factor.base) is not None:
                exponents.append((int(factor.exp), self._sum_of_exp(factor.base)))   # e^{n·logsumexp}
                stable = True
            else:
                others.append(factor)
        if not stable:
            result = None
            for factor in expr.args:
                result = self.value(factor, axes) if result is None else self._times(result,
                                                                                    self.value(factor, axes))
            return result
        # one exponential of the exponents and logsumexps together: e^{z_j} / Σ e^{z_n} never overflows
        parts = []
        for power, e in exponents:
            if power is None:
                parts.append(self.value(e, axes))
            else:
                parts.append(self._times((self._shaped(self.b.number(power), axes), self._zero_bound(axes)),
                                         self._logsumexp(e, axes)))
        result = self._exp(self._add(parts))
        for factor in others:
            result = self._times(result, self.value(factor, axes))
        return result

    def _pow(self, expr, axes):
        base, exponent = expr.args
        if not exponent.is_Integer:
            raise NumericError(f"only integer powers are supported, not {expr}")
        n = int(exponent)
        if n < 0 and self._sum_of_exp(base) is not None:
            # (Σ e^f)^n = e^{n·logsumexp f}: the sum itself may overflow
            return self._exp(self._times((self._shaped(self.b.number(n), axes), self._zero_bound(axes)),
                                         self._logsumexp(self._sum_of_exp(base), axes)))
        bv, bb = self.value(base, axes)
        value = bv ** n
        if not self.bounds:
            return value, None
        if n < 0:
            return value, abs(n) * abs(value) * (bb / abs(bv) + 1)
        if n == 0:
            return value, bb * 0
        return value, n * abs(bv) ** (n - 1) * bb + n * abs(value)

    def _exp(self, argument):
        av, ab = argument
        value = self.b.exp(av)
        return value, (value * (ab + 1) if self.bounds else None)

    def _softplus(self, argument):
        xv, xb = argument
        value = self.b.softplus(xv)
        return value, (xb + 3 * abs(value) + 2 if self.bounds else None)   # softplus' ≤ 1; log1p of ≤ 1

    def _negate(self, pair):
        return -pair[0], pair[1]

    def _resolve(self, expr):
        """A defined entry or scalar, and the vocabulary, unfolded until something else shows."""
        while True:
            if isinstance(expr, sp.Indexed) and expr.base in self.definitions:
                expr = self.definitions[expr.base].entry(*expr.indices)
            elif isinstance(expr, sp.Symbol) and expr in self.definitions:
                expr = self.definitions[expr].body
            elif isinstance(expr, (Softmax, LogSumExp)):
                expr = expr.unfold()
            else:
                return expr

    def _sum_of_exp(self, expr):
        """The sum, if ``expr`` is a sum of exponentials ``Σ e^f``."""
        expr = self._resolve(expr)
        if isinstance(expr, sp.Sum) and len(expr.limits) == 1 and isinstance(expr.function, sp.exp):
            return expr
        return None

    def _log(self, argument, axes):
        """``log argument``, taken apart where its pieces are known to be positive, so that nothing overflows."""
        resolved = self._resolve(argument)
        if isinstance(resolved, sp.exp):
            return self.value(resolved.args[0], axes)
        if self._sum_of_exp(resolved) is not None:
            return self._logsumexp(resolved, axes)
        if isinstance(resolved, Sigmoid):                        # log σ(x) = −softplus(−x)
            return self._negate(self._softplus(self._negate(self.value(resolved.args[0], axes))))
        sigmoid = self._one_minus_sigmoid(resolved)
        if sigmoid is not None:                                  # log(1 − σ(x)) = −softplus(x)
            return self._negate(self._softplus(self.value(sigmoid.args[0], axes)))
        if isinstance(resolved, sp.Mul) and all(self._positive(f) for f in resolved.args):
            return self._add([self._log(f, axes) for f in resolved.args])    # log ab = log a + log b
        if isinstance(resolved, sp.Pow) and resolved.exp.is_Integer and self._positive(resolved.base):
            power = (self._shaped(self.b.number(int(resolved.exp)), axes), self._zero_bound(axes))
            return self._times(power, self._log(resolved.base, axes))     # log a^n = n log a
        av, ab = self.value(resolved, axes)
        value = self.b.log(av)
        return value, (ab / abs(av) + abs(value) if self.bounds else None)

    @staticmethod
    def _one_minus_sigmoid(expr):
        if isinstance(expr, sp.Add) and len(expr.args) == 2 and sp.Integer(1) in expr.args:
            other = expr.args[0] if expr.args[1] == 1 else expr.args[1]
            coefficient, rest = other.as_coeff_Mul()
            if coefficient == -1 and isinstance(rest, Sigmoid):
                return rest
        return None

    def _positive(self, expr) -> bool:
        """Whether ``expr`` is positive by its form: e^a, Σ e^f, σ, positive numbers and inputs, and their
        products and integer powers (then its log is the sum of the logs of its pieces)."""
        expr = self._resolve(expr)
        if isinstance(expr, (sp.exp, Sigmoid)) or self._sum_of_exp(expr) is not None:
            return True
        if expr.is_Number:
            return bool(expr > 0)
        if isinstance(expr, sp.Indexed):
            return expr.base in self.inputs and _domain(expr.base) == "positive"
        if isinstance(expr, sp.Symbol):
            return expr in self.inputs and _domain(expr) == "positive"
        if isinstance(expr, sp.Pow):
            return bool(expr.exp.is_Integer) and self._positive(expr.base)
        if isinstance(expr, sp.Mul):
            return all(self._positive(f) for f in expr.args)
        return False

    # -- sums ------------------------------------------------------------------------------------
    def _sum(self, function, limits, axes, reduce):
        if len(limits) > 1:   # Σ_{(i), (b)} f = Σ_b (Σ_i f): the first limit is the innermost sum
            function, limits = sp.Sum(function, *limits[:-1]), limits[-1:]
        i, lo, hi = limits[0]
        if lo != 1:
            raise NumericError(f"only sums from 1 are supported, not from {lo}")
        size = self._size(hi)
        own = i.count if isinstance(i, Index) else None
        if own is not None and own != hi:
            raise NumericError(f"the index {i} ranges over {own}, not {hi}")
        bound_index = sp.Dummy(i.name, integer=True, positive=True)
        self.index_sizes[bound_index] = size
        value, bound = self.value(function.xreplace({i: bound_index}), axes + (bound_index,))
        shape = list(value.shape)
        if shape[-1] != size:   # a term that does not depend on the index: repeated
            value = np.repeat(value, size, axis=-1)
            bound = np.repeat(bound, size, axis=-1) if bound is not None else None
        return reduce(value, bound)

    def _total(self, value, bound):
        n = value.shape[-1]
        result = _reduced(np.sum(value, axis=-1), value)
        if not self.bounds:
            return result, None
        return result, _reduced(np.sum(bound, axis=-1) + self.b.levels(n) * np.sum(abs(value), axis=-1), value)

    def _logsumexp(self, expr, axes):
        """``log Σ e^f``, shifted by the largest f: never overflows."""
        def reduce(f, fb):
            n = f.shape[-1]
            top = np.max(f, axis=-1, keepdims=True)
            d = f - top
            e = self.b.exp(d)
            s = _reduced(np.sum(e, axis=-1), f)
            log_s = self.b.log(s)
            value = _reduced(top[..., 0], f) + log_s
            if not self.bounds:
                return value, None
            top_bound = np.max(fb, axis=-1, keepdims=True)
            db = fb + top_bound + abs(d)
            sb = _reduced(np.sum(e * (db + 1), axis=-1), f) + self.b.levels(n) * s
            return value, _reduced(top_bound[..., 0], f) + sb / s + abs(log_s) + abs(value)
        return self._sum(expr.function.args[0], expr.limits, axes, reduce)


# --------------------------------------------------------------------------------------------------
# A conclusion, prepared.


@dataclass(frozen=True)
class Prepared:
    name: str
    where: str
    classes: sp.Symbol
    of: sp.Expr
    wrt: sp.Expr                # a scalar, or an entry of a free vector or matrix
    variable: sp.Basic          # the scalar, or the vector or matrix of the entry
    axes: tuple                 # the index symbols of the entry (the formula's free indices)
    formula: sp.Expr
    definitions: dict
    inputs: tuple               # the free vectors, matrices and scalars, in a fixed order
    counts: tuple               # the counts other than the classes, in a fixed order
    one_hot: dict               # target -> the index of its true class, or None
    target_kinds: tuple
    sums_to_one: frozenset = frozenset()   # vectors whose entries are assumed to sum to 1


def _domain(symbol) -> str:
    label = symbol.label if isinstance(symbol, sp.IndexedBase) else symbol
    return "positive" if label.is_positive else "nonnegative" if label.is_nonnegative else "real"


def _free_objects(expressions, definitions) -> tuple[set, set, set]:
    """What the expressions use, through definitions: the free vectors, matrices and scalars; the counts;
    and the kinds of function."""
    inputs, counts, functions, seen = set(), set(), set(), set()

    def define(name):
        if name not in seen:
            seen.add(name)
            body = definitions[name].body
            walk(body.expr if isinstance(body, sp.Lambda) else body)

    def walk(expr):
        if isinstance(expr, sp.IndexedBase):
            if expr in definitions:
                define(expr)
            else:
                inputs.add(expr)
            for size in expr.shape or ():
                counts.update(size.free_symbols)  # a shape holds SymPy objects already
            return
        if isinstance(expr, sp.Symbol):
            if expr in definitions:
                define(expr)
            elif isinstance(expr, Index):
                counts.add(expr.count)
            elif isinstance(expr, Count):
                counts.add(expr)
            elif not expr.is_integer:
                inputs.add(expr)
            return
        if isinstance(expr, sp.Basic) and not isinstance(expr, sp.Indexed):
            functions.add(type(expr))
        if isinstance(expr, (Softmax, LogSoftmax, LogSumExp, CrossEntropy, SumExcept)):
            walk(expr.unfold())
        for a in getattr(expr, "args", ()):
            walk(a)

    for expr in expressions:
        walk(expr)
    return inputs, counts, functions


def prepare(c, entry_check=True) -> Prepared:
    where = f"conclusion {c.name!r}" + (f" ({c.origin})" if c.origin else "")
    definitions = {d.name: d for d in c.definitions}
    wrt, of = c.wrt, c.of
    if isinstance(wrt, sp.Indexed):
        variable = wrt.base
        axes = []
        for i in wrt.indices:
            if isinstance(i, sp.Symbol) and i.is_integer:
                if i in axes:
                    raise NumericError(f"{where}: wrt {wrt} uses the index {i} twice; use two indices")
                axes.append(i)
            elif not (isinstance(i, sp.Integer) and i >= 1):
                raise NumericError(f"{where}: wrt {wrt}: an index must be an index symbol or a number from 1")
        axes = tuple(axes)
    elif isinstance(wrt, sp.Symbol) and not wrt.is_integer:
        variable, axes = wrt, ()
    else:
        raise NumericError(f"{where}: wrt must be a scalar (z) or an entry of a vector or matrix (z[k], Z[c, j])")
    if variable in definitions:
        raise NumericError(f"{where}: wrt {wrt} is defined; differentiate with respect to a free variable")
    if isinstance(of, sp.Indexed) and any(isinstance(i, sp.Symbol) for i in of.indices):
        raise NumericError(f"{where}: of {of} has a free index; with scalars, matrices or vectors of other sizes "
                           f"only a scalar function (the loss) is supported")
    formula = sp.Integer(c.formula) if isinstance(c.formula, int) else c.formula
    if not isinstance(formula, sp.Expr):
        raise NumericError(f"{where}: the formula is a {type(formula).__name__}, not an expression")
    stray = {s for s in formula.free_symbols if isinstance(s, sp.Symbol) and s.is_integer
             and not isinstance(s, Count) and s != c.classes} - set(axes)
    one_hot, sums_to_one = {}, set()
    for a in c.assumptions:
        if isinstance(a, OneHot):
            one_hot[a.vector] = a.at
        elif isinstance(a, SumsToOne):
            sums_to_one.add(a.vector)
        else:
            raise NumericError(f"{where}: a conclusion holds for every index; state index cases with δ, "
                               f"not with {type(a).__name__}")
    stray -= {at for at in one_hot.values() if at is not None}
    if stray:
        names = ", ".join(sorted(map(str, stray)))
        raise NumericError(f"{where}: the formula uses the index {names}, which is not an index of wrt {wrt}")
    inputs, counts, _ = _free_objects([formula, of, wrt], definitions)
    inputs.add(variable)
    counts.discard(c.classes)
    inputs = tuple(sorted(inputs, key=lambda v: (str(v), _domain(v))))
    targets = [v for v in inputs if isinstance(v, sp.IndexedBase) and _domain(v) == "nonnegative"]
    if variable in targets:
        raise NumericError(f"{where}: differentiating with respect to the targets is not supported")
    for target, at in one_hot.items():
        if at is not None and isinstance(target, sp.IndexedBase) and target.shape and len(target.shape) > 1:
            raise NumericError(f"{where}: OneHot({target}, {at}): a true class is supported for vectors only")
    kinds = (None,)
    if targets:
        kinds = ("one-hot",) if all(t in one_hot for t in targets) else TARGET_KINDS
    return Prepared(c.name, where, c.classes, of, wrt, variable, axes, formula, definitions, inputs,
                    tuple(sorted(counts, key=str)), one_hot, kinds, frozenset(sums_to_one))


# --------------------------------------------------------------------------------------------------
# Inputs.


def _rng(seed: int, k: int, name: str):
    """Seeded by (seed, k, the input's name) alone: a row depends on nothing else."""
    return np.random.default_rng(np.random.SeedSequence([seed, k, zlib.crc32(name.encode())]))


def exact_distributions(weights: np.ndarray) -> np.ndarray:
    """Positive weights made into distributions along the last axis whose entries sum to exactly 1.

    Each entry is a multiple of 2^-52 and the multiples of a row sum to 2^52 (see
    :func:`derive.numeric.check._exact_distribution`, the same for one vector).
    """
    units = np.floor(weights / np.sum(weights, axis=-1, keepdims=True) * 2.0**52).astype(np.int64)
    units = np.maximum(units, 1)
    flat = units.reshape(-1, units.shape[-1])
    for row in flat:
        row[int(np.argmax(row))] += 2**52 - int(row.sum())
    return flat.reshape(units.shape).astype(np.float64) * 2.0**-52


def _shape(p: Prepared, v, sizes) -> tuple:
    if not isinstance(v, sp.IndexedBase):
        return ()
    return tuple(int(s) if isinstance(s, sp.Integer) else sizes[s] for s in v.sizes(p.classes))


def _values(p: Prepared, v, shape, seed, k, kind, target):
    """The values of one input at one input kind (and target kind)."""
    rng = _rng(seed, k, f"{v}:{_domain(v)}")
    base = rng.standard_normal(shape)
    scalars = rng.random(len(LOGIT_KINDS))
    weights = rng.random(shape) + 1e-3
    last = shape[-1] if shape else 1
    rows = shape[:-1] if shape else ()
    spikes = rng.integers(last, size=rows)
    hot = rng.integers(last, size=rows)
    domain = _domain(v)
    position = LOGIT_KINDS.index(kind)
    if not shape and domain == "positive":
        lo, hi = POSITIVE_SCALARS
        return lo + (hi - lo) * float(scalars[position])
    if not shape and domain == "nonnegative":
        lo, hi = NONNEGATIVE_SCALARS
        return lo if kind == "all equal" else lo + (hi - lo) * float(scalars[position])
    if domain == "nonnegative":
        if target == "one-hot":
            y = np.zeros(shape)
            at = p.one_hot.get(v)
            if at is not None:
                hot = np.full(rows, _true_class(seed, k) - 1)
            np.put_along_axis(y, np.asarray(hot)[..., None], 1.0, axis=-1)
            return y
        return exact_distributions(weights)
    # the variable takes the input kind; other real inputs (a layer's input x beside its weights W) stay
    # standard normal, so that a product of two of them is not of scale 1e6
    logits = _logits(base, kind if v == p.variable or domain == "positive" else "random", spikes)
    if domain == "positive":   # a free probability vector: a softmax of logits, every entry a normal float
        clipped = np.maximum(logits, np.max(logits, axis=-1, keepdims=True) - 600.0)
        e = np.exp(clipped - np.max(clipped, axis=-1, keepdims=True))
        if v in p.sums_to_one:   # assumed to sum to 1: then exactly, not within rounding
            return exact_distributions(e)
        return e / np.sum(e, axis=-1, keepdims=True)
    return float(logits) if not shape else logits


def _logits(base, kind, spikes):
    if kind == "random":
        return base
    if kind == "scale 1e3":
        return 1e3 * base
    if kind == "one dominating":
        if base.ndim == 0:
            return base + DOMINANCE
        logits = base.copy()
        np.put_along_axis(logits, np.asarray(spikes)[..., None],
                          np.max(base, axis=-1, keepdims=True) + DOMINANCE, axis=-1)
        return logits
    return np.full(base.shape, base.flat[0])   # all equal


def _true_class(seed: int, k: int) -> int:
    return int(_rng(seed, k, "true class").integers(k)) + 1


@dataclass
class _Point:
    values: dict
    sizes: dict
    fixed: dict
    direction: object
    label: str


def _point(p: Prepared, seed: int, k: int, kind: str, target) -> _Point:
    sizes = {p.classes: k, **count_values(p.counts, k)}
    values = {v: _values(p, v, _shape(p, v, sizes), seed, k, kind, target) for v in p.inputs}
    fixed = {at: _true_class(seed, k) for at in p.one_hot.values() if at is not None}
    shape = _shape(p, p.variable, sizes)
    direction = _rng(seed, k, "direction").uniform(-1.0, 1.0, shape)
    picks = _picks(p)
    if picks:   # only the entries the formula covers move (z[1] of z, not z[2])
        covered = np.zeros(shape)
        covered[picks] = direction[picks]
        direction = covered
    label = kind if target is None else f"{kind}, {target}"
    named = [f"{c} = {sizes[c]}" for c in p.counts]
    named += [f"{v} = {values[v]:.4g}" for v in p.inputs if not isinstance(v, sp.IndexedBase) and v != p.variable]
    if named:   # after the kinds, comma-separated like them, so the label still starts "kind, "
        label += ", " + ", ".join(named)
    return _Point(values, sizes, fixed, direction if shape else float(direction), label)


# --------------------------------------------------------------------------------------------------
# The comparison.


def _picks(p: Prepared):
    """Where the entries the formula covers lie in the variable: a slice per index symbol, a number otherwise."""
    if not isinstance(p.wrt, sp.Indexed):
        return ()
    return tuple(slice(None) if isinstance(i, sp.Symbol) else int(i) - 1 for i in p.wrt.indices)


def _compare(p: Prepared, point: _Point, values: dict, directions, backend, h):
    """Formula against central differences along each direction: (errors, tolerances, references).

    The tolerance is derived as in :func:`derive.numeric.check._compare`: twice the sum of the truncation
    (Richardson), the rounding of the reference (unit · bound of F / h) and the formula's own rounding.
    """
    def evaluator(inputs, bounds=True):
        return Evaluator(inputs, p.definitions, point.sizes, p.classes, point.fixed, backend, bounds)

    ev = evaluator(values)
    unit = backend.unit
    f_bound = ev.value(p.of)[1]
    formula, formula_bound = ev.value(p.formula, p.axes)
    x = values[p.variable]
    picks = _picks(p)
    two = backend.number(2)
    errors, tolerances, references = [], [], []
    for u in directions:
        v = x * u if _domain(p.variable) == "positive" else u

        def at(t):
            moved = dict(values)
            moved[p.variable] = x + t * v
            return evaluator(moved, bounds=False).value(p.of)[0]

        along = v[picks] if picks else v
        along = np.broadcast_to(along, np.broadcast_shapes(np.shape(along), np.shape(formula)))
        terms = formula * along
        size = abs(along)
        contracted = np.sum(terms)
        bound = np.sum(formula_bound * size + abs(terms)) + backend.levels(max(np.size(terms), 1)) * np.sum(abs(terms))
        d1 = (at(h) - at(-h)) / (two * h)
        d2 = (at(two * h) - at(-two * h)) / (two * two * h)
        truncation = two * abs(d2 - d1) / 3
        errors.append(abs(contracted - d1))
        tolerances.append(two * (truncation + unit * f_bound / h + unit * bound))
        references.append(abs(d1))
    return errors, tolerances, references


def largest(values) -> float:
    """The largest entry of a list of arrays or numbers (float64 or mpmath), as a float; NaN wins."""
    found = -math.inf
    for x in values:
        array = np.asarray(x)
        if array.dtype == object:
            array = np.array([float(e) for e in array.ravel()])
        m = float(np.max(array))
        if math.isnan(m):
            return math.nan
        found = max(found, m)
    return found


def _row(p, k, label, method, errors, tolerances, references, floor=0.0) -> NumericRow:
    worst, scale = largest(errors), largest(references)
    tolerance = max(largest(tolerances), floor * scale)
    relative = worst / max(scale, tolerance) if worst > 0 else 0.0
    passed = bool(np.isfinite(worst) and worst <= tolerance)
    return NumericRow(p.name, k, label, method, worst, relative, tolerance, passed)


def _basis(shape, picks, convert):
    """Every coordinate direction among the entries the formula covers."""
    mask = np.zeros(shape, dtype=bool)
    if picks:
        mask[picks] = True
    else:
        mask = np.ones(shape, dtype=bool)
    for position in zip(*np.nonzero(mask)) if shape else [()]:
        e = np.zeros(shape)
        e[position] = 1.0
        yield convert(e) if shape else convert(np.asarray(1.0))


def check_at(p: Prepared, seed: int, k: int, kind: str, target) -> list[NumericRow]:
    """The rows of one conclusion at one k and input: directional; full and 50 digits where small."""
    from .check import METHOD_DIRECTIONAL, METHOD_FULL, METHOD_MP

    point = _point(p, seed, k, kind, target)
    shape = np.shape(point.values[p.variable])
    picks = _picks(p)
    covered = int(np.prod(np.shape(np.zeros(shape)[picks]) if picks else shape)) if shape else 1
    try:
        with np.errstate(all="ignore"):
            rows = [_row(p, k, point.label, METHOD_DIRECTIONAL,
                         *_compare(p, point, point.values, [point.direction], FLOAT, H_FLOAT))]
            if k <= FULL_UP_TO and covered <= FULL_MOST_ENTRIES:
                basis = _basis(shape, picks, lambda e: e if shape else float(e))
                rows.append(_row(p, k, point.label, METHOD_FULL,
                                 *_compare(p, point, point.values, basis, FLOAT, H_FLOAT)))
                close = any(not (r.passed and r.max_abs_error <= MP_CLOSE * r.tolerance) for r in rows)
                if k <= MP_UP_TO or close:
                    rows.append(_at_50_digits(p, point, shape, picks, k, METHOD_MP))
    except NumericError as error:
        raise NumericError(f"{p.where}: {error}") from None
    except (ZeroDivisionError, OverflowError, ValueError, TypeError) as error:
        raise NumericError(f"{p.where}: {undefined(k, point.label, error)}") from None
    return rows


def undefined(k, label, error) -> str:
    """The message for arithmetic that has no value at an input (a log of 0, a division by 0)."""
    detail = f"{type(error).__name__}{': ' + str(error) if str(error) else ''}"
    return (f"the function or the formula has no value at k = {k}, input {label} ({detail}: a log of 0 or a "
            f"division by 0, such as y·log y where a target entry is 0); claim the conclusion only where it is "
            f"defined (a positive target with SumsToOne, or OneHot for one-hot targets) or write it without "
            f"that term")


def _at_50_digits(p, point, shape, picks, k, method) -> NumericRow:
    digits = MP_WORKING_DIGITS
    while True:
        with mpmath.workdps(digits):
            exact = {v: (MP.array(x) if np.ndim(x) else mpmath.mpf(x)) for v, x in point.values.items()}
            convert = (lambda e: MP.array(e)) if shape else (lambda e: mpmath.mpf(float(e)))
            found = _compare(p, point, exact, _basis(shape, picks, convert), MP, mpmath.mpf(H_MP))
        scale, derived = largest(found[2]), largest(found[1])
        wanted = 10.0 ** -(MP_DIGITS + 10) * scale
        if scale == 0 or derived <= wanted or digits >= 2000:
            return _row(p, k, point.label, method, *found, floor=10.0 ** -MP_DIGITS)
        digits = min(2000, digits + math.ceil(math.log10(derived / wanted)) + 10)
