"""Time budgets: a pathological step is UNKNOWN within its budget plus a small margin, and the run goes on."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from derive.core import checker
from derive.core.checker import OutOfTime, budget, check_equal
from derive.core.context import Context, Equal
from derive.core.objects import D, Vector, classes, exp, indices, softmax
from derive.core.verdict import Verdict
from derive.model.proof import Case, Proof, Source, step
from derive.engine.run import Settings, check_proof

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
MARGIN = 0.5  # seconds: the alarm interrupts SymPy between two bytecodes

# Two huge powers: deciding the (false) step means expanding (5 terms)^40, over 135 000 terms each, which
# takes the normaliser far longer than any budget below (more than 8 s on a laptop).
HUGE = (z[j] + z[m] + exp(z[j]) + exp(z[m]) + 1) ** 40
HUGE_SHIFTED = (z[j] + z[m] + exp(z[j]) + exp(z[m]) + 2) ** 40


def _busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_a_pathological_step_is_unknown_within_its_budget():
    started = time.perf_counter()
    outcome = check_equal(HUGE, HUGE_SHIFTED, Context(k), seconds=1)
    elapsed = time.perf_counter() - started
    assert outcome.verdict is Verdict.UNKNOWN
    assert "within the budget of 1 s" in outcome.message
    assert elapsed < 1 + MARGIN, elapsed


def test_the_run_goes_on_after_a_step_out_of_time_and_budgets_are_per_step_and_per_run():
    slow = Case("slow", "a huge step", classes=k, start=HUGE,
                steps=(step(HUGE_SHIFTED, "shift", budget=0.5),     # its own budget
                       step(HUGE, "shift back")))                   # the run's budget
    fine = Case("fine", "the softmax diagonal", classes=k, assumptions=(Equal(j, m),),
                start=D(softmax(z, j, k), z[j]),
                steps=(step(softmax(z, j, k) * (1 - softmax(z, j, k)), "quotient rule"),))
    proof = Proof("budgets", "Budgets", Source("test"), "-", cases=(slow, fine))
    started = time.perf_counter()
    report = check_proof(proof, Settings(seconds=1.0))
    elapsed = time.perf_counter() - started
    first, second = report.cases[0].steps
    assert first.outcome.verdict is Verdict.UNKNOWN and first.outcome.seconds < 0.5 + MARGIN
    assert "budget of 0.5 s" in first.outcome.message
    assert second.outcome.verdict is Verdict.UNKNOWN and second.outcome.seconds < 1.0 + MARGIN
    assert "budget of 1 s" in second.outcome.message
    assert report.cases[1].steps[0].outcome.verdict is Verdict.PROVED
    # two steps, and the derivation and comparison of the slow case's result: each within its budget
    assert elapsed < 0.5 + 3 * 1.0 + 4 * MARGIN, elapsed


def test_the_alarm_repeats_when_the_first_interruption_is_swallowed():
    started = time.perf_counter()
    with pytest.raises(OutOfTime):
        with budget(0.2):
            try:
                _busy(5)
            except OutOfTime:
                pass  # swallowed, as a broad handler in library code would
            _busy(5)
    assert time.perf_counter() - started < 0.2 + MARGIN


def test_an_out_of_time_is_not_swallowed_by_a_handler_of_exceptions():
    with pytest.raises(OutOfTime):
        with budget(0.1):
            try:
                _busy(5)
            except Exception:  # noqa: BLE001 - what library code does
                pass


def test_no_alarm_is_left_behind_after_a_budget():
    with budget(0.1):
        pass
    with pytest.raises(OutOfTime):
        with budget(0.1):
            _busy(5)
    _busy(0.4)  # an alarm left armed would raise here


def test_a_failure_inside_sympy_is_unknown_never_a_verdict(monkeypatch):
    def fail(*args, **kwargs):
        raise sp.PolynomialError("an internal failure")

    monkeypatch.setattr(checker, "proves_equal", fail)
    outcome = check_equal(z[j], z[j], Context(k), seconds=2)
    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.message == "no verdict: SymPy failed (PolynomialError: an internal failure)"


def test_an_alarm_after_every_budget_block_was_left_raises_nothing_and_stops_the_timer():
    import signal
    import time

    from derive.core.checker import budget

    with budget(10):
        pass
    handler_before = signal.getsignal(signal.SIGALRM)
    # a timer left running by mistake, with a budget's handler installed: it must neither raise nor repeat
    with budget(10):
        stray = signal.getsignal(signal.SIGALRM)
    signal.signal(signal.SIGALRM, stray)
    signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
    try:
        time.sleep(0.1)   # would raise OutOfTime here if a stray alarm escaped
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, handler_before)


def test_an_enclosing_budget_still_runs_out_after_an_inner_block_is_left():
    import time

    from derive.core.checker import _ACTIVE, OutOfTime, budget

    with pytest.raises(OutOfTime):
        with budget(0.3):
            with budget(5):
                pass
            time.sleep(3)   # the outer block's alarm must still come, though the inner one disarmed its own
    assert _ACTIVE == []


def test_no_budget_block_is_left_in_force_after_a_block_is_interrupted_while_it_is_set_up():
    from derive.core.checker import _ACTIVE, OutOfTime, budget

    # many short outer budgets, each running out while inner blocks are entered and left in a loop
    for _ in range(20):
        try:
            with budget(0.01):
                while True:
                    with budget(5):
                        pass
        except OutOfTime:
            pass
        assert _ACTIVE == []
