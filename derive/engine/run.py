"""Run the checker over proofs: every step against the one before, every case's derivation."""

from __future__ import annotations

import time

from .checking import Checker, known_names
from .claims import check_claims
from .settings import Settings
from ..core.checker import OutOfTime, budget
from ..core.context import IllFormed
from ..core.validate import as_expression
from ..core.verdict import Outcome, Verdict
from ..model.proof import Case, Proof
from ..model.report import CaseReport, DerivedReport, ProofReport, StepReport, meets

__all__ = ["Settings", "check_proof", "check_case"]


def check_proof(proof: Proof, settings: Settings | None = None, checker: Checker | None = None) -> ProofReport:
    """The report of ``proof``: its cases, its claims, and the numeric checks of its conclusions when
    ``settings.numeric`` asks for them.  ``checker`` asks the core (default: a :class:`Checker`, no cache)."""
    settings = settings or Settings()
    checker = checker or Checker()
    cases = tuple(check_case(case, settings, checker) for case in proof.cases)
    claims = check_claims(proof, cases, settings, checker)
    if settings.numeric is None:
        return ProofReport(proof, cases, claims)
    from ..numeric.rows import NumericError

    try:
        rows = checker.numeric(proof.conclusions, settings.numeric)
    except NumericError as error:
        return ProofReport(proof, cases, claims, (), settings.numeric.seed, str(error))
    return ProofReport(proof, cases, claims, rows, settings.numeric.seed)


def check_case(case: Case, settings: Settings, checker: Checker | None = None) -> CaseReport:
    checker = checker or Checker()
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
        outcome = checker.equal(previous, expr, ctx, seconds=seconds, max_classes=settings.max_classes, known=known)
        reports.append(StepReport(index, step, expr, outcome, meets(outcome.verdict, step.expect, settings.accepted)))
        if outcome.verdict is not Verdict.ERROR:
            previous = expr
    derived = _derive(case, ctx, start, previous, known, settings, checker) if previous is not start else None
    return CaseReport(case, tuple(reports), derived)


def _derive(case, ctx, start, last, known, settings: Settings, checker: Checker) -> DerivedReport:
    started = time.perf_counter()
    try:
        with budget(settings.seconds):
            expr = checker.derived(start, ctx)
    except (OutOfTime, IllFormed):
        expr = None
    except Exception:  # a failure inside SymPy: nothing derived, and the comparison below decides
        expr = None
    outcome = checker.equal(start, last, ctx, seconds=settings.seconds, max_classes=settings.max_classes, known=known)
    outcome = Outcome(outcome.verdict, outcome.rules, outcome.classes_checked, outcome.instances,
                      outcome.counterexample, outcome.message, outcome.seconds + time.perf_counter() - started)
    return DerivedReport(expr, outcome, case.conclusion, meets(outcome.verdict, case.conclusion, settings.accepted))
