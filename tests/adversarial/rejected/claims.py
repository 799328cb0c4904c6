"""Claims that recombine cases which do not cover every configuration of their indices: they must not hold.

Each claim agrees with every case it names, and is false in a configuration
no case covers.  ``EXPECTED`` records the truth of each step and ``CLAIMS``
the truth of each claim (read by ``tests/test_adversarial.py``); ``derive
check`` must fail on this file.
"""

from sympy import KroneckerDelta

from derive import (D, Case, Claim, Distinct, Equal, OneHot, Proof, Source, Vector, classes, cross_entropy, indices,
                    scalar, softmax, step)

SOURCE = Source("Adversarial suite: claims without coverage")

k = classes("k")
i, j, l, m = indices("i j l m")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p")
L = scalar("L")
DEFINITIONS = {L: cross_entropy(y, p, k), p: lambda a: softmax(z, a, k)}

EXPECTED = {
    ("gradient-from-the-true-class-only", "true-class", 1): "true",
    ("derivative-from-distinct-indices-only", "off-diagonal", 1): "true",
    ("product-derivative-missing-a-pattern", "both-at-l", 1): "true",
    ("product-derivative-missing-a-pattern", "only-j-at-l", 1): "true",
    ("product-derivative-missing-a-pattern", "only-m-at-l", 1): "true",
}

CLAIMS = {
    ("gradient-from-the-true-class-only", "gradient"): "false",
    ("derivative-from-distinct-indices-only", "independent"): "false",
    ("product-derivative-missing-a-pattern", "product-rule"): "false",
}

TRUE_CLASS_ONLY = Proof(
    "gradient-from-the-true-class-only", "∂L/∂z_j = p_j − 1 for every j, from the case j = l alone", SOURCE,
    "∂L/∂z_j = p_j − 1",
    cases=[Case("true-class", "j = l", classes=k, definitions=DEFINITIONS, assumptions=[Equal(j, l), OneHot(y, l)],
                start=D(L, z[j]), steps=[step(p[j] - 1, "only the true class's term is left")])],
    claims=[Claim("gradient", "For every j", D(L, z[j]), p[j] - 1, cases=["true-class"])],
)

DISTINCT_ONLY = Proof(
    "derivative-from-distinct-indices-only", "∂z_j/∂z_m = 0 for every j and m, from the case j ≠ m alone", SOURCE,
    "∂z_j/∂z_m = 0",
    cases=[Case("off-diagonal", "j ≠ m", classes=k, assumptions=[Distinct(j, m)], start=D(z[j], z[m]),
                steps=[step(0, "different entries")])],
    claims=[Claim("independent", "For every j and m", D(z[j], z[m]), 0, cases=["off-diagonal"])],
)

PRODUCT = D(z[j] * z[m], z[l])
# Agrees with the three cases (a δ is 1 in each) and is 1, not 0, when neither j nor m is l.
FORMULA = (KroneckerDelta(j, l) * z[m] + KroneckerDelta(m, l) * z[j]
           + (1 - KroneckerDelta(j, l)) * (1 - KroneckerDelta(m, l)))
MISSING_PATTERN = Proof(
    "product-derivative-missing-a-pattern", "∂(z_j z_m)/∂z_l without the case j ≠ l, m ≠ l", SOURCE,
    "∂(z_j z_m)/∂z_l = δ(j, l) z_m + δ(m, l) z_j + (1 − δ(j, l))(1 − δ(m, l))",
    cases=[
        Case("both-at-l", "j = l and m = l", classes=k, assumptions=[Equal(j, l), Equal(m, l)], start=PRODUCT,
             steps=[step(2 * z[l], "the derivative of z_l^2")]),
        Case("only-j-at-l", "j = l, m ≠ l", classes=k, assumptions=[Equal(j, l), Distinct(m, l)], start=PRODUCT,
             steps=[step(z[m], "z_m is a constant")]),
        Case("only-m-at-l", "m = l, j ≠ l", classes=k, assumptions=[Equal(m, l), Distinct(j, l)], start=PRODUCT,
             steps=[step(z[j], "z_j is a constant")]),
    ],
    claims=[Claim("product-rule", "Every pattern at once", PRODUCT, FORMULA,
                  cases=["both-at-l", "only-j-at-l", "only-m-at-l"])],
)
