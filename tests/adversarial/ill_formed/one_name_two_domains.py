"""Two different vectors printed q, one real and one positive, in one case.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step

k = classes("k")
j, = indices("j")
q_real = Vector("q")
q_positive = Vector("q", "positive")

EXPECTED = {("one-name-two-vectors", "statement", 1): "ill-formed"}
PHRASES = {("one-name-two-vectors", "statement", 1): (("q",), ("name", "domain", "twice", "two"))}

PROOF = Proof("one-name-two-vectors", "q_j = q_j for two vectors both named q", Source("Adversarial suite"),
              "two vectors of one name",
              cases=[Case("statement", "Which q?", classes=k, start=q_real[j],
                          steps=[step(q_positive[j], "the same name")])])
