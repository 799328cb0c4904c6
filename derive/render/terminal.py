"""The terminal view of a report: a table per case, a summary line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import sympy as sp
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..core.verdict import Verdict
from ..model.proof import Expect, Proof
from .unicode import unicode
from ..model.report import HOLDING, CaseReport, ProofReport, Report
from .words import counted

__all__ = ["render_report", "render_proof_listing", "render_proof", "CaseTable", "short_value", "side"]

STYLE = {
    Verdict.PROVED: "bold green",
    Verdict.VERIFIED: "green",
    Verdict.NUMERIC: "yellow",
    Verdict.REFUTED: "bold red",
    Verdict.UNKNOWN: "magenta",
    Verdict.ERROR: "bold red reverse",
}
# A refuted erratum is what the run expects: it is not shown in the red of a failure.
EXPECTED_REFUTATION = "yellow"
WIDE = 110  # below this many columns the reason goes under the expression, not beside it
DIGITS = 4  # significant digits of a rounded counterexample value (the JSON keeps them all)


def _verdict(verdict: Verdict, expect: Expect, ok: bool, narrow: bool = False) -> Text:
    style = EXPECTED_REFUTATION if (verdict is Verdict.REFUTED and ok) else STYLE[verdict]
    text = Text(verdict.value, style=style)
    if expect is Expect.ERRATUM:
        text.append("\n(erratum)" if narrow else " (erratum)", style="dim" if ok else "bold red")
    if not ok:
        text.append(" ✗", style="bold red")
    return text


def short_value(value: str) -> str:
    """A counterexample value for the eye: an exact rational when the value is one, else ``≈`` and a few digits.

    The value arrives as decimal text at 30 significant digits.  A decimal that ends within them is
    shown as it is (``0.5``, ``-3``); one that agrees in every digit with a fraction of denominator
    at most 1000 as that fraction (``1/3``); anything else rounded to ``DIGITS`` significant digits.
    """
    try:
        exact = Decimal(value)
    except InvalidOperation:
        return value
    if not exact.is_finite():
        return value
    digits = len(exact.as_tuple().digits)
    if digits < 30:  # the printed value ended before its 30 digits: the decimal is the value
        return _plain(exact)
    fraction = Fraction(exact).limit_denominator(1000)
    if fraction.denominator > 1 and abs(Decimal(fraction.numerator) / Decimal(fraction.denominator) - exact) \
            <= abs(exact) * Decimal(10) ** -28:
        return f"{fraction.numerator}/{fraction.denominator}"
    return "≈" + _plain(Decimal(f"{exact:.{DIGITS}g}"))


def _plain(value: Decimal) -> str:
    if value == 0:
        return "0"
    if -7 < value.adjusted() < 7:
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{value:.{DIGITS - 1}E}".replace("E", "e")


def side(name: str, value: str) -> str:
    """``left = 1/3``, or ``left ≈ 2.718`` for a rounded value."""
    shown = short_value(value)
    return f"{name} ≈ {shown[1:]}" if shown.startswith("≈") else f"{name} = {shown}"


def _counterexample(c) -> str:
    return f"counterexample: {c.point()}: {side('left', c.left)}, {side('right', c.right)}"


def _evidence(outcome) -> str:
    """What a verdict below PROVED rests on, with counterexample values shortened."""
    if outcome.verdict is Verdict.REFUTED and outcome.counterexample is not None:
        return _counterexample(outcome.counterexample)
    if outcome.verdict in (Verdict.VERIFIED, Verdict.NUMERIC):
        return f"not proved for every k: {outcome.evidence()}"
    return outcome.evidence()


class CaseTable:
    """A case's steps as a table laid out for the width it is given.

    Wide: the expression and the reason side by side.  Narrow (under ``WIDE`` columns): the reason,
    the note and the evidence under the expression, so that the expression keeps most of the width.
    """

    def __init__(self, report: CaseReport):
        self.report = report

    def __rich_console__(self, console, options):
        yield self.table(narrow=options.max_width < WIDE)

    def table(self, narrow: bool) -> Table:
        report = self.report
        case = report.case
        assumptions = "; ".join(a.text() for a in case.assumptions) or "none"
        table = Table(title=f"{case.title}  (assuming: {assumptions})", title_justify="left", title_style="bold",
                      box=box.SIMPLE_HEAVY, expand=False, show_lines=False, pad_edge=not narrow)
        table.add_column("#", justify="right", style="dim")
        if narrow:
            table.add_column("step: expression, then its reason", overflow="fold")
        else:
            table.add_column("expression", overflow="fold", ratio=5)
            table.add_column("reason", overflow="fold", ratio=3)
        table.add_column("verdict", no_wrap=True)
        table.add_column("time", justify="right", style="dim", no_wrap=True)
        start = Text(unicode(case.start))
        if narrow:
            start.append("\nstart", style="dim")
            table.add_row("", start, "", "")
        else:
            table.add_row("", start, Text("start", style="dim"), "", "")
        for s in report.steps:
            reason = Text(s.step.reason, style="dim" if narrow else "")
            if s.step.source_ref:
                reason.append(f" [{s.step.source_ref}]" if narrow else f"\n[{s.step.source_ref}]", style="dim")
            expression = Text("= " + unicode(s.expr))
            if narrow:
                expression.append("\n")
                expression.append_text(reason)
            detail = _evidence(s.outcome) if s.outcome.verdict is not Verdict.PROVED else ""
            if s.step.note:
                expression.append("\nnote: " + s.step.note, style="italic dim")
            if detail:
                expression.append("\n" + detail, style="red" if not s.ok else "dim")
            cells = [expression] if narrow else [expression, reason]
            table.add_row(str(s.index), *cells, _verdict(s.outcome.verdict, s.step.expect, s.ok, narrow),
                          f"{s.outcome.seconds:.2f}s")
        if report.derived is not None:
            d = report.derived
            shown = unicode(d.expr) if d.expr is not None else "(not derived within the budget)"
            word = "agrees with" if d.outcome.verdict in HOLDING else "differs from"
            text = Text(f"derived: {shown}  ({word} the last line)")
            how = Text("mechanical derivation", style="dim")
            if narrow:
                text.append("\n")
                text.append_text(how)
            if d.outcome.counterexample is not None:
                text.append("\n" + _evidence(d.outcome), style="red" if not d.ok else "dim")
            cells = [text] if narrow else [text, how]
            table.add_row("⊢", *cells, _verdict(d.outcome.verdict, d.expect, d.ok, narrow),
                          f"{d.outcome.seconds:.2f}s")
        return table


def _proof_view(report: ProofReport):
    proof = report.proof
    header = Text()
    header.append(proof.title, style="bold underline")
    header.append(f"  [{proof.id}]\n", style="dim")
    header.append(f"source: {proof.source.title}\n", style="dim")
    header.append(f"claim: {proof.claim}")
    parts = [header, *_claim_lines(report), *[CaseTable(c) for c in report.cases]]
    if report.numeric_seed is not None:
        from .numeric_table import numeric_summary

        parts.append(numeric_summary(report))
    return Group(*parts)


def _claim_lines(report: ProofReport) -> list[Text]:
    """One line per claim, at the top of the proof's section: holds or not, and why."""
    lines = []
    for c in report.claims:
        line = Text("  ")
        if c.holds:
            line.append("✓ holds", style="bold green")
        else:
            line.append("✗ does not hold", style="bold red" if not c.ok else "bold yellow")
        if c.claim.expect is Expect.ERRATUM:
            line.append(" (erratum)", style="dim" if c.ok else "bold red")
        if not c.ok:
            line.append(" — not as expected", style="bold red")
        line.append(f"  {c.text}", style="bold")
        line.append(f" — {c.reason}", style="dim" if c.holds else "red")
        lines.append(line)
    return lines


