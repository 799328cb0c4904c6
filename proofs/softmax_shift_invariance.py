"""Shift invariance: adding the same c to every logit changes neither softmax nor logsumexp − c.

A course-library derivation.  Shift the logits by a real c, w = z + c·1
(w_i = z_i + c).  The softmax of w does not depend on c, and the log-sum-exp
moves by exactly c:

    softmax(z + c·1) = softmax(z),        logsumexp(z + c·1) = logsumexp(z) + c,

which is why implementations subtract max_i z_i before exponentiating.  Both
are shown the way a course argues it: the derivative with respect to c of
softmax(w)_j, and of logsumexp(w) − c, is 0 for every c, so each keeps its
value at c = 0.

(The identities can also be written in one line, by taking e^c out of
Σ_n e^{z_n + c}, which the normaliser's sum-exp-factor rule proves for every k
as well; the library shows the derivative argument.)
"""

from derive import (D, Case, Proof, Source, Vector, as_written, classes, exp, indices, log, logsumexp, scalar,
                    softmax, step, sum_over)

SOURCE = Source("Course library: shift invariance of softmax and log-sum-exp")

k = classes("k")
j, n = indices("j n")
c = scalar("c")              # the shift
z = Vector("z")              # the logits
w = Vector("w")              # the shifted logits w = z + c·1
p = Vector("p")              # p = softmax(w)
F = scalar("F")              # logsumexp(w) − c

with as_written():
    DEFINITIONS = {
        w: lambda a: z[a] + c,
        p: lambda a: softmax(w, a, k),
        F: logsumexp(w, k) - c,
    }
    S = sum_over(exp(z[n] + c), n, k)  # Σ_n e^{z_n + c}

    SOFTMAX = Case(
        "softmax", "The softmax of shifted logits does not depend on the shift",
        classes=k, definitions=DEFINITIONS, start=D(p[j], c),
        steps=(
            step(D(exp(z[j] + c) / S, c), "p_j = e^{w_j}/Σ_n e^{w_n} with w_n = z_n + c"),
            step((exp(z[j] + c) * S - exp(z[j] + c) * sum_over(exp(z[n] + c), n, k)) / S ** 2,
                 "quotient rule: ∂e^{z_j + c}/∂c = e^{z_j + c}, and each term of the sum also has derivative "
                 "itself"),
            step(0, "the two products are equal: softmax(z + c·1) is constant in c, so it equals softmax(z)"),
        ),
    )

    LOGSUMEXP = Case(
        "logsumexp", "The log-sum-exp of shifted logits moves by the shift",
        classes=k, definitions=DEFINITIONS, start=D(F, c),
        steps=(
            step(D(log(S) - c, c), "logsumexp(w) = log Σ_n e^{z_n + c}"),
            step(S / S - 1, "the derivative of log u is u'/u, and ∂(e^{z_n + c})/∂c = e^{z_n + c}"),
            step(0, "so logsumexp(z + c·1) − c is constant in c: it equals logsumexp(z)"),
        ),
    )

PROOF = Proof(
    id="softmax-shift-invariance",
    title="Shift invariance of softmax and log-sum-exp",
    source=SOURCE,
    claim="softmax(z + c·1) = softmax(z) and logsumexp(z + c·1) = logsumexp(z) + c, for every real c",
    cases=[SOFTMAX, LOGSUMEXP],
)
