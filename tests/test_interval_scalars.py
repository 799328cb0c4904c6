"""Scalars over an interval: scalar("ε", (0, 1)) open, scalar("ε", sp.Interval(0, 1)) closed, ...

The interval is part of the scalar's identity (equality, cache keys, name
clashes), instances and counterexamples take the scalar inside it (closed ends
included, open ends never), the sign rules read it only through
``positive_in_domain``, numeric checks use its closed ends as inputs, and the
notes state it.  The oracle in each test is the interval itself, written out by
hand, never the code under test.
"""

from __future__ import annotations

import dataclasses
import pickle
from fractions import Fraction

import pytest
import sympy as sp

from derive import D, Case, Proof, Source, Vector, classes, conclusion, exp, indices, log, scalar, softmax, step, sum_over
from derive.cache.codec import expression_data, expression_from_data
from derive.cache.keys import step_key
from derive.core.checker import check_equal
from derive.core.context import Context
from derive.core.instances import interval_candidates, random_points
from derive.core.normalise import is_positive
from derive.core.objects import BoundedScalar, IllFormed, positive_in_domain
from derive.core.verdict import Verdict
from derive.numeric.check import check_one

OPEN = (0, 1)
CLOSED = sp.Interval(0, 1)
RIGHT_OPEN = sp.Interval.Ropen(0, 1)
LEFT_OPEN = sp.Interval.Lopen(0, 1)


def inside(value, lo, hi, left_open, right_open) -> bool:
    """Membership written out by hand (the oracle), for Fractions or numbers."""
    above = value > lo if left_open else value >= lo
    below = value < hi if right_open else value <= hi
    return above and below


# --- the API and its errors --------------------------------------------------------------------------


def test_a_pair_is_an_open_interval_and_an_interval_is_taken_as_written():
    eps = scalar("ε", OPEN)
    assert isinstance(eps, BoundedScalar) and eps.interval == sp.Interval.open(0, 1)
    assert eps.is_positive and eps.is_real
    closed = scalar("ε", CLOSED)
    assert closed.interval == sp.Interval(0, 1) and closed.is_nonnegative and closed.is_positive is None
    half = scalar("h", sp.Interval(sp.Rational(1, 2), 2))
    assert half.is_positive and half.interval.start == sp.Rational(1, 2)
    negative = scalar("m", sp.Interval(-2, -1))
    assert negative.is_negative
    either = scalar("c", sp.Interval(-1, 1))
    assert either.is_real and either.is_positive is None and either.is_negative is None


def test_the_named_domains_are_plain_symbols_as_before():
    for domain in ("real", "positive", "nonnegative"):
        assert type(scalar("T", domain)) is sp.Symbol


@pytest.mark.parametrize("domain, says", [
    ((0, 0.5), "float is inexact"),
    ((1, 0), "is empty"),
    ((0, "1"), "not an integer or a rational"),
    ((True, 2), "not an integer or a rational"),
    (sp.Interval(0, sp.oo), "half-line"),
    (sp.Interval(1, 1), "not an interval with two different ends"),
    (sp.Interval(2, 1), "not an interval with two different ends"),
    ([0, 1], "unknown domain"),
    ("probability", "unknown domain"),
    ((0, 1, 2), "unknown domain"),
])
def test_a_domain_that_is_not_an_interval_with_rational_ends_is_a_one_line_error_saying_what_to_write(domain, says):
    with pytest.raises(IllFormed) as error:
        scalar("eps", domain)
    message = str(error.value)
    assert "\n" not in message and message.startswith("scalar 'eps'") and says in message
    assert "(0, 1)" in message and "sp.Interval(0, 1)" in message


# --- the interval is part of the scalar's identity ------------------------------------------------------


def test_scalars_of_one_name_over_different_intervals_are_different_objects():
    kinds = [scalar("ε", OPEN), scalar("ε", CLOSED), scalar("ε", RIGHT_OPEN), scalar("ε", LEFT_OPEN),
             scalar("ε", sp.Interval(0, 2)), scalar("ε", "positive"), scalar("ε", "nonnegative")]
    assert len(set(kinds)) == len(kinds)
    assert scalar("ε", OPEN) == scalar("ε", sp.Interval.open(0, 1))


def test_the_interval_survives_substitution_rebuilding_and_pickling():
    eps, x = scalar("ε", CLOSED), sp.Symbol("x")
    expr = (1 - eps) * x + eps ** 2
    for rebuilt in (expr.subs(x, 2), expr.xreplace({x: 3}), expr.func(*expr.args), pickle.loads(pickle.dumps(expr))):
        (found,) = rebuilt.atoms(BoundedScalar)
        assert found == eps and found.interval == sp.Interval(0, 1)
    assert sp.diff(expr, eps).atoms(BoundedScalar) == {eps}


def test_cache_keys_differ_by_the_interval_alone():
    ctx = Context(None)
    keys = {step_key(1 - e, e, ctx) for e in (scalar("ε", OPEN), scalar("ε", CLOSED), scalar("ε", RIGHT_OPEN),
                                              scalar("ε", sp.Interval(0, 2)), scalar("ε", "nonnegative"))}
    assert len(keys) == 5
    assert step_key(1 - scalar("ε", OPEN), 1, ctx) == step_key(1 - scalar("ε", (0, 1)), 1, ctx)


