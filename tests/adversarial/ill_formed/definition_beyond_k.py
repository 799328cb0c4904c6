"""A definition summing over 1..2k around a sum that skips the outer index: the skipped index leaves
1..k, where unfolding Σ_{i≠m} = Σ_i − f(m) is wrong (the true value is 2k² − k).

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from derive import Case, Proof, Source, classes, indices, scalar, step, sum_except, sum_over

k = classes("k")
i, m = indices("i m")
C = scalar("C")

EXPECTED = {("definition-summing-to-two-k", "statement", 1): "ill-formed"}
PHRASES = {("definition-summing-to-two-k", "statement", 1): (("2*k", "2k", "2·k", "2 k", "k*2"),)}

PROOF = Proof("definition-summing-to-two-k", "C = 2k² − 2k where C = Σ_{m=1}^{2k} Σ_{i≠m} 1",
              Source("Adversarial suite"), "a definition beyond k",
              cases=[Case("statement", "C sums beyond the last class", classes=k,
                          definitions={C: sum_over(sum_except(1, i, k, m), m, 2 * k)}, start=C,
                          steps=[step(2 * k ** 2 - 2 * k, "k − 1 terms for each m")])])
