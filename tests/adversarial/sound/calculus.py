"""Derivatives: with respect to an entry whose index a sum also binds, and the identities the bundled proofs use.

The second half are true statements of the kinds the bundled derivations
rest on; a sound checker must still PROVE them (soundness is not bought by
refusing everything).  ``EXPECTED`` records the mathematical truth of each
step (read by ``tests/test_adversarial.py``); false steps are errata.
"""

from sympy import KroneckerDelta

from derive import (D, Case, Distinct, Equal, Expect, OneHot, Proof, Source, SumsToOne, Vector, classes,
                    cross_entropy, erratum, exp, indices, log, log_softmax, scalar, softmax, step, sum_except,
                    sum_over)

SOURCE = Source("Adversarial suite: derivatives")

k = classes("k")
i, j, l, m = indices("i j l m")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p", "positive")
yhat = Vector("ŷ")
L = scalar("L")

EXPECTED = {
    ("derivative-by-an-entry-whose-index-the-sum-binds", "statement", 1): "true",
    ("derivative-of-squares-by-a-shadowed-entry", "statement", 1): "true",
    ("derivative-by-a-shadowed-entry-is-not-the-whole-sum", "statement", 1): "false",
    ("softmax-diagonal", "statement", 1): "true",
    ("softmax-off-diagonal", "statement", 1): "true",
    ("softmax-jacobian-both-cases-at-once", "statement", 1): "true",
    ("softmax-diagonal-sign-slip", "statement", 1): "false",
    ("log-softmax-gradient", "statement", 1): "true",
    ("cross-entropy-gradient-one-hot", "statement", 1): "true",
    ("cross-entropy-of-a-one-hot-target", "statement", 1): "true",
    ("cross-entropy-gradient-by-a-free-prediction", "statement", 1): "true",
    ("one-hot-entries-split-at-an-index", "statement", 1): "true",
    ("chain-rule-through-the-prediction", "statement", 1): "true",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=(), definitions=None):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                definitions=definitions or {}, conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


S = sum_over(exp(z[i]), i, k)
SOFTMAX = {yhat: lambda a: softmax(z, a, k)}

SHADOWED = statement("derivative-by-an-entry-whose-index-the-sum-binds", "∂(Σ_i z_i)/∂z_i = 1",
                     D(sum_over(z[i], i, k), z[i]), 1)
SHADOWED_SQUARES = statement("derivative-of-squares-by-a-shadowed-entry", "∂(Σ_i z_i^2)/∂z_i = 2 z_i",
                             D(sum_over(z[i] ** 2, i, k), z[i]), 2 * z[i])
SHADOWED_WRONG = statement("derivative-by-a-shadowed-entry-is-not-the-whole-sum", "∂(Σ_i z_i^2)/∂z_i = 2 Σ_i z_i",
                           D(sum_over(z[i] ** 2, i, k), z[i]), 2 * sum_over(z[i], i, k), holds=False,
                           note="only the term of the entry z_i depends on it")
DIAGONAL = statement("softmax-diagonal", "∂ŷ_j/∂z_m = ŷ_j (1 − ŷ_j) when j = m", D(yhat[j], z[m]),
                     yhat[j] * (1 - yhat[j]), assumptions=[Equal(j, m)], definitions=SOFTMAX)
OFF_DIAGONAL = statement("softmax-off-diagonal", "∂ŷ_j/∂z_m = −ŷ_j ŷ_m when j ≠ m", D(yhat[j], z[m]),
                         -yhat[j] * yhat[m], assumptions=[Distinct(j, m)], definitions=SOFTMAX)
JACOBIAN = statement("softmax-jacobian-both-cases-at-once", "∂ŷ_j/∂z_m = ŷ_j (δ(j, m) − ŷ_m)",
                     D(yhat[j], z[m]),
                     yhat[j] * (KroneckerDelta(j, m) - yhat[m]), definitions=SOFTMAX)
DIAGONAL_SLIP = statement("softmax-diagonal-sign-slip", "∂ŷ_j/∂z_j = ŷ_j (1 + ŷ_j)", D(yhat[j], z[j]),
                          yhat[j] * (1 + yhat[j]), holds=False, definitions=SOFTMAX, note="the sign of ŷ_j^2 is lost")
LOG_SOFTMAX_GRADIENT = statement("log-softmax-gradient", "∂ log_softmax(z)_j/∂z_m = δ(j, m) − softmax(z)_m",
                                 D(log_softmax(z, j, k), z[m]), KroneckerDelta(j, m) - softmax(z, m, k))
CE_ONE_HOT = statement("cross-entropy-gradient-one-hot", "∂CE(y, ŷ)/∂z_j = ŷ_j − y_j when y is one-hot at l",
                       D(L, z[j]), yhat[j] - y[j], assumptions=[OneHot(y, l)],
                       definitions={L: cross_entropy(y, yhat, k), **SOFTMAX})
CE_VALUE = statement("cross-entropy-of-a-one-hot-target", "CE(y, p) = −log p_l when y is one-hot at l",
                     cross_entropy(y, p, k), -log(p[l]), assumptions=[OneHot(y, l)])
CE_FREE = statement("cross-entropy-gradient-by-a-free-prediction", "∂CE(y, p)/∂p_m = −y_m / p_m",
                    D(cross_entropy(y, p, k), p[m]), -y[m] / p[m])
SPLIT = statement("one-hot-entries-split-at-an-index", "y_m + Σ_{i≠m} y_i = 1 when y is one-hot",
                  y[m] + sum_except(y[i], i, k, m), 1, assumptions=[OneHot(y)])
CHAIN = statement("chain-rule-through-the-prediction",
                  "∂L/∂z_m = Σ_j ∂L/∂ŷ_j ∂ŷ_j/∂z_m where L = −Σ_i y_i log ŷ_i",
                  D(L, z[m]), sum_over(D(L, yhat[j]) * D(yhat[j], z[m]), j, k), assumptions=[SumsToOne(y)],
                  definitions={L: -sum_over(y[i] * log(yhat[i]), i, k), **SOFTMAX})
