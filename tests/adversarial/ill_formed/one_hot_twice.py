"""y one-hot at l and at m, with l ≠ m: no configuration satisfies these assumptions.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Distinct, OneHot, Proof, Source, Vector, classes, indices, step, sum_over

k = classes("k")
i, l, m = indices("i l m")
y = Vector("y", "nonnegative")

EXPECTED = {("one-hot-at-two-distinct-classes", "statement", 1): "ill-formed"}
PHRASES = {("one-hot-at-two-distinct-classes", "statement", 1): (("contradict", "conflict"),)}

PROOF = Proof("one-hot-at-two-distinct-classes", "Σ_i y_i = 2 under contradictory assumptions",
              Source("Adversarial suite"), "anything follows from a contradiction",
              cases=[Case("statement", "y one-hot at l and at m ≠ l", classes=k,
                          assumptions=[OneHot(y, l), OneHot(y, m), Distinct(l, m)], start=sum_over(y[i], i, k),
                          steps=[step(2, "a vacuous case proves anything")])])
