"""The checker: one equality, one verdict, with evidence, within a time budget.

The order is strongest first: a symbolic proof for every class count
(PROVED); failing that, the instances k = 2..K, where a confirmed difference
is a counterexample (REFUTED), exact equality on all of them is VERIFIED and
agreement at 50 digits only is NUMERIC.  Anything else is UNKNOWN.
"""

from __future__ import annotations

import signal
from fractions import Fraction
import threading
import time
from contextlib import contextmanager

import mpmath
import sympy as sp

from .context import Context, IllFormed, as_expression
from .defaults import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES
from .exact import Compared, compare
from .exact import LADDER
from .instances import (CONFIRM_DIGITS, assignments, candidate_points, defined_at, domain_conditions,
                        evaluate, exactly_equal, free_inputs, input_name, instances, random_points,
                        instance_of)
from .pointwise import MARGIN, Refused, differ_at, value_at
from .normalise import Trace, is_positive, prepare, proves_equal, with_zero_log_zero
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
    token = object()

    def expire(signum, frame):
        if _ACTIVE and _ACTIVE[-1] is token:
            raise OutOfTime()
        if not _ACTIVE:  # a stray alarm once every block was left: stop the timer, raise nothing
            signal.setitimer(signal.ITIMER_REAL, 0)

    # An enclosing block's timer, to be set again for what is left of it when this block is left.
    enclosing, repeat = signal.getitimer(signal.ITIMER_REAL)
    entered = time.monotonic()
    previous = signal.getsignal(signal.SIGALRM)
    try:
        # Set up inside the try: an enclosing block's alarm arriving in the middle of it must still
        # find the cleanup below, or this block's handler and a running timer would outlive it.
        signal.signal(signal.SIGALRM, expire)
        _ACTIVE.append(token)
        # never past an enclosing block's own deadline, which the inner blocks of a loop would postpone for ever
        signal.setitimer(signal.ITIMER_REAL, min(seconds, enclosing) if enclosing > 0 else seconds, REPEAT)
        yield
    finally:
        # Leave the block first, so that an alarm arriving while cleaning up is never raised outside it.
        while True:
            try:
                if token in _ACTIVE:
                    _ACTIVE.remove(token)
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except OutOfTime:
                continue
        if enclosing > 0 and _ACTIVE:
            # The enclosing block's timer again, for what is left of it (at once if that is past): from here
            # an alarm is the enclosing block's, raised in it.
            left = enclosing - (time.monotonic() - entered)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), repeat)


# The budget blocks in force in the main thread, innermost last: an alarm raises only in the innermost.
_ACTIVE: list = []


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
    # the instances read 0·log 0 as 0 where the proof does (zero-log-zero), so that a slip there is refuted
    left, right = (with_zero_log_zero(prepare(side, ctx, trace), ctx) for side in (left, right))
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
            first = next(iter(assignments(left, right, ctx, max_classes, also=written)), None)
            if first is None:
                return None
            try:
                counterexample = _direct_search(left, right, first, ctx, as_written)
            except Refused:  # no certain answer without writing the instance out: the way check_equal goes
                instance = instance_of(left, right, ctx, *first)
                if exactly_equal(instance, ctx):
                    return None
                conditions = [c for e in as_written for c in domain_conditions(e, ctx)]
                counterexample, _ = _search(instance, ctx, conditions, as_written)
    except (OutOfTime, IllFormed, RecursionError, Exception):  # never a verdict here: check_equal decides
        return None
    if counterexample is None:
        return None
    return Outcome(Verdict.REFUTED, counterexample=counterexample, seconds=time.perf_counter() - started)


def _direct_search(left, right, first, ctx, as_written) -> Counterexample | None:
    """:func:`_search` at the first instance, its sides evaluated directly, never written out.

    The same points in the same order, and the first one where the sides
    certainly differ and both sides as written are defined; its values are
    those of the instance written out (the direct evaluator answers only where
    that holds, else :class:`Refused`).  Without the exact test of the written
    out instance first: a point where it certainly differs shows it is not
    identically 0, and without a counterexample the answer is None either way.

    The points are drawn for the inputs of the written-out instance: an input
    of the prepared sides that the steps as written do not mention (the logits
    behind a defined softmax) is counted only where the value certainly depends
    on it, since writing out may cancel it (δ at unequal indices, ``a − a``).
    """
    sizes, assignment, _ = first
    classes = int(sizes[ctx.n])
    mapping = {**sizes, **assignment}
    env = {s: int(v) for s, v in mapping.items()}
    exprs = [left, right, *as_written]
    simple = candidate_points(exprs, classes, ctx, assignment=assignment)
    written_inputs = set(free_inputs(as_written, ctx))
    for base in free_inputs(exprs, ctx):
        if base not in written_inputs and not _depends_on(base, (left, right), env, simple):
            raise Refused(f"whether the instance still depends on {input_name(base)}")
    irregular = random_points(exprs, classes, RANDOM_POINTS, ctx, assignment=assignment)
    conditions = None
    for point in simple + irregular:
        if not differ_at(left, right, env, point, LADDER[0]):
            continue
        if conditions is None:
            conditions = [c for e in as_written for c in domain_conditions(e, ctx)]
        if defined_at(conditions, mapping, point):
            values = [_confirmed_value(side, env, point) for side in (left, right)]
            counts = [(c, int(v)) for c, v in sizes.items() if c != ctx.n]
            at = tuple(counts) + tuple((s, int(v)) for s, v in assignment.items())
            return _counterexample(classes, at, ctx, point, *values)
    return None


