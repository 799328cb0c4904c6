"""softmax(z)_3 when k may be 2, with nothing to say that k ≥ 3.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, softmax, step

k = classes("k")
z = Vector("z")

EXPECTED = {("softmax-at-index-three", "statement", 1): "ill-formed"}
PHRASES = {("softmax-at-index-three", "statement", 1): (("softmax",),)}

PROOF = Proof("softmax-at-index-three", "softmax(z, 3, k) = softmax(z, 3, k)", Source("Adversarial suite"),
              "softmax at index 3",
              cases=[Case("statement", "An index that may exceed k", classes=k, start=softmax(z, 3, k),
                          steps=[step(softmax(z, 3, k), "the same")])])
