"""Logarithms and exponentials: identities for positive arguments, and the log or exp of a sum.

``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata.  The branch cuts of
``log`` for real arguments, which no counterexample with both sides defined
can show, are in ``rejected/branch_cuts.py``.
"""

from derive import (Case, Expect, Proof, Source, Vector, classes, erratum, exp, indices, log, log_softmax, softmax,
                    step, sum_over)

SOURCE = Source("Adversarial suite: logarithms")

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p", "positive")

EXPECTED = {
    ("log-of-a-positive-square", "statement", 1): "true",
    ("log-of-a-positive-product", "statement", 1): "true",
    ("log-of-a-positive-quotient", "statement", 1): "true",
    ("log-undoes-exp", "statement", 1): "true",
    ("log-of-softmax", "statement", 1): "true",
    ("log-softmax-is-the-log-of-softmax", "statement", 1): "true",
    ("exp-of-a-sum-of-two-entries", "statement", 1): "true",
    ("log-of-a-sum-is-not-the-sum-of-logs", "statement", 1): "false",
    ("log-sum-exp-is-not-the-sum", "statement", 1): "false",
    ("exp-of-a-sum-is-not-the-sum-of-exps", "statement", 1): "false",
    ("log-of-a-square-is-not-the-square-of-the-log", "statement", 1): "false",
}


def statement(id, title, start, expr, *, holds=True, note="", assumptions=()):
    """A proof of one equality ``start = expr``: a step, or an erratum when it is false."""
    line = step(expr, title) if holds else erratum(expr, title, note=note)
    case = Case("statement", title, classes=k, start=start, steps=[line], assumptions=assumptions,
                conclusion=Expect.HOLDS if holds else Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


S = sum_over(exp(z[i]), i, k)

SQUARE = statement("log-of-a-positive-square", "log(p_j^2) = 2 log p_j", log(p[j] ** 2), 2 * log(p[j]))
PRODUCT = statement("log-of-a-positive-product", "log(p_j p_m) = log p_j + log p_m",
                    log(p[j] * p[m]), log(p[j]) + log(p[m]))
QUOTIENT = statement("log-of-a-positive-quotient", "log(p_j / p_m) = log p_j − log p_m",
                     log(p[j] / p[m]), log(p[j]) - log(p[m]))
UNDOES = statement("log-undoes-exp", "log(e^{z_j + z_m}) = z_j + z_m", log(exp(z[j] + z[m]), evaluate=False),
                   z[j] + z[m])
LOG_SOFTMAX = statement("log-of-softmax", "log softmax(z)_j = z_j − log Σ_i e^{z_i}",
                        log(softmax(z, j, k)), z[j] - log(S))
LOG_SOFTMAX_NODE = statement("log-softmax-is-the-log-of-softmax", "log_softmax(z)_j = log softmax(z)_j",
                             log_softmax(z, j, k), log(softmax(z, j, k)))
EXP_SUM = statement("exp-of-a-sum-of-two-entries", "e^{z_j + z_m} = e^{z_j} e^{z_m}",
                    exp(z[j] + z[m]), exp(z[j]) * exp(z[m]))
LOG_SUM = statement("log-of-a-sum-is-not-the-sum-of-logs", "log(Σ_i p_i) = Σ_i log p_i",
                    log(sum_over(p[i], i, k)), sum_over(log(p[i]), i, k), holds=False,
                    note="log turns products into sums, not sums into sums")
LOG_SUM_EXP = statement("log-sum-exp-is-not-the-sum", "log Σ_i e^{z_i} = Σ_i z_i", log(S), sum_over(z[i], i, k),
                        holds=False, note="at z = 0 the left side is log k, the right side 0")
EXP_OF_SUM = statement("exp-of-a-sum-is-not-the-sum-of-exps", "e^{Σ_i z_i} = Σ_i e^{z_i}",
                       exp(sum_over(z[i], i, k)), S, holds=False, note="at z = 0 the left side is 1, the right side k")
SQUARE_WRONG = statement("log-of-a-square-is-not-the-square-of-the-log", "log(p_j^2) = (log p_j)^2",
                         log(p[j] ** 2), log(p[j]) ** 2, holds=False, note="log(p^2) = 2 log p")
