"""Claims that recombine cases, checked against each case's own conclusion.

A claim says ``subject = expr`` for every case it names.  For each such case,
under that case's assumptions and definitions, the case must derive the same
subject (its start) and the claim's formula must equal what the case
concluded (its last line).  A claim holds when it agrees with every case; a
contradiction names the claim, the case, the case's conclusion and a point
where the two differ.  The decisions are the checker's (:func:`check_equal`);
this module only asks the questions and words the answer.
"""

from __future__ import annotations

import sympy as sp

from .core.checker import check_equal
from .core.context import IllFormed, as_expression
from .core.verdict import Outcome, Verdict
from .model import Claim, Expect, Proof
from .printing import unicode
from .report import HOLDING, CaseReport, ClaimCheck, ClaimReport, meets

__all__ = ["check_claims", "check_claim"]


def check_claims(proof: Proof, cases: tuple[CaseReport, ...], settings, known_names,
                 check=check_equal) -> tuple[ClaimReport, ...]:
    """Every claim of ``proof``.

    ``known_names(case, ctx)`` gives the names a case may use; ``check`` is
    :func:`check_equal` or a function that answers as it does (from a cache).
    """
    by_name = {c.case.name: c for c in cases}
    return tuple(check_claim(claim, by_name, settings, known_names, check) for claim in proof.claims)


def check_claim(claim: Claim, cases: dict[str, CaseReport], settings, known_names,
                check=check_equal) -> ClaimReport:
    checks = tuple(_against(claim, cases[name], settings, known_names, check) for name in claim.cases)
    verdicts = [v for c in checks for v in _verdicts(c)]
    holds = all(v in HOLDING for v in verdicts)
    contradicted = any(v is Verdict.REFUTED for v in verdicts)
    if claim.expect is Expect.HOLDS:
        ok = all(meets(v, Expect.HOLDS, settings.strict) for v in verdicts)
    else:
        ok = contradicted and not any(v is Verdict.ERROR for v in verdicts)
    return ClaimReport(claim, _text(claim), holds, _reason(checks, holds), checks, ok)


def _verdicts(check: ClaimCheck):
    if check.subject is not None:
        yield check.subject.verdict
    yield check.outcome.verdict


def _text(claim: Claim) -> str:
    return f"{claim.title}: {unicode(claim.subject)} = {unicode(claim.expr)}"


def _against(claim: Claim, report: CaseReport, settings, known_names, check) -> ClaimCheck:
    case = report.case
    assumptions = "; ".join(a.text() for a in case.assumptions) or "no assumptions"
    last = report.steps[-1]
    conclusion = last.expr if last.outcome.verdict is not Verdict.ERROR else None
    try:
        ctx = case.context()
        known = known_names(case, ctx)
        subject = as_expression(claim.subject, f"the subject of claim {claim.name!r}")
        expr = as_expression(claim.expr, f"the formula of claim {claim.name!r}")
    except IllFormed as error:
        return ClaimCheck(case.name, assumptions, case.start, conclusion, None,
                          Outcome(Verdict.ERROR, message=str(error)))
    if conclusion is None:
        failed = Outcome(Verdict.ERROR, message=f"the last line of case {case.name!r} could not be evaluated, "
                                                f"so the case concludes nothing")
        return ClaimCheck(case.name, assumptions, case.start, None, None, failed)
    same_subject = sp.sympify(case.start, strict=True) == subject
    subject_outcome = None if same_subject else check(
        case.start, subject, ctx, seconds=settings.seconds, max_classes=settings.max_classes, known=known)
    outcome = check(conclusion, expr, ctx, seconds=settings.seconds, max_classes=settings.max_classes, known=known)
    return ClaimCheck(case.name, assumptions, case.start, conclusion, subject_outcome, outcome)


def _reason(checks: tuple[ClaimCheck, ...], holds: bool) -> str:
    """One line: which cases the claim agrees with, which it contradicts, and where."""
    if holds:
        agreed = ", ".join(f"{c.case} ({c.assumptions}: {unicode(c.conclusion)})" for c in checks)
        return f"agrees with the conclusion of every case it recombines: {agreed}"
    parts = []
    agreeing = []
    for c in checks:
        if c.subject is not None and c.subject.verdict not in HOLDING:
            parts.append(f"{c.case} derives {unicode(c.start)}, not the claim's subject "
                         f"({c.subject.verdict.value}{_because(c.subject)})")
        elif c.outcome.verdict is Verdict.REFUTED:
            where = c.outcome.counterexample
            at = (f": at {where.point()} {c.case} gives {where.left}, the claim {where.right}"
                  if where is not None else "")
            parts.append(f"contradicts {c.case} ({c.assumptions}), which concludes {unicode(c.conclusion)}{at}")
        elif c.outcome.verdict not in HOLDING:
            parts.append(f"undecided against {c.case}: {c.outcome.verdict.value}{_because(c.outcome)}")
        else:
            agreeing.append(c.case)
    if agreeing:
        parts.append("agrees with " + ", ".join(agreeing))
    return "; ".join(parts)


def _because(outcome: Outcome) -> str:
    evidence = outcome.evidence()
    return f", {evidence}" if evidence and outcome.verdict is not Verdict.PROVED else ""