def render_report(report: Report, console: Console) -> None:
    for proof in report.proofs:
        console.print(_proof_view(proof))
        console.print()
    counts = report.counts()
    parts = [f"{n} {v.lower()}" for v, n in counts.items() if n]
    steps = sum(counts.values())
    status = Text("ok" if report.ok else "FAILED", style="bold green" if report.ok else "bold red")
    claims = report.claim_counts()
    total = claims["hold"] + claims["do_not_hold"]
    shown = f"; {counted(total, 'claim')}: {claims['hold']} hold, {claims['do_not_hold']} do not" if total else ""
    line = Text(f"{counted(len(report.proofs), 'proof')}, {counted(steps, 'step')}: " + ", ".join(parts) + shown
                + " — ")
    line.append_text(status)
    console.print(line)


def render_proof_listing(proofs, console: Console) -> None:
    table = Table(box=box.SIMPLE)
    table.add_column("id", style="bold")
    table.add_column("title")
    table.add_column("cases", justify="right")
    table.add_column("steps", justify="right")
    table.add_column("file", style="dim")
    for proof, file in proofs:
        table.add_row(proof.id, proof.title, str(len(proof.cases)),
                      str(sum(len(c.steps) for c in proof.cases)), file)
    console.print(table)


def render_proof(proof: Proof, console: Console) -> None:
    console.print(Text(proof.title, style="bold underline"), Text(f"[{proof.id}]", style="dim"))
    console.print(f"source: {proof.source.title}" + (f" <{proof.source.url}>" if proof.source.url else ""))
    console.print(f"claim: {proof.claim}\n")
    for case in proof.cases:
        console.print(Text(case.title, style="bold"))
        if case.assumptions:
            console.print("  assuming " + "; ".join(a.text() for a in case.assumptions))
        for d in case.definitions:
            console.print(f"  where {_definition(d)}")
        console.print(f"      {unicode(case.start)}")
        for s in case.steps:
            mark = " (erratum)" if s.expect is Expect.ERRATUM else ""
            ref = f" [{s.source_ref}]" if s.source_ref else ""
            console.print(f"    = {unicode(s.expr)}    — {s.reason}{ref}{mark}", markup=False)
        console.print()
    for claim in proof.claims:
        mark = " (erratum)" if claim.expect is Expect.ERRATUM else ""
        ref = f" [{claim.source_ref}]" if claim.source_ref else ""
        console.print(Text(f"Claim: {claim.title}", style="bold"))
        console.print(f"    {unicode(claim.subject)} = {unicode(claim.expr)}    — in each of "
                      f"{', '.join(claim.cases)}{ref}{mark}", markup=False)
        if claim.assumptions:
            console.print("    assuming " + "; ".join(a.text() for a in claim.assumptions), markup=False)
        if claim.note:
            console.print(Text(f"    note: {claim.note}", style="italic dim"))
        console.print()


def _definition(d) -> str:
    """``ŷ_i := softmax(z)_i`` for a vector, ``CE := CE(y, ŷ)`` for a scalar."""
    if isinstance(d.body, sp.Lambda):
        variables = ",".join(unicode(v) for v in d.body.variables)
        return f"{unicode(d.name)}_{variables if len(variables) == 1 else '{' + variables + '}'} := " \
               f"{unicode(d.body.expr)}"
    return f"{unicode(d.name)} := {unicode(d.body)}"
