"""A sum from 2 to 1, empty for every k.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step, sum_over

k = classes("k")
i, = indices("i")
z = Vector("z")

EXPECTED = {("empty-range", "statement", 1): "ill-formed"}
PHRASES = {("empty-range", "statement", 1): (("revers", "empty", "start", "below", "exceed"),)}

PROOF = Proof("empty-range", "Σ_{i=2}^{1} z_i = 0", Source("Adversarial suite"), "an empty sum",
              cases=[Case("statement", "Bounds that enclose nothing", classes=k, start=sum_over(z[i], i, 1, start=2),
                          steps=[step(0, "an empty sum")])])
