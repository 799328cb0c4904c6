"""Sum bounds and index boundaries: the last index k, literal indices, Kronecker deltas near the ends.

Each proof states one equality; ``EXPECTED`` records its mathematical truth
(read by ``tests/test_adversarial.py`` without importing this module).  A
false statement is an erratum, so that ``derive check`` passes only when it
is REFUTED.
"""

from sympy import KroneckerDelta

from derive import D, Case, Expect, Proof, Source, Vector, classes, erratum, indices, step, sum_except, sum_over

SOURCE = Source("Adversarial suite: sum bounds")

k = classes("k")
i, j = indices("i j")
z = Vector("z")

EXPECTED = {
    ("last-index-split", "statement", 1): "true",
    ("sum-except-skips-the-last-index", "statement", 1): "true",
    ("count-up-to-k-minus-one", "statement", 1): "true",
    ("count-up-to-k-minus-one-is-not-k", "statement", 1): "false",
    ("single-term-range-counts-one", "statement", 1): "true",
    ("delta-collapse-at-literal-one", "statement", 1): "true",
    ("delta-collapse-within-range", "statement", 1): "true",
    ("delta-outside-the-range-of-a-sum-from-two", "statement", 1): "false",
    ("delta-literal-outside-the-range", "statement", 1): "false",
    ("delta-at-the-last-index-outside-a-sum-to-k-minus-one", "statement", 1): "false",
    ("product-of-the-last-two-entries-differentiated", "statement", 1): "true",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=()):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


LAST_INDEX_SPLIT = statement(
    "last-index-split", "Split off the last term: Σ_{i≤k} z_i = Σ_{i≤k−1} z_i + z_k",
    sum_over(z[i], i, k), sum_over(z[i], i, k - 1) + z[k])
SUM_EXCEPT_LAST = statement(
    "sum-except-skips-the-last-index", "Σ_{i≠k} z_i = Σ_i z_i − z_k",
    sum_except(z[i], i, k, k), sum_over(z[i], i, k) - z[k])
COUNT_TO_K_MINUS_ONE = statement(
    "count-up-to-k-minus-one", "Σ_{i=1}^{k−1} 1 = k − 1", sum_over(1, i, k - 1), k - 1)
COUNT_IS_NOT_K = statement(
    "count-up-to-k-minus-one-is-not-k", "Σ_{i=1}^{k−1} 1 = k", sum_over(1, i, k - 1), k, holds=False,
    note="the sum has k − 1 terms")
SINGLE_TERM = statement(
    "single-term-range-counts-one", "Σ_{i=k}^{k} 1 = 1", sum_over(1, i, k, start=k), 1)
DELTA_AT_ONE = statement(
    "delta-collapse-at-literal-one", "Σ_i δ(i, 1) z_i = z_1", sum_over(KroneckerDelta(i, 1) * z[i], i, k), z[1])
DELTA_WITHIN = statement(
    "delta-collapse-within-range", "Σ_i δ(i, j) z_i = z_j", sum_over(KroneckerDelta(i, j) * z[i], i, k), z[j])
DELTA_FROM_TWO = statement(
    "delta-outside-the-range-of-a-sum-from-two", "Σ_{i=2}^{k} δ(i, j) z_i = z_j",
    sum_over(KroneckerDelta(i, j) * z[i], i, k, start=2), z[j], holds=False,
    note="at j = 1 the sum has no term i = j: it is 0")
DELTA_LITERAL_OUTSIDE = statement(
    "delta-literal-outside-the-range", "Σ_{i=2}^{k} δ(i, 1) z_i = z_1",
    sum_over(KroneckerDelta(i, 1) * z[i], i, k, start=2), z[1], holds=False,
    note="the index 1 lies below the range 2..k: the sum is 0")
DELTA_AT_LAST = statement(
    "delta-at-the-last-index-outside-a-sum-to-k-minus-one", "Σ_{i=1}^{k−1} δ(i, j) z_i = z_j",
    sum_over(KroneckerDelta(i, j) * z[i], i, k - 1), z[j], holds=False,
    note="at j = k the sum has no term i = j: it is 0")
LAST_TWO = statement(
    "product-of-the-last-two-entries-differentiated", "∂(z_{k−1} z_k)/∂z_k = z_{k−1}",
    D(z[k - 1] * z[k], z[k]), z[k - 1])
