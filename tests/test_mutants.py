"""Mutants of every bundled step that should hold are refuted, with a real counterexample.

The mutants and their verdicts are those of ``derive mutate`` (one run per
session, the ``bundled_mutation`` fixture); what this test adds is the
independent oracle.  A mutant the oracle finds equal to the original step at
every sampled point is equivalent, and is only required not to be refuted;
every other mutant must come out REFUTED (never PROVED or VERIFIED or
NUMERIC), and the oracle must see both sides differ at the counterexample.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from derive.core.context import as_expression
from derive.core.verdict import Verdict
from derive.model import Expect
from derive.report import HOLDING
from oracle import Oracle
from test_oracle import assert_counterexample_is_real


def _steps_that_hold(bundled_proofs):
    """(proof, case, position) -> (case, the expression before the step, the step's expression)."""
    found = {}
    for proof in bundled_proofs:
        for case in proof.cases:
            previous = as_expression(case.start)
            for position, s in enumerate(case.steps, 1):
                if s.expect is Expect.HOLDS:
                    found[(proof.id, case.name, position)] = (case, previous, as_expression(s.expr))
                previous = as_expression(s.expr)
    return found


def test_every_mutant_of_every_step_is_refuted_or_equivalent(bundled_proofs, bundled_mutation):
    steps = _steps_that_hold(bundled_proofs)
    by_step = defaultdict(list)
    for mutation in bundled_mutation:
        for result in mutation.results:
            by_step[(result.mutant.proof, result.mutant.case, result.mutant.step)].append(result)
    assert set(by_step) == set(steps), "every step that should hold has mutants, and only those"
    tally = Counter()
    operators_per_step = []
    oracles = {}
    for key, results in by_step.items():
        case, previous, original = steps[key]
        where = " / ".join(map(str, key))
        oracle = oracles.setdefault(key[:2], Oracle(case))
        points = list(oracle.points([previous, original], ks=(2, 3), per_assignment=1))
        used = set()
        for result in results:
            mutant, outcome = result.mutant.expr, result.outcome
            assert (result.mutant.previous, result.mutant.original) == (previous, original), where
            label = f"{where}, {result.mutant.operator} mutant {mutant}"
            defined = [p for p in points if oracle.defined(mutant, p)]
            if not defined:  # e.g. a fraction turned over onto a target entry that is 0
                assert outcome.verdict not in HOLDING, f"{label}: undefined everywhere but {outcome.verdict}"
                tally["undefined"] += 1
                continue
            equivalent = all(oracle.agree(original, mutant, p) for p in defined)
            if equivalent:
                assert outcome.verdict is not Verdict.REFUTED, f"{label}: equivalent but REFUTED"
                tally["equivalent"] += 1
                continue
            assert outcome.verdict is Verdict.REFUTED, f"{label}: came out {outcome.verdict}"
            assert result.kind == "killed", label
            assert_counterexample_is_real(oracle, previous, mutant, outcome.counterexample, label)
            tally["killed"] += 1
            used.add(result.mutant.operator)
        # A step that is 0 at every point (a sum of target entries that are all 0, say) absorbs
        # most mutations: its mutants are equivalent, and only a step with a value must lose some.
        vanishes = all(oracle.defined(original, p) and abs(oracle.value(original, p)) == 0 for p in points)
        operators_per_step.append((where, used, vanishes))
    assert tally["killed"] >= 300, tally
    # Every step with a value has mutants that were killed, and loses to a flipped sign.
    assert all(used for _, used, vanishes in operators_per_step if not vanishes), \
        [w for w, used, vanishes in operators_per_step if not used and not vanishes]
    assert all("flip-sign" in used for _, used, vanishes in operators_per_step if not vanishes)
