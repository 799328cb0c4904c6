"""The normaliser: unfold, differentiate, rewrite, then compare rational forms.

Every rewrite below is an identity under the case's assumptions (each has a
test of its own in ``tests/test_normalise.py``).  Two expressions are
*proved* equal when their normal forms differ by a rational function of the
remaining atoms (sums, exponentials, logs, vector entries, Kronecker deltas)
that cancels to zero.  Atoms are treated as independent variables, which can
only lose proofs, never make a false one: a rational function that vanishes
for independent values vanishes for related ones too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .context import Context, IllFormed, as_expression
from .objects import CrossEntropy, LogSoftmax, Softmax, SumExcept, Vector, rename_bound

__all__ = ["RULES", "Trace", "nonnegative", "prepare", "simplify", "normal_form", "atomise", "canonical", "is_zero",
           "proves_equal"]

RULES: dict[str, str] = {
    "equal-indices": "an assumed equality of indices (j = k) replaces one index by the other",
    "definition": "a defined name is replaced by its definition (ŷ_i = softmax(z)_i, L = CE(y, ŷ))",
    "softmax": "softmax(z)_j = exp(z_j) / Σ_{i=1}^{k} exp(z_i)",
    "log-softmax": "log softmax(z)_j = z_j − log Σ_{i=1}^{k} exp(z_i)",
    "cross-entropy": "CE(y, p) = −Σ_{i=1}^{k} y_i log p_i",
    "one-hot": "y_i = δ(i, ℓ) when y is one-hot at the true class ℓ",
    "sum-except": "Σ_{i≠m} f(i) = Σ_i f(i) − f(m), when m lies within the bounds",
    "differentiate": "differentiation, with ∂x_a/∂x_b = δ(a, b); ∂/∂ŷ treats ŷ as free",
    "sum-linearity": "Σ (f + g) = Σ f + Σ g",
    "sum-factor": "Σ c·f(i) = c·Σ f(i) when c does not depend on i",
    "sum-constant": "Σ_{i=a}^{b} c = (b − a + 1)·c",
    "delta-collapse": "Σ_{i=a}^{b} δ(i, m)·f(i) = f(m) when a ≤ m ≤ b",
    "delta-distinct": "δ(a, b) = 0 when a ≠ b is assumed",
    "sum-to-one": "Σ_{i=1}^{k} y_i = 1 when y is one-hot or sums to one",
    "sum-except-delta": "Σ_{i≠m} δ(i, m)·f(i) = 0: the one index where δ(i, m) ≠ 0 is skipped",
    "log-exp": "log(exp(x)) = x for real x",
    "log-product": "log(a·b) = log a + log b and log(a^p) = p·log a for positive a, b",
    "exp-sum": "exp(a + b) = exp(a)·exp(b)",
    "rational": "the difference is a rational function of the remaining atoms that cancels to 0",
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
    return unfold(expr, ctx, trace)


def _derivatives(expr, ctx, trace):
    if expr.is_Atom or not expr.args:
        return expr
    args = [_derivatives(a, ctx, trace) for a in expr.args]
    if isinstance(expr, sp.Derivative):
        result = args[0]
        for variable, count in expr.variable_count:
            keep = variable.base if isinstance(variable, sp.Indexed) else variable
            result = unfold(result, ctx, trace, keep=keep)
            result = sp.diff(result, variable, count)
            trace.add("differentiate")
        return rename_bound(result)
    return expr.func(*args) if args != list(expr.args) else expr


def unfold(expr, ctx: Context, trace: Trace, keep=None):
    """Replace defined names by their definitions until none is left (except ``keep``)."""
    for _ in range(32):
        unfolded = _unfold_once(expr, ctx, trace, keep)
        if unfolded == expr:
            return expr
        expr = rename_bound(unfolded)
    raise IllFormed("a definition refers to itself (unfolding does not terminate)")


def _unfold_once(expr, ctx, trace, keep):
    if isinstance(expr, sp.Indexed):
        base = expr.base
        if base != keep:
            definition = ctx.definition(base)
            if definition is not None:
                trace.add("definition")
                return definition.entry(expr.indices[0])
            at = ctx.one_hot_at(base)
            if at is not None:
                trace.add("one-hot")
                return sp.KroneckerDelta(expr.indices[0], at)
        return expr
    if isinstance(expr, sp.Symbol):
        definition = ctx.definition(expr) if expr != keep else None
        if definition is not None:
            trace.add("definition")
            return definition.body
        return expr
    if expr.is_Atom or not expr.args:
        return expr
    args = [_unfold_once(a, ctx, trace, keep) for a in expr.args]
    rebuilt = expr.func(*args) if args != list(expr.args) else expr
    if isinstance(rebuilt, Softmax):
        trace.add("softmax")
        return rebuilt.unfold()
    if isinstance(rebuilt, LogSoftmax):
        trace.add("log-softmax")
        return rebuilt.unfold()
    if isinstance(rebuilt, CrossEntropy):
        trace.add("cross-entropy")
        return rebuilt.unfold()
    if isinstance(rebuilt, SumExcept):
        i, lo, hi = rebuilt.limits
        if _within(_range_of(rebuilt.skipped, ctx, {}), lo, hi, ctx):
            trace.add("sum-except")
            return rebuilt.unfold()
    return rebuilt


# --- ranges of indices ------------------------------------------------------------------------


def _range_of(index, ctx: Context, bound: dict):
    """The interval an index ranges over, or None when it is unknown."""
    if index.is_Integer:
        return (index, index)
    if index in bound:
        return bound[index]
    if isinstance(index, sp.Symbol) and index.is_integer and index != ctx.n:
        return (sp.Integer(1), ctx.n)
    return None


def nonnegative(expr, ctx: Context) -> bool:
    """Whether ``expr >= 0`` for every class count ``n >= minimum_classes``."""
    m = sp.Symbol("m", integer=True, nonnegative=True)
    value = sp.expand(sp.sympify(expr, strict=True).subs(ctx.n, m + ctx.minimum_classes))
    if value.is_nonnegative:
        return True
    # A polynomial in m with nonnegative coefficients is nonnegative.
    try:
        poly = sp.Poly(value, m)
    except sp.PolynomialError:
        return False
    return all(c.is_nonnegative for c in poly.all_coeffs())


def _within(interval, lo, hi, ctx) -> bool:
    if interval is None:
        return False
    a, b = interval
    return nonnegative(a - lo, ctx) and nonnegative(hi - b, ctx) and nonnegative(b - a, ctx)


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
    if expr.is_Atom or not expr.args:
        return expr
    if isinstance(expr, sp.Sum):
        return _sum(expr, ctx, trace, bound)
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
    if isinstance(expr, SumExcept):
        return _sum_except_delta(expr, trace)
    return expr


def _sum_except_delta(expr, trace):
    """Drop the terms of a sum that skips ``m`` which carry the factor δ(i, m)."""
    i, m = expr.variable, expr.skipped
    kept = []
    for term in sp.Add.make_args(sp.expand(expr.function)):
        factors = [f.base if (f.is_Pow and f.exp.is_Integer and f.exp > 0) else f for f in sp.Mul.make_args(term)]
        if any(isinstance(f, sp.KroneckerDelta) and set(f.args) == {i, m} for f in factors):
            continue
        kept.append(term)
    if len(kept) == len(sp.Add.make_args(sp.expand(expr.function))):
        return expr
    trace.add("sum-except-delta")
    return SumExcept(sp.Add(*kept), expr.limits, m) if kept else sp.Integer(0)


def _sum(expr, ctx, trace, bound):
    if len(expr.limits) != 1:
        inner = sp.Sum(expr.function, *expr.limits[:-1])
        return _sum(sp.Sum(inner, expr.limits[-1]), ctx, trace, bound)
    (i, lo, hi), = expr.limits
    inner_bound = dict(bound)
    inner_bound[i] = (lo, hi)
    function = _simplify(expr.function, ctx, trace, inner_bound)
    terms = sp.Add.make_args(sp.expand(function))
    if len(terms) > 1:
        trace.add("sum-linearity")
    total = []
    for term in terms:
        constant, varying = [], []
        for factor in sp.Mul.make_args(term):
            (varying if factor.has(i) else constant).append(factor)
        c = sp.Mul(*constant)
        if varying and constant and c != 1:
            trace.add("sum-factor")
        g = sp.Mul(*varying)
        if not varying:
            trace.add("sum-constant")
            total.append(c * (hi - lo + 1))
            continue
        collapsed = _collapse_delta(varying, i, lo, hi, ctx, bound)
        if collapsed is not None:
            trace.add("delta-collapse")
            total.append(c * collapsed)
            continue
        if (isinstance(g, sp.Indexed) and g.indices == (i,) and lo == 1 and hi == ctx.n
                and ctx.sums_to_one(g.base)):
            trace.add("sum-to-one")
            total.append(c)
            continue
        total.append(c * sp.Sum(g, (i, lo, hi)))
    return sp.Add(*total)


def _collapse_delta(factors, i, lo, hi, ctx, bound):
    for position, factor in enumerate(factors):
        delta = factor.base if (factor.is_Pow and factor.exp.is_Integer and factor.exp > 0) else factor
        if not isinstance(delta, sp.KroneckerDelta):
            continue
        a, b = delta.args
        other = b if a == i else a if b == i else None
        if other is None or other.has(i):
            continue
        if not _within(_range_of(other, ctx, bound), lo, hi, ctx):
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
    if isinstance(expr, sp.Indexed):
        return isinstance(expr.base, Vector) and expr.base.domain == "positive"
    if isinstance(expr, (sp.Sum, SumExcept)):
        return _positive(expr.function, ctx)
    if isinstance(expr, Softmax):
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


@dataclass
class Atoms:
    """A two-way table between non-rational subexpressions and fresh symbols."""

    ctx: Context
    symbols: dict = field(default_factory=dict)

    def symbol(self, key, positive=False) -> sp.Symbol:
        found = self.symbols.get(key)
        if found is None:
            name = f"a{len(self.symbols)}"
            found = sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)
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
            if coefficient.is_Integer and core != 1:
                result *= atoms.symbol(sp.exp(core), positive=True) ** coefficient
            else:
                result *= atoms.symbol(sp.exp(term), positive=True)
        return result
    key = canonical(expr)
    return atoms.symbol(key, positive=_positive(expr, atoms.ctx))


def canonical(expr, depth=0):
    """Rename bound indices to names fixed by nesting depth, so equal sums are equal keys."""
    if expr.is_Atom or not expr.args:
        return expr
    if isinstance(expr, sp.Sum) and len(expr.limits) == 1:
        (i, lo, hi), = expr.limits
        fixed = sp.Symbol(f"ι{depth}", integer=True)
        return sp.Sum(canonical(expr.function.xreplace({i: fixed}), depth + 1), (fixed, lo, hi))
    if isinstance(expr, SumExcept):
        i, lo, hi = expr.limits
        fixed = sp.Symbol(f"ι{depth}", integer=True)
        return SumExcept(canonical(expr.function.xreplace({i: fixed}), depth + 1), (fixed, lo, hi),
                         expr.skipped)
    return expr.func(*[canonical(a, depth) for a in expr.args])


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
    return False, tuple(trace.used)
