"""The assumption j ≠ j.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Distinct, Proof, Source, Vector, classes, indices, step

k = classes("k")
j, = indices("j")
z = Vector("z")

EXPECTED = {("index-distinct-from-itself", "statement", 1): "ill-formed"}
PHRASES = {("index-distinct-from-itself", "statement", 1): (("contradict", "conflict"),)}

PROOF = Proof("index-distinct-from-itself", "z_j = 0 when j ≠ j", Source("Adversarial suite"),
              "anything follows from a contradiction",
              cases=[Case("statement", "j ≠ j", classes=k, assumptions=[Distinct(j, j)], start=z[j],
                          steps=[step(0, "a vacuous case proves anything")])])
