"""The vocabulary of derivations: class counts, indices, vectors, softmax, sums.

Everything here is a SymPy object, so a step is an ordinary expression.  The
objects that a person writes but SymPy would evaluate away (softmax, the
cross-entropy, a sum that skips one index, a derivative) are kept as
unevaluated nodes, so that the checked expression is the one that is shown;
the normaliser unfolds them with :func:`unfold`.

Long because it is the whole vocabulary a proof module writes with: each
object is a small SymPy class or constructor with the checks of its
arguments, and one module is the one place to look a word up (the public
API re-exports them from here).
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "Vector",
    "Matrix",
    "Count",
    "Index",
    "count",
    "is_count",
    "classes",
    "indices",
    "scalar",
    "BoundedScalar",
    "positive_in_domain",
    "Softmax",
    "LogSoftmax",
    "CrossEntropy",
    "SumExcept",
    "softmax",
    "log_softmax",
    "Sigmoid",
    "Softplus",
    "LogSumExp",
    "sigmoid",
    "softplus",
    "tanh",
    "logsumexp",
    "mean_over",
    "cross_entropy",
    "sum_over",
    "sum_except",
    "written_out",
    "WrittenOutSum",
    "D",
    "as_written",
    "exp",
    "log",
    "no_text",
    "IllFormed",
    "BadArgument",
]

class IllFormed(ValueError, TypeError):
    """Something that cannot be checked, with the reason: an object of the vocabulary built from the wrong kind
    of argument (text, a non-variable, ...), or a step, assumption or definition that is not well formed.

    One type for both, raised as soon as the fault is seen.  It is a ``TypeError`` as well as a
    ``ValueError`` because a wrong argument to the vocabulary is both, and code that catches either keeps
    catching it.
    """


# The name the vocabulary's errors had before they were one type with the checker's; kept for callers.
BadArgument = IllFormed


def no_text(value, what: str):
    """``value``, unless it is text (which SymPy would parse): then a clear error naming ``what`` it is.

    The one refusal of text: the vocabulary calls it on its arguments, and
    :func:`derive.core.context.as_expression` on a step, a start or a definition.
    """
    if isinstance(value, str):
        raise IllFormed(f"{what} is the text {value!r}; text is never parsed: build the expression "
                        f"with the derive API (e.g. exp(z[j]) / sum_over(exp(z[i]), i, k))")
    return value


def _expression(value, where: str):
    """A SymPy object for ``value``, converting numbers only (never text)."""
    return sp.sympify(no_text(value, where), strict=True)


def exp(x, *args, **kwargs):
    """The exponential ``e^x``."""
    return sp.exp(no_text(x, "exp: the argument"), *args, **kwargs)


def log(x, *args, **kwargs):
    """The natural logarithm."""
    return sp.log(no_text(x, "log: the argument"), *args, **kwargs)


def classes(name: str = "k") -> sp.Symbol:
    """The number of classes: a positive integer symbol, at least 2 in every case."""
    return sp.Symbol(name, integer=True, positive=True)


class Count(sp.Symbol):
    """A count other than the number of classes: a batch size ``N``, an input dimension ``d`` (at least 1).

    A class of its own, so that the checker tells a count from an index of the
    same kind of symbol.
    """

    def __new__(cls, name, **assumptions):
        return super().__new__(cls, name, integer=True, positive=True)

    def __getnewargs_ex__(self):
        return ((self.name,), {})


class Index(sp.Symbol):
    """An index that ranges over ``1..count`` for a :class:`Count` (a sample ``b`` of a batch of ``N``).

    Its count is part of what it is: two indices of one name over different
    counts are different objects.  Plain indices (``indices("i j")``) range
    over the case's classes.
    """

    def __new__(cls, name, count, **assumptions):
        assumptions = {"integer": True, "positive": True}
        cls._sanitize(assumptions, cls)
        obj = sp.Symbol.__xnew__(cls, name, **assumptions)
        obj.count = count
        return obj

    def __getnewargs_ex__(self):
        return ((self.name, self.count), {})

    def _hashable_content(self):
        return sp.Symbol._hashable_content(self) + (self.count,)


def count(name: str) -> Count:
    """A count such as a batch size ``N`` or an input dimension ``d``: a positive integer symbol."""
    if not isinstance(name, str):
        raise IllFormed(f"count: the name must be text, not {type(name).__name__}")
    return Count(name)


def indices(names: str, over=None) -> tuple[sp.Symbol, ...]:
    """Index symbols ranging over ``1..n`` for the case's class count ``n``, or over ``1..over`` for a count."""
    if over is None:
        return tuple(sp.symbols(names, integer=True, positive=True, seq=True))
    if not isinstance(over, Count):
        raise IllFormed(f"indices({names!r}, over=...): over must be a count (count('N')), not {over!r}")
    return tuple(Index(name, over) for name in names.replace(",", " ").split())


