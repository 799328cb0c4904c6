"""The checker: one equality, one verdict, with evidence, within a time budget.

The order is strongest first: a symbolic proof for every class count
(PROVED); failing that, the instances k = 2..K, where a confirmed difference
is a counterexample (REFUTED), exact equality on all of them is VERIFIED and
agreement at 50 digits only is NUMERIC.  Anything else is UNKNOWN.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

import mpmath
import sympy as sp

from .context import Context, IllFormed, as_expression
from .defaults import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES
from .exact import Compared, compare
from .instances import (CONFIRM_DIGITS, candidate_points, input_name, defined_at, domain_conditions, evaluate,
                        exactly_equal, instances, random_points)
from .normalise import Trace, is_positive, prepare, proves_equal
from .validate import free_indices_of, validate, validate_names
from .verdict import Counterexample, Outcome, Verdict

__all__ = ["check_equal", "refuted_at_first_instance", "OutOfTime", "budget"]


class OutOfTime(BaseException):
    """The step's time budget ran out.

    A ``BaseException``, like ``KeyboardInterrupt``, so that library code that
    catches ``Exception`` does not swallow it.
    """


REPEAT = 0.05  # seconds between repeated alarms once the budget has run out


@contextmanager
def budget(seconds: float | None):
    """Raise :class:`OutOfTime` in this thread after ``seconds`` (main thread only).

    Once the budget has run out the alarm repeats every ``REPEAT`` seconds, so
    that code which swallows one exception (SymPy catches broadly in places)
    is interrupted again, until the block is left.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = [True]

    def expire(signum, frame):
        if armed[0]:
            raise OutOfTime()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        yield
    finally:
        # Disarm first: an alarm that arrives while cleaning up is ignored, never raised later elsewhere.
        # One that arrives before the flag is cleared is caught here and the cleanup done again: otherwise
        # it would leave the block with the repeating timer still set, to interrupt whatever runs next.
        while True:
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except OutOfTime:
                continue


def check_equal(left, right, ctx: Context, *, seconds: float | None = DEFAULT_BUDGET,
                max_classes: int = DEFAULT_MAX_CLASSES, known=frozenset()) -> Outcome:
    """The verdict on ``left == right`` under ``ctx``.

    ``known`` is the set of names a step may use (see :func:`validate`).
    """
    started = time.perf_counter()
    try:
        with budget(seconds):
            outcome = _decide(left, right, ctx, max_classes, known)
    except OutOfTime:
        outcome = Outcome(Verdict.UNKNOWN, message=f"nothing conclusive within the budget of {seconds:g} s")
    except IllFormed as error:
        outcome = Outcome(Verdict.ERROR, message=str(error))
    except RecursionError:
        outcome = Outcome(Verdict.UNKNOWN, message="the expression is too deeply nested to normalise")
    except Exception as error:  # a failure inside SymPy decides nothing: never a verdict either way
        text = " ".join(str(error).split())[:200]
        outcome = Outcome(Verdict.UNKNOWN, message=f"no verdict: SymPy failed ({type(error).__name__}: {text})")
    return Outcome(outcome.verdict, outcome.rules, outcome.classes_checked, outcome.instances,
                   outcome.counterexample, outcome.message, time.perf_counter() - started)


def _prepared(left, right, ctx, known):
    """Both sides validated and prepared: ``(as_written, (left, right), written free indices)``."""
    left, right = as_expression(left, "the left side"), as_expression(right, "the right side")
    validate(left, ctx, known)
    validate(right, ctx, known)
    validate_names((left, right), ctx)
    written = free_indices_of(left, ctx) | free_indices_of(right, ctx)
    as_written = (left, right)
    trace = Trace()
    left, right = prepare(left, ctx, trace), prepare(right, ctx, trace)
    for side, original in ((left, as_written[0]), (right, as_written[1])):
        if side.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or _zero_denominator(side, ctx) is not None:
            raise IllFormed(f"{original} divides by zero")
    return as_written, (left, right), written


def refuted_at_first_instance(left, right, ctx: Context, *, seconds: float | None = DEFAULT_BUDGET,
                              max_classes: int = DEFAULT_MAX_CLASSES, known=frozenset()) -> Outcome | None:
    """REFUTED from the first instance :func:`check_equal` would try, before any attempt at a proof; else None.

    The same validation, preparation, instance and counterexample search as
    :func:`check_equal`, so a counterexample found here is the one it reports
    (the first instance comes first there too, after the proof, which a false
    statement cannot pass).  None decides nothing: ill-formed, out of time,
    equal or undecided at that instance.
    """
    started = time.perf_counter()
    try:
        with budget(seconds):
            as_written, (left, right), written = _prepared(left, right, ctx, known)
            first = next(iter(instances(left, right, ctx, max_classes, also=written)), None)
            if first is None or exactly_equal(first, ctx):
                return None
            conditions = [c for e in as_written for c in domain_conditions(e, ctx)]
            counterexample, _ = _search(first, ctx, conditions, as_written)
    except (OutOfTime, IllFormed, RecursionError, Exception):  # never a verdict here: check_equal decides
        return None
    if counterexample is None:
        return None
    return Outcome(Verdict.REFUTED, counterexample=counterexample, seconds=time.perf_counter() - started)


