"""Two scalars defined by each other.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, classes, scalar, step

k = classes("k")
L = scalar("L")
M = scalar("M")

EXPECTED = {("mutually-referential-scalars", "statement", 1): "ill-formed"}
PHRASES = {("mutually-referential-scalars", "statement", 1): (("itself", "refer", "cycle", "circular", "recursive"),)}

PROOF = Proof("mutually-referential-scalars", "L = M where L = M + 1 and M = L", Source("Adversarial suite"),
              "circular definitions",
              cases=[Case("statement", "L and M defined by each other", classes=k, definitions={L: M + 1, M: L},
                          start=L, steps=[step(M, "unfold the definitions", budget=2)])])
