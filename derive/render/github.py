"""The report as GitHub Actions workflow commands: one ``::error`` annotation per thing that failed.

``derive check --format github`` prints, for each step, derived result, claim or numeric check that
does not meet its expectation and for each file that could not be loaded, a line

    ::error file=proofs/x.py,line=14,title=derive: REFUTED at proof 'p', case 'c', step 2::expected ...

which GitHub shows on that line of the pull request's diff.  The syntax and its escaping follow
GitHub's documentation of workflow commands ("Setting an error message"): in the message, ``%``,
CR and LF are written ``%25``, ``%0D``, ``%0A``; in a property value also ``:`` and ``,`` (``%3A``,
``%2C``).  A summary line (not a command) ends the output.  Not for terminals or files: the table
and the JSON report are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.verdict import Verdict
from ..model.proof import Expect
from ..model.report import Report
from .terminal import side
from .words import counted

__all__ = ["render_github", "annotation", "escape_data", "escape_property", "Failure", "failures"]


def escape_data(text: str) -> str:
    """A message as GitHub reads it back: ``%``, CR and LF escaped (``%`` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (``file``, ``title``): as a message, and ``:`` and ``,`` escaped too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, origin: str = "", title: str = "") -> str:
    """One workflow command; ``origin`` is ``path:line`` (or a path alone), ``level`` error, warning or notice."""
    assert level in ("error", "warning", "notice"), level
    properties = []
    if origin:
        match = re.fullmatch(r"(.+?):(\d+)", origin)
        path, line = (match.group(1), match.group(2)) if match else (origin, "")
        properties.append(f"file={escape_property(path)}")
        if line:
            properties.append(f"line={line}")
    if title:
        properties.append(f"title={escape_property(title)}")
    head = f"::{level} " + ",".join(properties) if properties else f"::{level}"
    return f"{head}::{escape_data(message)}"


def _expected(expect: Expect, accepted) -> str:
    if expect is Expect.ERRATUM:
        return "REFUTED (an erratum)"
    return " or ".join(["PROVED", *sorted(v.value for v in accepted.extra)])


def _evidence(outcome) -> str:
    c = outcome.counterexample
    if outcome.verdict is Verdict.REFUTED and c is not None:
        return f"counterexample: {c.point()}: {side('left', c.left)}, {side('right', c.right)}"
    return outcome.evidence()


@dataclass(frozen=True)
class Failure:
    """One thing that does not meet its expectation: where it was built (``path:line``), a title, a message."""

    origin: str
    title: str
    message: str


def failures(report: Report) -> list[Failure]:
    """Every failure of a report, in report order: load errors, steps, derived results, claims, numeric checks."""
    from .unicode import unicode

    found = [Failure(error.where, "derive: could not load", error.message) for error in report.errors]
    for p in report.proofs:
        proof = p.proof
        for c in p.cases:
            for s in c.steps:
                if s.ok:
                    continue
                where = f"proof '{proof.id}', case '{c.case.name}', step {s.index}"
                message = [f"{where}: expected {_expected(s.step.expect, report.accepted)}, got {s.outcome.verdict}",
                           f"= {unicode(s.expr)}", f"because: {s.step.reason}"]
                evidence = _evidence(s.outcome)
                if evidence:
                    message.append(evidence)
                found.append(Failure(s.step.origin, f"derive: {s.outcome.verdict} at {where}", "\n".join(message)))
            d = c.derived
            if d is not None and not d.ok:
                where = f"proof '{proof.id}', case '{c.case.name}'"
                wanted = "to differ from" if d.expect is Expect.ERRATUM else "to agree with"
                shown = unicode(d.expr) if d.expr is not None else "(not derived within the budget)"
                message = [f"{where}: the derived result was expected {wanted} the last line, got {d.outcome.verdict}",
                           f"derived: {shown}"]
                evidence = _evidence(d.outcome)
                if evidence:
                    message.append(evidence)
                found.append(Failure(c.case.origin, f"derive: derived result of {where}", "\n".join(message)))
        for claim in p.claims:
            if claim.ok:
                continue
            where = f"proof '{proof.id}', claim '{claim.claim.name}'"
            wanted = "to be contradicted (an erratum)" if claim.claim.expect is Expect.ERRATUM else "to hold"
            verb = "holds" if claim.holds else "does not hold"
            found.append(Failure(claim.claim.origin, f"derive: {where}",
                                 f"{where}: expected {wanted}, but it {verb}: {claim.text} — {claim.reason}"))
        failed = [r for r in p.numeric if not r.passed]
        if failed or p.numeric_error:
            where = f"proof '{proof.id}', numeric checks"
            text = p.numeric_error or (f"{counted(len(failed), 'check')} outside tolerance: "
                                       + "; ".join(f"{r.conclusion} at k = {r.k} ({r.input_kind}, {r.method})"
                                                   for r in failed))
            found.append(Failure(proof.origin, f"derive: {where}", f"{where}: {text}"))
    return found


def render_github(report: Report) -> str:
    """Every failure as an ``::error`` command on the line that built it, then a summary line."""
    lines = [annotation("error", f.message, f.origin, f.title) for f in failures(report)]
    counts = report.counts()
    verdicts = ", ".join(f"{n} {v.lower()}" for v, n in counts.items() if n)
    lines.append(f"derive: {counted(len(report.proofs), 'proof')}, {counted(sum(counts.values()), 'step')}: "
                 f"{verdicts} — {'ok' if report.ok else 'FAILED'}")
    return "\n".join(lines) + "\n"
