"""Statements that are well-formed though they look odd: an empty sum, a sum beyond k that indexes nothing
beyond k, a definition using an index that only the definition and the steps mention.  (The true count of
the definition summing to 2k, 2k² − k, is beyond the rules: tests/test_soundness.py shows it is not refuted.)

An empty sum (Σ_{i=2}^{1}) is 0; a sum may run beyond k when its index is not used as an entry beyond k;
a free index in a definition means the same index wherever it appears, and the statement is then claimed
for every value of it.  ``EXPECTED`` records the mathematical truth of each step (read by
``tests/test_adversarial.py``); false steps are errata.
"""

from derive import D, Case, Expect, Proof, Source, Vector, classes, erratum, indices, scalar, step, sum_except, sum_over

SOURCE = Source("Adversarial suite: ranges and free indices")

k = classes("k")
i, j, m, n = indices("i j m n")
z = Vector("z")
C = scalar("C")
L = scalar("L")

EXPECTED = {
    ("empty-range-is-zero", "statement", 1): "true",
    ("definition-summing-to-two-k-as-if-every-term-skipped-one", "statement", 1): "false",
    ("definition-with-an-index-only-it-mentions", "statement", 1): "false",
}

EMPTY = Proof("empty-range-is-zero", "Σ_{i=2}^{1} z_i = 0", SOURCE, "an empty sum is zero",
              cases=[Case("statement", "Bounds that enclose nothing", classes=k, start=sum_over(z[i], i, 1, start=2),
                          steps=[step(0, "an empty sum")])])

# Σ_{m=1}^{2k} Σ_{i≠m, i≤k} 1: for m ≤ k, k − 1 terms; for m > k nothing is skipped, k terms: 2k² − k in all.
SUMMING_TO_TWO_K = {C: sum_over(sum_except(1, i, k, m), m, 2 * k)}
TWO_K_WRONG = Proof("definition-summing-to-two-k-as-if-every-term-skipped-one",
                    "C = 2k² − 2k where C = Σ_{m=1}^{2k} Σ_{i≠m} 1", SOURCE, "a definition summing beyond the last class",
                    cases=[Case("statement", "C sums beyond the last class", classes=k, definitions=SUMMING_TO_TWO_K,
                                start=C, steps=[erratum(2 * k ** 2 - 2 * k, "as if every m skipped one term",
                                                        note="for m > k nothing is skipped: C = 2k² − k")],
                                conclusion=Expect.ERRATUM)])
# L = z_n² depends on z_j exactly when j = n: the statement "for every j and n, ∂L/∂z_j = 0" is false.
ONLY_DEFINED = Proof("definition-with-an-index-only-it-mentions", "∂L/∂z_j = 0 where L = z_n²", SOURCE,
                     "a definition with an index of its own",
                     cases=[Case("statement", "L uses an index only it and the steps mention", classes=k,
                                 definitions={L: z[n] ** 2}, start=D(L, z[j]),
                                 steps=[erratum(0, "L does not depend on z_j", note="at j = n it is 2 z_n")],
                                 conclusion=Expect.ERRATUM)])
