"""Exact tiny differences, and random points that must satisfy exactly the case's assumptions.

``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata.
"""

from sympy import Rational

from derive import (D, Case, Expect, Proof, Source, SumsToOne, Vector, classes, erratum, exp, indices, log, softmax,
                    step, sum_over)

SOURCE = Source("Adversarial suite: values")

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p", "positive")
y = Vector("y", "nonnegative")

EXPECTED = {
    ("tiny-rational-difference", "statement", 1): "false",
    ("tiny-exponential-factor-is-not-zero", "statement", 1): "false",
    ("exponentials-cancel", "statement", 1): "true",
    ("constant-exponential-factor-joins-the-exponent", "statement", 1): "true",
    ("positive-entries-need-not-sum-to-one", "statement", 1): "false",
    ("positive-entries-need-not-sum-to-one-under-a-factor", "statement", 1): "false",
    ("positive-entries-need-not-sum-to-one-under-a-tiny-factor", "statement", 1): "false",
    ("log-of-a-positive-sum-differentiated", "statement", 1): "false",
    ("cross-entropy-gradient-needs-targets-summing-to-one", "statement", 1): "false",
    ("targets-summing-to-one-factor-out", "statement", 1): "true",
    ("cross-entropy-gradient-with-targets-summing-to-one", "statement", 1): "true",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=()):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


S = sum_over(exp(z[i]), i, k)

TINY_RATIONAL = statement("tiny-rational-difference", "z_j = z_j + 10^−30", z[j], z[j] + Rational(1, 10 ** 30),
                          holds=False, note="the sides differ by exactly 10^−30")
TINY_EXPONENTIAL = statement("tiny-exponential-factor-is-not-zero", "z_j e^−60 = 0", z[j] * exp(-60), 0,
                             holds=False, note="e^−60 is not 0: the sides differ wherever z_j ≠ 0")
CANCEL = statement("exponentials-cancel", "e^{z_j} e^{−z_j} = 1", exp(z[j]) * exp(-z[j]), 1)
JOIN = statement("constant-exponential-factor-joins-the-exponent", "e^{z_j} e^−60 = e^{z_j − 60}",
                 exp(z[j]) * exp(-60), exp(z[j] - 60))
POSITIVE_SUM = statement("positive-entries-need-not-sum-to-one", "Σ_i p_i = 1 for a positive p",
                         sum_over(p[i], i, k), 1, holds=False,
                         note="nothing says that p sums to 1")
POSITIVE_FACTOR = statement("positive-entries-need-not-sum-to-one-under-a-factor", "Σ_i p_i z_j = z_j",
                            sum_over(p[i] * z[j], i, k), z[j], holds=False, note="nothing says that p sums to 1")
TINY_FACTOR = statement("positive-entries-need-not-sum-to-one-under-a-tiny-factor",
                        "z_j + 10^−30 Σ_i p_i = z_j + 10^−30", z[j] + Rational(1, 10 ** 30) * sum_over(p[i], i, k),
                        z[j] + Rational(1, 10 ** 30), holds=False,
                        note="nothing says that p sums to 1; the sides differ by 10^−30 (Σ_i p_i − 1)")
LOG_SUM = statement("log-of-a-positive-sum-differentiated", "∂ log(Σ_i p_i)/∂p_j = 1",
                    D(log(sum_over(p[i], i, k)), p[j]), 1, holds=False,
                    note="the derivative is 1/Σ_i p_i, which is 1 only if p sums to 1")
GRADIENT_WITHOUT = statement("cross-entropy-gradient-needs-targets-summing-to-one",
                             "∂(−Σ_i p_i log softmax(z)_i)/∂z_j = softmax(z)_j − p_j without Σ p = 1",
                             D(-sum_over(p[i] * log(softmax(z, i, k)), i, k), z[j]), softmax(z, j, k) - p[j],
                             holds=False, note="the derivative is softmax(z)_j Σ_i p_i − p_j")
FACTOR_OUT = statement("targets-summing-to-one-factor-out", "Σ_i y_i z_j = z_j when Σ y = 1",
                       sum_over(y[i] * z[j], i, k), z[j], assumptions=[SumsToOne(y)])
GRADIENT_WITH = statement("cross-entropy-gradient-with-targets-summing-to-one",
                          "∂(−Σ_i y_i log softmax(z)_i)/∂z_j = softmax(z)_j − y_j when Σ y = 1",
                          D(-sum_over(y[i] * log(softmax(z, i, k)), i, k), z[j]), softmax(z, j, k) - y[j],
                          assumptions=[SumsToOne(y)])
