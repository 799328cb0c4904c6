"""Math - derivative combining Softmax and Cross-Entropy Loss.

Transcribed step by step in the document's own notation: N classes, logits
z, predictions ŷ = softmax(z), a one-hot target y, the loss L; j and k are
indices.  Part 1 derives the softmax Jacobian by the quotient rule, Part 2
the derivative of the loss with respect to ŷ (treated as a free vector),
Part 3 combines them with the chain rule.
"""

from sympy import KroneckerDelta

from derive import (Case, D, Distinct, Equal, OneHot, Proof, Source, SumsToOne, Vector, as_written, classes,
                    conclusion, exp, indices, log, scalar, softmax, step, sum_except, sum_over, written_out)

SOURCE = Source("Math - derivative combining Softmax and Cross-Entropy Loss")

N = classes("N")
i, j, k = indices("i j k")
z = Vector("z")
y = Vector("y", "nonnegative")
yhat = Vector("ŷ")                     # ŷ = softmax(z) in Parts 1 and 3
yhat_free = Vector("ŷ", "positive")    # Part 2 differentiates with respect to ŷ as a free vector
L = scalar("L")

SOFTMAX = {yhat: lambda a: softmax(z, a, N)}
LOSS = {L: -sum_over(y[j] * log(yhat[j]), j, N)}
LOSS_FREE = {L: -sum_over(y[j] * log(yhat_free[j]), j, N)}

