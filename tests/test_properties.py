"""Property-based tests of the trusted core (hypothesis).

Expressions are drawn at random from the grammar the proofs use: entries of a
real vector z and of a positive vector p at the free indices j and m, sums over
1..k, exp, log of positive expressions, softmax, products, quotients by
positive expressions and derivatives with respect to z_j or p_m.

* Paired with a version rewritten by a known identity, an expression must
  never be REFUTED (nor ill-formed).  Pairs that are identical or equal after
  ``sympy.expand`` prove nothing about the normaliser and are not drawn, and
  at least :data:`MIN_PROVED_SHARE` of the pairs must come out PROVED: a
  checker that gave up on everything would otherwise pass.
* Paired with a perturbed version that the independent oracle
  (``tests/oracle.py``) finds different at some point, it must never be
  PROVED, VERIFIED or NUMERIC.
* Paired with a version that differs only from some k between 4 and 10 on
  (a term c·(k − 2)(k − 3)···(k − r) times an expression that is never 0), it
  must never be PROVED; and when the two differ from k = 7 or earlier, never
  VERIFIED or NUMERIC either: the instance checks must reach a k where they
  differ.

Each property runs a fixed number of examples, derandomised, so that every
run checks the same expressions.
"""

from __future__ import annotations

from datetime import timedelta

import sympy as sp
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from derive.core.checker import check_equal
from derive.core.context import Context, Distinct, Equal
from derive.core.objects import D, Softmax, SumExcept, Vector, classes, exp, indices, log, softmax, sum_over
from derive.core.verdict import Verdict
from derive.model.proof import Case, step
from oracle import Oracle, PreciseOracle

k = classes("k")
i, j, m, q = indices("i j m q")
z = Vector("z")
p = Vector("p", "positive")

SETTINGS = settings(max_examples=200, derandomize=True, database=None, deadline=timedelta(seconds=30),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
MIN_PROVED_SHARE = 0.8   # of the non-trivial identity pairs (about 90 % today)
BUDGET = 5.0      # seconds per check
MAX_CLASSES = 3   # instances k = 2..3

# --- the grammar ---------------------------------------------------------------------------------

REAL_LEAVES = [z[j], z[m], p[j], sp.Integer(2), sp.Integer(-1), sp.Rational(1, 2)]
POSITIVE_LEAVES = [p[j], p[m], exp(z[j]), exp(z[m]), sp.Integer(2), sum_over(exp(z[i]), i, k), softmax(z, j, k)]
SUMMANDS = [z[i], p[i], exp(z[i]), z[i] * z[j], p[i] * exp(z[m]), z[i] * exp(z[i]), log(p[i]), p[i] ** 2]
VARIABLES = [z[j], z[m], p[m]]


@st.composite
def positive(draw, depth=2):
    """An expression that is positive at every point (so that log and division are defined)."""
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(POSITIVE_LEAVES))
    kind = draw(st.sampled_from(["add", "mul", "div", "exp", "sum"]))
    if kind == "exp":
        return exp(draw(real(depth - 1)))
    if kind == "sum":
        return sum_over(draw(st.sampled_from([exp(z[i]), p[i], p[i] * exp(z[i])])), i, k)
    a, b = draw(positive(depth - 1)), draw(positive(depth - 1))
    return {"add": a + b, "mul": a * b, "div": a / b}[kind]


@st.composite
def real(draw, depth=2):
    """Any expression of the grammar."""
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(REAL_LEAVES + POSITIVE_LEAVES))
    kind = draw(st.sampled_from(["add", "sub", "mul", "div", "exp", "log", "sum", "derivative", "positive"]))
    if kind == "positive":
        return draw(positive(depth - 1))
    if kind == "exp":
        return exp(draw(real(depth - 1)))
    if kind == "log":
        return log(draw(positive(depth - 1)))
    if kind == "sum":
        return sum_over(draw(st.sampled_from(SUMMANDS)) * draw(st.sampled_from([1, 2, z[j], p[m]])), i, k)
    if kind == "derivative":
        return D(draw(real(depth - 1)), draw(st.sampled_from(VARIABLES)))
    a = draw(real(depth - 1))
    if kind == "div":
        return a / draw(positive(depth - 1))
    b = draw(real(depth - 1))
    return {"add": a + b, "sub": a - b, "mul": a * b}[kind]


