"""A sum that skips its own bound variable: sum_except(f, i, k, i) means nothing.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step, sum_except

k = classes("k")
i, = indices("i")
z = Vector("z")

EXPECTED = {("sum-except-skips-its-own-variable", "statement", 1): "ill-formed"}
PHRASES = {("sum-except-skips-its-own-variable", "statement", 1): (("skip", "own", "bound", "binds"),)}

PROOF = Proof("sum-except-skips-its-own-variable", "Σ_{i≠i} z_i = 0", Source("Adversarial suite"),
              "a sum that skips its own index",
              cases=[Case("statement", "The skipped index is the bound one", classes=k, start=sum_except(z[i], i, k, i),
                          steps=[step(0, "every term is skipped")])])
