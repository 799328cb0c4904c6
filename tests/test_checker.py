"""The checker's verdicts, strongest first, each with its evidence."""

from __future__ import annotations

import sympy as sp

from derive.core.checker import check_equal
from derive.core.context import Context, Definition, Distinct, Equal
from derive.core.objects import D, Vector, classes, exp, indices, softmax, sum_over
from derive.core.verdict import Verdict

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p", "positive")
yhat = Vector("ŷ")
SOFTMAX = (Definition.of(yhat, lambda a: softmax(z, a, k)),)


def test_a_true_step_is_proved_with_the_rules_it_used():
    outcome = check_equal(D(yhat[j], z[m]), -yhat[j] * yhat[m], Context(k, (Distinct(j, m),), SOFTMAX))
    assert outcome.verdict is Verdict.PROVED
    assert {"softmax", "differentiate", "delta-collapse", "rational"} <= set(outcome.rules)


def test_a_false_step_is_refuted_at_the_smallest_k_with_the_simplest_inputs():
    outcome = check_equal(D(yhat[j], z[m]), yhat[j] * yhat[m], Context(k, (Distinct(j, m),), SOFTMAX))
    assert outcome.verdict is Verdict.REFUTED
    c = outcome.counterexample
    assert c.classes == 2
    assert dict(c.indices) == {"j": 1, "m": 2}
    assert dict(c.inputs) == {"z": ("0", "0")}
    # softmax of equal logits is 1/2 each: the derivative is -1/4, the claim +1/4.
    assert (c.left, c.right) == ("-0.25", "0.25")


def test_the_counterexample_respects_the_assumptions():
    outcome = check_equal(D(yhat[j], z[m]), yhat[j] * (1 + yhat[j]), Context(k, (Equal(j, m),), SOFTMAX))
    assert outcome.verdict is Verdict.REFUTED
    assert dict(outcome.counterexample.indices) == {"j": 1}


def test_an_identity_beyond_the_rules_is_verified_on_instances():
    # Σ_{i=1}^{k} i = k(k+1)/2 needs induction, which the rules do not do.
    outcome = check_equal(sum_over(i, i, k), k * (k + 1) / 2, Context(k), max_classes=5)
    assert outcome.verdict is Verdict.VERIFIED
    assert outcome.classes_checked == (2, 3, 4, 5)


def test_an_identity_outside_rational_forms_is_numeric_only():
    outcome = check_equal(sp.sin(z[j]) ** 2 + sp.cos(z[j]) ** 2, 1, Context(k))
    assert outcome.verdict is Verdict.NUMERIC


def test_a_slow_step_is_unknown_at_its_budget():
    heavy = sum_over(exp(z[i]), i, k) ** 40
    outcome = check_equal(sp.expand((p[j] + p[m] + 1) ** 60) * heavy, (p[j] + p[m] + 1) ** 60 * heavy,
                          Context(k), seconds=0.05)
    assert outcome.verdict is Verdict.UNKNOWN
    assert "budget" in outcome.message


def test_an_unknown_name_is_an_error_naming_it():
    w = Vector("w")
    outcome = check_equal(z[j], w[j], Context(k), known=frozenset({"z", "j", "k"}))
    assert outcome.verdict is Verdict.ERROR
    assert "unknown vector 'w'" in outcome.message


def test_text_is_never_parsed():
    outcome = check_equal(z[j], "z[j]", Context(k))
    assert outcome.verdict is Verdict.ERROR
    assert "never parsed" in outcome.message
