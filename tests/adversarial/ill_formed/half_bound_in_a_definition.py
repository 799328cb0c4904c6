"""A definition whose sum ends at k − 1/2: definitions pass the same validation as steps.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from sympy import Rational

from derive import Case, Proof, Source, classes, indices, scalar, step, sum_over

k = classes("k")
i, = indices("i")
C = scalar("C")

EXPECTED = {("definition-with-a-bound-k-minus-a-half", "statement", 1): "ill-formed"}
PHRASES = {("definition-with-a-bound-k-minus-a-half", "statement", 1): (("1/2",),)}

PROOF = Proof("definition-with-a-bound-k-minus-a-half", "C = k − 1/2 where C = Σ_{i=1}^{k−1/2} 1",
              Source("Adversarial suite"), "a defined count up to k − 1/2",
              cases=[Case("statement", "A defined sum with a bound that is not an integer", classes=k, start=C,
                          definitions={C: sum_over(1, i, k - Rational(1, 2))},
                          steps=[step(k - Rational(1, 2), "count the terms")])])