def test_the_cache_codec_rebuilds_a_bounded_scalar_exactly():
    expr = (1 - scalar("ε", CLOSED)) * log(scalar("ε", OPEN)) + scalar("h", sp.Interval.Lopen(sp.Rational(1, 3), 2))
    data = expression_data(expr)
    rebuilt = expression_from_data(data)
    assert rebuilt == expr
    assert {s.interval for s in rebuilt.atoms(BoundedScalar)} == {
        sp.Interval(0, 1), sp.Interval.open(0, 1), sp.Interval.Lopen(sp.Rational(1, 3), 2)}


def test_two_scalars_of_one_name_over_different_intervals_in_one_step_are_an_error_naming_both():
    outcome = check_equal(scalar("ε", OPEN), scalar("ε", CLOSED), Context(None))
    assert outcome.verdict is Verdict.ERROR
    assert "0 < ε < 1" in outcome.message and "0 ≤ ε ≤ 1" in outcome.message


# --- the sign rule reads the interval through positive_in_domain only ----------------------------------


@pytest.mark.parametrize("domain, one_minus_positive", [
    (OPEN, True), (RIGHT_OPEN, True), (CLOSED, False), (LEFT_OPEN, False), (sp.Interval(0, 2), False),
])
def test_one_minus_eps_is_positive_exactly_when_the_interval_keeps_eps_below_one(domain, one_minus_positive):
    eps = scalar("ε", domain)
    assert positive_in_domain(1 - eps) is one_minus_positive


def test_positive_in_domain_decides_affine_expressions_at_the_ends():
    eps, closed = scalar("ε", OPEN), scalar("ε", CLOSED)
    assert positive_in_domain(eps) and not positive_in_domain(closed)  # 0 is a value of the closed one
    assert positive_in_domain(closed + sp.Rational(1, 100))
    assert positive_in_domain(2 - 3 * scalar("h", sp.Interval.Ropen(0, sp.Rational(2, 3))))  # 0 only at the open end
    assert not positive_in_domain(2 - 3 * scalar("h", sp.Interval(0, sp.Rational(2, 3))))
    assert not positive_in_domain(2 - 3 * closed)  # -1 at ε = 1
    assert not positive_in_domain(eps * (1 - eps))  # not affine: not known
    assert not positive_in_domain(1 - eps + sp.Symbol("x"))  # another free symbol: not known
    assert not positive_in_domain(1 - scalar("t", "positive"))  # no interval: not known


def test_the_normaliser_uses_one_minus_eps_positive_only_for_an_interval_that_says_so():
    k = classes("k")
    assert is_positive(1 - scalar("ε", OPEN), Context(k))
    assert not is_positive(1 - scalar("ε", CLOSED), Context(k))


# --- instances and counterexamples stay inside the interval --------------------------------------------


@pytest.mark.parametrize("interval", [
    sp.Interval.open(0, 1), sp.Interval(0, 1), sp.Interval.Ropen(0, 1), sp.Interval.Lopen(0, 1),
    sp.Interval(sp.Rational(1, 3), sp.Rational(1, 2)), sp.Interval.open(-5, -2), sp.Interval(-1, 10),
])
def test_candidates_lie_inside_the_interval_with_its_closed_ends_and_without_its_open_ones(interval):
    lo, hi = Fraction(str(interval.start)), Fraction(str(interval.end))
    values = interval_candidates(interval)
    assert len(values) >= 4 and len(set(values)) == len(values)
    assert all(inside(v, lo, hi, interval.left_open, interval.right_open) for v in values)
    assert (lo in values) is (not interval.left_open)
    assert (hi in values) is (not interval.right_open)


def test_random_points_lie_strictly_inside_the_interval():
    eps = scalar("ε", sp.Interval(sp.Rational(1, 3), sp.Rational(1, 2)))
    points = random_points([eps], 2, 50, Context(None), seed=3)
    values = [point[eps][0] for point in points]
    assert all(Fraction(1, 3) < v < Fraction(1, 2) for v in values) and len(set(values)) > 10


@pytest.mark.parametrize("domain, expected", [
    (CLOSED, Fraction(1)),        # 0 agrees, the closed end 1 is tried next
    (LEFT_OPEN, Fraction(1)),
    (OPEN, Fraction(1, 2)),       # never the open end 1
    (RIGHT_OPEN, Fraction(1, 2)),
])
def test_a_slip_false_at_eps_one_is_refuted_at_the_closed_end_and_inside_an_open_one(domain, expected):
    eps = scalar("ε", domain)
    outcome = check_equal(sp.Integer(1), 1 - eps, Context(None))
    assert outcome.verdict is Verdict.REFUTED
    (name, (value,)), = outcome.counterexample.inputs
    assert name == "ε" and Fraction(value) == expected


