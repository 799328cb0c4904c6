"""Mutants of every bundled step that should hold are refuted, with a real counterexample.

The mutants and their verdicts are those of ``derive mutate`` (one run per
session, the ``bundled_mutation`` fixture); what this test adds is the
independent oracle.  A mutant the oracle finds equal to the original step at
every sampled point is equivalent, and is only required not to be refuted;
every other mutant must come out REFUTED (never PROVED or VERIFIED or
NUMERIC), and the oracle must see both sides differ at the counterexample.

The oracle samples k = 2 and 3 and, for a refuted mutant, also the
counterexample's own k, whatever it is: the checker's instances go beyond 3
(to 4 by default, and to a larger k for statements that fail only there), and
a mutant that differs only from that k on is not equivalent.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from derive.core.context import as_expression
from derive.core.verdict import Verdict
from derive.model.proof import Expect
from derive.model.report import HOLDING
from oracle import Oracle
from test_oracle import assert_counterexample_is_real


SAMPLED_CLASSES = (2, 3)


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


def _sampler(oracle, previous, original):
    """A function of a list of k giving the oracle's points at each, each k sampled once."""
    sampled = {}

    def points_at(ks):
        for n in ks:
            if n not in sampled:
                sampled[n] = list(oracle.points([previous, original], ks=(n,), per_assignment=1))
        return [point for n in ks for point in sampled[n]]

    return points_at


def test_every_mutant_of_every_step_is_refuted_or_equivalent(source_proofs, bundled_mutation):
    steps = _steps_that_hold(source_proofs)
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
        points_at = _sampler(oracle, previous, original)
        used = set()
        for result in results:
            mutant, outcome = result.mutant.expr, result.outcome
            # the counterexample's own k is sampled too, whatever it is
            ks = SAMPLED_CLASSES if outcome.counterexample is None else \
                sorted({*SAMPLED_CLASSES, outcome.counterexample.classes})
            points = points_at(ks)
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
        vanishes = all(oracle.defined(original, p) and abs(oracle.value(original, p)) == 0
                       for p in points_at(SAMPLED_CLASSES))
        operators_per_step.append((where, used, vanishes))
    assert tally["killed"] >= 300, tally
    # Every step with a value has mutants that were killed, and loses to a flipped sign.
    assert all(used for _, used, vanishes in operators_per_step if not vanishes), \
        [w for w, used, vanishes in operators_per_step if not used and not vanishes]
    assert all("flip-sign" in used for _, used, vanishes in operators_per_step if not vanishes)
