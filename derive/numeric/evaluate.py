"""The evaluator: SymPy expressions of the derive vocabulary, at concrete inputs, with a bound on rounding.

Values are NumPy arrays with one axis per index in scope (size 1 where a
value does not depend on an index), so that a sum over an index is a sum over
its axis and nested sums never form an array larger than the indices they
use: scalars (a temperature ``T``), vectors of any size, matrices (``Z[c, j]``,
``W[j, d]``).  Exponentials of sums are evaluated stably: a product of
``e^a`` and powers of ``Σ e^f`` is one exponential of ``a − n·logsumexp(f)``,
the log of such a product is the sum of the logs, ``log Σ e^f`` is shifted by
the largest ``f``, and ``log σ(x)``, ``log(1 − σ(x))`` are ``−softplus(∓x)``.

It is written in the style of SymPy's printers: :class:`Dispatcher` walks the
class hierarchy of a node and calls ``_eval_<Class>``, so a new kind of node
is a new method, not a new branch.  Which indices a sum binds is read from
:func:`derive.core.binders.binders`, never from a sum's limits here.

Not for conclusions about vectors over the classes alone: those are compiled
once per k by :mod:`derive.numeric.compiled` (the fast path to k = 2^20).
Long because it holds one method per kind of node and the stable forms of
exp and log beside them, which are read together.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ..core.binders import binders
from ..core.objects import Index, Sigmoid, Softmax, LogSumExp
from .backends import FLOAT, MP
from .rows import NumericError

__all__ = ["Dispatcher", "Evaluator", "Memo", "domain"]


class Dispatcher:
    """Calls ``<prefix><Class>`` for the first class of a node's MRO that has such a method (as SymPy's
    ``Printer._print``); a node with none is refused by :meth:`unsupported`."""

    prefix = "_eval_"
    _methods: dict = {}   # (dispatcher class, node class) -> the method's name, found once

    def dispatch(self, expr, *args):
        key = (type(self), type(expr))
        name = Dispatcher._methods.get(key)
        if name is None:
            name = next((self.prefix + cls.__name__ for cls in type(expr).__mro__
                         if getattr(self, self.prefix + cls.__name__, None) is not None), "")
            Dispatcher._methods[key] = name
        if not name:
            return self.unsupported(expr)
        return getattr(self, name)(expr, *args)

    def unsupported(self, expr):
        raise NumericError(f"cannot evaluate {expr.func.__name__} numerically")


def domain(symbol) -> str:
    """``"positive"``, ``"nonnegative"`` or ``"real"``: the domain of a scalar or of a vector's entries."""
    label = symbol.label if isinstance(symbol, sp.IndexedBase) else symbol
    return "positive" if label.is_positive else "nonnegative" if label.is_nonnegative else "real"


def _order(*arrays) -> str:
    """The memory order for the result of an operation on ``arrays``: first axis fastest ("F") when the first
    axis of the result is longer than its last, else NumPy's choice ("K").

    An array over (classes, features) at k = 2^20 and two features, laid out with its last axis fastest,
    gives NumPy inner loops of two entries: broadcasting into it and summing along that last axis are ten
    to twenty-five times slower than with the classes fastest.  The values are the same in either order.
    """
    return _order_of(np.broadcast_shapes(*(np.shape(a) for a in arrays)))


def _order_of(shape) -> str:
    return "F" if len(shape) >= 2 and shape[0] > shape[-1] else "K"


def _times(a, b):
    return np.multiply(a, b, order=_order(a, b))


def _plus(a, b):
    return np.add(a, b, order=_order(a, b))


def _reduced(result, like):
    """A reduction's result as an array of ``like``'s type (NumPy gives a bare mpf for object arrays)."""
    return np.asarray(result, dtype=like.dtype)


