"""Deriving Cross Entropy Gradient.

Transcribed line by line in the document's own notation: k classes, logits z,
predictions ŷ = softmax(z), a target y that is one-hot at the true class ℓ,
and the component j of the gradient.  The sample superscript (i) of the source
is dropped: there is one sample throughout.  The source derives ∂CE/∂z_j in
two cases (Case 1: j ≠ ℓ, Case 2: j = ℓ) and recombines them.

Case 1, line 1 does not hold: it keeps only the wrong-class terms of the loss,
but the true-class term depends on z_j through the softmax denominator.  The
line is kept as written and marked an erratum, Case 1's conclusion 0 is marked
wrong, and a corrected Case 1 stands beside it.  The claims then recombine
the cases: the Recombination and ∇CE = ŷ − y contradict the source's Case 1,
and ∇CE = ŷ − y agrees with the corrected Case 1 and with Case 2.
"""

from derive import (D, Case, Claim, Distinct, Equal, OneHot, Proof, Source, Vector, as_written, classes,
                    conclusion, cross_entropy, erratum, exp, indices, log, scalar, softmax, step, sum_except,
                    sum_over)

SOURCE = Source("Deriving Cross Entropy Gradient")

k = classes("k")
l, j, i, n = indices("ℓ j i n")
z = Vector("z")
y = Vector("y", "nonnegative")
yhat = Vector("ŷ")
CE = scalar("CE")