CONTEXTS = st.sampled_from([Context(k), Context(k, (Distinct(j, m),)), Context(k, (Equal(j, m),))])

def _size_class(e) -> str:
    nodes = sum(1 for _ in sp.preorder_traversal(e))
    return "1-3 nodes" if nodes <= 3 else "4-10 nodes" if nodes <= 10 else "11-30 nodes" if nodes <= 30 else "over 30"


# --- identities, each applied where it holds ---------------------------------------------------


def _known_positive(e) -> bool:
    """Positive by its form (this test's own judgement, not the checker's)."""
    if e.is_Number:
        return bool(e > 0)
    if isinstance(e, (sp.exp, Softmax)):
        return True
    if isinstance(e, sp.Indexed):
        return e.base == p
    if isinstance(e, sp.Sum):
        return _known_positive(e.function)
    if e.is_Add or e.is_Mul:
        return all(_known_positive(a) for a in e.args)
    if e.is_Pow:
        return _known_positive(e.base) and e.exp.is_Integer
    return False


def _split_sums(e):
    """Σ (f + g) = Σ f + Σ g, and Σ c·f = c·Σ f for c free of the summation index."""
    def split(s):
        (index, lo, hi), = s.limits
        total = []
        for term in sp.Add.make_args(sp.expand(s.function)):
            c, f = term.as_independent(index, as_Add=False)
            total.append(c * sp.Sum(f, (index, lo, hi)))
        return sp.Add(*total)

    return e.replace(lambda x: isinstance(x, sp.Sum) and len(x.limits) == 1, split)


def _exp_sum(e):
    """exp(a + b) = exp(a)·exp(b)."""
    return e.replace(lambda x: isinstance(x, sp.exp) and x.args[0].is_Add,
                     lambda x: sp.Mul(*[sp.exp(a) for a in x.args[0].args]))


def _log_product(e):
    """log(a·b) = log a + log b for positive a, b."""
    return e.replace(lambda x: isinstance(x, sp.log) and x.args[0].is_Mul and
                     all(_known_positive(f) for f in x.args[0].args),
                     lambda x: sp.Add(*[sp.log(f) for f in x.args[0].args]))


def _softmax_formula(e):
    """softmax(z)_j = exp(z_j) / Σ_i exp(z_i)."""
    return e.replace(lambda x: isinstance(x, Softmax),
                     lambda x: sp.exp(x.args[0][x.args[1]]) / sp.Sum(sp.exp(x.args[0][i]), (i, 1, x.args[2])))


def _differentiate(e):
    """A derivative (of an expression without softmax) evaluated by SymPy's calculus."""
    return e.replace(lambda x: isinstance(x, sp.Derivative) and not x.expr.has(Softmax, sp.Derivative),
                     lambda x: sp.diff(x.expr, *x.variables))


def _delta(e):
    """f(j) = Σ_q δ(q, j) f(q): an entry at a free index written as a sum that picks it out.

    The variable of a derivative is left as it is (it must stay an entry).
    """
    if isinstance(e, sp.Derivative):
        return sp.Derivative(_delta(e.expr), *e.variable_count, evaluate=False)
    if e == z[j]:
        return sp.Sum(sp.KroneckerDelta(q, j) * z[q], (q, 1, k))
    if e == p[m]:
        return sp.Sum(sp.KroneckerDelta(q, m) * p[q], (q, 1, k))
    if e.is_Atom or isinstance(e, sp.Indexed) or not e.args:
        return e
    args = [_delta(a) if isinstance(a, sp.Basic) and not isinstance(a, sp.Tuple) else a for a in e.args]
    return e.func(*args) if args != list(e.args) else e


def _sum_except(e):
    """Σ_i f(i) = Σ_{i≠j} f(i) + f(j)."""
    def split(s):
        (index, lo, hi), = s.limits
        return SumExcept(s.function, (index, lo, hi), j) + s.function.xreplace({index: j})

    return e.replace(lambda x: isinstance(x, sp.Sum) and len(x.limits) == 1 and x.limits[0][1:] == (1, k), split)


