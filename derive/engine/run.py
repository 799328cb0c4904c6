"""Run the checker over proofs: every step against the one before, every case's derivation."""

from __future__ import annotations

import time

import sympy as sp

from .claims import check_claims
from ..io.config import Accepted
from ..core.checker import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES, OutOfTime, budget, check_equal
from ..core.context import IllFormed
from ..core.derivation import derive_result
from ..core.validate import as_expression, names_in
from ..core.verdict import Outcome, Verdict
from ..model.proof import Case, Proof
from ..model.report import CaseReport, DerivedReport, ProofReport, StepReport, meets

__all__ = ["Settings", "check_proof", "check_case", "numeric_rows"]


class Settings:
    """How hard to look and what passes: the time budget of a step, the largest k of the instances,
    and the verdicts ``accepted`` besides PROVED (default: none, see :class:`derive.io.config.Accepted`)."""

    def __init__(self, seconds: float = DEFAULT_BUDGET, max_classes: int = DEFAULT_MAX_CLASSES,
                 accepted: Accepted = Accepted(), cache=None, numeric=None):
        if not isinstance(accepted, Accepted):
            raise TypeError(f"accepted must be a derive.io.config.Accepted, not {type(accepted).__name__}")
        self.seconds = seconds
        self.max_classes = max_classes
        self.accepted = accepted
        self.cache = cache  # where outcomes are replayed from and stored (derive.cache.store), or None
        self.numeric = numeric  # a derive.numeric.check.NumericSettings: also check the conclusions numerically


def _check_equal(settings: Settings, left, right, ctx, **options):
    """``check_equal``, through the settings' cache when there is one."""
    if settings.cache is None:
        return check_equal(left, right, ctx, **options)
    from ..cache.store import check_cached

    return check_cached(settings.cache, left, right, ctx, **options)


def _derive_result(settings: Settings, start, ctx):
    """``derive_result``, through the settings' cache when there is one."""
    if settings.cache is None:
        return derive_result(start, ctx)
    from ..cache.store import derive_cached

    return derive_cached(settings.cache, start, ctx)


def numeric_rows(conclusions, settings: Settings) -> tuple:
    """The numeric checks of ``conclusions`` (``settings.numeric``), through the settings' cache."""
    if settings.cache is None:
        from ..numeric.check import check_conclusions

        return tuple(check_conclusions(conclusions, settings.numeric))
    from ..cache.store import numeric_cached

    return numeric_cached(settings.cache, conclusions, settings.numeric)


def check_proof(proof: Proof, settings: Settings | None = None) -> ProofReport:
    settings = settings or Settings()
    cases = tuple(check_case(case, settings) for case in proof.cases)
    claims = check_claims(proof, cases, settings, known_names,
                          lambda *args, **options: _check_equal(settings, *args, **options))
    if settings.numeric is None:
        return ProofReport(proof, cases, claims)
    from ..numeric.rows import NumericError

    try:
        rows = numeric_rows(proof.conclusions, settings)
    except NumericError as error:
        return ProofReport(proof, cases, claims, (), settings.numeric.seed, str(error))
    return ProofReport(proof, cases, claims, rows, settings.numeric.seed)


def known_names(case: Case, ctx) -> frozenset[str]:
    known = {str(ctx.n)}
    known |= names_in(as_expression(case.start, "the start"))
    for definition in ctx.definitions:
        known.add(str(definition.name.label) if isinstance(definition.name, sp.IndexedBase)
                  else str(definition.name))
        known |= names_in(definition.body)
    for assumption in ctx.assumptions:
        for value in vars(assumption).values():
            if isinstance(value, sp.IndexedBase):
                known.add(str(value.label))
            elif isinstance(value, sp.Basic):
                known |= names_in(value)
    return frozenset(known)


def check_case(case: Case, settings: Settings) -> CaseReport:
    try:
        ctx = case.context()
        start = as_expression(case.start, "the start")
        known = known_names(case, ctx)
    except IllFormed as error:
        failed = Outcome(Verdict.ERROR, message=str(error))
        return CaseReport(case, tuple(StepReport(i, s, s.expr, failed, False)
                                      for i, s in enumerate(case.steps, 1)), None)
    previous = start
    reports = []
    for index, step in enumerate(case.steps, 1):
        try:
            unread = getattr(step.expr, "message", None)  # a document's line that could not be read
            if isinstance(unread, str):
                raise IllFormed(f"not read: {unread}")
            expr = as_expression(step.expr)
        except IllFormed as error:
            outcome = Outcome(Verdict.ERROR, message=str(error))
            reports.append(StepReport(index, step, step.expr, outcome, False))
            continue
        seconds = step.budget if step.budget is not None else settings.seconds
        outcome = _check_equal(settings, previous, expr, ctx, seconds=seconds,
                               max_classes=settings.max_classes, known=known)
        reports.append(StepReport(index, step, expr, outcome, meets(outcome.verdict, step.expect, settings.accepted)))
        if outcome.verdict is not Verdict.ERROR:
            previous = expr
    derived = _derive(case, ctx, start, previous, known, settings) if previous is not start else None
    return CaseReport(case, tuple(reports), derived)


def _derive(case, ctx, start, last, known, settings) -> DerivedReport:
    started = time.perf_counter()
    try:
        with budget(settings.seconds):
            expr = _derive_result(settings, start, ctx)
    except (OutOfTime, IllFormed):
        expr = None
    except Exception:  # a failure inside SymPy: nothing derived, and the comparison below decides
        expr = None
    outcome = _check_equal(settings, start, last, ctx, seconds=settings.seconds,
                           max_classes=settings.max_classes, known=known)
    outcome = Outcome(outcome.verdict, outcome.rules, outcome.classes_checked, outcome.instances,
                      outcome.counterexample, outcome.message, outcome.seconds + time.perf_counter() - started)
    return DerivedReport(expr, outcome, case.conclusion, meets(outcome.verdict, case.conclusion, settings.accepted))
