"""Claims that recombine cases, checked against each case's own conclusion and for coverage.

A claim says ``subject = expr`` for every configuration of its indices that
its own assumptions allow, by way of the cases it names.  For each such case,
under that case's assumptions and definitions, the case must derive the same
subject (its start) and the claim's formula must equal what the case
concluded (its last line); and together the cases must cover every
configuration (:mod:`derive.engine.coverage`).  A claim holds when it agrees with
every case and is covered; a contradiction names the claim, the case, the
case's conclusion and a point where the two differ, and a gap names a
configuration no case covers.  The decisions on each case are the core's, asked
through a :class:`~derive.engine.checking.Checker`; this module only asks the
questions and words the answer.
"""

from __future__ import annotations

import sympy as sp

from ..core.context import IllFormed, as_expression
from ..core.validate import names_in
from ..core.verdict import Outcome, Verdict
from .checking import Checker, known_names
from .coverage import Coverage, claim_coverage
from ..model.proof import Claim, Expect, Proof
from ..render.unicode import unicode
from ..model.report import HOLDING, NOT_PROVED_FOR_EVERY_K, CaseReport, ClaimCheck, ClaimReport, meets

__all__ = ["check_claims", "check_claim"]

_GAPS_SHOWN = 3  # uncovered configurations named in the one-line reason; the JSON lists them all


def check_claims(proof: Proof, cases: tuple[CaseReport, ...], settings,
                 checker: Checker | None = None) -> tuple[ClaimReport, ...]:
    """Every claim of ``proof``, asked of the core through ``checker`` (default: no cache)."""
    checker = checker or Checker()
    by_name = {c.case.name: c for c in cases}
    return tuple(check_claim(claim, by_name, settings, checker) for claim in proof.claims)


def check_claim(claim: Claim, cases: dict[str, CaseReport], settings, checker: Checker | None = None) -> ClaimReport:
    checker = checker or Checker()
    recombined = [cases[name].case for name in claim.cases]
    checks = tuple(_against(claim, cases[name], settings, checker) for name in claim.cases)
    coverage = claim_coverage(claim, recombined)
    error = _two_meanings(claim, recombined)
    verdicts = [v for c in checks for v in _verdicts(c)]
    agrees = all(v in HOLDING for v in verdicts)
    holds = agrees and coverage.covered and not error
    contradicted = any(v is Verdict.REFUTED for v in verdicts)
    if claim.expect is Expect.HOLDS:
        ok = holds and all(meets(v, Expect.HOLDS, settings.accepted) for v in verdicts)
    else:
        ok = contradicted and not any(v is Verdict.ERROR for v in verdicts) and not coverage.error and not error
    reason = f"ill-formed: {error}" if error else _reason(claim, checks, agrees, coverage)
    return ClaimReport(claim, _text(claim), holds, reason, checks, ok, coverage, error)


def _two_meanings(claim: Claim, cases) -> str:
    """Why the claim would mean different things in the cases it recombines, or ``""``.

    Each case reads the claim under its own definitions; a name the claim
    uses (directly or through a definition) must be defined alike in every
    case, or left free in every case.  Otherwise each case could agree with a
    different statement, and the recombination would prove neither.
    """
    probes = (sp.Dummy("i", integer=True, positive=True), sp.Dummy("j", integer=True, positive=True))

    def meaning(definition):  # an entry at shared indices (two for a matrix), so that two bodies compare by ==
        body = definition.body
        return definition.entry(*probes[:len(body.variables)]) if isinstance(body, sp.Lambda) else body

    def named(definition) -> str:
        name = definition.name
        return str(name.label) if isinstance(name, sp.IndexedBase) else str(name)

    try:
        reached = {n for side in (claim.subject, claim.expr) if isinstance(side, sp.Basic) for n in names_in(side)}
        tables = [{named(d): meaning(d) for d in case.context().definitions} for case in cases]
    except IllFormed:
        return ""  # the comparisons with each case report it, with its place
    grown = True
    while grown:
        before = len(reached)
        for table in tables:
            for name in list(reached):
                if name in table:
                    reached |= names_in(table[name])
        grown = len(reached) > before
    for name in sorted(reached):
        readings = [table.get(name) for table in tables]
        if any(r != readings[0] for r in readings[1:]):
            shown = "; ".join(f"in {case.name} " + (f"{name} := {unicode(r)}" if r is not None else f"{name} is free")
                              for case, r in zip(cases, readings))
            return (f"claim {claim.name!r} reads {name} differently in the cases it recombines ({shown}): "
                    f"define it alike in every case, or recombine cases that agree on it")
    return ""


def _verdicts(check: ClaimCheck):
    if check.subject is not None:
        yield check.subject.verdict
    yield check.outcome.verdict


def _text(claim: Claim) -> str:
    return f"{claim.title}: {unicode(claim.subject)} = {unicode(claim.expr)}"


def _against(claim: Claim, report: CaseReport, settings, checker: Checker) -> ClaimCheck:
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
    subject_outcome = None if same_subject else checker.equal(
        case.start, subject, ctx, seconds=settings.seconds, max_classes=settings.max_classes, known=known)
    outcome = checker.equal(conclusion, expr, ctx, seconds=settings.seconds, max_classes=settings.max_classes,
                            known=known)
    return ClaimCheck(case.name, assumptions, case.start, conclusion, subject_outcome, outcome)


def _reason(claim: Claim, checks: tuple[ClaimCheck, ...], agrees: bool, coverage: Coverage) -> str:
    """One line: which cases the claim agrees with, which it contradicts, where, and what no case covers."""
    if agrees and coverage.covered:
        agreed = ", ".join(f"{c.case} ({c.assumptions}: {unicode(c.conclusion)})" for c in checks)
        weak = [f"{c.case} ({v.value})" for c in checks for v in _verdicts(c) if v in NOT_PROVED_FOR_EVERY_K]
        caveat = f"; not proved for every k against {', '.join(weak)}" if weak else ""
        return (f"agrees with the conclusion of every case it recombines: {agreed}; "
                f"{_covers(coverage, claim)}{caveat}")
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
    if coverage.error:
        parts.append(f"coverage could not be decided: {coverage.error}")
    parts += [gap.text() for gap in coverage.gaps[:_GAPS_SHOWN]]
    if len(coverage.gaps) > _GAPS_SHOWN:
        parts.append(f"and {len(coverage.gaps) - _GAPS_SHOWN} more configurations covered by no case")
    if agreeing:
        parts.append("agrees with " + ", ".join(agreeing))
    return "; ".join(parts)


def _covers(coverage: Coverage, claim: Claim) -> str:
    """How the cases cover the indices, for a covered claim, and under which assumptions of its own."""
    assuming = f" (the claim assumes {'; '.join(a.text() for a in claim.assumptions)})" if claim.assumptions else ""
    if coverage.configurations == 1:
        return f"the cases cover every value of the indices{assuming}"
    return f"the cases cover all {coverage.configurations} configurations of {', '.join(coverage.indices)}{assuming}"


def _because(outcome: Outcome) -> str:
    evidence = outcome.evidence()
    return f", {evidence}" if evidence and outcome.verdict is not Verdict.PROVED else ""
