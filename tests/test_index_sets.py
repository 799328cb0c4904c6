"""Several index sets: counts other than the classes, indices over them, sized vectors and matrices.

A batch of N samples with k classes, an input dimension d: every index is
used with its own count, sums run over any count, and the instance checks
give each count small values, so a slip such as a forgotten 1/N is refuted
with the count's value in the counterexample.
"""

from __future__ import annotations

import pytest
import sympy as sp

from derive import D, Vector, check_equal, classes, cross_entropy, exp, indices, log, mean_over, scalar, softmax, \
    sum_over
from derive.core.context import Context, Definition, SumsToOne
from derive.core.objects import BadArgument, Matrix, count
from derive.core.verdict import Verdict

k = classes("k")
N = count("N")
d = count("d")
i, j = indices("i j")
b, c = indices("b c", over=N)
(e,) = indices("e", over=d)
Z = Matrix("Z", rows=N, cols=k)
Y = Matrix("Y", "nonnegative", rows=N, cols=k)
P = Matrix("P", rows=N, cols=k)
L = scalar("L")

ROW_SOFTMAX = {P: lambda row, col: exp(Z[row, col]) / sum_over(exp(Z[row, i]), i, k)}
BATCH_LOSS = {L: -mean_over(sum_over(Y[b, j] * log(P[b, j]), j, k), b, N), **ROW_SOFTMAX}


def ctx(*assumptions, definitions=None):
    return Context(k, tuple(assumptions), tuple(Definition.of(a, x) for a, x in (definitions or {}).items()))


def verdict(left, right, context=None):
    return check_equal(left, right, context or ctx(), seconds=30)


def test_the_batch_mean_cross_entropy_gradient_is_proved():
    context = ctx(SumsToOne(Y), definitions=BATCH_LOSS)
    assert verdict(D(L, Z[c, j]), (P[c, j] - Y[c, j]) / N, context).verdict is Verdict.PROVED


def test_a_forgotten_one_over_n_is_refuted_with_the_batch_size():
    context = ctx(SumsToOne(Y), definitions=BATCH_LOSS)
    outcome = verdict(D(L, Z[c, j]), P[c, j] - Y[c, j], context)
    assert outcome.verdict is Verdict.REFUTED
    counts = dict(outcome.counterexample.indices)
    assert counts["N"] >= 2  # at N = 1 the two agree
    # every row of the target sums to one in the counterexample
    rows = dict(outcome.counterexample.inputs)["Y"]
    for row in rows:
        entries = [sp.Rational(x) for x in row.strip("()").split(", ")]
        assert sum(entries) == 1


def test_rows_sum_to_one_only_along_the_columns():
    context = ctx(SumsToOne(Y))
    assert verdict(sum_over(Y[c, j], j, k), 1, context).verdict is Verdict.PROVED
    assert verdict(sum_over(Y[b, j], b, N), 1, context).verdict is Verdict.REFUTED


def test_a_linear_layer_bias_gradient_is_proved():
    x, bias, y, z, p = (Vector("x", size=d), Vector("bias"), Vector("y", "nonnegative"), Vector("z"), Vector("p"))
    W = Matrix("W", rows=k, cols=d)
    context = ctx(SumsToOne(y), definitions={z: lambda a: sum_over(W[a, e] * x[e], e, d) + bias[a],
                                             p: lambda a: softmax(z, a, k), L: cross_entropy(y, p, k)})
    assert verdict(D(L, z[j]), p[j] - y[j], context).verdict is Verdict.PROVED
    assert verdict(D(z[i], W[j, e]), sp.KroneckerDelta(i, j) * x[e], context).verdict is Verdict.PROVED
    assert verdict(D(z[i], W[j, e]), x[e], context).verdict is Verdict.REFUTED


def test_an_index_of_one_count_used_for_another_is_an_error():
    z = Vector("z")
    outcome = verdict(z[b], 0)
    assert outcome.verdict is Verdict.ERROR
    assert "index b in z[b] may lie outside 1..k: b ranges over 1..N" in outcome.message
    outcome = verdict(Z[j, b], 0)
    assert outcome.verdict is Verdict.ERROR and "index j in Z[j, b] may lie outside 1..N" in outcome.message


def test_entries_are_validated_against_their_counts():
    with pytest.raises(BadArgument, match="Z has 2 indices, not 1"):
        Z[b]
    x = Vector("x", size=d)
    outcome = verdict(sum_over(x[i], i, k), 0)
    assert outcome.verdict is Verdict.ERROR and "may lie outside 1..d" in outcome.message


def test_a_sum_over_a_count_is_written_out_at_each_of_its_values():
    assert verdict(sum_over(1, b, N), N).verdict is Verdict.PROVED
    outcome = verdict(sum_over(Z[b, j], b, N), N * Z[1, j])
    assert outcome.verdict is Verdict.REFUTED and dict(outcome.counterexample.indices)["N"] >= 2


def test_two_indices_of_one_name_over_different_counts_are_different_objects():
    M = count("M")
    (b_m,) = indices("b", over=M)
    assert b_m != b
    outcome = verdict(Z[b, j], Z[b_m, j])
    assert outcome.verdict is Verdict.ERROR