class Evaluator(Dispatcher):
    """Evaluate expressions at concrete inputs: ``(value, bound)``, arrays with one axis per index in scope.

    ``inputs`` maps each free vector, matrix and scalar to its values;
    ``sizes`` each count (the classes' symbol too) to its value; ``fixed``
    gives an index a value (a true class).  ``bound`` is a first-order bound on
    the absolute rounding error in units of the backend's unit, built
    operation by operation as in :mod:`derive.numeric.compiled` (each operation adds
    its own rounding |result|; a sum of n terms ``levels(n) · Σ|terms|``; an
    input carries |x|); without ``bounds`` it is not computed.

    ``rewrites`` keeps what the walk derives from the expressions alone (a
    definition's entry, the vocabulary unfolded, a sum's index renamed apart),
    so that evaluators of one conclusion that share it derive each once, with
    the same symbols each time, and only the arithmetic is repeated.
    ``memo``, a :class:`Memo`, keeps the values of sums between evaluators
    that share it, keyed by the sum, the sizes and the identity of the input
    arrays it reads: a sum that does not read the moved variable (``W x`` when
    the bias moves), or that target kinds and conclusions have in common, is
    computed once.  Its values are those the walk would compute again.
    """

    def __init__(self, inputs: dict, definitions: dict, sizes: dict, classes, fixed=None, backend=FLOAT,
                 bounds=True, rewrites: dict | None = None, memo: "Memo | None" = None):
        self.inputs = inputs
        self.definitions = definitions
        self.sizes = sizes
        self.classes = classes
        self.fixed = dict(fixed or {})
        self.b = backend
        self.bounds = bounds
        self.index_sizes: dict = {}   # the indices bound by sums, with their ranges
        # for one conclusion's definitions only: its keys are expressions, read with these definitions
        self.rewrites = rewrites if rewrites is not None else {}
        self.memo = memo
        if memo is not None:   # what a sum's value depends on besides its expression and the inputs it reads
            self._context = (backend.name, mpmath.mp.prec if backend is MP else None,
                             tuple(sorted(((str(c), c, n) for c, n in sizes.items()), key=lambda t: t[0])),
                             tuple(sorted(((str(i), i, n) for i, n in self.fixed.items()), key=lambda t: t[0])))

    def _remembered(self, what, expr, axes, compute):
        """``compute()`` for a sum ``expr`` over ``axes``, or its value from the memo; (value, bound)."""
        if self.memo is None:
            return compute()
        reads = self._rewritten(("reads", expr), lambda: self._inputs_read(expr))
        arrays = tuple(self.inputs[v] for v in reads)
        key = (what, expr, axes, tuple(self.size_of(a) for a in axes), self._context,
               tuple(id(a) for a in arrays))
        # a value computed with bounds serves an evaluation without them (the value is computed alike)
        for bounded in (True,) if self.bounds else (False, True):
            found = self.memo.get(key + (bounded,), arrays)
            if found is not None:
                return found[0], (found[1] if self.bounds else None)
        result = compute()
        self.memo.put(key + (self.bounds,), arrays, result)
        return result

    def _inputs_read(self, expr) -> tuple:
        """The inputs ``expr`` reads, through definitions (more, never fewer: a label counts as its vector)."""
        found, seen = set(), set()

        def collect(node):
            for sub in sp.preorder_traversal(node):
                if isinstance(sub, (sp.IndexedBase, sp.Symbol)):
                    if sub in self.definitions and sub not in seen:
                        seen.add(sub)
                        body = self.definitions[sub].body
                        collect(body.expr if isinstance(body, sp.Lambda) else body)
                    elif sub in self.inputs:
                        found.add(sub)
        collect(expr)
        return tuple(sorted(found, key=lambda v: (str(v), domain(v))))

    def _rewritten(self, key, derive):
        """``derive()``, once per ``key`` among the evaluators sharing ``rewrites``."""
        found = self.rewrites.get(key)
        if found is None:
            found = self.rewrites[key] = derive()
        return found

    def _definition_entry(self, base, indices):
        return self._rewritten(("entry", base, indices), lambda: self.definitions[base].entry(*indices))

    def _unfolded(self, expr):
        return self._rewritten(("unfold", expr), expr.unfold)

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

    # -- the expression tree: one method per class, found along the class's MRO ------------------
    def value(self, expr, axes=()):
        return self.dispatch(expr, tuple(axes))

    def _eval_Indexed(self, expr, axes):
        return self._entry(expr, axes)

    def _eval_Symbol(self, expr, axes):
        return self._symbol(expr, axes)

    def _eval_Number(self, expr, axes):
        x = self.b.number(expr)
        bound = self._shaped(abs(x) if not expr.is_Integer else self.b.number(0), axes) \
            if self.bounds else None
        return self._shaped(x, axes), bound

    def _eval_unfolded(self, expr, axes):
        return self.value(self._unfolded(expr), axes)

    _eval_Softmax = _eval_LogSoftmax = _eval_LogSumExp = _eval_CrossEntropy = _eval_SumExcept = _eval_unfolded

    def _eval_Sum(self, expr, axes):
        return self._remembered("sum", expr, axes, lambda: self._sum(expr.function, binders(expr), axes,
                                                                      self._total))

    def _eval_KroneckerDelta(self, expr, axes):
        left, right = (self._index_values(a, axes) for a in expr.args)
        value = (left == right).astype(np.float64)
        if self.b is MP:
            value = MP.array(value)
        return value, (self._zero_bound(axes) if self.bounds else None)

    def _eval_Add(self, expr, axes):
        return self._add([self.value(a, axes) for a in expr.args])

    def _eval_Mul(self, expr, axes):
        return self._mul(expr, axes)

    def _eval_Pow(self, expr, axes):
        return self._pow(expr, axes)

    def _eval_exp(self, expr, axes):
        return self._exp(self.value(expr.args[0], axes))

    def _eval_log(self, expr, axes):
        return self._log(expr.args[0], axes)

    def _eval_Sigmoid(self, expr, axes):
        x, xb = self.value(expr.args[0], axes)
        value = self.b.sigmoid(x)
        return value, (xb / 4 + 4 * abs(value) if self.bounds else None)   # σ' ≤ 1/4

    def _eval_Softplus(self, expr, axes):
        return self._softplus(self.value(expr.args[0], axes))

    def _eval_tanh(self, expr, axes):
        x, xb = self.value(expr.args[0], axes)
        value = self.b.tanh(x)
        return value, (xb + 2 * abs(value) if self.bounds else None)       # tanh' ≤ 1

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
            return self.value(self._definition_entry(base, idx), axes)
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
        if _order(value) == "F":
            value = np.asfortranarray(value)
        return value, (abs(value) if self.bounds else None)

    # -- arithmetic ------------------------------------------------------------------------------
    def _add(self, terms):
        total = terms[0][0]
        for v, _ in terms[1:]:
            total = _plus(total, v)
        if not self.bounds:
            return total, None
        bound = terms[0][1]
        for _, e in terms[1:]:
            bound = _plus(bound, e)
        return total, _plus(bound, (len(terms) - 1) * abs(total))

    def _times(self, left, right):
        (a, ea), (c, ec) = left, right
        value = _times(a, c)
        if not self.bounds:
            return value, None
        return value, _plus(_plus(_times(ea, abs(c)), _times(abs(a), ec)), abs(value))

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
                expr = self._definition_entry(expr.base, expr.indices)
            elif isinstance(expr, sp.Symbol) and expr in self.definitions:
                expr = self.definitions[expr].body
            elif isinstance(expr, (Softmax, LogSumExp)):
                expr = self._unfolded(expr)
            else:
                return expr

    def _sum_of_exp(self, expr):
        """The sum, if ``expr`` is a sum of exponentials ``Σ e^f``."""
        def found():
            resolved = self._resolve(expr)
            if isinstance(resolved, sp.Sum) and len(binders(resolved)) == 1 and isinstance(resolved.function, sp.exp):
                return (resolved,)
            return (None,)
        return self._rewritten(("sum of exp", expr), found)[0]

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
            return expr.base in self.inputs and domain(expr.base) == "positive"
        if isinstance(expr, sp.Symbol):
            return expr in self.inputs and domain(expr) == "positive"
        if isinstance(expr, sp.Pow):
            return bool(expr.exp.is_Integer) and self._positive(expr.base)
        if isinstance(expr, sp.Mul):
            return all(self._positive(f) for f in expr.args)
        return False

    # -- sums ------------------------------------------------------------------------------------
    def _sum(self, function, bound, axes, reduce):
        """``reduce`` over the first of ``bound`` (a sum's binders, outermost first) of ``function``.

        The binders inside it are sums of their own, totalled first: Σ_b Σ_i f is Σ_b (Σ_i f).
        """
        outer, inner = bound[0], bound[1:]
        if outer.lo != 1:
            raise NumericError(f"only sums from 1 are supported, not from {outer.lo}")
        size = self._size(outer.hi)
        i = outer.variable
        own = i.count if isinstance(i, Index) else None
        if own is not None and own != outer.hi:
            raise NumericError(f"the index {i} ranges over {own}, not {outer.hi}")
        def renamed():   # apart from every index in scope; the same symbol each time this sum is met here
            fresh = sp.Dummy(i.name, integer=True, positive=True)
            return fresh, function.xreplace({i: fresh})
        bound_index, function = self._rewritten(("sum", function, i, outer.hi, axes), renamed)
        self.index_sizes[bound_index] = size
        axes = axes + (bound_index,)
        if inner:
            value, error = self._sum(function, inner, axes, self._total)
        else:
            value, error = self.value(function, axes)
        shape = list(value.shape)
        if shape[-1] != size:   # a term that does not depend on the index: repeated
            shape[-1] = size
            value = np.array(np.broadcast_to(value, shape), order=_order_of(shape))
            error = np.array(np.broadcast_to(error, shape), order=_order(value)) if error is not None else None
        return reduce(value, error)

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
        return self._remembered("logsumexp", expr, axes,
                                lambda: self._sum(expr.function.args[0], binders(expr), axes, reduce))


class Memo:
    """Values of sums shared by evaluators (see :class:`Evaluator`), up to ``most_bytes`` of arrays.

    Each entry keeps the input arrays it was computed from, so that an identity in its key is never
    reused by another array; the oldest entries go first when it is full.
    """

    def __init__(self, most_bytes: int = 256 * 2**20):
        self.most_bytes = most_bytes
        self.entries: dict = {}
        self.size = 0

    def get(self, key, arrays):
        found = self.entries.get(key)
        if found is None or len(found[0]) != len(arrays) or any(a is not b for a, b in zip(found[0], arrays)):
            return None
        return found[1]

    def put(self, key, arrays, result) -> None:
        size = sum(np.asarray(x).nbytes for x in result if x is not None)
        if size > self.most_bytes:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= old[2]
        self.entries[key] = (arrays, result, size)
        self.size += size
        while self.size > self.most_bytes:
            oldest = next(iter(self.entries))
            self.size -= self.entries.pop(oldest)[2]
