"""Assumptions: literal indices, several one-hot vectors, equalities that counterexamples must respect.

``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata, and a counterexample
to one must satisfy every assumption of its case.
"""

from sympy import KroneckerDelta

from derive import (Case, Distinct, Equal, Expect, OneHot, Proof, Source, Vector, classes, erratum, indices, step,
                    sum_over)

SOURCE = Source("Adversarial suite: assumptions")

k = classes("k")
i, j, l, m = indices("i j l m")
z = Vector("z")
y = Vector("y", "nonnegative")
t = Vector("t", "nonnegative")

EXPECTED = {
    ("literal-index-three-lies-within-k", "statement", 1): "true",
    ("literal-index-three-is-not-two", "statement", 1): "false",
    ("literal-index-two-collapses", "statement", 1): "true",
    ("one-hot-vectors-at-distinct-classes-are-orthogonal", "statement", 1): "true",
    ("one-hot-vectors-at-distinct-classes-do-not-overlap", "statement", 1): "false",
    ("one-hot-vectors-at-one-class-overlap", "statement", 1): "true",
    ("one-hot-vectors-at-unrelated-classes-may-coincide", "statement", 1): "false",
    ("one-hot-entry-at-an-equal-index", "statement", 1): "true",
    ("equal-indices-counterexample-keeps-them-equal", "statement", 1): "false",
    ("one-hot-entry-at-an-unrelated-index", "statement", 1): "false",
    ("one-hot-at-two-names-of-one-class", "statement", 1): "true",
    ("one-hot-at-two-names-counterexample-keeps-them-equal", "statement", 1): "false",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=()):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


THREE_WITHIN = statement("literal-index-three-lies-within-k", "Σ_i δ(i, j) = 1 when j = 3 (so k ≥ 3)",
                         sum_over(KroneckerDelta(i, j), i, k), 1, assumptions=[Equal(j, 3)])
THREE_NOT_TWO = statement("literal-index-three-is-not-two", "z_j = z_2 when j = 3", z[j], z[2], holds=False,
                          assumptions=[Equal(j, 3)], note="z_3 and z_2 are different entries")
TWO_COLLAPSES = statement("literal-index-two-collapses", "Σ_i δ(i, j) z_i = z_2 when j = 2",
                          sum_over(KroneckerDelta(i, j) * z[i], i, k), z[2], assumptions=[Equal(j, 2)])
ORTHOGONAL = statement("one-hot-vectors-at-distinct-classes-are-orthogonal",
                       "Σ_i y_i t_i = 0 when y, t are one-hot at l ≠ m",
                       sum_over(y[i] * t[i], i, k), 0, assumptions=[OneHot(y, l), OneHot(t, m), Distinct(l, m)])
NOT_OVERLAPPING = statement("one-hot-vectors-at-distinct-classes-do-not-overlap",
                            "Σ_i y_i t_i = 1 when y, t are one-hot at l ≠ m",
                            sum_over(y[i] * t[i], i, k), 1, holds=False,
                            assumptions=[OneHot(y, l), OneHot(t, m), Distinct(l, m)],
                            note="the ones are at different entries: the sum is 0")
OVERLAP = statement("one-hot-vectors-at-one-class-overlap", "Σ_i y_i t_i = 1 when y, t are one-hot at l",
                    sum_over(y[i] * t[i], i, k), 1, assumptions=[OneHot(y, l), OneHot(t, l)])
UNRELATED = statement("one-hot-vectors-at-unrelated-classes-may-coincide",
                      "Σ_i y_i t_i = 0 when y is one-hot at l and t at m",
                      sum_over(y[i] * t[i], i, k), 0, holds=False, assumptions=[OneHot(y, l), OneHot(t, m)],
                      note="nothing says l ≠ m: at l = m the sum is 1")
ENTRY_AT_EQUAL = statement("one-hot-entry-at-an-equal-index", "y_j = 1 when y is one-hot at l and j = l",
                           y[j], 1, assumptions=[OneHot(y, l), Equal(j, l)])
EQUAL_KEPT = statement("equal-indices-counterexample-keeps-them-equal", "z_j = z_m + 1 when j = m",
                       z[j], z[m] + 1, holds=False, assumptions=[Equal(j, m)], note="z_j − z_m is 0, not 1")
ENTRY_UNRELATED = statement("one-hot-entry-at-an-unrelated-index", "y_j = 0 when y is one-hot at l",
                            y[j], 0, holds=False, assumptions=[OneHot(y, l)], note="at j = l the entry is 1")
TWO_NAMES = statement("one-hot-at-two-names-of-one-class", "y_m = 1 when y is one-hot at l and at m",
                      y[m], 1, assumptions=[OneHot(y, l), OneHot(y, m)])
TWO_NAMES_WRONG = statement("one-hot-at-two-names-counterexample-keeps-them-equal",
                            "z_l = z_m + 1 when y is one-hot at l and at m", z[l], z[m] + 1, holds=False,
                            assumptions=[OneHot(y, l), OneHot(y, m)],
                            note="y one-hot at both means l = m: z_l − z_m is 0, not 1")
