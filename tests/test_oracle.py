"""Every step of every bundled proof, judged by an evaluator independent of the checker.

A step the checker says holds (PROVED, VERIFIED, NUMERIC) must agree with the
step before it at every sampled point; a step it REFUTES must disagree at
some point, and at its counterexample the oracle must see the same two values.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from derive.core.context import OneHot
from derive.core.verdict import Verdict
from oracle import Oracle, Point


def _steps(report):
    for proof in report.proofs:
        for case in proof.cases:
            previous = case.case.start
            for s in case.steps:
                yield proof.proof.id, case, previous, s
                previous = s.expr


def test_every_step_verdict_agrees_with_the_oracle(bundled_report):
    checked = 0
    for proof_id, case, previous, s in _steps(bundled_report):
        where = f"{proof_id} / {case.case.name} / step {s.index}"
        oracle = Oracle(case.case)
        points = list(oracle.points([previous, s.expr]))
        assert points, f"{where}: no point satisfies the assumptions"
        agreements = [oracle.agree(previous, s.expr, p) for p in points]
        verdict = s.outcome.verdict
        if verdict in (Verdict.PROVED, Verdict.VERIFIED, Verdict.NUMERIC):
            assert all(agreements), f"{where}: {verdict} but the oracle finds the sides differ"
        elif verdict is Verdict.REFUTED:
            assert not all(agreements), f"{where}: REFUTED but the oracle finds the sides equal"
            assert_counterexample_is_real(oracle, previous, s.expr, s.outcome.counterexample, where)
        else:
            pytest.fail(f"{where}: inconclusive verdict {verdict}: {s.outcome.message}")
        checked += 1
    assert checked >= 33


def counterexample_point(oracle: Oracle, counterexample) -> Point:
    symbols = {str(s): s for s in oracle.case.context().substitution} | {
        str(s): s for e in [oracle.case.start] for s in sp.sympify(e).free_symbols}
    indices = {}
    for name, value in counterexample.indices:
        symbol = symbols.get(name) or sp.Symbol(name, integer=True, positive=True)
        indices[symbol] = value
    for left, right in oracle.case.context().substitution.items():
        if right in indices:
            indices[left] = indices[right]
    vectors = {}
    for name, values in counterexample.inputs:
        base = next(b for b in _all_bases(oracle) if str(b.label) == name)
        vectors[base] = [mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in values]
    # A target one-hot at a given index may have cancelled out of both sides; its entries follow from the index.
    for assumption in oracle.case.context().assumptions:
        if isinstance(assumption, OneHot) and assumption.at is not None and assumption.vector not in vectors:
            hot = indices.get(assumption.at)
            if hot is not None:
                vectors[assumption.vector] = [mpmath.mpf(1 if c == hot else 0)
                                              for c in range(1, counterexample.classes + 1)]
    return Point(counterexample.classes, indices, vectors)


def _all_bases(oracle):
    found = set()
    for d in oracle.case.context().definitions:
        found |= {x.base for x in d.body.atoms(sp.Indexed)}
    for s in oracle.case.steps:
        if isinstance(s.expr, sp.Basic):
            found |= {x.base for x in s.expr.atoms(sp.Indexed)}
    found |= {x.base for x in sp.sympify(oracle.case.start).atoms(sp.Indexed)}
    return found


def assert_counterexample_is_real(oracle, left, right, counterexample, where):
    assert counterexample is not None, f"{where}: REFUTED without a counterexample"
    point = counterexample_point(oracle, counterexample)
    a, b = oracle.value(left, point), oracle.value(right, point)
    with mpmath.workdps(50):
        tolerance = mpmath.mpf("1e-20")
        assert abs(a - b) > tolerance * max(1, abs(a), abs(b)), \
            f"{where}: at the counterexample ({counterexample.text()}) the oracle finds both sides equal to {a}"
        # The reported values carry 30 significant digits.
        assert abs(a - mpmath.mpf(counterexample.left)) < mpmath.mpf("1e-25") * max(1, abs(a)), \
            f"{where}: left side reported {counterexample.left}, oracle computes {a}"
        assert abs(b - mpmath.mpf(counterexample.right)) < mpmath.mpf("1e-25") * max(1, abs(b)), \
            f"{where}: right side reported {counterexample.right}, oracle computes {b}"
