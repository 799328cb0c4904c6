"""The entry z_3 with nothing to say that k ≥ 3.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, step

k = classes("k")
z = Vector("z")

EXPECTED = {("entry-three-when-k-may-be-two", "statement", 1): "ill-formed"}
PHRASES = {("entry-three-when-k-may-be-two", "statement", 1): (("z[3]", "z_3", "index 3"),)}

PROOF = Proof("entry-three-when-k-may-be-two", "z_3 = z_3", Source("Adversarial suite"), "an entry at 3",
              cases=[Case("statement", "An index that may exceed k", classes=k, start=z[3],
                          steps=[step(z[3], "the same entry")])])
