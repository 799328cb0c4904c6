"""An entry at the index k/2, which is not an integer for odd k.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, step

k = classes("k")
z = Vector("z")

EXPECTED = {("index-k-over-two", "statement", 1): "ill-formed"}
PHRASES = {("index-k-over-two", "statement", 1): (("k/2",),)}

PROOF = Proof("index-k-over-two", "z_{k/2} = z_{k/2}", Source("Adversarial suite"), "an entry at k/2",
              cases=[Case("statement", "An index that is not an integer", classes=k, start=z[k / 2],
                          steps=[step(z[k / 2], "the same entry")])])
