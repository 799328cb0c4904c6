"""A definition that uses an index n declared nowhere else in the case.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import D, Case, Proof, Source, Vector, classes, indices, scalar, step

k = classes("k")
j, n = indices("j n")
z = Vector("z")
L = scalar("L")

EXPECTED = {("definition-with-an-undeclared-index", "statement", 1): "ill-formed"}
PHRASES = {("definition-with-an-undeclared-index", "statement", 1): (("'n'", "index n", " n ", "z[n]", "z_n"),)}

PROOF = Proof("definition-with-an-undeclared-index", "∂L/∂z_j = 0 where L = z_n^2", Source("Adversarial suite"),
              "a definition with a stray index",
              cases=[Case("statement", "L uses an index of nowhere", classes=k, definitions={L: z[n] ** 2},
                          start=D(L, z[j]), steps=[step(0, "L does not depend on z_j")])])
