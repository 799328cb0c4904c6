"""The direct evaluator of instances agrees with writing the instance out, and refuses what it does not know.

The oracle is the slow way the checker takes otherwise: the instance written
out by SymPy (``at_instance(...).doit()``) with the point put in, exactly where
that is rational and at 80 digits otherwise.
"""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from derive.core.exact import point_values
from derive.core.instances import at_instance, evaluate
from derive.core.objects import (CrossEntropy, LogSumExp, Matrix, Sigmoid, Softmax, Softplus, SumExcept, Vector,
                                 classes, indices)
from derive.core.pointwise import Refused, defined_here, differ_at, value_at

k = classes("k")
j, l = indices("j l")
z = Vector("z")
p = Vector("p", "positive")
y = Vector("y", "nonnegative")
W = Matrix("W", rows=k, cols=k)
a, b = sp.Dummy("a", integer=True), sp.Dummy("b", integer=True)


def _atom(rng, bound):
    """An entry or an index-only term, with an index among ``bound`` and the free ones."""
    index = rng.choice([j, l, *bound])
    other = rng.choice([j, l, *bound])
    return rng.choice([z[index], p[index], y[index], W[index, other], sp.KroneckerDelta(index, other),
                       sp.Integer(rng.randint(-2, 3)), sp.Rational(rng.randint(1, 5), rng.randint(1, 4))])


def _expression(rng, depth=3, bound=()):
    """A random expression of the vocabulary: sums, sums that skip an index, δ, exp, log, powers, matrices."""
    if depth == 0:
        return _atom(rng, bound)
    kind = rng.choice(["add", "mul", "exp", "log", "pow", "sum", "except", "atom", "div"])
    inner = lambda: _expression(rng, depth - 1, bound)  # noqa: E731
    if kind == "add":
        return inner() + inner()
    if kind == "mul":
        return inner() * inner()
    if kind == "div":
        return inner() / (1 + sp.exp(inner()))
    if kind == "exp":
        return sp.exp(inner() / 3)
    if kind == "log":
        return sp.log(1 + sp.exp(inner()))  # a softplus: defined everywhere
    if kind == "pow":
        return inner() ** rng.choice([2, 3, -1, sp.Rational(1, 2)])
    index = a if a not in bound else b
    if index in bound:
        return _atom(rng, bound)
    body = _expression(rng, depth - 1, (*bound, index))
    if kind == "sum":
        return sp.Sum(body, (index, 1, k))
    if kind == "except":
        return SumExcept(body, (index, 1, k), rng.choice([j, l]))
    return _atom(rng, bound)


def _point(rng, n):
    entries = lambda low: tuple(Fraction(rng.randint(low, 6), rng.randint(1, 3)) for _ in range(n))  # noqa: E731
    return {z: entries(-6), p: entries(1), y: entries(0), W: tuple(entries(-6) for _ in range(n))}


def _oracle(expr, env, point):
    """The written-out instance at the point: an exact Rational where it is one, else 80 digits, None if undefined."""
    mapping = {s: sp.Integer(v) for s, v in env.items()}
    written = at_instance(expr, mapping).doit()
    values = point_values(written, point)
    exact = written.xreplace(values)
    if exact.is_Rational:
        return exact
    return evaluate(written, point, 80)


def _agrees(value, expected) -> bool:
    if expected is None:
        return False  # the direct evaluator answered where the written-out instance is undefined
    if isinstance(value, Fraction):
        return expected.is_Rational and sp.Rational(value.numerator, value.denominator) == expected
    with mpmath.workdps(100):
        number = mpmath.mpf(sp.Float(expected, 80)._mpf_)
        slack = mpmath.mpf(10) ** -40 * max(1, abs(number))
        low, high = (mpmath.mp.make_mpf(end) for end in value._mpi_)
        return low - slack <= number <= high + slack


@pytest.mark.parametrize("seed", range(4))
def test_random_expressions_have_the_value_of_their_written_out_instance(seed):
    rng = random.Random(seed)
    answered = 0
    for _ in range(40):
        expr = _expression(rng)
        n = rng.randint(2, 4)
        env = {k: n, j: rng.randint(1, n), l: rng.randint(1, n)}
        point = _point(rng, n)
        try:
            value = value_at(expr, env, point, 60)
        except Refused:
            continue
        answered += 1
        assert _agrees(value, _oracle(expr, env, point)), (expr, env, point, value)
    assert answered >= 20  # most random expressions are answered, not refused


