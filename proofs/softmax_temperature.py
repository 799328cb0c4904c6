"""Softmax with a temperature: the cross-entropy gradient is divided by T.

A course-library derivation.  Logits z_1..z_k are divided by a temperature
T > 0 before the softmax, p = softmax(z/T), and the loss is the cross-entropy
L = CE(y, p) = −Σ_i y_i log p_i with a target y that sums to 1 (one-hot or
soft).  Writing log p_i as z_i/T − log Σ_n e^{z_n/T} and differentiating term
by term gives

    ∂L/∂z_j = (p_j − y_j)/T:

the gradient without temperature, scaled down by T.
"""

from sympy import KroneckerDelta

from derive import (D, Case, Proof, Source, SumsToOne, Vector, as_written, classes, conclusion, cross_entropy, exp,
                    indices, log, scalar, softmax, step, sum_over)

SOURCE = Source("Course library: softmax with temperature")

k = classes("k")
i, j, n = indices("i j n")
T = scalar("T", "positive")        # the temperature
z = Vector("z")                    # the logits
u = Vector("u")                    # the scaled logits u = z/T
p = Vector("p")                    # p = softmax(z/T)
y = Vector("y", "nonnegative")     # the target
L = scalar("L")                    # the cross-entropy

with as_written():
    DEFINITIONS = {
        u: lambda a: z[a] / T,
        p: lambda a: softmax(u, a, k),
        L: cross_entropy(y, p, k),
    }
    S = sum_over(exp(z[n] / T), n, k)  # the softmax denominator Σ_n e^{z_n/T}

    GRADIENT = Case(
        "gradient", "The gradient with respect to a logit",
        classes=k, assumptions=[SumsToOne(y)], definitions=DEFINITIONS, start=D(L, z[j]),
        steps=(
            step(-sum_over(y[i] * D(z[i] / T - log(S), z[j]), i, k),
                 "log p_i = z_i/T − log Σ_n e^{z_n/T}; differentiate term by term"),
            step(-sum_over(y[i] * (KroneckerDelta(i, j) / T - exp(z[j] / T) / (T * S)), i, k),
                 "∂z_i/∂z_j = δ_ij, and the chain rule through log and e^{z_j/T}, each with a factor 1/T"),
            step(-sum_over(y[i] * (KroneckerDelta(i, j) - p[j]) / T, i, k),
                 "recognise p_j = e^{z_j/T}/Σ_n e^{z_n/T}, and take 1/T out"),
            step(-(y[j] - p[j] * sum_over(y[i], i, k)) / T, "the δ_ij picks the term i = j"),
            step((p[j] - y[j]) / T, "the target sums to 1"),
        ),
    )

PROOF = Proof(
    id="softmax-temperature",
    title="Softmax with temperature: the cross-entropy gradient",
    source=SOURCE,
    claim="∂L/∂z_j = (p_j − y_j)/T for p = softmax(z/T) and L = CE(y, p)",
    cases=[GRADIENT],
    conclusions=(
        conclusion("loss-wrt-logits", (p[j] - y[j]) / T, of=L, wrt=z[j], classes=k, definitions=DEFINITIONS,
                   assumptions=(SumsToOne(y),)),
        conclusion("softmax-jacobian", p[i] * (KroneckerDelta(i, j) - p[j]) / T, of=p[i], wrt=z[j], classes=k,
                   definitions=DEFINITIONS, note="the tempered softmax's Jacobian, also divided by T"),
    ),
)