def is_count(symbol) -> bool:
    return isinstance(symbol, Count)


def scalar(name: str, domain="real") -> sp.Symbol:
    """A named scalar: the loss ``L`` (a case may define it), or a parameter such as a temperature ``T``.

    ``domain`` is ``"real"``, ``"positive"`` or ``"nonnegative"``, an open
    interval ``(lo, hi)``, or a SymPy ``Interval`` for any other (``sp.Interval(0, 1)``
    closed, ``sp.Interval.Ropen(0, 1)``, ...), with finite rational ends;
    wherever a scalar is not defined, the checker gives it values from its
    domain (in counterexamples, for instance).
    """
    if not isinstance(name, str):
        raise IllFormed(f"scalar: the name must be text, not {type(name).__name__}")
    if isinstance(domain, str) and domain in _DOMAINS:
        return sp.Symbol(name, **_DOMAINS[domain])
    return BoundedScalar(name, _interval(name, domain))


_DOMAIN_FIX = ('write "real", "positive", "nonnegative", an open interval such as (0, 1), or a sympy Interval '
               '(sp.Interval(0, 1) for 0 ≤ x ≤ 1, sp.Interval.Ropen(0, 1) for 0 ≤ x < 1)')


def _interval_end(name, value, domain):
    """An end of an interval written as a pair: an integer or a rational (never a float, text or a bool)."""
    from fractions import Fraction

    if isinstance(value, bool) or not isinstance(value, (int, Fraction, sp.Rational)):
        exact = " (a float is inexact: write sympy.Rational(1, 2), not 0.5)" if isinstance(value, float) else ""
        raise IllFormed(f"scalar {name!r}: the domain {domain!r} has the end {value!r}, which is not an integer "
                        f"or a rational{exact}; {_DOMAIN_FIX}")
    return sp.Rational(value.numerator, value.denominator) if isinstance(value, Fraction) else sp.Rational(value)


def _interval(name: str, domain) -> sp.Interval:
    """The interval ``domain`` stands for, or a one-line error naming the scalar and what to write."""
    if isinstance(domain, tuple) and len(domain) == 2:
        lo, hi = (_interval_end(name, end, domain) for end in domain)
        if not lo < hi:
            raise IllFormed(f"scalar {name!r}: the interval {domain!r} is empty (its lower end must be below its "
                            f"upper end); {_DOMAIN_FIX}")
        return sp.Interval.open(lo, hi)
    if isinstance(domain, sp.Interval):
        if not (domain.start.is_Rational and domain.end.is_Rational):
            raise IllFormed(f"scalar {name!r}: the domain {domain} has an end that is not a finite rational "
                            f"(for a half-line write \"positive\" or \"nonnegative\"); {_DOMAIN_FIX}")
        return domain
    if isinstance(domain, sp.Set):  # an empty set or a single point: sympy's Interval(1, 1) is {1}
        raise IllFormed(f"scalar {name!r}: the domain {domain} is not an interval with two different ends; "
                        f"{_DOMAIN_FIX}")
    raise IllFormed(f"scalar {name!r}: unknown domain {domain!r}; {_DOMAIN_FIX}")