with as_written():
    S = sum_over(exp(z[i]), i, N)        # the softmax denominator v = Σ_i e^{z_i}

    # Part 1, Case 1: j = k -------------------------------------------------------------------------
    part1_case1_numerator = Case(
        "part1-case1-numerator", "Part 1, Case 1 (j = k): derivative of the numerator u = e^{z_j}",
        classes=N, assumptions=(Equal(j, k),), source_ref="Part 1, Case 1, item 1",
        start=D(exp(z[j]), z[j]),
        steps=(
            step(exp(z[j]), "the exponential is its own derivative", ref="Part 1, Case 1, item 1"),
        ),
    )
    part1_case1_denominator = Case(
        "part1-case1-denominator", "Part 1, Case 1 (j = k): derivative of the denominator v = Σ_i e^{z_i}",
        classes=N, assumptions=(Equal(j, k),), source_ref="Part 1, Case 1, item 2",
        start=D(S, z[j]),
        steps=(
            step(D(written_out(exp(z[i]), i, N), z[j]), "write the sum out term by term",
                 ref="Part 1, Case 1, item 2, first line"),
            step(exp(z[j]), "only the term e^{z_j} depends on z_j", ref="Part 1, Case 1, item 2, conclusion"),
        ),
    )
    part1_case1 = Case(
        "part1-case1-quotient", "Part 1, Case 1 (j = k): the quotient rule, down to Result 1",
        classes=N, assumptions=(Equal(j, k),), definitions=SOFTMAX, source_ref="Part 1, Case 1, item 3",
        start=D(yhat[j], z[j]),
        steps=(
            step((exp(z[j]) * S - exp(z[j]) * exp(z[j])) / S**2,
                 "quotient rule with u' = e^{z_j} and v' = e^{z_j}", ref="Part 1, Case 1, item 3, line 1"),
            step(exp(z[j]) / S * (S / S) - exp(z[j]) / S * (exp(z[j]) / S),
                 "split into two fractions", ref="Part 1, Case 1, item 3, line 2"),
            step(yhat[j] * 1 - yhat[j] * yhat[j], "recognise ŷ_j in each fraction",
                 ref="Part 1, Case 1, item 3, line 3"),
            step(yhat[j] * (1 - yhat[j]), "factor out ŷ_j (Result 1)", ref="Part 1, Case 1, item 3, line 4"),
        ),
    )

    # Part 1, Case 2: j != k ------------------------------------------------------------------------
    part1_case2_numerator = Case(
        "part1-case2-numerator", "Part 1, Case 2 (j ≠ k): derivative of the numerator u = e^{z_j}",
        classes=N, assumptions=(Distinct(j, k),), source_ref="Part 1, Case 2, item 1",
        start=D(exp(z[j]), z[k]),
        steps=(
            step(0, "e^{z_j} does not depend on z_k", ref="Part 1, Case 2, item 1"),
        ),
    )
    part1_case2_denominator = Case(
        "part1-case2-denominator", "Part 1, Case 2 (j ≠ k): derivative of the denominator v = Σ_i e^{z_i}",
        classes=N, assumptions=(Distinct(j, k),), source_ref="Part 1, Case 2, item 2",
        start=D(S, z[k]),
        steps=(
            step(exp(z[k]), "only the term e^{z_k} depends on z_k", ref="Part 1, Case 2, item 2"),
        ),
    )
    part1_case2 = Case(
        "part1-case2-quotient", "Part 1, Case 2 (j ≠ k): the quotient rule, down to Result 2",
        classes=N, assumptions=(Distinct(j, k),), definitions=SOFTMAX, source_ref="Part 1, Case 2, item 3",
        start=D(yhat[j], z[k]),
        steps=(
            step((0 * S - exp(z[j]) * exp(z[k])) / S**2, "quotient rule with u' = 0 and v' = e^{z_k}",
                 ref="Part 1, Case 2, item 3, line 1"),
            step(-(exp(z[j]) * exp(z[k])) / S**2, "the first product vanishes",
                 ref="Part 1, Case 2, item 3, line 2"),
            step(-(exp(z[j]) / S) * (exp(z[k]) / S), "split the denominator",
                 ref="Part 1, Case 2, item 3, line 3"),
            step(-yhat[j] * yhat[k], "recognise ŷ_j and ŷ_k (Result 2)", ref="Part 1, Case 2, item 3, line 4"),
        ),
    )

    # Part 2: the loss with respect to ŷ, a free vector -----------------------------------------------
    part2 = Case(
        "part2-loss", "Part 2: the derivative of the loss with respect to ŷ_k, down to Result 3",
        classes=N, definitions=LOSS_FREE, source_ref="Part 2",
        start=D(L, yhat_free[k]),
        steps=(
            step(D(-sum_over(y[j] * log(yhat_free[j]), j, N), yhat_free[k]), "apply the differentiation",
                 ref="Part 2, item 1"),
            step(-sum_over(y[j] * D(log(yhat_free[j]), yhat_free[k]), j, N),
                 "move the derivative inside the sum", ref="Part 2, item 2"),
            step(-y[k] * (1 / yhat_free[k]), "only the term j = k remains", ref="Part 2, item 4"),
            step(-(y[k] / yhat_free[k]), "Result 3", ref="Part 2, item 4"),
        ),
    )
    part2_inner_same = Case(
        "part2-inner-same", "Part 2, item 3: the inner derivative when j = k",
        classes=N, assumptions=(Equal(j, k),), source_ref="Part 2, item 3",
        start=D(log(yhat_free[k]), yhat_free[k]),
        steps=(step(1 / yhat_free[k], "the derivative of log", ref="Part 2, item 3, first bullet"),),
    )
    part2_inner_other = Case(
        "part2-inner-other", "Part 2, item 3: the inner derivative when j ≠ k",
        classes=N, assumptions=(Distinct(j, k),), source_ref="Part 2, item 3",
        start=D(log(yhat_free[j]), yhat_free[k]),
        steps=(step(0, "log ŷ_j does not depend on ŷ_k", ref="Part 2, item 3, second bullet"),),
    )

    # Part 3: the chain rule ---------------------------------------------------------------------------
    part3_diagonal = Case(
        "part3-diagonal-term", "Part 3, item 1: the term j = k, by Results 3 and 1",
        classes=N, definitions={**SOFTMAX, **LOSS}, source_ref="Part 3, item 1",
        start=D(L, yhat[k]) * D(yhat[k], z[k]),
        steps=(
            step((-(y[k] / yhat[k])) * (yhat[k] * (1 - yhat[k])), "substitute Result 3 and Result 1",
                 ref="Part 3, item 1"),
            step(-y[k] * (1 - yhat[k]), "cancel ŷ_k", ref="Part 3, item 1"),
            step(-y[k] + y[k] * yhat[k], "expand", ref="Part 3, item 1"),
        ),
    )
    part3_off_diagonal = Case(
        "part3-off-diagonal-terms", "Part 3, item 2: the terms j ≠ k, by Results 3 and 2",
        classes=N, definitions={**SOFTMAX, **LOSS}, source_ref="Part 3, item 2",
        start=sum_except(D(L, yhat[j]) * D(yhat[j], z[k]), j, N, k),
        steps=(
            step(sum_except((-(y[j] / yhat[j])) * (-yhat[j] * yhat[k]), j, N, k),
                 "substitute Result 3 and Result 2", ref="Part 3, item 2"),
            step(sum_except(y[j] * yhat[k], j, N, k), "cancel ŷ_j and the two signs", ref="Part 3, item 2"),
        ),
    )
    part3_one_hot = Case(
        "part3-one-hot-sum", "Part 3, item 4: the entries of a one-hot y sum to 1",
        classes=N, assumptions=(OneHot(y),), source_ref="Part 3, item 4",
        start=y[k] + sum_except(y[j], j, N, k),
        steps=(
            step(sum_over(y[j], j, N), "the term j = k and the terms j ≠ k make the whole sum",
                 ref="Part 3, item 4"),
            step(1, "y is one-hot: a single 1", ref="Part 3, item 4"),
        ),
    )
    part3 = Case(
        "part3-chain-rule", "Part 3: the chain rule, down to ŷ_k − y_k",
        classes=N, assumptions=(OneHot(y),), definitions={**SOFTMAX, **LOSS}, source_ref="Part 3",
        start=D(L, z[k]),
        steps=(
            step(sum_over(D(L, yhat[j]) * D(yhat[j], z[k]), j, N), "the chain rule through ŷ",
                 ref="Part 3, chain rule"),
            step(D(L, yhat[k]) * D(yhat[k], z[k]) + sum_except(D(L, yhat[j]) * D(yhat[j], z[k]), j, N, k),
                 "split the sum into the term j = k and the terms j ≠ k", ref="Part 3, split"),
            step((-y[k] + y[k] * yhat[k]) + sum_except(y[j] * yhat[k], j, N, k),
                 "substitute items 1 and 2", ref="Part 3, item 3, line 1"),
            step(-y[k] + (y[k] * yhat[k] + sum_except(y[j] * yhat[k], j, N, k)),
                 "group the terms with ŷ_k", ref="Part 3, item 3, line 2"),
            step(-y[k] + yhat[k] * (y[k] + sum_except(y[j], j, N, k)), "factor out ŷ_k",
                 ref="Part 3, item 3, line 3"),
            step(-y[k] + yhat[k] * 1, "the entries of y sum to 1 (item 4)", ref="Part 3, item 5, line 1"),
            step(yhat[k] - y[k], "prediction minus truth", ref="Part 3, item 5, line 2"),
        ),
    )