VOCABULARY = [
    Softmax(z, j, k).unfold(),
    Softmax(p, l, k).unfold() * sp.log(Softmax(z, j, k).unfold()),
    CrossEntropy(y, p, k).unfold(),
    Sigmoid(z[j]).unfold(),
    Softplus(z[l]).unfold(),
    LogSumExp(z, k).unfold(),
    sp.Sum(sp.KroneckerDelta(a, j) * sp.exp(z[a]), (a, 1, k)) / sp.Sum(sp.exp(z[b]), (b, 1, k)),
    SumExcept(sp.exp(z[a]) * W[a, j], (a, 1, k), l),
    sp.Sum(W[a, b] * p[b], (a, 1, k), (b, 1, k)),
]


@pytest.mark.parametrize("expr", VOCABULARY, ids=range(len(VOCABULARY)))
def test_the_vocabulary_unfolded_has_the_value_of_its_written_out_instance(expr):
    rng = random.Random(1)
    for n in (2, 3, 5):
        for _ in range(3):
            env = {k: n, j: rng.randint(1, n), l: rng.randint(1, n)}
            point = _point(rng, n)
            assert _agrees(value_at(expr, env, point, 60), _oracle(expr, env, point))


def test_rational_instances_are_exact():
    env, point = {k: 3, j: 2, l: 1}, {z: (Fraction(1), Fraction(-2), Fraction(1, 3))}
    expr = sp.Sum(z[a] ** 2, (a, 1, k)) + SumExcept(z[a], (a, 1, k), j) / z[l]
    assert value_at(expr, env, point, 60) == 1 + 4 + Fraction(1, 9) + (1 + Fraction(1, 3))


def test_a_sum_that_skips_an_index_outside_its_range_skips_nothing_as_written_out():
    env, point = {k: 2, j: 5}, {z: (Fraction(1), Fraction(2))}
    assert value_at(SumExcept(z[a], (a, 1, k), j), env, point, 60) == 3


@pytest.mark.parametrize("expr, why", [
    (sp.tanh(z[j]), "a function it does not know"),
    (sp.Derivative(z[j] ** 2, z[j]), "a derivative"),
    (sp.log(z[j]), "a log of 0"),
    (1 / (z[j] - z[l]), "a division by 0"),
    (sp.log(sp.exp(sp.Integer(-100)) - sp.exp(sp.Integer(-100))), "a log argument not certainly positive"),
    (sp.Symbol("t") * z[j], "a free symbol without a value"),
    (z[j + 5], "an entry outside the vector"),
    (sp.Sum(z[a], (a, 3, 1)), "reversed bounds"),
    (sp.Sum(z[a], (a, 1, sp.Symbol("m", integer=True))), "bounds it cannot read"),
])
def test_what_it_is_not_certain_of_is_refused(expr, why):
    env, point = {k: 2, j: 1, l: 1}, {z: (Fraction(0), Fraction(0))}
    with pytest.raises(Refused):
        value_at(expr, env, point, 60)


def test_sides_that_only_agree_approximately_are_refused_and_certain_differences_are_reported():
    env, point = {k: 2, j: 1, l: 2}, {z: (Fraction(0), Fraction(1))}
    ln = sp.log(sp.exp(z[l]) + 1)
    with pytest.raises(Refused):
        differ_at(ln, sp.log(1 + sp.exp(z[l])) * 1, env, point, 60)
    assert differ_at(ln, ln + sp.Rational(1, 10**20), env, point, 60) is True
    assert differ_at(z[j] + z[l], z[l] + z[j], env, point, 60) is False


def test_a_defined_condition_is_certain_and_an_undefined_one_is_refused():
    env = {k: 2, j: 1, l: 2}
    point = {p: (Fraction(1), Fraction(2)), z: (Fraction(0), Fraction(-1))}
    assert defined_here(sp.log(sp.Sum(p[a], (a, 1, k))), env, point, 60) is True
    with pytest.raises(Refused):
        defined_here(sp.log(z[l]), env, point, 60)