class BoundedScalar(sp.Symbol):
    """A scalar parameter that ranges over an interval with rational ends (a smoothing weight ε in [0, 1]).

    Its interval is part of what it is (as an :class:`Index`'s count is): two
    scalars of one name over different intervals are different objects, and
    SymPy keeps the interval through substitutions because it is in the
    symbol's hashable content.  Its SymPy assumptions are what the interval
    implies about its sign (positive for (0, 1), nonnegative for [0, 1]),
    which is all the symbolic rules read; the upper end is used only by
    :func:`positive_in_domain` and where values are drawn.
    """

    def __new__(cls, name, interval, **assumptions):
        assumptions = _sign_assumptions(interval)
        cls._sanitize(assumptions, cls)
        obj = sp.Symbol.__xnew__(cls, name, **assumptions)
        obj.interval = interval
        return obj

    def __getnewargs_ex__(self):
        return ((self.name, self.interval), {})

    def _hashable_content(self):
        return sp.Symbol._hashable_content(self) + (self.interval,)

    def domain_text(self, name: str | None = None, less: str = "<", less_equal: str = "≤", show=str) -> str:
        """The domain as a chain of inequalities, ``0 ≤ ε ≤ 1``; LaTeX passes its name, relations and printer."""
        i = self.interval
        left = less if i.left_open else less_equal
        right = less if i.right_open else less_equal
        return f"{show(i.start)} {left} {self.name if name is None else name} {right} {show(i.end)}"


def _sign_assumptions(interval: sp.Interval) -> dict:
    """What an interval says of the sign of its values, as SymPy assumptions."""
    lo, hi = interval.start, interval.end
    if lo > 0 or (lo == 0 and interval.left_open):
        return {"positive": True}
    if lo == 0:
        return {"nonnegative": True}
    if hi < 0 or (hi == 0 and interval.right_open):
        return {"negative": True}
    if hi == 0:
        return {"nonpositive": True}
    return {"real": True}


def positive_in_domain(expr) -> bool:
    """Whether ``expr``, affine in one :class:`BoundedScalar` ``s`` with rational coefficients (``1 − ε``),
    is positive at every value of ``s`` in its interval.

    An affine function is positive on an interval when it is positive at each
    closed end and at least 0 at each open end (it is then positive inside).
    A sufficient test: False means "not known" (another shape, several scalars).
    """
    scalars = [s for s in expr.free_symbols if isinstance(s, BoundedScalar)]
    if len(scalars) != 1 or expr.free_symbols != set(scalars):
        return False
    (s,) = scalars
    try:
        poly = sp.Poly(expr, s)
    except sp.PolynomialError:
        return False
    if poly.degree() > 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return False
    slope, offset = ([0] + poly.all_coeffs())[-2:]   # expr = slope·s + offset, exactly

    def at(x):
        return slope * x + offset

    interval = s.interval
    for end, is_open in ((interval.start, interval.left_open), (interval.end, interval.right_open)):
        value = at(end)
        if value < 0 or (value == 0 and not is_open):
            return False
    return poly.degree() == 1 or at(interval.start) > 0


_DOMAINS = {"real": {"real": True}, "positive": {"positive": True}, "nonnegative": {"nonnegative": True}}


def _size(value, what: str):
    """A size given to a vector or matrix: a count, the classes' symbol, or a positive integer."""
    value = _expression(value, what)
    if isinstance(value, sp.Integer) and value >= 1:
        return value
    if isinstance(value, sp.Symbol) and value.is_integer and value.is_positive and not isinstance(value, Index):
        return value
    raise IllFormed(f"{what}: a size is a count (count('N')), the number of classes, or a positive integer, "
                    f"not {value!r}")


