"""A scalar defined by itself: L = L + 1.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, classes, scalar, step

k = classes("k")
L = scalar("L")

EXPECTED = {("self-referential-scalar", "statement", 1): "ill-formed"}
PHRASES = {("self-referential-scalar", "statement", 1): (("itself", "refer", "cycle", "circular", "recursive"),)}

PROOF = Proof("self-referential-scalar", "L = 0 where L = L + 1", Source("Adversarial suite"), "a circular definition",
              cases=[Case("statement", "L defined by itself", classes=k, definitions={L: L + 1}, start=L,
                          steps=[step(0, "unfold the definition", budget=2)])])