def _with_zero(e, t):
    with sp.evaluate(False):
        return sp.Add(e, t, sp.Mul(-1, t))


def _with_one(e, t):
    with sp.evaluate(False):
        return sp.Mul(e, t, sp.Pow(t, -1))


REWRITES = ["expand", "add-zero", "multiply-one", "exp-sum", "split-sums", "log-product", "softmax",
            "differentiate", "delta", "sum-except"]


@st.composite
def rewritten(draw, e):
    """``e`` rewritten by one to three identities; returns (names, expression)."""
    names = draw(st.lists(st.sampled_from(REWRITES), min_size=1, max_size=3))
    for name in names:
        if name == "expand":
            e = sp.expand(e)
        elif name == "add-zero":
            e = _with_zero(e, draw(real(1)))
        elif name == "multiply-one":
            e = _with_one(e, draw(positive(1)))
        elif name == "exp-sum":
            e = _exp_sum(e)
        elif name == "split-sums":
            e = _split_sums(e)
        elif name == "log-product":
            e = _log_product(e)
        elif name == "softmax":
            e = _softmax_formula(e)
        elif name == "delta":
            e = _delta(e)
        elif name == "sum-except":
            e = _sum_except(e)
        else:
            e = _differentiate(e)
    return names, e


def _trivial(left, right) -> bool:
    """Identical, or equal after ``sympy.expand``: such a pair asks nothing of the normaliser."""
    if left == right:
        return True
    try:
        return sp.expand(left) == sp.expand(right)
    except Exception:  # an expansion SymPy cannot do: the pair is not trivial by this test
        return False


@st.composite
def identity_pairs(draw):
    e = draw(real(3))
    names, other = draw(rewritten(e))
    assume(not _trivial(e, other))
    return e, other, names


def test_an_expression_and_its_rewriting_by_identities_are_never_refuted_and_mostly_proved():
    verdicts = []

    @given(pair=identity_pairs(), ctx=CONTEXTS)
    @settings(SETTINGS, max_examples=150)
    def never_refuted(pair, ctx):
        left, right, names = pair
        outcome = check_equal(left, right, ctx, seconds=BUDGET, max_classes=MAX_CLASSES)
        event(f"identity: {outcome.verdict}")
        event(f"identity: size {_size_class(left)}")
        assert outcome.verdict is not Verdict.REFUTED, (names, left, right, outcome.evidence())
        assert outcome.verdict is not Verdict.ERROR, (names, left, right, outcome.message)
        verdicts.append(outcome.verdict)

    never_refuted()
    proved = sum(v is Verdict.PROVED for v in verdicts)
    assert len(verdicts) >= 100, f"only {len(verdicts)} non-trivial pairs were drawn"
    assert proved >= MIN_PROVED_SHARE * len(verdicts), \
        f"only {proved} of {len(verdicts)} identities PROVED (at least {MIN_PROVED_SHARE:.0%} must be)"


# --- perturbations ---------------------------------------------------------------------------

NEVER_ZERO = [sp.Integer(1), sp.Integer(-2), sp.Rational(1, 2), exp(z[j]), p[m], sum_over(exp(z[i]), i, k),
              softmax(z, m, k)]


def _positions(e, path=()):
    yield path, e
    for position, arg in enumerate(e.args):
        if isinstance(arg, sp.Basic) and not isinstance(arg, (sp.Tuple, sp.Indexed)):
            yield from _positions(arg, path + (position,))


