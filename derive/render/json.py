"""The JSON report of ``derive check --json`` (schema in docs/json-schema.md)."""

from __future__ import annotations

import json

from ..core.verdict import Outcome
from ..model.proof import Case
from .unicode import unicode
from ..model.report import CaseReport, ClaimReport, ProofReport, Report
from .numeric_table import numeric_data

__all__ = ["SCHEMA_VERSION", "report_data", "render_json"]

SCHEMA_VERSION = 2


def _outcome(outcome: Outcome) -> dict:
    data = {
        "verdict": outcome.verdict.value,
        "seconds": round(outcome.seconds, 3),
        "evidence": outcome.evidence(),
        "rules": list(outcome.rules),
    }
    if outcome.classes_checked:
        data["classes_checked"] = list(outcome.classes_checked)
        data["instances"] = outcome.instances
    if outcome.counterexample is not None:
        c = outcome.counterexample
        data["counterexample"] = {
            "k": c.classes,
            "indices": dict(c.indices),
            "inputs": {name: list(values) for name, values in c.inputs},
            "left": c.left,
            "right": c.right,
            "classes_name": c.classes_name,
        }
        if c.classes is None:  # a case without classes: the point is its indices and inputs only
            del data["counterexample"]["k"], data["counterexample"]["classes_name"]
    return data


def _assumptions(case: Case) -> list[str]:
    return [a.text() for a in case.assumptions]


def _case(report: CaseReport) -> dict:
    case = report.case
    steps = []
    for s in report.steps:
        data = {
            "index": s.index,
            "expression": unicode(s.expr),
            "reason": s.step.reason,
            "source_ref": s.step.source_ref,
            "expected": s.step.expect.value,
            "ok": s.ok,
        }
        if s.step.note:
            data["note"] = s.step.note
        data.update(_outcome(s.outcome))
        steps.append(data)
    derived = None
    if report.derived is not None:
        derived = {
            "expression": unicode(report.derived.expr) if report.derived.expr is not None else None,
            "last_line": unicode(report.steps[-1].expr),
            "expected": report.derived.expect.value,
            "ok": report.derived.ok,
        }
        derived.update(_outcome(report.derived.outcome))
    return {
        "name": case.name,
        "title": case.title,
        "source_ref": case.source_ref,
        "assumptions": _assumptions(case),
        "start": unicode(case.start),
        "steps": steps,
        "derived": derived,
        "ok": report.ok,
    }


def _claim(report: ClaimReport) -> dict:
    claim = report.claim
    data = {
        "name": claim.name,
        "text": report.text,
        "holds": report.holds,
        "reason": report.reason,
        "expected": claim.expect.value,
        "ok": report.ok,
        "source_ref": claim.source_ref,
    }
    if claim.note:
        data["note"] = claim.note
    data["assumptions"] = [a.text() for a in claim.assumptions]
    data["error"] = report.error or None
    if report.coverage is not None:
        coverage = report.coverage
        data["coverage"] = {
            "covered": coverage.covered,
            "indices": list(coverage.indices),
            "configurations": coverage.configurations,
            "uncovered": [{"configuration": g.configuration, "reason": g.reason} for g in coverage.gaps],
            "error": coverage.error or None,
        }
    cases = []
    for check in report.checks:
        case = {
            "case": check.case,
            "assumptions": check.assumptions,
            "conclusion": unicode(check.conclusion) if check.conclusion is not None else None,
        }
        if check.subject is not None:
            case["subject"] = _outcome(check.subject)
        case.update(_outcome(check.outcome))
        cases.append(case)
    data["cases"] = cases
    return data


def _proof(report: ProofReport) -> dict:
    proof = report.proof
    return {
        "id": proof.id,
        "title": proof.title,
        "source": {"title": proof.source.title, "url": proof.source.url},
        "claim": proof.claim,
        "cases": [_case(c) for c in report.cases],
        "claims": [_claim(c) for c in report.claims],
        "numeric": numeric_data(report),
        "ok": report.ok,
    }


def report_data(report: Report) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "proofs": [_proof(p) for p in report.proofs],
        "errors": [e.text() for e in report.errors] + report.ill_formed(),
        "summary": {
            "verdicts": report.counts(),
            "steps": sum(report.counts().values()),
            "claims": report.claim_counts(),
            "ok": report.ok,
            "accepted": [v.value for v in report.accepted.verdicts],
            "numeric": {"checks": sum(len(p.numeric) for p in report.proofs),
                        "failed": sum(not r.passed for p in report.proofs for r in p.numeric)},
            "exit_code": report.exit_code,
        },
    }


def render_json(report: Report) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
