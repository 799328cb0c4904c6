"""Why a step got its verdict: the normaliser's stages with their rules and normal forms, or the
instances tried and the counterexample (``derive show PROOF --trace``).

The verdict shown is the checker's own (:func:`derive.core.checker.check_equal`, as ``derive check``
runs it).  The trace beside it replays the core's public steps in the order the checker takes them —
:func:`~derive.core.normalise.prepare` each side (index equalities, derivatives, definitions),
:func:`~derive.core.normalise.simplify` each side and their difference (the sum, delta and log
rules), :func:`~derive.core.normalise.atomise` the difference into a rational function of atoms,
cancel it; failing that, :func:`~derive.core.instances.instances` k = 2..K in order — and shows what
each stage produced.  This module decides nothing: if its replay ever disagreed with the verdict, it
says so rather than hide it.  Not for reports (the renderers are) and not part of the trusted core.

Within a stage the core records the rules that fired as a set, listed in the order of
:data:`~derive.core.normalise.RULES`, not one rewrite at a time; the stages themselves are in order.
"""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ..core.checker import OutOfTime, budget, check_equal
from ..core.context import IllFormed, as_expression
from ..core.instances import exactly_equal, instances
from ..core.normalise import RULES, Atoms, Trace, atomise, is_zero, prepare, simplify
from ..core.validate import free_indices_of
from ..core.verdict import Verdict
from ..model.proof import Expect, Proof
from ..render.unicode import unicode
from ..model.report import meets

__all__ = ["ExplainError", "Stage", "StepTrace", "trace_step", "explain_proof"]

SHOWN_INSTANCES = 12  # instances listed one by one before the rest are counted


class ExplainError(ValueError):
    """A selection that names no case or step of the proof; the message says which exist."""


class Stage:
    """One stage of the normaliser: what it did, the rules that fired, and the expression it gave."""

    def __init__(self, title: str, rules: tuple[str, ...], result):
        self.title, self.rules, self.result = title, rules, result


class StepTrace:
    """A step's verdict (``outcome``, from the checker) and how it came about.

    ``stages`` are the normaliser's stages in order; ``cancels`` whether the difference cancelled to 0
    as a rational function of ``atoms`` (symbol, expression); ``instances`` the instances tried, as
    (k, assignment, exactly equal); ``more`` how many more were tried than are listed.
    """

    def __init__(self, outcome, stages, atoms, rational, cancels, tried, more, note=""):
        self.outcome, self.stages, self.atoms, self.rational = outcome, stages, atoms, rational
        self.cancels, self.instances, self.more, self.note = cancels, tried, more, note


def _stage(title, run, *args):
    trace = Trace()
    result = run(*args, trace)
    return Stage(title, tuple(trace.used), result)


def trace_step(previous, expr, ctx, *, known=frozenset(), seconds: float = 5.0, max_classes: int = 4) -> StepTrace:
    """The checker's verdict on ``previous == expr`` and the stages that led to it."""
    outcome = check_equal(previous, expr, ctx, seconds=seconds, max_classes=max_classes, known=known)
    if outcome.verdict is Verdict.ERROR:
        return StepTrace(outcome, [], [], None, False, [], 0)
    stages, atoms, rational, cancels, tried, more, note = [], [], None, False, [], 0, ""
    try:
        with budget(seconds):
            left, right = as_expression(previous, "the left side"), as_expression(expr, "the right side")
            left_prepared = _stage("prepare the left side: index equalities, derivatives, definitions",
                                   lambda e, t: prepare(e, ctx, t), left)
            right_prepared = _stage("prepare the right side", lambda e, t: prepare(e, ctx, t), right)
            left_simplified = _stage("rewrite the left side: sums, deltas, logs",
                                     lambda e, t: simplify(e, ctx, t), left_prepared.result)
            right_simplified = _stage("rewrite the right side", lambda e, t: simplify(e, ctx, t),
                                      right_prepared.result)
            difference = _stage("rewrite the difference left − right", lambda e, t: simplify(e, ctx, t),
                                left_simplified.result - right_simplified.result)
            stages = [left_prepared, right_prepared, left_simplified, right_simplified, difference]
            table = Atoms(ctx)
            trace = Trace()
            rational = atomise(difference.result, table, trace)
            atoms = sorted(table.back().items(), key=lambda item: int(item[0].name[1:]))
            cancels = is_zero(rational)
            rules = tuple(trace.used) + (("rational",) if cancels else ())
            stages.append(Stage("atomise: each non-rational subexpression becomes a symbol", rules, rational))
            if not cancels:
                written = free_indices_of(left, ctx) | free_indices_of(right, ctx)
                for instance in instances(left_prepared.result, right_prepared.result, ctx, max_classes,
                                          also=written):
                    equal = exactly_equal(instance, ctx)
                    if len(tried) < SHOWN_INSTANCES:
                        tried.append((instance.classes, instance.assignment, equal))
                    else:
                        more += 1
                    if not equal and outcome.verdict is Verdict.REFUTED and _is_point(instance, outcome):
                        break
    except OutOfTime:
        note = f"the trace did not finish within the budget of {seconds:g} s"
    except (IllFormed, RecursionError) as error:
        note = f"the trace stopped: {error}"
    if not note and cancels != (outcome.verdict is Verdict.PROVED):
        note = "the trace and the verdict disagree: please report this"
    return StepTrace(outcome, stages, atoms, rational, cancels, tried, more, note)


