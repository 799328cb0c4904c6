"""softmax(z)_0: entries are numbered from 1.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, softmax, step

k = classes("k")
z = Vector("z")

EXPECTED = {("softmax-at-index-zero", "statement", 1): "ill-formed"}
PHRASES = {("softmax-at-index-zero", "statement", 1): (("softmax",),)}

PROOF = Proof("softmax-at-index-zero", "softmax(z, 0, k) = softmax(z, 0, k)", Source("Adversarial suite"),
              "softmax at index 0",
              cases=[Case("statement", "An index below 1", classes=k, start=softmax(z, 0, k),
                          steps=[step(softmax(z, 0, k), "the same")])])
