"""The checker never accepts a false statement: one test per kind of input that once fooled it.

Each test is a statement a user can write with the public API.  False ones
must never be PROVED, VERIFIED or NUMERIC; true ones must be PROVED; ill-formed
or contradictory ones are an ERROR whose one-line message says what is wrong.
Truth is stated here from the mathematics (and, for counterexamples, checked
against the point the checker reports), never taken from the checker.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from sympy import KroneckerDelta, Rational

from derive import (Case, D, Distinct, Equal, OneHot, SumsToOne, Vector, check_equal, classes, exp, indices, log,
                    logsumexp, mean_over, sigmoid, softplus, tanh,
                    scalar, softmax, step, sum_except, sum_over)
from derive.core.context import Context, Definition, IllFormed
from derive.core.instances import random_points
from derive.core.verdict import Verdict
from derive.model.proof import ModelError

k = classes("k")
i, j, l, m = indices("i j l m")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p", "positive")
S = scalar("S")

ACCEPTING = (Verdict.PROVED, Verdict.VERIFIED, Verdict.NUMERIC)


def ctx(*assumptions, definitions=None):
    return Context(k, tuple(assumptions), tuple(Definition.of(a, b) for a, b in (definitions or {}).items()))


def verdict(left, right, context=None):
    return check_equal(left, right, context or ctx(), seconds=20)


def rejected(outcome):
    return outcome.verdict not in ACCEPTING


# --- 1. sum bounds, index values, sizes and class counts are integers -----------------------------


def test_a_sum_bound_that_is_not_an_integer_is_an_error():
    outcome = verdict(sum_over(1, i, k - Rational(1, 2)), k - Rational(1, 2))
    assert outcome.verdict is Verdict.ERROR
    assert "k - 1/2" in outcome.message and "not integer-valued" in outcome.message


def test_an_index_that_is_not_an_integer_is_an_error():
    outcome = verdict(z[j], z[j])
    assert outcome.verdict is Verdict.PROVED
    outcome = check_equal(sp.Indexed(z, Rational(3, 2)), 0, ctx())
    assert outcome.verdict is Verdict.ERROR and "not integer-valued" in outcome.message


# --- 2. definitions are validated; rules get the real range facts ----------------------------------


def test_a_definition_summing_beyond_k_gets_the_real_range_of_its_index():
    # Σ_{i=1}^{2k} Σ_{m≠i, m≤k} 1 = k(k-1) + k·k: for i > k nothing is skipped.  The sum-except rule must not
    # assume that i lies in 1..k just because it is an index.
    context = ctx(definitions={S: sum_over(sum_except(1, m, k, i), i, 2 * k)})
    assert rejected(verdict(S, 2 * k * (k - 1), context))
    assert verdict(S, 2 * k ** 2 - k, context).verdict in (Verdict.PROVED, Verdict.VERIFIED)


def test_a_definition_indexing_beyond_its_vector_is_an_error():
    with pytest.raises(IllFormed, match="the definition of S: index i in z\\[i\\] may lie outside 1..k"):
        ctx(definitions={S: sum_over(z[i], i, 2 * k)})


def test_a_definition_may_use_a_free_index_the_case_declares():
    context = ctx(Equal(m, j), definitions={S: z[j] ** 2})
    # the definition's j is the steps' j, also through the assumption m = j
    assert verdict(D(S, z[m]), 2 * z[m], context).verdict is Verdict.PROVED
    assert rejected(verdict(D(S, z[l]), 0, ctx(definitions={S: z[j] ** 2})))


def test_an_index_only_a_definition_mentions_is_claimed_for_every_value():
    # L = z_l²: "∂L/∂z_j = 0" claims it for every j and l, and is false at j = l
    outcome = check_equal(D(S, z[j]), 0, ctx(definitions={S: z[l] ** 2}), known=frozenset({"S", "z", "j", "l", "k"}))
    assert outcome.verdict is Verdict.REFUTED
    indices_ = dict(outcome.counterexample.indices)
    assert indices_["j"] == indices_["l"]


def test_a_self_referential_definition_is_an_error_at_once():
    w = Vector("w")
    with pytest.raises(IllFormed, match="the definitions refer to themselves: w → w"):
        ctx(definitions={w: lambda a: w[a] + 1})
    v = Vector("v")
    with pytest.raises(IllFormed, match="refer to themselves"):
        ctx(definitions={w: lambda a: v[a], v: lambda a: w[a]})


def test_sum_except_unfolds_only_where_the_skipped_index_is_known_to_lie_in_range():
    # Σ_{m=1}^{k-1} Σ_{i≠m, i=2..k} 1: for m = 1 nothing is skipped, so the total is (k-1)^2 - (k-2), not (k-1)(k-2)
    inner = sum_except(1, i, k, m, start=2)
    outcome = verdict(sum_over(inner, m, k - 1), (k - 1) * (k - 2))
    assert rejected(outcome)
    # the true count is beyond the rules (m = 1 lies outside 2..k), but exact at every small k
    assert verdict(sum_over(inner, m, k - 1), (k - 1) ** 2 - (k - 2)).verdict is Verdict.VERIFIED


# --- 4. exact differences refute; numeric agreement is at 50 digits -------------------------------


def test_a_difference_of_ten_to_the_minus_thirty_is_a_counterexample():
    outcome = verdict(z[j], z[j] + Rational(1, 10 ** 30))
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.counterexample.right == "1.0e-30"


def test_a_product_with_e_to_the_minus_sixty_is_not_zero():
    outcome = verdict(z[j] * exp(-60), 0)
    assert outcome.verdict is Verdict.REFUTED
    assert float(outcome.counterexample.left) == pytest.approx(float(sp.exp(-60)), rel=1e-12)


def test_an_identity_the_rules_cannot_reach_is_numeric_at_fifty_digits():
    outcome = verdict(sp.sin(z[j]) ** 2 + sp.cos(z[j]) ** 2, 1)
    assert outcome.verdict is Verdict.NUMERIC
    assert "50 digits" in outcome.evidence()


# --- 5. points satisfy exactly the assumptions -----------------------------------------------------


def test_positive_vectors_are_not_normalised_without_sums_to_one():
    outcome = verdict(sum_over(p[i], i, k), 1)
    assert outcome.verdict is Verdict.REFUTED
    points = random_points([p[1] + p[2]], 3, 6, ctx())
    assert any(sum(point[p]) != 1 for point in points)


def test_a_target_that_sums_to_one_sums_to_exactly_one_at_every_random_point():
    for context in (ctx(SumsToOne(y)), ctx(SumsToOne(z)), ctx(SumsToOne(p))):
        for n in (2, 3, 5):
            for point in random_points([y[1], z[1], p[1]], n, 5, context):
                vector = next(v for v in point if context.sums_to_one(v))
                assert sum(point[vector], Fraction(0)) == 1
    for point in random_points([y[1]], 4, 5, ctx(OneHot(y))):
        assert sorted(point[y]) == [0, 0, 0, 1]


def test_a_statement_that_needs_sum_to_one_is_proved_only_with_it():
    assert rejected(verdict(sum_over(y[i] * z[j], i, k), z[j]))
    assert verdict(sum_over(y[i] * z[j], i, k), z[j], ctx(SumsToOne(y))).verdict is Verdict.PROVED


# --- 6. impossible, contradictory and literal assumptions -----------------------------------------


def test_an_index_equal_to_zero_is_an_error():
    with pytest.raises(IllFormed, match="the index 0 lies outside 1..k"):
        ctx(Equal(j, 0))


def test_one_hot_at_two_distinct_classes_contradicts():
    with pytest.raises(IllFormed, match="the assumptions contradict: l ≠ m, but y is one-hot at both l and m"):
        ctx(OneHot(y, l), OneHot(y, m), Distinct(l, m))


def test_one_hot_at_two_classes_makes_them_equal():
    outcome = verdict(y[m], 1, ctx(OneHot(y, l), OneHot(y, m)))
    assert outcome.verdict is Verdict.PROVED


def test_a_case_with_contradictory_assumptions_is_an_error_naming_the_case():
    with pytest.raises(ModelError, match="case 'both': the assumptions contradict"):
        Case("both", "both", classes=k, assumptions=(Equal(j, m), Distinct(j, m)), start=z[j],
             steps=(step(z[m], "equal"),))


def test_a_literal_index_restricts_the_class_count():
    context = ctx(Equal(j, 3))
    assert context.minimum_classes == 3
    # z_j = z_3 holds whenever j = 3: proved, and never refuted at k = 2 where index 3 does not exist
    assert verdict(z[j], z[3], context).verdict is Verdict.PROVED
    outcome = verdict(z[j], z[1], context)
    assert outcome.verdict is Verdict.REFUTED and outcome.counterexample.classes >= 3


def test_counterexamples_meet_every_assumption():
    context = ctx(OneHot(y, l), Equal(j, l))
    outcome = verdict(y[j] * z[j], 0, context)
    assert outcome.verdict is Verdict.REFUTED
    point = outcome.counterexample
    values = dict(point.inputs)
    indices_ = dict(point.indices)
    hot = indices_.get("l", indices_.get("j"))  # l = j: the counterexample names one of them
    assert values["y"][hot - 1] == "1" and sum(Fraction(v) for v in values["y"]) == 1


def test_an_assumption_about_a_defined_vector_is_an_error():
    yhat = Vector("ŷ")
    with pytest.raises(IllFormed, match="ŷ is defined"):
        ctx(SumsToOne(yhat), definitions={yhat: lambda a: softmax(z, a, k)})


# --- 8. ill-formed input is an error, never a verdict ----------------------------------------------


@pytest.mark.parametrize("left, message", [
    (sum_except(z[i], i, k, i), "skips i, which is its own summation index"),
    (softmax(z, j, k + 1), "the size given to softmax must be k, not k + 1"),
    (softmax(z, 0, k), "index 0 in Softmax(z, 0, k) may lie outside 1..k"),
    (softmax(z, 3, k), "index 3 in Softmax(z, 3, k) may lie outside 1..k (k can be as small as 2)"),
    (sum_over(z[k], k, k), "sums over k, the number of classes"),
])
def test_ill_formed_steps_are_errors(left, message):
    outcome = verdict(left, 0)
    assert outcome.verdict is Verdict.ERROR
    assert message in outcome.message and "\n" not in outcome.message


def test_an_entry_with_the_wrong_number_of_indices_is_refused_where_it_is_written():
    from derive.core.objects import BadArgument

    with pytest.raises(BadArgument, match=r"z\[j, m\]: z has 1 index, not 2"):
        z[j, m]


def test_two_vectors_of_one_name_are_an_error():
    outcome = verdict(Vector("w")[j], Vector("w", "positive")[j])
    assert outcome.verdict is Verdict.ERROR
    assert "two different objects are named 'w'" in outcome.message


# --- 9. true statements about the last index are proved -------------------------------------------


def test_the_last_index_is_an_index():
    assert verdict(sum_over(z[i], i, k), sum_over(z[i], i, k - 1) + z[k]).verdict is Verdict.PROVED
    assert verdict(sum_over(z[i], i, k), z[1] + sum_over(z[i], i, k, 2)).verdict is Verdict.PROVED
    assert verdict(softmax(z, k, k), exp(z[k]) / sum_over(exp(z[i]), i, k)).verdict is Verdict.PROVED
    assert rejected(verdict(sum_over(z[i], i, k - 1), sum_over(z[i], i, k) - z[1]))


def test_equal_to_the_class_count_is_the_last_class():
    assert verdict(z[j], z[k], ctx(Equal(j, k))).verdict is Verdict.PROVED


# --- 10. statements wrong only at coinciding indices or larger k ----------------------------------


def test_a_step_wrong_only_when_two_free_indices_coincide_is_refuted():
    outcome = verdict(KroneckerDelta(j, m) * z[j], 0)
    assert outcome.verdict is Verdict.REFUTED
    assert dict(outcome.counterexample.indices)["j"] == dict(outcome.counterexample.indices)["m"]


def test_a_step_wrong_only_from_k_equal_4_is_refuted():
    outcome = verdict((k - 2) * (k - 3) * z[j], 0)
    assert outcome.verdict is Verdict.REFUTED and outcome.counterexample.classes == 4


def test_a_polynomial_in_k_vanishing_at_every_small_k_is_refuted_at_a_larger_k():
    outcome = verdict((k - 2) * (k - 3) * (k - 4), 0)
    assert outcome.verdict is Verdict.REFUTED and outcome.counterexample.classes > 4


def test_log_of_a_product_of_real_entries_is_not_split():
    assert rejected(verdict(log(z[j] * z[m]), log(z[j]) + log(z[m])))
    assert verdict(log(p[j] * p[m]), log(p[j]) + log(p[m])).verdict is Verdict.PROVED
    assert rejected(verdict(log(z[j] ** 2), 2 * log(z[j])))


def test_a_derivative_through_a_definition_is_the_total_derivative():
    yhat = Vector("ŷ")
    context = ctx(Distinct(j, m), definitions={yhat: lambda a: softmax(z, a, k)})
    assert rejected(verdict(D(yhat[j], z[m]), 0, context))


# --- scalars: parameters are given values from their domains --------------------------------------


def test_a_wrong_step_with_a_parameter_is_refuted_with_its_value():
    T = scalar("T", "positive")
    outcome = verdict(D(z[j] / T, z[j]), T)
    assert outcome.verdict is Verdict.REFUTED
    assert "T=" in outcome.counterexample.point()
    assert dict(outcome.counterexample.inputs)["T"] != ("0",)


def test_a_positive_parameter_is_never_given_zero_or_a_negative_value():
    T = scalar("T", "positive")
    # 1/T · T = 1 holds for every T > 0; it must not be refuted at T = 0
    assert verdict(z[j] / T * T, z[j]).verdict is Verdict.PROVED
    assert verdict(log(T ** 2), 2 * log(T)).verdict is Verdict.PROVED


def test_a_step_true_only_for_positive_parameters_is_refuted_for_a_real_one():
    c = scalar("c")
    outcome = verdict(sp.sqrt(c ** 2), c)
    assert outcome.verdict is Verdict.REFUTED
    assert dict(outcome.counterexample.inputs)["c"][0].startswith("-")


# --- the vocabulary: slips are refuted with a counterexample --------------------------------------


@pytest.mark.parametrize("left, right", [
    (D(sigmoid(z[j]), z[j]), sigmoid(z[j]) * (1 + sigmoid(z[j]))),
    (D(logsumexp(z, k), z[j]), exp(z[j])),
    (D(tanh(z[j]), z[j]), 1 + tanh(z[j]) ** 2),
    (D(softplus(z[j]), z[j]), sigmoid(-z[j])),
    (mean_over(z[i], i, k), sum_over(z[i], i, k)),
])
def test_slips_with_the_vocabulary_are_refuted(left, right):
    assert verdict(left, right).verdict is Verdict.REFUTED