def _depends_on(base, sides, env, points) -> bool:
    """Whether one of ``sides`` certainly takes two different values at two points that differ only in ``base``."""
    reference = points[0]
    for point in points[1:]:
        if any(point[b] != reference[b] for b in point if b != base):
            continue
        for side in sides:
            try:
                a = value_at(side, env, reference, LADDER[0])
                b = value_at(side, env, point, LADDER[0])
            except Refused:
                continue
            if _certainly_apart(a, b):
                return True
    return False


def _certainly_apart(a, b) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a != b
    a, b = (mpmath.iv.mpf(x.numerator) / x.denominator if isinstance(x, Fraction) else x for x in (a, b))
    difference = a - b
    scale = max(mpmath.mpf(1), abs(a.a), abs(a.b), abs(b.a), abs(b.b))
    return difference.a > scale * MARGIN or difference.b < -scale * MARGIN


def _confirmed_value(side, env, point):
    """The value of one side at ``point`` as :func:`evaluate` gives it at CONFIRM_DIGITS, evaluated directly."""
    value = value_at(side, env, point, CONFIRM_DIGITS + 30)
    if isinstance(value, Fraction):
        return sp.N(sp.Rational(value.numerator, value.denominator), CONFIRM_DIGITS)
    low, high = (mpmath.mp.make_mpf(end) for end in value._mpi_)  # the endpoints at their full precision
    with mpmath.workdps(CONFIRM_DIGITS + 30):
        middle = (low + high) / 2
        if not high - low <= abs(middle) * mpmath.mpf(10) ** -(CONFIRM_DIGITS + 10):
            raise Refused("the value is not known to enough digits")
        digits = mpmath.nstr(middle, CONFIRM_DIGITS + 20, strip_zeros=False)
    return sp.Float(digits, CONFIRM_DIGITS)  # from text: a Float made from an mpf keeps only double precision


def _decide(left, right, ctx, max_classes, known) -> Outcome:
    as_written, (left, right), written = _prepared(left, right, ctx, known)
    proved, rules = proves_equal(*as_written, ctx)
    if proved:
        return Outcome(Verdict.PROVED, rules=rules)
    exact, numeric, checked, inconclusive = 0, 0, [], 0
    conditions = [c for e in as_written for c in domain_conditions(e, ctx)]
    for instance in instances(left, right, ctx, max_classes, also=written):
        if not instance.extra and ctx.has_classes and instance.classes not in checked:
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
        at = f"at k={inconclusive}" if ctx.has_classes else "at an instance"
        return Outcome(Verdict.UNKNOWN, rules=rules, message=f"no proof, and no conclusive comparison {at}")
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
            left = evaluate(instance.left, point, CONFIRM_DIGITS)
            right = evaluate(instance.right, point, CONFIRM_DIGITS)
            return _counterexample(instance.classes, instance.assignment, ctx, point, left, right), False
        if position >= len(simple) and compared in (Compared.EQUAL, Compared.AGREE):
            agreed += 1
    return None, agreed == len(irregular) and agreed > 0


def _counterexample(classes, assignment, ctx, point, left, right) -> Counterexample:
    """The point, with every input the steps mention and the value of each side."""
    return Counterexample(
        classes=classes if ctx.has_classes else None,  # a case without classes names only its inputs
        indices=tuple((s.name, v) for s, v in assignment),
        inputs=tuple((input_name(base), tuple(_entry_text(v) for v in values))
                     for base, values in sorted(point.items(), key=lambda kv: input_name(kv[0]))),
        left=_show(left),
        right=_show(right),
        classes_name=str(ctx.n) if ctx.has_classes else "",
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