class Vector(sp.IndexedBase):
    """A vector with entries ``v[1] .. v[n]``: ``n`` is the case's classes, or ``size`` when given.

    ``domain`` says which values an entry may take: ``"real"`` (logits),
    ``"positive"`` (a probability vector treated as free, which ``log``
    needs), ``"nonnegative"`` (targets).  It is part of the vector's label,
    so two vectors of one name and different domains are different objects.
    """

    def __new__(cls, name, domain="real", size=None, **kwargs):
        if isinstance(name, sp.Symbol):  # rebuilt by SymPy from its arguments: (label,) or (label, shape)
            shape = domain if isinstance(domain, (sp.Tuple, tuple)) else kwargs.pop("shape", None)
            if shape:
                return super().__new__(cls, name, shape=shape, **kwargs)
            return super().__new__(cls, name, **kwargs)
        if domain not in _DOMAINS:
            raise ValueError(f"Vector {name!r}: domain must be real, positive or nonnegative, not {domain!r}")
        label = sp.Symbol(name, **_DOMAINS[domain])
        if size is None:
            return super().__new__(cls, label)
        return super().__new__(cls, label, shape=(_size(size, f"Vector {name!r}: the size"),))

    def __getnewargs__(self):
        return (self.label.name, self.domain, self.size)

    def __getitem__(self, index, **kwargs):
        items = index if isinstance(index, tuple) else (index,)
        for item in items:
            no_text(item, f"the index of {self.label}")
        rank = len(self.shape) if self.shape else 1
        if len(items) != rank:
            raise IllFormed(f"{self.label}[{', '.join(map(str, items))}]: {self.label} has {rank} "
                            f"{'index' if rank == 1 else 'indices'}, not {len(items)}")
        return super().__getitem__(index, **kwargs)

    @property
    def domain(self) -> str:
        label = self.label
        return "positive" if label.is_positive else "nonnegative" if label.is_nonnegative else "real"

    @property
    def size(self):
        """The number of entries, or None for the case's number of classes."""
        return self.shape[0] if self.shape else None

    def sizes(self, n) -> tuple:
        """The size of each axis, with ``n`` for the case's number of classes."""
        return tuple(self.shape) if self.shape else (n,)


class Matrix(Vector):
    """A matrix with entries ``W[a, b]`` for ``a`` in ``1..rows`` and ``b`` in ``1..cols`` (a batch of logits Z[b, j]).

    ``rows`` and ``cols`` are counts, the classes' symbol, or positive integers.
    """

    def __new__(cls, name, domain="real", rows=None, cols=None, **kwargs):
        if isinstance(name, sp.Symbol):
            return super().__new__(cls, name, domain, **kwargs)
        if domain not in _DOMAINS:
            raise ValueError(f"Matrix {name!r}: domain must be real, positive or nonnegative, not {domain!r}")
        if rows is None or cols is None:
            raise IllFormed(f"Matrix {name!r}: give its rows and cols (counts or the number of classes)")
        shape = (_size(rows, f"Matrix {name!r}: rows"), _size(cols, f"Matrix {name!r}: cols"))
        return sp.IndexedBase.__new__(cls, sp.Symbol(name, **_DOMAINS[domain]), shape=shape)

    def __getnewargs__(self):
        return (self.label.name, self.domain, self.shape[0], self.shape[1])

    @property
    def size(self):
        return self.shape[1]


class WrittenOutSum(sp.Sum):
    """A sum shown written out term by term (``e^{z_1} + e^{z_2} + ... + e^{z_k}``); it is a ``Sum``."""


def written_out(function, index, n, start=1) -> WrittenOutSum:
    """``sum_{index=start..n} function``, displayed as its terms with an ellipsis."""
    _sum_arguments("written_out", function, index, n, start)
    with sp.evaluate(True):
        return WrittenOutSum(function, (index, start, n))


class Softmax(sp.Function):
    """``softmax(z)_j`` for a vector ``z`` of ``n`` entries."""

    nargs = 3
    rule = "softmax"

    @property
    def vector(self):
        return self.args[0]

    @property
    def index(self):
        return self.args[1]

    @property
    def size(self):
        return self.args[2]

    def unfold(self) -> sp.Expr:
        z, j, n = self.args
        i = sp.Dummy("i", integer=True, positive=True)
        return sp.exp(z[j]) / sp.Sum(sp.exp(z[i]), (i, 1, n))


