"""The fast evaluator for vectors over the classes: expressions compiled once per k into closures.

A conclusion about vectors over the classes (``∂L/∂z_k``, the softmax
Jacobian ``∂ŷ_j/∂z_k``) is evaluated here for a concrete number of classes k,
up to k = 2^20: each expression is compiled once (per k, backend and
precision) into a tree of closures over NumPy or mpmath operations, the
softmax of each logits array is computed once and remembered, and a
Jacobian's formula is contracted with a direction term by term
(:func:`formula_along`), so the k × k Jacobian is never formed.

It is written in the style of SymPy's printers (:class:`derive.numeric.evaluate.Dispatcher`,
one ``_compile_<Class>`` method per class); sums are read through
:func:`derive.core.binders.binders`.  It is kept apart from the general
evaluator of :mod:`derive.numeric.evaluate` (scalars, matrices, any sizes)
because its rows are the reference rows of the bundled proofs and its
speed is what makes k = 2^20 practical; conclusions beyond one class axis go
there.  Long because it holds one class of closures per node kind, which
read best together.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from ..core.binders import binders
from ..core.objects import Softmax
from .backends import FLOAT, MP
from .evaluate import Dispatcher
from .rows import NumericError

__all__ = ["Evaluator", "formula_along", "evaluator_for"]


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
        # (the inputs and fixed indices in the order they are given, which is the conclusion's own: printing
        # the symbols to sort them would cost more than the evaluation at small k)
        shape = (backend.name, bounds, k, n, definitions, tuple(self.fixed.items()),
                 tuple((v, getattr(v, "domain", "")) for v in inputs), precision)
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

    def _remember_all(self, key, arrays: tuple, compute):
        """``compute()``, once per tuple of arrays (each keyed by identity, as in :meth:`_remember`)."""
        key = key + tuple(id(a) for a in arrays)
        found = self.memo.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], arrays)):
            return found[1]
        value = compute()
        self.memo[key] = (arrays, value)
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


class _Compiler(Dispatcher):
    """Turns an expression into a closure ``run(evaluator) -> (value, bound)``, by ``_compile_<Class>``.

    Everything that does not depend on the input values is done here, once:
    definitions and the vocabulary (cross-entropy, sums that skip an index)
    unfolded, indices resolved to positions, constants made, unsupported
    expressions refused.  The closures do the arithmetic of the tree walk it
    replaces, operation for operation, so values and bounds are unchanged.
    """

    prefix = "_compile_"

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
        return self.dispatch(expr, axis)

    @property
    def _zero(self):
        return self.backend.number(0) if self.bounds else None

    def _compile_Indexed(self, expr, axis):
        bounds = self.bounds
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

    def _compile_Softmax(self, expr, axis):
        bounds = self.bounds
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

    def _compile_LogSoftmax(self, expr, axis):
        return self._log_softmax(expr.args[0], expr.args[1], axis)

    def _compile_unfolded(self, expr, axis):
        return self.compile(expr.unfold(), axis)

    _compile_CrossEntropy = _compile_SumExcept = _compile_unfolded

    def _compile_KroneckerDelta(self, expr, axis):
        b, zero = self.backend, self._zero
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

    def _compile_Symbol(self, expr, axis):
        zero = self._zero
        if expr == self.n:
            count = self.backend.number(self.k)
            return lambda ev: (count, zero)
        definition = self.definitions.get(expr)
        if definition is None:
            raise NumericError(f"no value for the symbol {expr}")
        return self.compile(definition.body, axis)

    def _compile_Integer(self, expr, axis):
        integer, zero = self.backend.number(int(expr)), self._zero
        return lambda ev: (integer, zero)

    def _compile_Number(self, expr, axis):
        x = self.backend.number(expr)
        size = abs(x) if self.bounds else None
        return lambda ev: (x, size)

    def _compile_Add(self, expr, axis):
        return self._add([self.compile(a, axis) for a in expr.args])

    def _compile_Mul(self, expr, axis):
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

    def _compile_Pow(self, expr, axis):
        base, exponent = expr.args
        if not exponent.is_Integer:
            raise NumericError(f"only integer powers are supported, not {expr}")
        return self._pow(self.compile(base, axis), int(exponent))

    def _compile_exp(self, expr, axis):
        b, bounds = self.backend, self.bounds
        argument = self.compile(expr.args[0], axis)

        def exponential(ev):
            av, ab = argument(ev)
            value = b.exp(av)
            return value, (value * (ab + 1) if bounds else None)
        return exponential

    def _compile_log(self, expr, axis):
        b, bounds = self.backend, self.bounds
        resolved = self._resolve(expr.args[0])
        if isinstance(resolved, Softmax):
            return self._log_softmax(resolved.args[0], resolved.args[1], axis)
        argument = self.compile(expr.args[0], axis)

        def logarithm(ev):
            av, ab = argument(ev)
            value = b.log(av)
            return value, (ab / abs(av) + abs(value) if bounds else None)
        return logarithm

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

    def _compile_Sum(self, expr, axis):
        bound = binders(expr)
        if len(bound) != 1:
            raise NumericError("only single sums are supported")
        i, lo, hi, function = bound[0].variable, bound[0].lo, bound[0].hi, expr.function
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


def formula_along(prepared, ev: Evaluator, direction):
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

            def along(rv=rv, rb=rb):
                weighted = rv * direction
                size = ev._remember(("abs",), direction, lambda: abs(direction))
                return ev.backend.total(weighted), ev.backend.total((rb + (ev._levels + 1) * abs(rv)) * size)
            # the same factor in k (ŷ_k) comes back in other conclusions and target kinds at these logits
            s, sb = ev._remember_all(("along", ev.backend.name), (rv, rb, direction), along)
            value = lv * s
            error = lb * abs(s) + abs(lv) * sb + abs(value)
        if first:   # nothing to add to yet: no rounding
            total, bound, first = value, error, False
        else:
            total, bound = total + value, bound + error + abs(total + value)
    if prepared.of_index is not None and np.ndim(total) == 0:
        total, bound = ev._broadcast(total), ev._broadcast(bound)
    return total, bound


def evaluator_for(prepared, values, k, true_class, backend, bounds=True, memo=None, plans=None):
    fixed = {at: true_class for at in prepared.one_hot.values() if at is not None}
    return Evaluator(values, prepared.definitions, prepared.n, k, fixed, backend, bounds, memo, plans)