with as_written():
    DEFINITIONS = {
        CE: cross_entropy(y, yhat, k),     # CE(y, ŷ) = −Σ_n y_n log ŷ_n
        yhat: lambda a: softmax(z, a, k),
    }
    S = sum_over(exp(z[n]), n, k)      # the softmax denominator Σ_n e^{z_n}
    WRONG = (Distinct(j, l), OneHot(y, l))
    RIGHT = (Equal(j, l), OneHot(y, l))

    # The given equivalence: the loss written out with softmax --------------------------------------------
    given = Case(
        "given", "The given equivalence: the loss written out with softmax",
        classes=k, definitions=DEFINITIONS, source_ref="Cross Entropy",
        start=D(CE, z[j]),
        steps=(
            step(D(-sum_over(y[n] * log(softmax(z, n, k)), n, k), z[j]), "ŷ = softmax(z), inside CE(y, ŷ)",
                 ref="Cross Entropy, given equivalence",
                 note="Reading: the source's summation index is written k, like the number of classes; it is "
                      "an index n over the k classes, and softmax(z_k) is the component softmax(z)_n."),
        ),
    )

    # Case 1: j ≠ ℓ, as the source writes it -----------------------------------------------------------
    case_1 = Case(
        "case-1", "Case 1 (j ≠ ℓ): the gradient at a wrong class, as written",
        classes=k, assumptions=WRONG, definitions=DEFINITIONS, source_ref="Case 1",
        start=D(CE, z[j]),
        conclusion="erratum",
        note="The case concludes 0, but the gradient at a wrong class is ŷ_j.",
        steps=(
            erratum(D(-sum_except(y[i] * log(softmax(z, i, k)), i, k, l), z[j]),
                    "differentiate the terms of the wrong classes (the source names the sum's bound "
                    "index j, like the free j of ∂/∂z_j; it is named i here)", ref="Case 1, line 1",
                    note="Only the wrong-class terms are kept, but the dropped true-class term "
                         "−y_ℓ log softmax(z)_ℓ depends on z_j through the softmax denominator, so its "
                         "derivative ŷ_j is lost."),
            step(-sum_except(y[i] / softmax(z, i, k) * D(softmax(z, i, k), z[j]), i, k, l),
                 "derivative of log: the chain rule inside the sum", ref="Case 1, line 2",
                 note="Reading: softmax(z) is the summand's component softmax(z)_i, and softmax'(z) its "
                      "derivative with respect to z_j."),
            step(0, "y is zero at every wrong class", ref="Case 1, line 3"),
        ),
    )

    # Case 1, corrected: keep the true-class term -----------------------------------------------------
    case_1_corrected = Case(
        "case-1-corrected", "Case 1 (j ≠ ℓ), corrected: the true-class term carries the gradient",
        classes=k, assumptions=WRONG, definitions=DEFINITIONS, source_ref="Case 1",
        start=D(CE, z[j]), corrects="case-1",
        note="Only the true-class term of the loss is non-zero, and it depends on every logit.",
        steps=(
            step(D(-(y[l] * log(softmax(z, l, k))), z[j]),
                 "y is one-hot at ℓ: only the true-class term of the sum is non-zero"),
            step(D(-log(softmax(z, l, k)), z[j]), "y_ℓ = 1"),
            step(D(-log(exp(z[l]) / S), z[j]), "definition of softmax"),
            step(D(-(log(exp(z[l])) - log(S)), z[j]), "log of a quotient"),
            step(D(-z[l] + log(S), z[j]), "log undoes exp"),
            step(-D(z[l], z[j]) + 1 / S * D(S, z[j]), "linearity; derivative of log"),
            step(0 + 1 / S * exp(z[j]), "z_ℓ does not depend on z_j (j ≠ ℓ); only e^{z_j} in the sum does"),
            step(exp(z[j]) / S, "simplify"),
            step(softmax(z, j, k), "definition of softmax"),
            step(yhat[j], "ŷ = softmax(z)"),
            step(yhat[j] - y[j], "y_j = 0 at a wrong class"),
        ),
    )

    # Case 2: j = ℓ --------------------------------------------------------------------------------------
    case_2 = Case(
        "case-2", "Case 2 (j = ℓ): the gradient at the true class",
        classes=k, assumptions=RIGHT, definitions=DEFINITIONS, source_ref="Case 2",
        start=D(CE, z[j]),
        steps=(
            step(D(-y[j] * log(softmax(z, j, k)), z[j]), "only the true-class term of the sum is non-zero",
                 ref="Case 2, line 1",
                 note="Reading: softmax(z) is the component softmax(z)_j, as in every line below."),
            step(D(-log(softmax(z, j, k)), z[j]), "y_j = 1 at the true class", ref="Case 2, line 2"),
            step(D(-log(exp(z[j]) / S), z[j]), "definition of softmax", ref="Case 2, line 3"),
            step(D(-(log(exp(z[j])) - log(S)), z[j]), "log of a quotient", ref="Case 2, line 4"),
            step(D(-z[j] + log(S), z[j]), "log undoes exp", ref="Case 2, line 5"),
            step(-1 + 1 / S * D(S, z[j]), "derivative of −z_j; chain rule for log", ref="Case 2, line 6"),
            step(-1 + 1 / S * exp(z[j]), "only the term n = j of the sum depends on z_j", ref="Case 2, line 7"),
            step(-1 + exp(z[j]) / S, "multiply the fractions", ref="Case 2, line 8"),
            step(-1 + softmax(z, j, k), "definition of softmax", ref="Case 2, line 9"),
            step(-y[j] + yhat[j], "1 = y_j at the true class; ŷ = softmax(z)", ref="Case 2, line 10",
                 note="Reading: ŷ is the component ŷ_j."),
            step(yhat[j] - y[j], "reorder", ref="Case 2, line 11",
                 note="Reading: ŷ is the component ŷ_j."),
        ),
    )

    CLAIMS = (
        Claim("recombination", "Recombination", D(CE, z[j]), yhat[j] - y[j] + 0, ("case-1", "case-2"),
              expect="erratum", source_ref="Recombination, line 1", assumptions=(OneHot(y, l),),
              note="Reading: the j-th component, Case 2's ŷ_j − y_j plus Case 1's 0; it cannot agree with "
                   "Case 1, which concludes 0 where ŷ_j − y_j = ŷ_j."),
        Claim("gradient", "∇CE = ŷ − y from the source's cases", D(CE, z[j]), yhat[j] - y[j],
              ("case-1", "case-2"), expect="erratum", source_ref="Recombination, line 2", assumptions=(OneHot(y, l),),
              note="The final result, componentwise, against the two cases as the source derives them."),
        Claim("gradient-corrected", "∇CE = ŷ − y with Case 1 corrected", D(CE, z[j]), yhat[j] - y[j],
              ("case-1-corrected", "case-2"), source_ref="Recombination, line 2", assumptions=(OneHot(y, l),),
              note="The final result, componentwise, against the corrected Case 1 and Case 2."),
    )

CROSS_ENTROPY_GRADIENT = Proof(
    id="cross-entropy-gradient",
    title="The gradient of cross-entropy with respect to the logits",
    source=SOURCE,
    claim="∇_z CE(y, ŷ) = softmax(z) − y = ŷ − y, where y is one-hot at the true class ℓ",
    cases=(given, case_1, case_1_corrected, case_2),
    claims=CLAIMS,
    conclusions=(
        # The result the source sets out to show, componentwise, in both of its forms; y is one-hot at ℓ.
        conclusion("gradient", yhat[j] - y[j], of=CE, wrt=z[j], classes=k, definitions=DEFINITIONS,
                   assumptions=(OneHot(y, l),), ref="Cross Entropy, the result to show (second form)"),
        conclusion("gradient-softmax-form", softmax(z, j, k) - y[j], of=CE, wrt=z[j], classes=k,
                   definitions=DEFINITIONS, assumptions=(OneHot(y, l),),
                   ref="Cross Entropy, the result to show (first form)"),
    ),
)
