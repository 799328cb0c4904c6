"""A sum from 3 down to 1: reversed bounds.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, Vector, classes, indices, step, sum_over

k = classes("k")
i, = indices("i")
z = Vector("z")

EXPECTED = {("reversed-range", "statement", 1): "ill-formed"}
PHRASES = {("reversed-range", "statement", 1): (("revers", "empty", "start", "below", "exceed"),)}

PROOF = Proof("reversed-range", "Σ_{i=3}^{1} z_i = −z_2", Source("Adversarial suite"), "a reversed sum",
              cases=[Case("statement", "Bounds in the wrong order", classes=k, start=sum_over(z[i], i, 1, start=3),
                          steps=[step(-z[2], "SymPy's convention for reversed bounds")])])