def _is_point(instance, outcome) -> bool:
    c = outcome.counterexample
    return c is not None and c.classes == instance.classes and \
        tuple((s.name, v) for s, v in instance.assignment) == tuple(c.indices)


def _selected(proof: Proof, selection: list[str]):
    """(case, step numbers or None for all) for each case the selection names (all cases when empty)."""
    if not selection:
        return [(case, None) for case in proof.cases]
    names = {case.name: case for case in proof.cases}
    chosen: dict[str, set[int] | None] = {}
    for item in selection:
        name, _, number = item.partition(":")
        if name not in names:
            raise ExplainError(f"proof {proof.id!r} has no case {name!r} (its cases: {', '.join(names)})")
        if not number:
            chosen[name] = None
            continue
        count = len(names[name].steps)
        if not number.isdigit() or not 1 <= int(number) <= count:
            raise ExplainError(f"proof {proof.id!r}, case {name!r} has steps 1..{count}, not {number!r} "
                               f"(write CASE:STEP, e.g. {name}:1)")
        if name not in chosen or chosen[name] is not None:
            chosen.setdefault(name, set()).add(int(number))
    return [(case, chosen[case.name]) for case in proof.cases if case.name in chosen]


def explain_proof(proof: Proof, console: Console, selection: list[str] = (), *, seconds: float = 5.0,
                  max_classes: int = 4) -> None:
    """Print the trace of every selected step of ``proof`` (``CASE`` or ``CASE:STEP``; all when empty)."""
    from .checking import known_names

    console.print(Text(f"{proof.title}  [{proof.id}]", style="bold underline"))
    for case, steps in _selected(proof, list(selection)):
        console.print()
        assumptions = "; ".join(a.text() for a in case.assumptions) or "none"
        console.print(Text(f"{case.title}  (assuming: {assumptions})", style="bold"))
        try:
            ctx = case.context()
            known = known_names(case, ctx)
            previous = as_expression(case.start, "the start")
        except IllFormed as error:
            console.print(Text(f"  ERROR: {error}", style="bold red"))
            continue
        for index, step in enumerate(case.steps, 1):
            try:
                expr = as_expression(step.expr)
            except IllFormed as error:
                if steps is None or index in steps:
                    console.print(Text(f"  step {index}: ERROR: {error}", style="bold red"))
                continue
            if steps is None or index in steps:
                step_trace = trace_step(previous, expr, ctx, known=known, seconds=seconds, max_classes=max_classes)
                _print_step(console, index, step, previous, expr, step_trace)
            previous = expr


def _line(console: Console, indent: int, text: str, style: str = "") -> None:
    """One line of the trace, indented by ``indent`` columns also where a long expression wraps."""
    console.print(Padding(Text(text, style=style), (0, 0, 0, indent), expand=False))


def _print_step(console: Console, index: int, step, previous, expr, t: StepTrace) -> None:
    verdict = t.outcome.verdict
    ok = meets(verdict, step.expect)
    head = Text(f"\n  step {index}: ", style="bold")
    head.append(verdict.value, style="bold green" if ok else "bold red")
    if step.expect is Expect.ERRATUM:
        head.append(" (erratum: expected REFUTED)", style="dim")
    if step.origin:
        head.append(f"  {step.origin}", style="dim")
    console.print(head)
    _line(console, 4, unicode(previous))
    _line(console, 4, f"= {unicode(expr)}    — {step.reason}")
    if verdict is Verdict.ERROR:
        _line(console, 4, t.outcome.message, "red")
        return
    for number, stage in enumerate(t.stages, 1):
        rules = ", ".join(stage.rules) if stage.rules else "none"
        _line(console, 4, f"{number}. {stage.title}", "bold")
        _line(console, 7, f"rules: {rules}", "cyan")
        _line(console, 7, f"→ {unicode(stage.result)}")
    if t.atoms:
        _line(console, 7, "atoms:", "dim")
        for symbol, value in t.atoms:
            _line(console, 9, f"{symbol} = {unicode(value)}")
    if t.stages:
        if t.cancels:
            _line(console, 4, f"the difference cancels to 0: {RULES['rational']}", "green")
        else:
            _line(console, 4, "the difference does not cancel: no proof for every k; instances k = 2..K", "yellow")
    for classes, assignment, equal in t.instances:
        point = ", ".join([f"k={classes}"] + [f"{s}={v}" for s, v in assignment])
        _line(console, 6, f"instance {point}: " + ("equal exactly" if equal else "the sides differ"))
    if t.more:
        _line(console, 6, f"… and {t.more} more instances")
    c = t.outcome.counterexample
    if c is not None:
        _line(console, 4, f"counterexample: {c.point()}", "red" if not ok else "yellow")
        _line(console, 6, f"left  = {c.left}")
        _line(console, 6, f"right = {c.right}")
    elif verdict is not Verdict.PROVED:
        _line(console, 4, t.outcome.evidence(), "dim")
    if t.note:
        _line(console, 4, f"note: {t.note}", "bold red")
