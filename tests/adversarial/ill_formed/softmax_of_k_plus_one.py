"""softmax over k + 1 entries of a vector of k entries.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, softmax, step

k = classes("k")
j, = indices("j")
z = Vector("z")

EXPECTED = {("softmax-of-k-plus-one-entries", "statement", 1): "ill-formed"}
PHRASES = {("softmax-of-k-plus-one-entries", "statement", 1): (("k + 1", "k+1", "1 + k"),)}

PROOF = Proof("softmax-of-k-plus-one-entries", "softmax(z, j, k + 1) = softmax(z, j, k + 1)",
              Source("Adversarial suite"), "softmax over k + 1 entries",
              cases=[Case("statement", "A softmax beyond the last entry", classes=k, start=softmax(z, j, k + 1),
                          steps=[step(softmax(z, j, k + 1), "the same")])])
