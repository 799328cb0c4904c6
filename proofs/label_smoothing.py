"""Label smoothing: the cross-entropy gradient against a smoothed target.

A course-library derivation.  A target y that sums to 1 (one-hot or soft) is
smoothed with a weight 0 ≤ ε ≤ 1 towards the uniform distribution over the k
classes,

    q_i = (1 − ε) y_i + ε/k        (the smoothed target, often written y^ε),

and the loss is the cross-entropy L = CE(q, p) with p = softmax(z).  The
smoothed target still sums to 1 (the first case), so the usual gradient holds
with q in place of y (the second case):

    ∂L/∂z_j = p_j − q_j = p_j − (1 − ε) y_j − ε/k.

No step uses ε ≤ 1 (each is an identity for every real ε); ε is declared
over its true domain [0, 1] so that counterexamples and numeric checks take
it there, its ends included.
"""

from sympy import Interval, KroneckerDelta

from derive import (D, Case, Proof, Source, SumsToOne, Vector, as_written, classes, conclusion, cross_entropy, exp,
                    indices, log, scalar, softmax, step, sum_over)

SOURCE = Source("Course library: label-smoothed cross-entropy")

k = classes("k")
i, j, n = indices("i j n")
eps = scalar("ε", Interval(0, 1))  # the smoothing weight, 0 ≤ ε ≤ 1
z = Vector("z")                    # the logits
p = Vector("p")                    # p = softmax(z)
y = Vector("y", "nonnegative")     # the target before smoothing
q = Vector("q")                    # the smoothed target
L = scalar("L")                    # the cross-entropy against q

with as_written():
    DEFINITIONS = {
        q: lambda a: (1 - eps) * y[a] + eps / k,
        p: lambda a: softmax(z, a, k),
        L: cross_entropy(q, p, k),
    }
    S = sum_over(exp(z[n]), n, k)

    SUMS_TO_ONE = Case(
        "smoothed-target-sums-to-one", "The smoothed target sums to 1",
        classes=k, assumptions=[SumsToOne(y)], definitions=DEFINITIONS, start=sum_over(q[i], i, k),
        steps=(
            step(sum_over((1 - eps) * y[i] + eps / k, i, k), "the definition of q_i"),
            step((1 - eps) * sum_over(y[i], i, k) + sum_over(eps / k, i, k), "split the sum; 1 − ε is a constant"),
            step((1 - eps) + k * (eps / k), "y sums to 1, and ε/k is added k times"),
            step(1, "the ε cancel"),
        ),
    )

    GRADIENT = Case(
        "gradient", "The gradient with respect to a logit",
        classes=k, assumptions=[SumsToOne(y)], definitions=DEFINITIONS, start=D(L, z[j]),
        steps=(
            step(-sum_over(q[i] * D(z[i] - log(S), z[j]), i, k),
                 "log p_i = z_i − log Σ_n e^{z_n}; the smoothed target does not depend on z"),
            step(-sum_over(q[i] * (KroneckerDelta(i, j) - p[j]), i, k),
                 "∂z_i/∂z_j = δ_ij, and ∂ log Σ_n e^{z_n}/∂z_j = p_j"),
            step(-q[j] + p[j] * sum_over(q[i], i, k), "the δ_ij picks the term i = j"),
            step(p[j] - q[j], "the smoothed target sums to 1 (the case above)"),
            step(p[j] - (1 - eps) * y[j] - eps / k, "the definition of q_j"),
        ),
    )

PROOF = Proof(
    id="label-smoothing",
    title="Label smoothing: the cross-entropy gradient against a smoothed target",
    source=SOURCE,
    claim="∂L/∂z_j = p_j − q_j with q = (1 − ε) y + ε/k",
    cases=[SUMS_TO_ONE, GRADIENT],
    conclusions=(
        conclusion("loss-wrt-logits", p[j] - (1 - eps) * y[j] - eps / k, of=L, wrt=z[j], classes=k,
                   definitions=DEFINITIONS, assumptions=(SumsToOne(y),)),
    ),
)
