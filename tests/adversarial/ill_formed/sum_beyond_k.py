"""A sum of entries z_1 .. z_{k+1}: the entry z_{k+1} does not exist.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step, sum_over

k = classes("k")
i, = indices("i")
z = Vector("z")

EXPECTED = {("sum-beyond-k", "statement", 1): "ill-formed"}
PHRASES = {("sum-beyond-k", "statement", 1): (("k + 1", "k+1", "1 + k"),)}

PROOF = Proof("sum-beyond-k", "Σ_{i=1}^{k+1} z_i = Σ_{i=1}^{k+1} z_i", Source("Adversarial suite"), "a sum beyond k",
              cases=[Case("statement", "A sum beyond the last entry", classes=k, start=sum_over(z[i], i, k + 1),
                          steps=[step(sum_over(z[i], i, k + 1), "the same sum")])])