class LogSoftmax(sp.Function):
    """``log softmax(z)_j``, written as the log-sum-exp difference when unfolded."""

    nargs = 3
    rule = "log-softmax"

    def unfold(self) -> sp.Expr:
        z, j, n = self.args
        i = sp.Dummy("i", integer=True, positive=True)
        return z[j] - sp.log(sp.Sum(sp.exp(z[i]), (i, 1, n)))


class CrossEntropy(sp.Function):
    """``CE(y, p) = -sum_i y_i log p_i`` over ``n`` classes."""

    nargs = 3
    rule = "cross-entropy"

    def unfold(self) -> sp.Expr:
        y, p, n = self.args
        i = sp.Dummy("i", integer=True, positive=True)
        return -sp.Sum(y[i] * sp.log(p[i]), (i, 1, n))


class Sigmoid(sp.Function):
    """The logistic function ``σ(x) = 1 / (1 + e^{−x})``."""

    nargs = 1
    rule = "sigmoid"

    def unfold(self) -> sp.Expr:
        (x,) = self.args
        return 1 / (1 + sp.exp(-x))


class Softplus(sp.Function):
    """``softplus(x) = log(1 + e^x)``."""

    nargs = 1
    rule = "softplus"

    def unfold(self) -> sp.Expr:
        (x,) = self.args
        return sp.log(1 + sp.exp(x))


class LogSumExp(sp.Function):
    """``logsumexp(z) = log Σ_{i=1}^{n} e^{z_i}`` over a vector of ``n`` entries."""

    nargs = 2
    rule = "logsumexp"

    @property
    def vector(self):
        return self.args[0]

    def unfold(self) -> sp.Expr:
        z, n = self.args
        i = sp.Dummy("i", integer=True, positive=True)
        return sp.log(sp.Sum(sp.exp(z[i]), (i, 1, n)))


class SumExcept(sp.Expr):
    """``sum_{i=lo..hi, i != m} f(i)``: a sum that skips one index, as sources write it.

    ``i`` is bound; ``m`` is free.  Unfolds to ``sum_{i=lo..hi} f(i) - f(m)``,
    which holds whenever ``lo <= m <= hi``.
    """

    is_commutative = True

    def __new__(cls, function, limits, skipped):
        function = _expression(function, "sum_except")
        i, lo, hi = (_expression(x, "the bounds of sum_except") for x in limits)
        skipped = _expression(skipped, "the skipped index of sum_except")
        return sp.Expr.__new__(cls, function, sp.Tuple(i, lo, hi), skipped)

    @property
    def function(self):
        return self.args[0]

    @property
    def variable(self):
        return self.args[1][0]

    @property
    def limits(self):
        return tuple(self.args[1])

    @property
    def skipped(self):
        return self.args[2]

    @property
    def free_symbols(self):
        inner = self.function.free_symbols - {self.variable}
        inner = {s for s in inner if not (isinstance(s, sp.Indexed) and self.variable in s.free_symbols)}
        return inner | self.args[1][1].free_symbols | self.args[1][2].free_symbols | self.skipped.free_symbols

    def unfold(self) -> sp.Expr:
        i, lo, hi = self.limits
        return sp.Sum(self.function, (i, lo, hi)) - self.function.xreplace({i: self.skipped})

    def _eval_subs(self, old, new):
        if old == self.variable:
            return self
        return None

    def doit(self, **hints):
        i, lo, hi = self.limits
        function = self.function.doit(**hints) if hints.get("deep", True) else self.function
        if (lo.is_Integer and hi.is_Integer and self.skipped.is_Integer):
            return sp.Add(*[function.xreplace({i: sp.Integer(v)})
                            for v in range(int(lo), int(hi) + 1) if v != int(self.skipped)])
        return self.func(function, (i, lo, hi), self.skipped)


