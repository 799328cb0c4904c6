"""A sum whose upper bound k − 1/2 is not an integer.

One proof, alone in its module, so that an error found when the module is
loaded hides no other statement.  ``EXPECTED`` and ``PHRASES`` are read by
``tests/test_adversarial.py``: the step must be an ERROR (or the module a
load error) whose one-line message contains one of each group of phrases.
"""

from sympy import Rational

from derive import Case, Proof, Source, classes, indices, step, sum_over

k = classes("k")
i, = indices("i")

EXPECTED = {("sum-bound-k-minus-a-half", "statement", 1): "ill-formed"}
PHRASES = {("sum-bound-k-minus-a-half", "statement", 1): (("1/2",),)}

PROOF = Proof("sum-bound-k-minus-a-half", "Σ_{i=1}^{k−1/2} 1 = k − 1/2", Source("Adversarial suite"),
              "a sum up to k − 1/2",
              cases=[Case("statement", "A bound that is not an integer", classes=k,
                          start=sum_over(1, i, k - Rational(1, 2)),
                          steps=[step(k - Rational(1, 2), "count the terms")])])
