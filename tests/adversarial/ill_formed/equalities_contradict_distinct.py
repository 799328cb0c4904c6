"""j = l and m = l, with j ≠ m: the equalities make j and m one index.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Distinct, Equal, Proof, Source, Vector, classes, indices, step

k = classes("k")
j, l, m = indices("j l m")
z = Vector("z")

EXPECTED = {("equalities-contradict-a-distinction", "statement", 1): "ill-formed"}
PHRASES = {("equalities-contradict-a-distinction", "statement", 1): (("contradict", "conflict"),)}

PROOF = Proof("equalities-contradict-a-distinction", "z_j = z_m + 1 when j = l, m = l and j ≠ m",
              Source("Adversarial suite"), "anything follows from a contradiction",
              cases=[Case("statement", "j = l = m and j ≠ m", classes=k,
                          assumptions=[Equal(j, l), Equal(m, l), Distinct(j, m)], start=z[j],
                          steps=[step(z[m] + 1, "a vacuous case proves anything")])])
