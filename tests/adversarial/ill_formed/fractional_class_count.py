"""A number of classes k/2, not an integer.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step

k = classes("k")
j, = indices("j")
z = Vector("z")

EXPECTED = {("class-count-k-over-two", "statement", 1): "ill-formed"}
PHRASES = {("class-count-k-over-two", "statement", 1): (("classes",),)}

PROOF = Proof("class-count-k-over-two", "z_j = z_j with k/2 classes", Source("Adversarial suite"),
              "a class count that is not an integer",
              cases=[Case("statement", "k/2 classes", classes=k / 2, start=z[j], steps=[step(z[j], "the same entry")])])
