"""Mutants of every bundled step that should hold are refuted, with a real counterexample.

A mutant the independent oracle finds equal to the original step at every
sampled point is equivalent, and is only required not to be refuted; every
other mutant must come out REFUTED (never PROVED or VERIFIED or NUMERIC), and
the oracle must see both sides differ at the counterexample.
"""

from __future__ import annotations

from collections import Counter

import sympy as sp

from derive.core.checker import check_equal
from derive.core.verdict import Verdict
from derive.model import Expect
from derive.report import HOLDING
from derive.mutate import case_vocabulary, mutants
from oracle import Oracle
from test_oracle import assert_counterexample_is_real


def test_every_mutant_of_every_step_is_refuted_or_equivalent(bundled_proofs):
    tally = Counter()
    operators_per_step = []
    for proof in bundled_proofs:
        for case in proof.cases:
            ctx = case.context()
            vocabulary = case_vocabulary(case, ctx)
            oracle = Oracle(case)
            previous = case.start
            for position, s in enumerate(case.steps, 1):
                where = f"{proof.id} / {case.name} / step {position}"
                if s.expect is Expect.ERRATUM:
                    previous = s.expr
                    continue
                original = sp.sympify(s.expr)
                points = list(oracle.points([previous, original], ks=(2, 3), per_assignment=1))
                used = set()
                for operator, mutant in mutants(original, vocabulary):
                    outcome = check_equal(previous, mutant, ctx, seconds=10)
                    label = f"{where}, {operator} mutant {mutant}"
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
                    assert_counterexample_is_real(oracle, previous, mutant, outcome.counterexample, label)
                    tally["killed"] += 1
                    used.add(operator)
                # A step that is 0 at every point (a sum of target entries that are all 0, say) absorbs
                # most mutations: its mutants are equivalent, and only a step with a value must lose some.
                vanishes = all(oracle.defined(original, p) and abs(oracle.value(original, p)) == 0 for p in points)
                operators_per_step.append((where, used, vanishes))
                previous = s.expr
    assert tally["killed"] >= 150, tally
    # Every step with a value has mutants that were killed, and loses to a flipped sign.
    assert all(used for _, used, vanishes in operators_per_step if not vanishes), \
        [w for w, used, vanishes in operators_per_step if not used and not vanishes]
    assert all("flip-sign" in used for _, used, vanishes in operators_per_step if not vanishes)
