"""The gradient of log-softmax: ∂ log p_j/∂z_m = δ_jm − p_m.

A course-library derivation.  With p = softmax(z), the log-softmax is
log p_j = z_j − log Σ_n e^{z_n}.  Its derivative with respect to a logit z_m
is taken in two cases, the same component (j = m) and another (j ≠ m), and
the claim puts them together with a Kronecker delta.
"""

from sympy import KroneckerDelta

from derive import (D, Case, Claim, Distinct, Equal, Proof, Source, Vector, as_written, classes, conclusion, exp,
                    indices, log, log_softmax, softmax, step, sum_over)

SOURCE = Source("Course library: the log-softmax gradient")

k = classes("k")
j, m, n = indices("j m n")
z = Vector("z")          # the logits
p = Vector("p")          # p = softmax(z)
q = Vector("q")          # q = log softmax(z), named for the numeric check of the conclusion

with as_written():
    DEFINITIONS = {p: lambda a: softmax(z, a, k)}
    S = sum_over(exp(z[n]), n, k)

    SAME = Case(
        "same-component", "The same component (j = m)",
        classes=k, assumptions=[Equal(j, m)], definitions=DEFINITIONS, start=D(log_softmax(z, j, k), z[m]),
        steps=(
            step(D(z[j] - log(S), z[m]), "log softmax(z)_j = z_j − log Σ_n e^{z_n}"),
            step(1 - exp(z[m]) / S, "∂z_j/∂z_m = 1 as j = m; the derivative of log u is u'/u"),
            step(1 - p[m], "recognise p_m"),
        ),
    )

    OTHER = Case(
        "other-component", "Another component (j ≠ m)",
        classes=k, assumptions=[Distinct(j, m)], definitions=DEFINITIONS, start=D(log_softmax(z, j, k), z[m]),
        steps=(
            step(D(z[j] - log(S), z[m]), "log softmax(z)_j = z_j − log Σ_n e^{z_n}"),
            step(0 - exp(z[m]) / S, "z_j does not depend on z_m as j ≠ m; the derivative of log u is u'/u"),
            step(-p[m], "recognise p_m"),
        ),
    )

    BOTH = Claim("both-components", "Both cases at once", D(log_softmax(z, j, k), z[m]),
                 KroneckerDelta(j, m) - p[m], cases=["same-component", "other-component"])

PROOF = Proof(
    id="log-softmax-gradient",
    title="The gradient of log-softmax",
    source=SOURCE,
    claim="∂ log softmax(z)_j/∂z_m = δ_jm − p_m",
    cases=[SAME, OTHER],
    claims=[BOTH],
    conclusions=[conclusion("gradient", KroneckerDelta(j, m) - p[m], of=q[j], wrt=z[m], classes=k,
                            definitions={**DEFINITIONS, q: lambda a: log_softmax(z, a, k)})],
)
