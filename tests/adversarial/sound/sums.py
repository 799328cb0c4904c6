"""Sums that skip an index, shadowed bound variables, and steps wrong only where two free indices coincide.

``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata.
"""

from sympy import KroneckerDelta

from derive import (D, Case, Distinct, Expect, Proof, Source, Vector, classes, erratum, indices, step, sum_except,
                    sum_over)

SOURCE = Source("Adversarial suite: sums")

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")

EXPECTED = {
    ("sum-except-unfolds", "statement", 1): "true",
    ("sum-except-counts-k-minus-one", "statement", 1): "true",
    ("sum-except-does-not-count-k", "statement", 1): "false",
    ("sum-except-drops-its-own-delta", "statement", 1): "true",
    ("sum-except-delta-at-another-index", "statement", 1): "false",
    ("sum-except-within-a-shorter-range", "statement", 1): "false",
    ("sum-except-under-a-sum-over-its-skipped-index", "statement", 1): "true",
    ("shadowed-inner-sum-is-a-constant", "statement", 1): "true",
    ("shadowed-inner-sum-is-not-the-outer-index", "statement", 1): "false",
    ("derivative-of-a-product-of-two-free-entries", "statement", 1): "true",
    ("derivative-wrong-only-when-the-indices-coincide", "statement", 1): "false",
    ("entries-independent-wrong-only-when-the-indices-coincide", "statement", 1): "false",
    ("two-deltas-wrong-only-when-the-indices-coincide", "statement", 1): "false",
    ("derivative-of-a-product-with-distinct-indices", "statement", 1): "true",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=()):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


UNFOLDS = statement("sum-except-unfolds", "Σ_{i≠j} z_i = Σ_i z_i − z_j",
                    sum_except(z[i], i, k, j), sum_over(z[i], i, k) - z[j])
COUNTS = statement("sum-except-counts-k-minus-one", "Σ_{i≠j} 1 = k − 1", sum_except(1, i, k, j), k - 1)
NOT_K = statement("sum-except-does-not-count-k", "Σ_{i≠j} 1 = k", sum_except(1, i, k, j), k, holds=False,
                  note="one of the k terms is skipped")
OWN_DELTA = statement("sum-except-drops-its-own-delta", "Σ_{i≠j} δ(i, j) z_i = 0",
                      sum_except(KroneckerDelta(i, j) * z[i], i, k, j), 0)
OTHER_DELTA = statement("sum-except-delta-at-another-index", "Σ_{i≠j} δ(i, m) z_i = z_m",
                        sum_except(KroneckerDelta(i, m) * z[i], i, k, j), z[m], holds=False,
                        note="at m = j the only term with i = m is skipped: the sum is 0")
SHORTER = statement("sum-except-within-a-shorter-range", "Σ_{i≤k−1, i≠j} 1 = k − 2",
                    sum_except(1, i, k - 1, j), k - 2, holds=False,
                    note="at j = k nothing in 1..k−1 is skipped: the sum is k − 1")
UNDER_SUM = statement("sum-except-under-a-sum-over-its-skipped-index", "Σ_m Σ_{i≠m} z_i = (k − 1) Σ_i z_i",
                      sum_over(sum_except(z[i], i, k, m), m, k), (k - 1) * sum_over(z[i], i, k))
SHADOWED = statement("shadowed-inner-sum-is-a-constant", "Σ_i (z_i · Σ_i z_i) = (Σ_i z_i)^2",
                     sum_over(z[i] * sum_over(z[i], i, k), i, k), sum_over(z[i], i, k) ** 2)
SHADOWED_WRONG = statement("shadowed-inner-sum-is-not-the-outer-index", "Σ_i (z_i · Σ_i z_i) = Σ_i z_i^2",
                           sum_over(z[i] * sum_over(z[i], i, k), i, k), sum_over(z[i] ** 2, i, k), holds=False,
                           note="the inner sum binds its own i: it is Σ_i z_i, not z_i")
PRODUCT = statement("derivative-of-a-product-of-two-free-entries", "∂(z_j z_m)/∂z_j = z_m + δ(j, m) z_j",
                    D(z[j] * z[m], z[j]), z[m] + KroneckerDelta(j, m) * z[j])
PRODUCT_WRONG = statement("derivative-wrong-only-when-the-indices-coincide", "∂(z_j z_m)/∂z_j = z_m",
                          D(z[j] * z[m], z[j]), z[m], holds=False,
                          note="at j = m the derivative of z_j^2 is 2 z_j")
INDEPENDENT_WRONG = statement("entries-independent-wrong-only-when-the-indices-coincide", "∂z_j/∂z_m = 0",
                              D(z[j], z[m]), 0, holds=False, note="at j = m the derivative is 1")
DELTAS_WRONG = statement("two-deltas-wrong-only-when-the-indices-coincide", "Σ_i δ(i, j) δ(i, m) = 0",
                         sum_over(KroneckerDelta(i, j) * KroneckerDelta(i, m), i, k), 0, holds=False,
                         note="at j = m the term i = j is 1")
PRODUCT_DISTINCT = statement("derivative-of-a-product-with-distinct-indices", "∂(z_j z_m)/∂z_j = z_m when j ≠ m",
                             D(z[j] * z[m], z[j]), z[m], assumptions=[Distinct(j, m)])
