"""The softmax Jacobian in matrix form: J = diag(p) − p pᵀ.

A course-library derivation.  With p = softmax(z), the entry ∂p_j/∂z_m of the
Jacobian is found by the quotient rule in two cases, on the diagonal (j = m)
and off it (j ≠ m).  The claim puts them together entrywise as
p_j δ_jm − p_j p_m, which is the entry J_jm of the matrix J = diag(p) − p pᵀ
(the third case).
A last case shows that each row of J sums to 0: softmax outputs sum to 1
whatever the logits, so no change of z changes their sum.  It is shown for
any p that sums to 1, since that is all it uses.
"""

from sympy import KroneckerDelta

from derive import (Case, Claim, D, Distinct, Equal, Matrix, Proof, Source, SumsToOne, Vector, as_written, classes,
                    conclusion, exp, indices, softmax, step, sum_over)

SOURCE = Source("Course library: the softmax Jacobian in matrix form")

k = classes("k")
j, m, n = indices("j m n")
z = Vector("z")                       # the logits
p = Vector("p")                       # p = softmax(z)
J = Matrix("J", rows=k, cols=k)       # J = diag(p) − p pᵀ

with as_written():
    DEFINITIONS = {p: lambda a: softmax(z, a, k)}
    ENTRIES = {J: lambda row, col: p[row] * KroneckerDelta(row, col) - p[row] * p[col]}
    MATRIX = {**DEFINITIONS, **ENTRIES}
    S = sum_over(exp(z[n]), n, k)

    DIAGONAL = Case(
        "diagonal", "On the diagonal (j = m)",
        classes=k, assumptions=[Equal(j, m)], definitions=DEFINITIONS, start=D(p[j], z[m]),
        steps=(
            step(D(exp(z[j]) / S, z[m]), "the definition of p_j"),
            step((exp(z[j]) * S - exp(z[j]) * exp(z[m])) / S ** 2,
                 "quotient rule: ∂e^{z_j}/∂z_m = e^{z_j} as j = m, and ∂S/∂z_m = e^{z_m}"),
            step(exp(z[j]) / S - exp(z[j]) / S * (exp(z[m]) / S), "split the fraction"),
            step(p[j] - p[j] * p[m], "recognise p_j and p_m"),
        ),
    )

    OFF_DIAGONAL = Case(
        "off-diagonal", "Off the diagonal (j ≠ m)",
        classes=k, assumptions=[Distinct(j, m)], definitions=DEFINITIONS, start=D(p[j], z[m]),
        steps=(
            step(D(exp(z[j]) / S, z[m]), "the definition of p_j"),
            step((0 * S - exp(z[j]) * exp(z[m])) / S ** 2,
                 "quotient rule: e^{z_j} does not depend on z_m as j ≠ m, and ∂S/∂z_m = e^{z_m}"),
            step(-(exp(z[j]) / S) * (exp(z[m]) / S), "split the fraction"),
            step(-p[j] * p[m], "recognise p_j and p_m"),
        ),
    )

    MATRIX_FORM = Case(
        "matrix-form", "In matrix form: J = diag(p) − p pᵀ",
        classes=k, definitions=MATRIX, start=J[j, m],
        steps=(
            step(p[j] * KroneckerDelta(j, m) - p[j] * p[m],
                 "the entry (j, m) of diag(p) is p_j δ_jm, and that of p pᵀ is p_j p_m"),
            step(D(p[j], z[m]), "the entrywise claim: both cases at once"),
        ),
    )

    ROWS_SUM_TO_ZERO = Case(
        "rows-sum-to-zero", "Each row of the Jacobian sums to 0",
        classes=k, assumptions=[SumsToOne(p)], definitions=ENTRIES, start=sum_over(J[j, m], m, k),
        note="Only Σ_m p_m = 1 is used, so the row sums vanish for diag(p) − p pᵀ built from any probability "
             "vector p, and the softmax outputs are one.",
        steps=(
            step(sum_over(p[j] * KroneckerDelta(j, m) - p[j] * p[m], m, k), "the entries of J = diag(p) − p pᵀ"),
            step(p[j] - p[j] * sum_over(p[m], m, k), "the δ_jm picks the term m = j; take p_j out of the sum"),
            step(p[j] - p[j], "p sums to 1"),
            step(0, "cancel"),
        ),
    )

    ENTRYWISE = Claim("entrywise", "Both cases at once", D(p[j], z[m]),
                      p[j] * KroneckerDelta(j, m) - p[j] * p[m], cases=["diagonal", "off-diagonal"])

PROOF = Proof(
    id="softmax-jacobian",
    title="The softmax Jacobian in matrix form",
    source=SOURCE,
    claim="∂p_j/∂z_m = p_j δ_jm − p_j p_m, the entry (j, m) of diag(p) − p pᵀ",
    cases=[DIAGONAL, OFF_DIAGONAL, MATRIX_FORM, ROWS_SUM_TO_ZERO],
    claims=[ENTRYWISE],
    conclusions=[conclusion("jacobian", p[j] * KroneckerDelta(j, m) - p[j] * p[m], of=p[j], wrt=z[m],
                            classes=k, definitions=DEFINITIONS)],
)
