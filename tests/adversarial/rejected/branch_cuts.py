"""Branch cuts of log for real arguments: identities that hold only for positive arguments.

For a real x < 0 the left side log(x^2) has a value and 2 log x has none, so
these are false, yet no point where both sides are defined tells them apart:
the checker cannot refute them, and must not accept them either.
``EXPECTED`` records the truth (read by ``tests/test_adversarial.py``);
``derive check`` must fail on this file.
"""

from derive import Case, Expect, Proof, Source, Vector, classes, erratum, indices, log, scalar

SOURCE = Source("Adversarial suite: branch cuts of log")

k = classes("k")
j, m = indices("j m")
z = Vector("z")
x = scalar("x")
w = scalar("w")

EXPECTED = {
    ("log-of-a-real-square", "statement", 1): "false",
    ("log-of-a-product-of-reals", "statement", 1): "false",
    ("log-of-a-product-of-real-entries", "statement", 1): "false",
}


def statement(id, title, start, expr, note):
    """A proof of one false equality ``start = expr``, written as an erratum."""
    case = Case("statement", title, classes=k, start=start, steps=[erratum(expr, title, note=note)],
                conclusion=Expect.ERRATUM)
    return Proof(id, title, SOURCE, title, cases=[case])


REAL_SQUARE = statement("log-of-a-real-square", "log(x^2) = 2 log x for a real x", log(x ** 2), 2 * log(x),
                        "for x < 0 the right side is undefined")
REAL_PRODUCT = statement("log-of-a-product-of-reals", "log(x w) = log x + log w for real x, w", log(x * w),
                         log(x) + log(w), "for x, w < 0 the right side is undefined")
ENTRY_PRODUCT = statement("log-of-a-product-of-real-entries", "log(z_j z_m) = log z_j + log z_m for real z",
                          log(z[j] * z[m]), log(z[j]) + log(z[m]), "for z_j, z_m < 0 the right side is undefined")