SOFTMAX_CROSS_ENTROPY = Proof(
    id="softmax-cross-entropy",
    title="The derivative of cross-entropy through softmax",
    source=SOURCE,
    claim="∂L/∂z_k = ŷ_k − y_k, where ŷ = softmax(z), y is one-hot and L = −Σ_j y_j log ŷ_j",
    cases=(
        part1_case1_numerator, part1_case1_denominator, part1_case1,
        part1_case2_numerator, part1_case2_denominator, part1_case2,
        part2, part2_inner_same, part2_inner_other,
        part3_diagonal, part3_off_diagonal, part3_one_hot, part3,
    ),
    conclusions=(
        # Results 1 and 2 together: ∂ŷ_j/∂z_k = δ_jk ŷ_j − ŷ_j ŷ_k, the softmax Jacobian diag(ŷ) − ŷŷᵀ
        conclusion("softmax-jacobian", KroneckerDelta(j, k) * yhat[j] - yhat[j] * yhat[k],
                   of=yhat[j], wrt=z[k], classes=N, definitions=SOFTMAX, ref="Part 1, Results 1 and 2"),
        # Result 3: ∂L/∂ŷ_k = −y_k/ŷ_k, ŷ a free positive vector
        conclusion("loss-wrt-prediction", -y[k] / yhat_free[k],
                   of=L, wrt=yhat_free[k], classes=N, definitions=LOSS_FREE, ref="Part 2, Result 3"),
        # Part 3: ∂L/∂z_k = ŷ_k − y_k.  Part 3 uses of the one-hot target only that its entries sum
        # to 1 (item 4), so the result is claimed, and checked, for soft targets too.
        conclusion("loss-wrt-logits", yhat[k] - y[k],
                   of=L, wrt=z[k], classes=N, definitions={**SOFTMAX, **LOSS}, assumptions=(SumsToOne(y),),
                   ref="Part 3, item 5",
                   note="Part 3 uses only that the entries of y sum to 1, so soft targets are included"),
    ),
)
