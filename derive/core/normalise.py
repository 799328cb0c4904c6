"""The normaliser: unfold, differentiate, rewrite, then compare rational forms.

Every rewrite below is an identity under the case's assumptions (each has a
test of its own in ``tests/test_normalise.py``).  Two expressions are
*proved* equal when their normal forms differ by a rational function of the
remaining atoms (sums, exponentials, logs, vector entries, Kronecker deltas)
that cancels to zero.  Atoms are treated as independent variables, which can
only lose proofs, never make a false one: a rational function that vanishes
for independent values vanishes for related ones too.

Long because it is the core's one decision procedure, kept whole so that it
can be audited in one reading: the rewrite rules share the ranges of indices
(:func:`index_range`), the signs of atoms and the trace of rules used, and
each rule sits beside the side conditions it checks.  Splitting it would put
a rule in one file and the conditions that make it sound in another.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from .binders import Binder, binders, canonical, rename_bound
from .context import Context, IllFormed, as_expression
from .objects import (CrossEntropy, Index, LogSoftmax, LogSumExp, Sigmoid, Softmax, Softplus, SumExcept, Vector,
                      is_count)
from .objects import positive_in_domain

# The objects of the vocabulary that unfold by their own identity (each names its rule below).
VOCABULARY = (Softmax, LogSoftmax, CrossEntropy, Sigmoid, Softplus, LogSumExp)

__all__ = ["RULES", "Trace", "nonnegative", "index_range", "prepare", "simplify", "normal_form", "atomise",
           "delta_substitute", "with_zero_log_zero", "canonical", "is_zero", "proves_equal"]

RULES: dict[str, str] = {
    # Each rule: the identity, then "when" its side conditions.  Every index, bound and size it meets has been
    # validated first (derive.core.validate): integer-valued, within 1..n, sums running forwards.
    "equal-indices": "an index assumed equal to another (j = m) is replaced by it; when the case assumes it",
    "definition": "a defined name is replaced by its definition (ŷ_i = softmax(z)_i, L = CE(y, ŷ)); "
                  "when the definitions are acyclic and use no free index",
    "softmax": "softmax(z)_j = exp(z_j) / Σ_{i=1}^{n} exp(z_i); when the size given is the case's n",
    "log-softmax": "log softmax(z)_j = z_j − log Σ_{i=1}^{n} exp(z_i); when the size given is the case's n",
    "cross-entropy": "CE(y, p) = −Σ_{i=1}^{n} y_i log p_i; when the size given is the case's n",
    "sigmoid": "σ(x) = 1 / (1 + exp(−x)); no condition",
    "softplus": "softplus(x) = log(1 + exp(x)); no condition",
    "logsumexp": "logsumexp(z) = log Σ_{i=1}^{n} exp(z_i); when the size given is the case's n",
    "tanh": "tanh(x) = (exp(2x) − 1) / (exp(2x) + 1); no condition",
    "one-hot": "y_i = δ(i, ℓ); when y is assumed one-hot at the true class ℓ",
    "sum-except": "Σ_{i=a..b, i≠m} f(i) = Σ_{i=a}^{b} f(i) − f(m); when a ≤ m ≤ b for every value of the "
                  "indices in force (ranges of bound indices from their sums)",
    "differentiate": "differentiation, with ∂x_a/∂x_b = δ(a, b); ∂/∂ŷ treats ŷ as free; when the variable is "
                     "an entry of a vector or a non-index scalar",
    "sum-linearity": "Σ (f + g) = Σ f + Σ g; no condition (finite sums)",
    "sum-factor": "Σ c·f(i) = c·Σ f(i); when c does not contain the summation index i",
    "sum-exp-factor": "Σ_i exp(a + f(i)) = exp(a)·Σ_i exp(f(i)) (and so Σ_i exp(a)·exp(f(i)), which exp-sum "
                      "merges first); when a does not contain the summation index i",
    "sum-constant": "Σ_{i=a}^{b} c = (b − a + 1)·c; when c does not contain i, a and b are integers and "
                    "b ≥ a − 1 for every value of the indices in force",
    "sum-written-out": "Σ_{i=a}^{b} f(i) = f(a) + … + f(b), and 0 when b = a − 1; when a and b are integers "
                       "with b − a < 8",
    "sum-split": "Σ_{i=a}^{n−c} f(i) = Σ_{i=a}^{n} f(i) − f(n−c+1) − … − f(n), and Σ_{i=1+c}^{b} f(i) = "
                 "Σ_{i=1}^{b} f(i) − f(1) − … − f(c); when c is a constant 1 ≤ c ≤ 3 and both ranges run forwards",
    "delta-collapse": "Σ_{i=a}^{b} δ(i, m)·f(i) = f(m); when m does not contain i and a ≤ m ≤ b for every value "
                      "of the indices in force",
    "delta-substitute": "δ(a, b)·f(b) = δ(a, b)·f(a); when a and b are index symbols (both sides vanish where "
                        "a ≠ b); the one that sorts last is replaced in the product's other factors",
    "delta-distinct": "δ(a, b) = 0; when a ≠ b is assumed, or a − b is a nonzero integer",
    "sum-to-one": "Σ_{i=1}^{n} y_i = 1 (and Σ_j Y_{b,j} = 1 for each row b); when the range is exactly the "
                  "vector's entries (the matrix's columns) and y is assumed one-hot or to sum to one (by rows)",
    "sum-except-delta": "Σ_{i≠m} δ(i, m)·f(i) = 0: the one index where δ(i, m) ≠ 0 is skipped; no condition",
    "zero-log-zero": "b·log(b·a) = b·log a, so b·log b = 0, reading 0·log 0 as 0 (the convention of entropies "
                     "and cross-entropies, the limit of t·log t as t → 0⁺); when b is 0 or 1: a Kronecker delta, "
                     "or an entry of a vector assumed one-hot",
    "log-exp": "log(exp(x)) = x; when x is real",
    "log-product": "log(a·b) = log a + log b and log(a^p) = p·log a; when a and b are positive by their form "
                   "(exp, positive vectors, sums with at least one positive term) and p is real",
    "exp-sum": "exp(a + b) = exp(a)·exp(b), exp(c·a) = exp(a)^c; when c is an integer",
    "rational": "the difference is a rational function of the remaining atoms that cancels to 0; atoms "
                "(sums, exponentials, logs, entries, deltas) are treated as independent, which can only lose proofs",
}
_RULE_ORDER = {rule: position for position, rule in enumerate(RULES)}


@dataclass
class Trace:
    """The rules that fired while normalising, listed in the order of ``RULES``.

    Not in first-use order: which rule fires first can depend on the order of
    an expression's terms, which SymPy's caches make depend on what was
    checked before; the list must depend only on the step.
    """

    used: list[str] = field(default_factory=list)

    def add(self, rule: str) -> None:
        assert rule in RULES, rule
        if rule not in self.used:
            self.used.append(rule)
            self.used.sort(key=_RULE_ORDER.__getitem__)


# --- preparing: bind, substitute, differentiate, unfold ---------------------------------------


_PREPARED: dict = {}


def prepare(expr: sp.Expr, ctx: Context, trace: Trace) -> sp.Expr:
    """Rename bound indices apart, apply index equalities, evaluate derivatives, unfold.

    The result depends only on ``expr`` and ``ctx``, so it is remembered (with
    the rules it used): a step is compared with the one before and the one
    after, and each mutant of a step with the same step before it.
    """
    key = (expr, ctx)
    found = _PREPARED.get(key)
    if found is None:
        used = Trace()
        found = (_prepare(expr, ctx, used), tuple(used.used))
        if len(_PREPARED) >= 1024:
            _PREPARED.clear()
        _PREPARED[key] = found
    for rule in found[1]:
        trace.add(rule)
    return found[0]


def _prepare(expr, ctx, trace):
    expr = rename_bound(expr)
    if ctx.substitution:
        replaced = expr.xreplace(ctx.substitution)
        if replaced != expr:
            trace.add("equal-indices")
        expr = replaced
    expr = _derivatives(expr, ctx, trace)
    # renamed apart once more as a whole: a derivative's result was renamed without its enclosing sums in view
    return rename_bound(unfold(expr, ctx, trace))


def _derivatives(expr, ctx, trace):
    if expr.is_Atom or not expr.args:
        return expr
    args = [_derivatives(a, ctx, trace) for a in expr.args]
    if isinstance(expr, sp.Derivative):
        result = args[0]
        for variable, count in expr.variable_count:
            keep = variable.base if isinstance(variable, sp.Indexed) else variable
            # apart from the variable's indices too: Σ_i f(i) differentiated by z_i, i bound outside, would capture it
            result = rename_bound(unfold(result, ctx, trace, keep=keep), avoid=variable.free_symbols)
            result = _differentiated(result, variable, count)
            trace.add("differentiate")
        return rename_bound(result)
    return expr.func(*args) if args != list(expr.args) else expr


_DIFFERENTIATED: dict = {}


def _differentiated(expr, variable, count):
    """``sp.diff(expr, variable, count)``, remembered: each mutant of a step differentiates the same terms again,
    and SymPy asks at every partial result whether it is zero, which is most of the cost."""
    key = (expr, variable, count)
    found = _DIFFERENTIATED.get(key)
    if found is None:
        found = sp.diff(expr, variable, count)
        if len(_DIFFERENTIATED) >= 1024:
            _DIFFERENTIATED.clear()
        _DIFFERENTIATED[key] = found
    return found


def unfold(expr, ctx: Context, trace: Trace, keep=None):
    """Replace defined names by their definitions until none is left (except ``keep``)."""
    for _ in range(32):
        unfolded = _unfold_once(expr, ctx, trace, keep)
        if unfolded == expr:
            return expr
        expr = rename_bound(unfolded)
    raise IllFormed("a definition refers to itself (unfolding does not terminate)")


def _unfold_once(expr, ctx, trace, keep, scope=None):
    scope = scope or {}
    if isinstance(expr, sp.Indexed):
        base = expr.base
        if base != keep:
            definition = ctx.definition(base)
            if definition is not None:
                trace.add("definition")
                return definition.entry(*expr.indices).xreplace(ctx.substitution)
            at = ctx.one_hot_at(base)
            if at is not None and len(expr.indices) == 1:
                trace.add("one-hot")
                return sp.KroneckerDelta(expr.indices[0], at)
        return expr
    if isinstance(expr, sp.Symbol):
        definition = ctx.definition(expr) if expr != keep else None
        if definition is not None:
            trace.add("definition")
            return definition.body.xreplace(ctx.substitution)
        return expr
    if expr.is_Atom or not expr.args:
        return expr
    inner = _inner_scope(expr, scope)
    args = [_unfold_once(a, ctx, trace, keep, inner if a is _body_of(expr) else scope) for a in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    if isinstance(rebuilt, VOCABULARY):
        trace.add(rebuilt.rule)
        return rebuilt.unfold()
    if isinstance(rebuilt, sp.tanh):
        trace.add("tanh")
        (x,) = rebuilt.args
        return (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1)
    if isinstance(rebuilt, SumExcept):
        i, lo, hi = rebuilt.limits
        if _within(index_range(rebuilt.skipped, ctx, scope), lo, hi, ctx, scope):
            trace.add("sum-except")
            return rebuilt.unfold()
    return rebuilt


def _body_of(expr):
    if isinstance(expr, (sp.Sum, SumExcept)):
        return expr.function
    if isinstance(expr, sp.Lambda):
        return expr.expr
    return None


def _inner_scope(expr, scope):
    """``scope`` with the indices ``expr`` binds over its body."""
    found = binders(expr)
    if not found:
        return scope
    inner = dict(scope)
    for binder in found:
        inner[binder.variable] = binder
    return inner


# --- ranges of indices ------------------------------------------------------------------------


def index_range(index, ctx: Context, scope=None, _depth: int = 0):
    """Bounds ``(lo, hi)``, polynomials in ``n``, of an integer-valued index expression, or None.

    The expression must be affine in its index symbols with integer
    coefficients (``k``, ``k - 1``, ``j``, ``i + 1``).  A free index symbol
    ranges over ``1..n``; a bound one over its binder's bounds (read in turn);
    the entry index of a definition over ``1..n``.  None means "not known",
    and every rule that needs a range then refuses to fire.
    """
    scope = scope or {}
    if index.is_integer is not True:
        return None
    symbols = sorted((s for s in index.free_symbols if s != ctx.n and not is_count(s)), key=sp.default_sort_key)
    if not symbols:
        return (index, index)
    if _depth > 8:
        return None
    try:
        poly = sp.Poly(index, *symbols)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 1:
        return None
    constant = poly.coeff_monomial(1)
    lo = hi = constant
    for s in symbols:
        c = poly.coeff_monomial(s)
        if not c.is_Integer:
            return None
        interval = _symbol_range(s, ctx, scope, _depth)
        if interval is None:
            return None
        a, b = interval
        lo, hi = (lo + c * a, hi + c * b) if c > 0 else (lo + c * b, hi + c * a)
    return (sp.expand(lo), sp.expand(hi))


def _symbol_range(s, ctx, scope, depth):
    binder: Binder | None = scope.get(s)
    if binder is None:
        if isinstance(s, sp.Dummy) or not (isinstance(s, sp.Symbol) and s.is_integer):
            return None  # a bound index outside its binder, or not an index at all
        return (sp.Integer(1), s.count if isinstance(s, Index) else ctx.n)
    if binder.lo is None:
        return (sp.Integer(1), ctx.n)
    outer = {v: b for v, b in scope.items() if v != s}
    low, high = index_range(binder.lo, ctx, outer, depth + 1), index_range(binder.hi, ctx, outer, depth + 1)
    if low is None or high is None:
        return None
    return (low[0], high[1])


def nonnegative(expr, ctx: Context) -> bool:
    """Whether ``expr >= 0`` for every class count ``n >= minimum_classes`` and every other count ``>= 1``.

    Other free integer symbols (indices) are only known to be positive here.
    """
    expr = sp.sympify(expr, strict=True)
    if expr.is_Integer:
        return bool(expr >= 0)
    return _nonnegative(expr, ctx.n, ctx.minimum_classes)


@functools.lru_cache(maxsize=4096)  # a pure function of its arguments, asked again for every index of every step
def _nonnegative(expr, n, minimum: int) -> bool:
    counts = sorted((s for s in expr.free_symbols if s == n or is_count(s)), key=sp.default_sort_key)
    shifts = [sp.Dummy(f"m{position}", integer=True, nonnegative=True) for position in range(len(counts))]
    value = sp.expand(expr.xreplace({c: m + (minimum if c == n else 1) for c, m in zip(counts, shifts)}))
    if value.is_nonnegative:
        return True
    # A polynomial in the shifted counts with nonnegative coefficients is nonnegative.
    if not shifts:
        return False
    try:
        poly = sp.Poly(value, *shifts)
    except sp.PolynomialError:
        return False
    return all(c.is_nonnegative for c in poly.coeffs())


def _within(interval, lo, hi, ctx, scope=None) -> bool:
    """Whether every value of ``interval`` lies within ``lo..hi`` for every value of the indices in force."""
    if interval is None:
        return False
    low, high = index_range(lo, ctx, scope), index_range(hi, ctx, scope)
    if low is None or high is None:
        return False
    a, b = interval
    return nonnegative(a - low[1], ctx) and nonnegative(high[0] - b, ctx) and nonnegative(b - a, ctx)


# --- rewriting ---------------------------------------------------------------------------------


def simplify(expr, ctx: Context, trace: Trace):
    """Apply the sum, delta and log rules bottom-up until nothing changes."""
    for _ in range(16):
        rewritten = _simplify(expr, ctx, trace, {})
        if rewritten == expr:
            return expr
        expr = rewritten
    return expr


def _simplify(expr, ctx, trace, bound):
    """One bottom-up pass; ``bound`` maps each bound index in force to its :class:`Binder`."""
    if expr.is_Atom or not expr.args:
        return expr
    if isinstance(expr, sp.Sum):
        return _sum(expr, ctx, trace, bound)
    if isinstance(expr, SumExcept):
        i, lo, hi = expr.limits
        function = _simplify(expr.function, ctx, trace, _inner_scope(expr, bound))
        parts = [_simplify(x, ctx, trace, bound) for x in (lo, hi, expr.skipped)]
        return _sum_except_delta(SumExcept(function, (i, parts[0], parts[1]), parts[2]), trace)
    args = [_simplify(a, ctx, trace, bound) for a in expr.args]
    expr = expr.func(*args) if args != list(expr.args) else expr
    if isinstance(expr, sp.KroneckerDelta):
        a, b = expr.args
        if ctx.are_distinct(a, b):
            trace.add("delta-distinct")
            return sp.Integer(0)
        return expr
    if isinstance(expr, sp.log):
        return _log(expr, ctx, trace)
    if expr.is_Mul:
        return _zero_log_zero(expr, ctx, trace)
    return expr


def _binary(factor, ctx) -> bool:
    """Whether ``factor`` is 0 or 1 by its form: a Kronecker delta, or an entry of a vector assumed one-hot."""
    return isinstance(factor, sp.KroneckerDelta) or (isinstance(factor, sp.Indexed) and ctx.one_hot(factor.base)
                                                     and ctx.definition(factor.base) is None)


def _zero_log_zero(product, ctx, trace):
    """``b·log(b·a) = b·log a`` in a product, for ``b`` that is 0 or 1 (0·log 0 read as 0).

    At b = 1 both sides are log a; at b = 0 both are 0, the left one by the
    convention.  This is what a cross-entropy or an entropy against a one-hot
    target means by its terms y_i log y_i where y_i = 0.
    """
    factors = list(sp.Mul.make_args(product))
    binary = [f for f in factors if _binary(f, ctx)]
    if not binary:
        return product
    changed = False
    for position, factor in enumerate(factors):
        if not isinstance(factor, sp.log):
            continue
        inside = list(sp.Mul.make_args(factor.args[0]))
        for b in binary:
            if b in inside:
                inside.remove(b)
                factors[position] = sp.log(sp.Mul(*inside))
                changed = True
                break
    if not changed:
        return product
    trace.add("zero-log-zero")
    return sp.Mul(*factors)


def with_zero_log_zero(expr, ctx: Context):
    """``expr`` with every ``b·log(b·a)`` read as ``b·log a`` (zero-log-zero), for the instances.

    A counterexample is looked for under the same convention the proof uses, so
    that a slip in an entropy against a one-hot target is refuted where
    0·log 0 = 0, rather than left undecided because log 0 is undefined.
    """
    if not expr.has(sp.log):
        return expr
    return expr.replace(lambda e: e.is_Mul and e.has(sp.log), lambda e: _zero_log_zero(e, ctx, Trace()))


def delta_substitute(product, trace):
    """``δ(a, b)·f(b) = δ(a, b)·f(a)``: in a product with δ(a, b), one index is written for the other.

    Both sides vanish where a ≠ b and are the same where a = b.  The index that
    sorts last is replaced by the other in the product's other factors.  Only
    for two index symbols: after bound indices are renamed apart, neither is
    bound inside another factor.  Applied to the terms of the fully expanded
    difference of the two sides (see :func:`proves_equal`), so that every
    product that holds a δ is rewritten alike.
    """
    factors = sp.Mul.make_args(product)
    for position, factor in enumerate(factors):
        if not isinstance(factor, sp.KroneckerDelta):
            continue
        a, b = sorted(factor.args, key=sp.default_sort_key)
        if not (isinstance(a, sp.Symbol) and isinstance(b, sp.Symbol) and a.is_integer and b.is_integer):
            continue
        rest = [f.xreplace({b: a}) for f in factors[:position] + factors[position + 1:]]
        if rest != list(factors[:position] + factors[position + 1:]):
            trace.add("delta-substitute")
            return sp.Mul(factor, *rest)
    return product


def _sum_except_delta(expr, trace):
    """Drop the terms of a sum that skips ``m`` which carry the factor δ(i, m)."""
    i, m = expr.variable, expr.skipped
    kept = []
    for term in sp.Add.make_args(sp.expand(expr.function, power_exp=False)):
        factors = [f.base if (f.is_Pow and f.exp.is_Integer and f.exp > 0) else f for f in sp.Mul.make_args(term)]
        if any(isinstance(f, sp.KroneckerDelta) and set(f.args) == {i, m} for f in factors):
            continue
        kept.append(term)
    if len(kept) == len(sp.Add.make_args(sp.expand(expr.function, power_exp=False))):
        return expr
    trace.add("sum-except-delta")
    return SumExcept(sp.Add(*kept), expr.limits, m) if kept else sp.Integer(0)


def _sum(expr, ctx, trace, bound):
    # SymPy writes Σ_m Σ_i f as one Sum with limits (i, ...), (m, ...): the last is the outermost
    function = sp.Sum(expr.function, *expr.limits[:-1]) if len(expr.limits) > 1 else expr.function
    i, lo, hi = expr.limits[-1]
    if lo.is_Integer and hi.is_Integer and -1 <= hi - lo < WRITE_OUT:
        trace.add("sum-written-out")
        return _simplify(sp.Add(*[function.xreplace({i: sp.Integer(v)}) for v in range(int(lo), int(hi) + 1)]),
                         ctx, trace, bound)
    whole = _split(function, i, lo, hi, ctx, bound)
    if whole is not None:
        trace.add("sum-split")
        return _simplify(whole, ctx, trace, bound)
    inner_bound = {**bound, i: Binder(i, lo, hi)}
    function = _simplify(function, ctx, trace, inner_bound)
    terms = sp.Add.make_args(sp.expand(function, power_exp=False))
    if len(terms) > 1:
        trace.add("sum-linearity")
    total = []
    for term in terms:
        term = _exponential_apart(_merge_exponentials(term, trace), i, trace)
        constant, varying = [], []
        for factor in sp.Mul.make_args(term):
            (varying if factor.has(i) else constant).append(factor)
        c = sp.Mul(*constant)
        if varying and constant and c != 1:
            trace.add("sum-factor")
        g = sp.Mul(*varying)
        if not varying and _forwards(lo, hi, ctx, bound):
            trace.add("sum-constant")
            total.append(c * (hi - lo + 1))
            continue
        collapsed = _collapse_delta(varying, i, lo, hi, ctx, bound)
        if collapsed is not None:
            trace.add("delta-collapse")
            total.append(c * collapsed)
            continue
        if (isinstance(g, sp.Indexed) and g.indices[-1] == i and not any(x.has(i) for x in g.indices[:-1])
                and lo == 1 and hi == _last_size(g.base, ctx) and ctx.sums_to_one(g.base)):
            trace.add("sum-to-one")
            total.append(c)
            continue
        total.append(c * sp.Sum(g, (i, lo, hi)))
    return sp.Add(*total)


def _merge_exponentials(term, trace):
    """``exp(a)·exp(b)·f = exp(a + b)·f`` in one term of a sum's body (the exp-sum identity, read backwards).

    Inside a sum the exponentials are not atoms yet, so ``e^{−t_i}·e^{t_i}`` must
    cancel here; only the exponent's terms are expanded, nothing else.
    """
    factors = sp.Mul.make_args(term)
    exponentials = [f for f in factors if isinstance(f, sp.exp)]
    if len(exponentials) < 2:
        return term
    trace.add("exp-sum")
    rest = [f for f in factors if not isinstance(f, sp.exp)]
    # canonical names first, so that e^{Σ_e w_e x_e}·e^{−Σ_{e'} w_{e'} x_{e'}} cancels whatever the sums' index
    exponent = sp.expand(canonical(sp.Add(*[f.args[0] for f in exponentials])))
    return sp.Mul(*rest) * sp.exp(exponent)


def _exponential_apart(term, i, trace):
    """``exp(a + f(i)) = exp(a)·exp(f(i))`` in one term of a sum over ``i``, ``a`` the exponent's terms free of ``i``.

    The identity holds for any a and f(i); split this way, ``exp(a)`` is a factor
    free of ``i``, which sum-factor then takes out of the sum (e^c out of
    Σ_n e^{z_n + c}).  Only the exponent is expanded, nothing else.
    """
    factors, changed = [], False
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.exp) and factor.has(i):
            parts = sp.Add.make_args(sp.expand(factor.args[0]))
            free = [p for p in parts if not p.has(i)]
            if free:
                factors += [sp.exp(sp.Add(*free)), sp.exp(sp.Add(*[p for p in parts if p.has(i)]))]
                changed = True
                continue
        factors.append(factor)
    if not changed:
        return term
    trace.add("sum-exp-factor")
    return sp.Mul(*factors)


SPLIT = 3  # the largest number of terms sum-split writes out
WRITE_OUT = 8  # a sum between two literal bounds with fewer terms than this is written out


def _split(function, i, lo, hi, ctx, scope):
    """The sum written over the whole range ``1..n`` less the terms it leaves out, or None.

    Only for a range short of ``1..n`` by a constant ``c <= SPLIT`` at one end
    (``k − 1``, ``2``), that runs forwards (``hi >= lo − 1``), so that
    ``Σ_{lo}^{hi} = Σ_{lo}^{n} − Σ_{hi+1}^{n}`` (and the same at the lower end).
    """
    if not _forwards(lo, hi, ctx, scope):
        return None
    short = sp.expand(ctx.n - hi)
    if short.is_Integer and 1 <= short <= SPLIT and _forwards(lo, ctx.n, ctx, scope):
        left_out = [function.xreplace({i: ctx.n - t}) for t in range(int(short))]
        return sp.Sum(function, (i, lo, ctx.n)) - sp.Add(*left_out)
    short = sp.expand(lo - 1)
    if short.is_Integer and 1 <= short <= SPLIT and _forwards(sp.Integer(1), hi, ctx, scope):
        left_out = [function.xreplace({i: sp.Integer(t)}) for t in range(1, int(short) + 1)]
        return sp.Sum(function, (i, sp.Integer(1), hi)) - sp.Add(*left_out)
    return None


def _forwards(lo, hi, ctx, scope, at_least: int = 0) -> bool:
    """Whether ``lo..hi`` are integers with ``hi - lo >= at_least - 1`` for every value of the indices in force.

    ``at_least = 0`` is the side condition of ``sum-constant`` (an empty range
    counts 0 terms), 1 says the range has a term, 2 that it has two.
    """
    span = index_range(hi - lo, ctx, scope)
    return span is not None and nonnegative(span[0] + 1 - at_least, ctx)


def _last_size(base, ctx):
    """The number of entries along the last axis: a vector's entries, a matrix's columns (each row sums to one)."""
    return base.sizes(ctx.n)[-1] if isinstance(base, Vector) else ctx.n


def _collapse_delta(factors, i, lo, hi, ctx, bound):
    for position, factor in enumerate(factors):
        delta = factor.base if (factor.is_Pow and factor.exp.is_Integer and factor.exp > 0) else factor
        if not isinstance(delta, sp.KroneckerDelta):
            continue
        a, b = delta.args
        other = b if a == i else a if b == i else None
        if other is None or other.has(i):
            continue
        if not _within(index_range(other, ctx, bound), lo, hi, ctx, bound):
            continue
        rest = sp.Mul(*(factors[:position] + factors[position + 1:]))
        return rest.xreplace({i: other})
    return None


def _log(expr, ctx, trace):
    (argument,) = expr.args
    if isinstance(argument, sp.exp) and argument.args[0].is_real:
        trace.add("log-exp")
        return argument.args[0]
    if argument.is_Mul:
        factors = sp.Mul.make_args(argument)
        if all(_positive(f, ctx) for f in factors):
            trace.add("log-product")
            return sp.Add(*[_log(sp.log(f, evaluate=False), ctx, trace) for f in factors])
    if argument.is_Pow and _positive(argument.base, ctx) and argument.exp.is_real:
        trace.add("log-product")
        return argument.exp * _log(sp.log(argument.base, evaluate=False), ctx, trace)
    return expr


def _positive(expr, ctx) -> bool:
    """A sufficient test of positivity for the objects derivations use."""
    if expr.is_Number:
        return bool(expr > 0)
    if isinstance(expr, sp.exp):
        return bool(expr.args[0].is_real)
    if isinstance(expr, sp.Symbol):  # a scalar declared positive (its values are drawn from its domain)
        return expr.is_positive is True
    if isinstance(expr, sp.Indexed):
        return isinstance(expr.base, Vector) and expr.base.domain == "positive"
    if isinstance(expr, sp.Sum):
        # a sum of positive terms is positive only when it has a term
        return len(expr.limits) == 1 and _forwards(*expr.limits[0][1:], ctx, {}, 1) and _positive(expr.function, ctx)
    if isinstance(expr, SumExcept):
        # skipping one index of a range of at least two values leaves a term
        i, lo, hi = expr.limits
        return _forwards(lo, hi, ctx, {}, 2) and _positive(expr.function, ctx)
    if isinstance(expr, Softmax):
        return True
    if isinstance(expr, (Sigmoid, Softplus)):  # 1/(1 + e^{-x}) and log(1 + e^x) for real x
        return bool(expr.args[0].is_real)
    if expr.is_Add and positive_in_domain(expr):  # 1 − ε for ε in (0, 1): the scalar's interval decides
        return True
    if expr.is_Mul or expr.is_Add:
        return all(_positive(a, ctx) for a in expr.args)
    if expr.is_Pow:
        return _positive(expr.base, ctx) and bool(expr.exp.is_real)
    return False


def is_positive(expr, ctx: Context) -> bool:
    """Whether ``expr`` is positive by its form (a sufficient test: False means "not known")."""
    return _positive(expr, ctx)


# --- atoms and the final comparison ------------------------------------------------------------


class AtomSymbol(sp.Symbol):
    """The symbol that stands for one atom: a class of its own, so it never equals a symbol a user wrote."""


@dataclass
class Atoms:
    """A two-way table between non-rational subexpressions and fresh symbols."""

    ctx: Context
    symbols: dict = field(default_factory=dict)

    def symbol(self, key, positive=False) -> sp.Symbol:
        found = self.symbols.get(key)
        if found is None:
            name = f"a{len(self.symbols)}"
            found = AtomSymbol(name, positive=True) if positive else AtomSymbol(name, real=True)
            self.symbols[key] = found
        return found

    def back(self) -> dict:
        return {symbol: key for key, symbol in self.symbols.items()}


def atomise(expr, atoms: Atoms, trace: Trace | None = None):
    """Replace every non-rational subexpression by a symbol; the rest is rational."""
    if expr.is_Number or (isinstance(expr, sp.Symbol) and not isinstance(expr, sp.Dummy)):
        return expr
    if expr.is_Add or expr.is_Mul:
        return expr.func(*[atomise(a, atoms, trace) for a in expr.args])
    if expr.is_Pow:
        base = atomise(expr.base, atoms, trace)
        if expr.exp.is_Integer:
            return base ** expr.exp
        return atoms.symbol(sp.Pow(base, atomise(expr.exp, atoms, trace)), positive=_positive(expr, atoms.ctx))
    if isinstance(expr, sp.exp):
        exponent = sp.expand(expr.args[0])
        terms = sp.Add.make_args(exponent)
        if len(terms) > 1 and trace is not None:
            trace.add("exp-sum")
        result = sp.Integer(1)
        for term in terms:
            coefficient, core = term.as_coeff_Mul()
            if not (coefficient.is_Integer and core != 1):
                coefficient, core = sp.Integer(1), term
            # keyed by canonical names, so e^{Σ_e w_e x_e} is one atom wherever its sum's index is renamed
            result *= atoms.symbol(canonical(sp.exp(core)), positive=bool(core.is_real)) ** coefficient
        return result
    key = canonical(expr)
    return atoms.symbol(key, positive=_positive(expr, atoms.ctx))


def is_zero(rational) -> bool:
    """Whether a rational function of independent atoms is identically zero."""
    try:
        return sp.cancel(sp.together(rational)) == 0
    except (sp.PolynomialError, sp.CoercionFailed, TypeError, ValueError):
        return sp.expand(rational) == 0


def normal_form(expr, ctx: Context, trace: Trace):
    """The normalised expression: prepared, then rewritten to a fixed point."""
    return simplify(prepare(expr, ctx, trace), ctx, trace)


def proves_equal(left, right, ctx: Context) -> tuple[bool, tuple[str, ...]]:
    """Decide ``left == right`` for every class count; returns (proved, rules used)."""
    trace = Trace()
    left, right = as_expression(left, "the left side"), as_expression(right, "the right side")
    difference = normal_form(left, ctx, trace) - normal_form(right, ctx, trace)
    difference = simplify(difference, ctx, trace)
    atoms = Atoms(ctx)
    rational = atomise(difference, atoms, trace)
    if is_zero(rational):
        trace.add("rational")
        return True, tuple(trace.used)
    if difference.has(sp.KroneckerDelta):
        # Last, δ(a, b)·f(b) = δ(a, b)·f(a) in every term of the expanded difference.
        terms = sp.Add.make_args(sp.expand(difference, power_exp=False))
        substituted = sp.Add(*[delta_substitute(term, trace) if term.is_Mul else term for term in terms])
        if is_zero(atomise(substituted, Atoms(ctx), trace)):
            trace.add("rational")
            return True, tuple(trace.used)
    return False, tuple(trace.used)