@pytest.mark.parametrize("domain", [OPEN, CLOSED, RIGHT_OPEN, LEFT_OPEN])
def test_a_step_true_only_for_eps_at_most_one_is_not_refuted_over_the_unit_interval(domain):
    eps = scalar("ε", domain)
    outcome = check_equal(sp.sqrt((1 - eps) ** 2), 1 - eps, Context(None))  # |1 − ε| = 1 − ε holds for ε ≤ 1
    assert outcome.verdict not in (Verdict.REFUTED, Verdict.ERROR)


@pytest.mark.parametrize("domain", ["real", sp.Interval(0, 2), (sp.Rational(1, 2), 3)])
def test_the_same_step_is_refuted_with_eps_above_one_where_the_domain_allows_it(domain):
    eps = scalar("ε", domain)
    outcome = check_equal(sp.sqrt((1 - eps) ** 2), 1 - eps, Context(None))
    assert outcome.verdict is Verdict.REFUTED
    (_, (value,)), = outcome.counterexample.inputs
    assert Fraction(value) > 1


def test_splitting_a_log_of_one_minus_eps_is_proved_for_eps_below_one_and_never_where_eps_may_be_one():
    k = classes("k")
    (j,) = indices("j")
    y = Vector("y", "positive")
    for domain in (OPEN, RIGHT_OPEN):
        eps = scalar("ε", domain)
        assert check_equal(log((1 - eps) * y[j]), log(1 - eps) + log(y[j]), Context(k)).verdict is Verdict.PROVED
    for domain in (CLOSED, LEFT_OPEN):  # at ε = 1 the log is of 0: no proof may rest on 1 − ε > 0
        eps = scalar("ε", domain)
        outcome = check_equal(log((1 - eps) * y[j]), log(1 - eps) + log(y[j]), Context(k))
        assert outcome.verdict not in (Verdict.PROVED, Verdict.REFUTED)


# --- numeric checks use the closed ends ---------------------------------------------------------------


def _smoothed_conclusion(domain):
    k = classes("k")
    i, j = indices("i j")
    eps, z, p, L = scalar("ε", domain), Vector("z"), Vector("p"), scalar("L")
    definitions = {p: lambda a: softmax(z, a, k), L: (1 - eps) * log(sum_over(exp(z[i]), i, k))}
    return conclusion("scaled-logsumexp", (1 - eps) * p[j], of=L, wrt=z[j], classes=k, definitions=definitions)


def _eps_of(row) -> float:
    return float(row.input_kind.split("ε = ")[1])


def test_numeric_rows_take_the_closed_ends_at_all_equal_and_one_dominating():
    found = {kind: check_one(_smoothed_conclusion(CLOSED), 3, kind) for kind in
             ("random", "scale 1e3", "one dominating", "all equal")}
    assert all(row.passed for row in found.values())
    assert _eps_of(found["all equal"]) == 0 and _eps_of(found["one dominating"]) == 1
    assert all(0 < _eps_of(found[kind]) < 1 for kind in ("random", "scale 1e3"))


def test_numeric_rows_never_take_an_open_end():
    for domain in (OPEN, RIGHT_OPEN, LEFT_OPEN):
        rows = [check_one(_smoothed_conclusion(domain), 3, kind) for kind in
                ("random", "scale 1e3", "one dominating", "all equal")]
        assert all(row.passed for row in rows)
        values = [_eps_of(row) for row in rows]
        interval = scalar("ε", domain).interval
        assert all(inside(v, 0, 1, interval.left_open, interval.right_open) for v in values), (domain, values)
        assert (0 in values) is (not interval.left_open) and (1 in values) is (not interval.right_open)


def test_a_formula_wrong_only_in_eps_fails_at_the_upper_end():
    right = _smoothed_conclusion(CLOSED)
    wrong = dataclasses.replace(right, formula=right.formula.subs(scalar("ε", CLOSED), 0))  # (1 − ε) dropped
    assert not check_one(wrong, 3, "one dominating").passed  # at ε = 1 the gradient is 0, not p_j


# --- the notes state the domain -----------------------------------------------------------------------


@pytest.mark.parametrize("domain, latex_text, unicode_text", [
    (OPEN, r"$0 < \epsilon < 1$", "0 < ε < 1"),
    (CLOSED, r"$0 \le \epsilon \le 1$", "0 ≤ ε ≤ 1"),
    (RIGHT_OPEN, r"$0 \le \epsilon < 1$", "0 ≤ ε < 1"),
    (sp.Interval.Lopen(sp.Rational(1, 2), 2), r"$\frac{1}{2} < \epsilon \le 2$", "1/2 < ε ≤ 2"),
])
def test_the_notes_state_the_domain_in_latex_and_unicode(domain, latex_text, unicode_text):
    from derive.render.document import proof_latex
    from derive.render.notes import proof_view

    eps = scalar("ε", domain)
    x = scalar("x")
    case = Case("scaled", "Scaling", start=D(eps * x, x), steps=(step(eps, "the derivative of a multiple"),))
    proof = Proof(id="scaled", title="Scaling", source=Source("a test"), claim="d(εx)/dx = ε", cases=[case])
    assert latex_text in "\n".join(proof_latex(proof_view(proof)))
    assert eps.domain_text() == unicode_text
