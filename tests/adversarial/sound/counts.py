"""Statements that hold for small k only: wrong from k = 4, 5 or 7 on, and true counts that must be PROVED.

``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata, so that ``derive
check`` passes only when the instance checks reach a k where they fail.
"""

from derive import Case, Expect, Proof, Source, Vector, classes, erratum, indices, step, sum_except, sum_over

SOURCE = Source("Adversarial suite: counts")

k = classes("k")
i, j, n = indices("i j n")
z = Vector("z")

EXPECTED = {
    ("count-wrong-from-k-four", "statement", 1): "false",
    ("count-wrong-from-k-five", "statement", 1): "false",
    ("sum-wrong-from-k-seven", "statement", 1): "false",
    ("skipping-count-wrong-from-k-five", "statement", 1): "false",
    ("double-count-is-k-squared", "statement", 1): "true",
    ("pairs-of-distinct-indices", "statement", 1): "true",
    ("double-sum-of-products-is-the-square", "statement", 1): "true",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=()):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


FROM_FOUR = statement("count-wrong-from-k-four", "Σ_i 1 = k + (k − 2)(k − 3)",
                      sum_over(1, i, k), k + (k - 2) * (k - 3), holds=False,
                      note="the correction vanishes at k = 2 and 3 only")
FROM_FIVE = statement("count-wrong-from-k-five", "Σ_i 1 = k + (k − 2)(k − 3)(k − 4)",
                      sum_over(1, i, k), k + (k - 2) * (k - 3) * (k - 4), holds=False,
                      note="the correction vanishes at k = 2, 3 and 4 only")
FROM_SEVEN = statement("sum-wrong-from-k-seven", "Σ_i z_j = k z_j + (k − 2)(k − 3)(k − 4)(k − 5)(k − 6) z_j",
                       sum_over(z[j], i, k), k * z[j] + (k - 2) * (k - 3) * (k - 4) * (k - 5) * (k - 6) * z[j],
                       holds=False, note="the correction vanishes at k = 2..6 only")
SKIPPING_FROM_FIVE = statement("skipping-count-wrong-from-k-five",
                               "Σ_{i≠j} 1 = k − 1 + (k − 2)(k − 3)(k − 4)",
                               sum_except(1, i, k, j), k - 1 + (k - 2) * (k - 3) * (k - 4), holds=False,
                               note="the correction vanishes at k = 2, 3 and 4 only")
K_SQUARED = statement("double-count-is-k-squared", "Σ_i Σ_n 1 = k^2", sum_over(sum_over(1, n, k), i, k), k ** 2)
PAIRS = statement("pairs-of-distinct-indices", "Σ_n Σ_{i≠n} 1 = k(k − 1)",
                  sum_over(sum_except(1, i, k, n), n, k), k * (k - 1))
SQUARE = statement("double-sum-of-products-is-the-square", "Σ_i Σ_n z_i z_n = (Σ_i z_i)^2",
                   sum_over(sum_over(z[i] * z[n], n, k), i, k), sum_over(z[i], i, k) ** 2)
