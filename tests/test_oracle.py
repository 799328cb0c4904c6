"""Every step of both bundled documents, judged by evaluators independent of the checker.

The judge is plain NumPy at random logits, with finite differences of the loss
wherever a side is a derivative (``FloatOracle``).  A step the checker says
holds (PROVED, VERIFIED, NUMERIC) must agree with the step before it at every
sampled point; a step it REFUTES must disagree at some sampled point and at
its own counterexample, where the reported values must also be the oracle's
(and, to 25 digits, those of the high-precision ``Oracle``).  Nothing here
names a verdict for a particular step: each is read from the checker's report.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.core.context import OneHot
from derive.core.verdict import Verdict
from derive.model.report import HOLDING
from oracle import FloatOracle, Oracle, Point

DOCUMENTS = {"softmax-cross-entropy", "cross-entropy-gradient"}


def _documents(report):
    """The reports of the two source documents (the FloatOracle reads vectors, not the library's matrices)."""
    return [proof for proof in report.proofs if proof.proof.id in DOCUMENTS]


def _steps(report):
    for proof in _documents(report):
        for case in proof.cases:
            previous = case.case.start
            for s in case.steps:
                yield proof.proof.id, case, previous, s
                previous = s.expr


def _judge(oracle: FloatOracle, left, right, outcome, where: str) -> None:
    """The oracle's judgement of ``left = right`` against the checker's ``outcome``."""
    points = list(oracle.points([left, right]))
    assert points, f"{where}: no point satisfies the assumptions"
    agreements = [oracle.agree(left, right, p) for p in points]
    verdict = outcome.verdict
    if verdict in HOLDING:
        differing = [p.describe(str(oracle.n)) for p, same in zip(points, agreements) if not same]
        assert not differing, f"{where}: {verdict} but the sides differ at {differing[0]}"
    elif verdict is Verdict.REFUTED:
        assert not all(agreements), f"{where}: REFUTED but the sides agree at all {len(points)} random points"
        assert_float_counterexample(oracle, left, right, outcome.counterexample, where)
        assert_counterexample_is_real(Oracle(oracle.case), left, right, outcome.counterexample, where)
    else:
        pytest.fail(f"{where}: inconclusive verdict {verdict}: {outcome.message}")


def test_every_step_of_both_documents_agrees_with_numpy_at_random_logits(bundled_report):
    judged, verdicts = set(), set()
    for proof_id, case, previous, s in _steps(bundled_report):
        _judge(FloatOracle(case.case), previous, s.expr, s.outcome, f"{proof_id} / {case.case.name} / step {s.index}")
        judged.add(proof_id)
        verdicts.add(s.outcome.verdict)
    assert judged >= DOCUMENTS
    assert {Verdict.PROVED, Verdict.REFUTED} <= verdicts  # both directions of the judgement are exercised


def test_every_derived_result_agrees_with_numpy(bundled_report):
    """The mechanically derived result of each case equals the case's subject, numerically."""
    for proof in _documents(bundled_report):
        for case in proof.cases:
            if case.derived is None or case.derived.expr is None:
                continue
            oracle = FloatOracle(case.case)
            where = f"{proof.proof.id} / {case.case.name} / derived"
            for point in oracle.points([case.case.start, case.derived.expr], per_assignment=2):
                assert oracle.agree(case.case.start, case.derived.expr, point), f"{where}: differs at {point.describe(str(oracle.n))}"


def test_every_claim_agrees_with_numpy_against_each_case(bundled_report):
    """A claim's comparison with each case's conclusion, judged like a step."""
    judged = 0
    for proof in bundled_report.proofs:
        cases = {c.case.name: c.case for c in proof.cases}
        for claim in proof.claims:
            for check in claim.checks:
                where = f"{proof.proof.id} / claim {claim.claim.name} / case {check.case}"
                _judge(FloatOracle(cases[check.case]), check.conclusion, claim.claim.expr, check.outcome, where)
                judged += 1
            # What the report says of the claim follows from the comparisons just judged.
            assert claim.holds == all(c.outcome.verdict in HOLDING and
                                      (c.subject is None or c.subject.verdict in HOLDING) for c in claim.checks)
    assert judged > 0


def float_point(counterexample_point_: Point) -> Point:
    return Point(counterexample_point_.k, counterexample_point_.indices,
                 {base: np.array([float(v) for v in values]) for base, values in counterexample_point_.vectors.items()})


def assert_float_counterexample(oracle: FloatOracle, left, right, counterexample, where):
    """At the reported point, NumPy sees the two sides differ, with the reported values."""
    assert counterexample is not None, f"{where}: REFUTED without a counterexample"
    point = float_point(counterexample_point(Oracle(oracle.case), counterexample))
    a, b = oracle.value(left, point), oracle.value(right, point)
    assert math.isfinite(a) and math.isfinite(b), f"{where}: a side is undefined at {counterexample.text()}"
    assert not oracle.agree(left, right, point), f"{where}: at {counterexample.text()} NumPy finds {a} = {b}"
    assert math.isclose(a, float(counterexample.left), rel_tol=1e-8, abs_tol=1e-8), \
        f"{where}: left side reported {counterexample.left}, NumPy computes {a}"
    assert math.isclose(b, float(counterexample.right), rel_tol=1e-8, abs_tol=1e-8), \
        f"{where}: right side reported {counterexample.right}, NumPy computes {b}"


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


def test_the_numpy_oracle_differentiates_the_loss_like_the_textbook_gradient(bundled_proofs):
    """The oracle's own finite differences against softmax(z) − y computed directly, at random logits.

    The evaluation ignores the case's assumptions (they only choose points), so every j is tried.
    """
    from derive.core.objects import Softmax

    proof = next(p for p in bundled_proofs if p.id == "cross-entropy-gradient")
    case = proof.case("case-2")
    (j, l), y = (case.assumptions[0].left, case.assumptions[0].right), case.assumptions[1].vector
    z = next(d.body.expr.vector for d in case.context().definitions if isinstance(d.body, sp.Lambda))
    oracle = FloatOracle(case)
    rng = np.random.default_rng(7)
    for k in (2, 5, 9):
        for _ in range(5):
            logits = rng.normal(0.0, 3.0, k)
            true = int(rng.integers(1, k + 1))
            target = np.array([1.0 if c == true else 0.0 for c in range(1, k + 1)])
            probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
            for index in range(1, k + 1):
                point = Point(k, {j: index, l: true}, {z: logits, y: target})
                # ∂CE/∂z_j, differentiated numerically through the loss
                assert math.isclose(oracle.value(case.start, point), probabilities[index - 1] - target[index - 1],
                                    rel_tol=1e-7, abs_tol=1e-9)
                assert math.isclose(oracle.value(Softmax(z, j, case.classes), point), probabilities[index - 1],
                                    rel_tol=1e-12)