def _decide(left, right, ctx, max_classes, known) -> Outcome:
    as_written, (left, right), written = _prepared(left, right, ctx, known)
    proved, rules = proves_equal(*as_written, ctx)
    if proved:
        return Outcome(Verdict.PROVED, rules=rules)
    exact, numeric, checked, inconclusive = 0, 0, [], 0
    conditions = [c for e in as_written for c in domain_conditions(e, ctx)]
    for instance in instances(left, right, ctx, max_classes, also=written):
        if not instance.extra and instance.classes not in checked:
            checked.append(instance.classes)
        if exactly_equal(instance, ctx):
            exact += not instance.extra
            continue
        counterexample, agreed = _search(instance, ctx, conditions, as_written)
        if counterexample is not None:
            return Outcome(Verdict.REFUTED, rules=rules, counterexample=counterexample)
        if instance.extra:
            continue  # the larger class count only looks for a refutation
        if not agreed:
            # Inconclusive here; a later instance may still hold a counterexample.
            inconclusive = inconclusive or instance.classes
            continue
        numeric += 1
    if inconclusive:
        return Outcome(Verdict.UNKNOWN, rules=rules,
                       message=f"no proof, and no conclusive comparison at k={inconclusive}")
    if exact + numeric == 0:
        return Outcome(Verdict.UNKNOWN, rules=rules, message="no instance satisfies the assumptions")
    verdict = Verdict.VERIFIED if numeric == 0 else Verdict.NUMERIC
    return Outcome(verdict, rules=rules, classes_checked=tuple(checked), instances=exact + numeric)


RANDOM_POINTS = 3


def _search(instance, ctx, conditions, as_written) -> tuple[Counterexample | None, bool]:
    """A counterexample at this instance, or None and whether every random point agreed.

    Simple inputs come first (zeros and small integers), then irregular
    random ones; every point satisfies the case's assumptions.  A difference
    counts only where it is certain (interval arithmetic, or exact rationals)
    and where both sides as written are defined.
    """
    exprs = [instance.left, instance.right, *as_written]  # every input the steps mention, also one-hot ones
    assignment = {s: sp.Integer(v) for s, v in instance.assignment}
    mapping = {ctx.n: sp.Integer(instance.classes), **assignment}
    simple = candidate_points(exprs, instance.classes, ctx, assignment=assignment)
    irregular = random_points(exprs, instance.classes, RANDOM_POINTS, ctx, assignment=assignment)
    agreed = 0
    for position, point in enumerate(simple + irregular):
        compared = compare(instance.left, instance.right, point)
        if compared is Compared.DIFFER and defined_at(conditions, mapping, point):
            return _counterexample(instance, ctx, point), False
        if position >= len(simple) and compared in (Compared.EQUAL, Compared.AGREE):
            agreed += 1
    return None, agreed == len(irregular) and agreed > 0


def _counterexample(instance, ctx, point) -> Counterexample:
    """The point, with every input the steps mention and the value of each side."""
    left = evaluate(instance.left, point, CONFIRM_DIGITS)
    right = evaluate(instance.right, point, CONFIRM_DIGITS)
    return Counterexample(
        classes=instance.classes,
        indices=tuple((s.name, v) for s, v in instance.assignment),
        inputs=tuple((input_name(base), tuple(_entry_text(v) for v in values))
                     for base, values in sorted(point.items(), key=lambda kv: input_name(kv[0]))),
        left=_show(left),
        right=_show(right),
        classes_name=str(ctx.n),
    )


def _zero_denominator(expr, ctx):
    """A denominator of ``expr`` that is proved to be 0 for every k (``1/(a - a)``), or None."""
    for node in sp.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_negative and not is_positive(node.base, ctx):
            if proves_equal(node.base, sp.Integer(0), ctx)[0]:
                return node.base
    return None


def _entry_text(value) -> str:
    """An entry as exact text; a matrix's row as its entries in parentheses."""
    if isinstance(value, tuple):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


def _show(value) -> str:
    """A value at 30 significant digits, trailing zeros removed."""
    if value.is_real is False:
        return str(sp.N(value, 30))
    with mpmath.workdps(40):
        text = mpmath.nstr(mpmath.mpf(sp.Float(value, 40)._mpf_), 30)
    return text[:-2] if text.endswith(".0") else text
