"""The batch-mean cross-entropy: each logit's gradient is divided by the batch size.

A course-library derivation.  A batch of N samples, each with k logits: the
logits form an N × k matrix Z, the predictions P are the softmax of each row,
P_bi = e^{Z_bi}/Σ_n e^{Z_bn}, and each row Y_b of the targets sums to 1.  The
loss is the mean over the batch of the per-sample cross-entropies,

    L = (1/N) Σ_b (−Σ_i Y_bi log P_bi).

Only the sample c depends on the logit Z_cj, so the gradient is that sample's
softmax gradient divided by N:

    ∂L/∂Z_cj = (P_cj − Y_cj)/N.
"""

from sympy import KroneckerDelta

from derive import (Case, D, Matrix, Proof, Source, SumsToOne, as_written, classes, conclusion, count, exp, indices,
                    log, mean_over, scalar, step, sum_over)

SOURCE = Source("Course library: the batch-mean cross-entropy")

k = classes("k")                                  # the classes
N = count("N")                                    # the batch size
i, j, n = indices("i j n")                        # classes
b, c = indices("b c", over=N)                     # samples of the batch
Z = Matrix("Z", rows=N, cols=k)                   # the logits, a row per sample
P = Matrix("P", rows=N, cols=k)                   # the softmax of each row of Z
Y = Matrix("Y", "nonnegative", rows=N, cols=k)    # the targets, a row per sample
L = scalar("L")                                   # the batch-mean cross-entropy

with as_written():
    DEFINITIONS = {
        P: lambda row, col: exp(Z[row, col]) / sum_over(exp(Z[row, n]), n, k),
        L: mean_over(-sum_over(Y[b, i] * log(P[b, i]), i, k), b, N),
    }

    GRADIENT = Case(
        "gradient", "The gradient with respect to one logit of one sample",
        classes=k, assumptions=[SumsToOne(Y)], definitions=DEFINITIONS, start=D(L, Z[c, j]),
        steps=(
            step(-mean_over(sum_over(Y[b, i] * D(log(P[b, i]), Z[c, j]), i, k), b, N),
                 "the derivative of a mean is the mean of the derivatives; the targets do not depend on Z"),
            step(-mean_over(sum_over(Y[b, i] * KroneckerDelta(b, c) * D(log(P[c, i]), Z[c, j]), i, k), b, N),
                 "row b of P depends only on row b of Z: the term of sample b vanishes unless b = c"),
            step(-sum_over(Y[c, i] * D(log(P[c, i]), Z[c, j]), i, k) / N, "the δ_bc picks the sample b = c"),
            step(-sum_over(Y[c, i] * D(Z[c, i] - log(sum_over(exp(Z[c, n]), n, k)), Z[c, j]), i, k) / N,
                 "log P_ci = Z_ci − log Σ_n e^{Z_cn}"),
            step(-sum_over(Y[c, i] * (KroneckerDelta(i, j) - P[c, j]), i, k) / N,
                 "∂Z_ci/∂Z_cj = δ_ij, and ∂ log Σ_n e^{Z_cn}/∂Z_cj = P_cj"),
            step(-(Y[c, j] - P[c, j] * sum_over(Y[c, i], i, k)) / N, "the δ_ij picks the class i = j"),
            step((P[c, j] - Y[c, j]) / N, "the row Y_c sums to 1"),
        ),
    )

PROOF = Proof(
    id="batch-cross-entropy",
    title="The batch-mean cross-entropy gradient",
    source=SOURCE,
    claim="∂L/∂Z_cj = (P_cj − Y_cj)/N for L the mean over N samples of the cross-entropy of each row",
    cases=[GRADIENT],
    conclusions=(
        conclusion("loss-wrt-logits", (P[c, j] - Y[c, j]) / N, of=L, wrt=Z[c, j], classes=k,
                   definitions=DEFINITIONS, assumptions=(SumsToOne(Y),)),
    ),
)
