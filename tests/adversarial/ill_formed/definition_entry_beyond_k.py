"""A vector defined from the next entry, v_a = z_{a+1}: v_k reads z_{k+1}, which does not exist.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step, sum_over

k = classes("k")
i, = indices("i")
z = Vector("z")
v = Vector("v")

EXPECTED = {("definition-reading-the-next-entry", "statement", 1): "ill-formed"}
PHRASES = {("definition-reading-the-next-entry", "statement", 1): (("+ 1", "+1", "outside", "beyond"),)}

PROOF = Proof("definition-reading-the-next-entry", "Σ_i v_i = Σ_i z_i − z_1 where v_a = z_{a+1}",
              Source("Adversarial suite"), "a definition beyond the last entry",
              cases=[Case("statement", "v reads beyond z", classes=k, definitions={v: lambda a: z[a + 1]},
                          start=sum_over(v[i], i, k), steps=[step(sum_over(z[i], i, k) - z[1], "shift the index")])])
