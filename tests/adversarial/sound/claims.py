"""Claims whose cases cover every configuration of their free indices: they must hold.

``EXPECTED`` records the truth of each step and ``CLAIMS`` the truth of each
claim as a statement for every configuration of its indices (read by
``tests/test_adversarial.py``).
"""

from sympy import KroneckerDelta

from derive import D, Case, Claim, Distinct, Equal, Proof, Source, Vector, classes, indices, softmax, step

SOURCE = Source("Adversarial suite: claims that hold")

k = classes("k")
j, l, m = indices("j l m")
z = Vector("z")
p = Vector("p")
SOFTMAX = {p: lambda a: softmax(z, a, k)}

EXPECTED = {
    ("softmax-jacobian-by-cases", "diagonal", 1): "true",
    ("softmax-jacobian-by-cases", "off-diagonal", 1): "true",
    ("product-derivative-over-three-indices", "both-at-l", 1): "true",
    ("product-derivative-over-three-indices", "only-j-at-l", 1): "true",
    ("product-derivative-over-three-indices", "only-m-at-l", 1): "true",
    ("product-derivative-over-three-indices", "neither-at-l", 1): "true",
}

CLAIMS = {
    ("softmax-jacobian-by-cases", "jacobian"): "true",
    ("product-derivative-over-three-indices", "product-rule"): "true",
}

JACOBIAN = Proof(
    "softmax-jacobian-by-cases", "The softmax Jacobian from its two cases", SOURCE,
    "∂p_j/∂z_m = p_j (δ(j, m) − p_m)",
    cases=[
        Case("diagonal", "j = m", classes=k, assumptions=[Equal(j, m)], definitions=SOFTMAX, start=D(p[j], z[m]),
             steps=[step(p[j] * (1 - p[j]), "quotient rule")]),
        Case("off-diagonal", "j ≠ m", classes=k, assumptions=[Distinct(j, m)], definitions=SOFTMAX,
             start=D(p[j], z[m]), steps=[step(-p[j] * p[m], "quotient rule")]),
    ],
    claims=[Claim("jacobian", "Both cases at once", D(p[j], z[m]), p[j] * (KroneckerDelta(j, m) - p[m]),
                  cases=["diagonal", "off-diagonal"])],
)

PRODUCT = D(z[j] * z[m], z[l])
PRODUCT_RULE = Proof(
    "product-derivative-over-three-indices", "∂(z_j z_m)/∂z_l over every equality pattern of j, m and l", SOURCE,
    "∂(z_j z_m)/∂z_l = δ(j, l) z_m + δ(m, l) z_j",
    cases=[
        Case("both-at-l", "j = l and m = l", classes=k, assumptions=[Equal(j, l), Equal(m, l)], start=PRODUCT,
             steps=[step(2 * z[l], "the derivative of z_l^2")]),
        Case("only-j-at-l", "j = l, m ≠ l", classes=k, assumptions=[Equal(j, l), Distinct(m, l)], start=PRODUCT,
             steps=[step(z[m], "z_m is a constant")]),
        Case("only-m-at-l", "m = l, j ≠ l", classes=k, assumptions=[Equal(m, l), Distinct(j, l)], start=PRODUCT,
             steps=[step(z[j], "z_j is a constant")]),
        Case("neither-at-l", "j ≠ l, m ≠ l", classes=k, assumptions=[Distinct(j, l), Distinct(m, l)], start=PRODUCT,
             steps=[step(0, "neither factor depends on z_l")]),
    ],
    claims=[Claim("product-rule", "Every pattern at once", PRODUCT,
                  KroneckerDelta(j, l) * z[m] + KroneckerDelta(m, l) * z[j],
                  cases=["both-at-l", "only-j-at-l", "only-m-at-l", "neither-at-l"])],
)
