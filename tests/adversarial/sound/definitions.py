"""Definitions with free indices, definitions built on sums that skip an index, derivatives of them.

``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata.
"""

from sympy import KroneckerDelta

from derive import D, Case, Expect, Proof, Source, Vector, classes, erratum, indices, scalar, step, sum_except, sum_over

SOURCE = Source("Adversarial suite: definitions")

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
q = Vector("q")
r = Vector("r")
L = scalar("L")

EXPECTED = {
    ("scalar-defined-with-a-free-index", "statement", 1): "true",
    ("scalar-defined-with-a-free-index-at-another-entry", "statement", 1): "false",
    ("vector-defined-with-a-free-index", "statement", 1): "true",
    ("vector-defined-by-a-sum-that-skips-its-entry", "statement", 1): "true",
    ("vector-defined-by-a-sum-that-skips-its-entry-is-not-the-full-sum", "statement", 1): "false",
    ("derivative-of-a-sum-that-skips-the-variable", "statement", 1): "true",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=(), definitions=None):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                definitions=definitions or {}, conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


SCALAR_FREE = statement("scalar-defined-with-a-free-index", "∂L/∂z_j = 2 z_j where L = z_j^2",
                        D(L, z[j]), 2 * z[j], definitions={L: z[j] ** 2})
SCALAR_FREE_OTHER = statement("scalar-defined-with-a-free-index-at-another-entry", "∂L/∂z_m = 0 where L = z_j^2",
                              D(L, z[m]), 0, holds=False, definitions={L: z[j] ** 2},
                              note="at m = j the derivative is 2 z_j")
VECTOR_FREE = statement("vector-defined-with-a-free-index", "Σ_i q_i = z_j Σ_i z_i where q_a = z_a z_j",
                        sum_over(q[i], i, k), z[j] * sum_over(z[i], i, k), definitions={q: lambda a: z[a] * z[j]})
SKIPPING = statement("vector-defined-by-a-sum-that-skips-its-entry",
                     "Σ_m r_m = (k − 1) Σ_i z_i where r_a = Σ_{i≠a} z_i",
                     sum_over(r[m], m, k), (k - 1) * sum_over(z[i], i, k),
                     definitions={r: lambda a: sum_except(z[i], i, k, a)})
SKIPPING_WRONG = statement("vector-defined-by-a-sum-that-skips-its-entry-is-not-the-full-sum",
                           "r_j = Σ_i z_i where r_a = Σ_{i≠a} z_i", r[j], sum_over(z[i], i, k), holds=False,
                           definitions={r: lambda a: sum_except(z[i], i, k, a)}, note="r_j leaves out z_j")
SKIPPING_DERIVATIVE = statement("derivative-of-a-sum-that-skips-the-variable",
                                "∂r_j/∂z_m = 1 − δ(j, m) where r_a = Σ_{i≠a} z_i",
                                D(r[j], z[m]), 1 - KroneckerDelta(j, m),
                                definitions={r: lambda a: sum_except(z[i], i, k, a)})
