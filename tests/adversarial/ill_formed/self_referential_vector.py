"""A vector defined by itself, growing at every unfolding: q_a = q_a^2 + 1.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step

k = classes("k")
j, = indices("j")
q = Vector("q")

EXPECTED = {("self-referential-vector", "statement", 1): "ill-formed"}
PHRASES = {("self-referential-vector", "statement", 1): (("itself", "refer", "cycle", "circular", "recursive"),)}

PROOF = Proof("self-referential-vector", "q_j = 0 where q_a = q_a^2 + 1", Source("Adversarial suite"),
              "a circular definition",
              cases=[Case("statement", "q defined by itself", classes=k, definitions={q: lambda a: q[a] ** 2 + 1},
                          start=q[j], steps=[step(0, "unfold the definition", budget=2)])])