def _vector_call(name, z, j, n):
    for value, what in ((z, "vector"), (j, "index"), (n, "number of classes")):
        no_text(value, f"{name}: the {what}")
    if not isinstance(z, sp.IndexedBase):
        raise IllFormed(f"{name}: the first argument must be a Vector, not {type(z).__name__}")


def softmax(z, j, n) -> Softmax:
    _vector_call("softmax", z, j, n)
    return Softmax(z, j, n)


def log_softmax(z, j, n) -> LogSoftmax:
    _vector_call("log_softmax", z, j, n)
    return LogSoftmax(z, j, n)


def cross_entropy(y, p, n) -> CrossEntropy:
    _vector_call("cross_entropy", y, p, n)
    if not isinstance(p, sp.IndexedBase):
        raise IllFormed(f"cross_entropy: the second argument must be a Vector, not {type(p).__name__}")
    return CrossEntropy(y, p, n)


def _sum_arguments(name, function, index, n, start):
    for value, what in ((function, "summand"), (index, "index"), (n, "upper bound"), (start, "lower bound")):
        no_text(value, f"{name}: the {what}")
    if not (isinstance(index, sp.Symbol) and index.is_integer):
        raise IllFormed(f"{name}: the summation index must be an index symbol (use indices('...')), "
                        f"not {index!r}")


def sum_over(function, index, n, start=1) -> sp.Sum:
    """``sum_{index=start..n} function``, kept unevaluated."""
    _sum_arguments("sum_over", function, index, n, start)
    with sp.evaluate(True):  # SymPy would otherwise wrap the summand as 1*f
        return sp.Sum(function, (index, start, n))


def sum_except(function, index, n, skipped, start=1) -> SumExcept:
    """``sum_{index=start..n, index != skipped} function``."""
    _sum_arguments("sum_except", function, index, n, start)
    return SumExcept(function, (index, start, n), skipped)


def sigmoid(x) -> Sigmoid:
    """The logistic function ``σ(x) = 1 / (1 + e^{−x})``, kept unevaluated."""
    return Sigmoid(_expression(x, "sigmoid"))


def softplus(x) -> Softplus:
    """``softplus(x) = log(1 + e^x)``, kept unevaluated."""
    return Softplus(_expression(x, "softplus"))


def tanh(x) -> sp.tanh:
    """The hyperbolic tangent."""
    return sp.tanh(_expression(x, "tanh"))


def logsumexp(z, n) -> LogSumExp:
    """``log Σ_{i=1}^{n} e^{z_i}``, kept unevaluated."""
    _vector_call("logsumexp", z, 1, n)
    return LogSumExp(z, n)


def mean_over(function, index, n, start=1) -> sp.Expr:
    """``(1/n) Σ_{index=1..n} function``: the mean over a count, as courses write a batch mean."""
    _sum_arguments("mean_over", function, index, n, start)
    with sp.evaluate(True):
        return sp.Mul(sp.Pow(n, -1), sp.Sum(function, (index, start, n)), evaluate=False)


def D(expr, variable) -> sp.Derivative:
    """The partial derivative ``d expr / d variable``, kept unevaluated.

    ``variable`` is an entry of a vector (``z[j]``) or a named scalar.
    """
    no_text(expr, "D: the expression")
    no_text(variable, "D: the variable")
    if not (isinstance(variable, sp.Indexed) or
            (isinstance(variable, sp.Symbol) and not variable.is_integer)):
        raise IllFormed(f"D: cannot differentiate with respect to {variable!r}: it is not a variable "
                        f"(an entry of a vector such as z[j], or a scalar)")
    return sp.Derivative(expr, variable, evaluate=False)


def as_written():
    """A context in which expressions keep the order and shape the author wrote.

    Inside ``with as_written():`` SymPy does not evaluate or reorder, so a step
    is shown exactly as the source writes it; the checker normalises it anyway.
    """
    return sp.evaluate(False)