def _replace(e, path, new):
    if not path:
        return new
    args = list(e.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return e.func(*args)


@st.composite
def perturbed_pairs(draw):
    e = draw(real(3))
    c = draw(st.sampled_from(NEVER_ZERO))
    kind = draw(st.sampled_from(["add", "add", "scale", "inside"]))
    if kind == "add":
        other = e + c
    elif kind == "scale":
        other = e * (1 + draw(st.sampled_from(NEVER_ZERO[3:])))
    else:
        places = [(path, node) for path, node in _positions(e)
                  if path and not isinstance(node, sp.Symbol) and node.is_commutative and node.is_Atom is False]
        if not places:
            other = e + c
        else:
            path, node = draw(st.sampled_from(places))
            other = _replace(e, path, node + c)
    return e, other, kind


def _oracle_sees_a_difference(left, right, ctx) -> bool:
    case = Case("pair", "pair", classes=k, start=left, steps=(step(right, "perturbed"),),
                assumptions=ctx.assumptions)
    oracle = Oracle(case)
    # z[j] + p[m] names both vectors: softmax(z, j, k) mentions z as a whole, not by its entries
    for point in oracle.points([left, right, z[j] + p[m]], ks=(2, 3), per_assignment=1):
        if oracle.defined(left, point) and oracle.defined(right, point) and not oracle.agree(left, right, point):
            return True
    return False


@given(pair=perturbed_pairs(), ctx=CONTEXTS)
@SETTINGS
def test_an_expression_and_a_perturbation_that_differs_are_never_proved_or_verified(pair, ctx):
    left, right, kind = pair
    if not _oracle_sees_a_difference(left, right, ctx):
        event("perturbation not seen by the oracle: nothing to check")
        return
    outcome = check_equal(left, right, ctx, seconds=BUDGET, max_classes=MAX_CLASSES)
    event(f"perturbation: {outcome.verdict}")
    assert outcome.verdict not in (Verdict.PROVED, Verdict.VERIFIED, Verdict.NUMERIC), \
        (kind, left, right, outcome.evidence())


# --- statements that hold for small k only ------------------------------------------------------

SMALL_K_SETTINGS = settings(SETTINGS, max_examples=30)
REACHED = 7   # the instance checks must reach this k: a pair that differs from here on is never VERIFIED


@st.composite
def small_k_pairs(draw):
    """(left, right, first k where they differ): right = left + c·(k − 2)···(k − r)·g, with g never 0.

    The term vanishes at k = 2..r and at no larger k; it is added to the
    whole expression, or to the summand of a sum over 1..k in it.
    """
    e = draw(real(2))
    r = draw(st.integers(3, 9))
    c = draw(st.sampled_from([sp.Integer(1), sp.Integer(-3), sp.Rational(1, 7)]))
    vanishing = c * sp.Mul(*[k - root for root in range(2, r + 1)])
    sums = [s for s in sp.preorder_traversal(e) if isinstance(s, sp.Sum) and s.limits[0][1:] == (1, k)]
    if sums and draw(st.booleans()):
        target = draw(st.sampled_from(sums))
        index = target.limits[0][0]
        # Σ_i (f(i) + c·P(k)·e^{z_i}) = Σ_i f(i) + c·P(k)·Σ_i e^{z_i}: the added sum is never 0
        other = e.xreplace({target: sp.Sum(target.function + vanishing * sp.exp(z[index]), target.limits[0])})
    else:
        other = e + vanishing * draw(st.sampled_from(NEVER_ZERO))
    return e, other, r + 1


@given(pair=small_k_pairs(), ctx=CONTEXTS)
@SMALL_K_SETTINGS
def test_a_statement_that_fails_only_from_some_k_up_to_10_is_never_proved(pair, ctx):
    left, right, first = pair
    case = Case("pair", "pair", classes=k, start=left, steps=(step(right, "differs from k = %d" % first),),
                assumptions=ctx.assumptions)
    oracle = PreciseOracle(case)
    seen = [pt for pt in oracle.points([left, right, z[j] + p[m]], ks=[first], per_assignment=1, limit=4)
            if oracle.compare(left, right, pt) == "differ"]
    assume(seen)   # the oracle confirms that they differ at the first k where the term is not 0
    agree = [pt for pt in oracle.points([left, right, z[j] + p[m]], ks=[2], per_assignment=1, limit=4)
             if oracle.compare(left, right, pt) == "differ"]
    assert not agree, "the pair should agree at k = 2"
    outcome = check_equal(left, right, ctx, seconds=BUDGET)
    event(f"small k: differs from k = {first}: {outcome.verdict}")
    assert outcome.verdict is not Verdict.PROVED, (first, left, right, outcome.evidence())
    if first <= REACHED:
        assert outcome.verdict not in (Verdict.VERIFIED, Verdict.NUMERIC), (first, left, right, outcome.evidence())
