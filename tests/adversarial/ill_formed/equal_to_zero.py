"""The assumption j = 0: no index is 0.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Equal, Proof, Source, Vector, classes, indices, step

k = classes("k")
j, = indices("j")
z = Vector("z")

EXPECTED = {("index-equal-to-zero", "statement", 1): "ill-formed"}
PHRASES = {("index-equal-to-zero", "statement", 1): (("j",), ("0",))}

PROOF = Proof("index-equal-to-zero", "z_j = z_j when j = 0", Source("Adversarial suite"), "an impossible index",
              cases=[Case("statement", "j = 0", classes=k, assumptions=[Equal(j, 0)], start=z[j],
                          steps=[step(z[j], "the same entry")])])
