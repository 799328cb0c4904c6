"""Course notes in Markdown: headings, ``$...$`` inline math and ``$$ ... $$`` display blocks.

The display blocks use only what MathJax and KaTeX both render (``aligned``,
``\\text``, ``\\frac``, ``\\operatorname``, ``\\checkmark``), and each chain
keeps the layout of the LaTeX notes: the step, its reason in text, its verdict
mark.  Same content as :mod:`derive.render.document`, from the same printer.
"""

from __future__ import annotations

import re

from ..core.verdict import Verdict
from .latex_printer import latex
from .marks import LEGEND, Mark
from .notes import ProofView, proof_view
from .numeric_notes import numeric_summary
from .prose import escape_text, prose_parts

__all__ = ["render_markdown", "proof_markdown", "math_mark"]

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|$])")

# A verdict's mark as maths that MathJax and KaTeX both render (also used by the Sphinx directive).
_MATH_MARKS = {
    Verdict.PROVED: r"\checkmark",
    Verdict.NUMERIC: r"\approx",
    Verdict.REFUTED: r"\times",
    Verdict.UNKNOWN: "?",
    Verdict.ERROR: "!",
}


def math_mark(mark: Mark) -> str:
    """A verdict's mark as LaTeX maths; a verified one names the largest k it was checked at."""
    if mark.verdict is Verdict.VERIFIED:
        return r"\checkmark_{k \le " + (str(mark.largest_k) if mark.largest_k is not None else "K") + "}"
    return _MATH_MARKS[mark.verdict]


def _text(words: str) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", words)


def _inline(parts) -> str:
    return "".join(_text(value) if kind == "text" else "$" + _math(kind, value) + "$" for kind, value in parts)


def _math(kind: str, value) -> str:
    """A maths or mark part as LaTeX maths."""
    return math_mark(value) if kind == "mark" else value


def _in_math(parts) -> str:
    """Text and math parts inside a display block: text as ``\\text{...}``."""
    out = []
    for kind, value in parts:
        if kind == "text":
            if value:
                out.append(r"\text{" + escape_text(value) + "}")
        else:
            out.append(_math(kind, value))
    return " ".join(out)


def _chain(case) -> list[str]:
    out = ["$$", r"\begin{aligned}"]
    for position, line in enumerate(case.lines):
        left = latex(case.start) if position == 0 else ""
        reason = list(line.reason) + ([("text", " (erratum)")] if line.erratum else [])
        row = f"{left} &= {latex(line.expr)} && {_in_math(reason)}"
        if line.verdict is not None:
            row += f" && {math_mark(line.mark)}"
        if position < len(case.lines) - 1:
            row += r" \\"
        out.append(row)
    out += [r"\end{aligned}", "$$"]
    return out


def _case(case) -> list[str]:
    out = [f"### {_inline(case.heading)}", ""]
    if case.source:
        out += [f"*Source:* {_text(case.source)}.", ""]
    if case.corrects:
        out += [f"*This corrects the derivation of “{_inline(case.corrects_title)}” above.*", ""]
    if case.assumptions:
        out += ["*Assuming:* " + "; ".join(_inline(a) for a in case.assumptions) + ".", ""]
    out += _chain(case) + [""]
    for parts in case.counterexamples:
        out += ["**Counterexample.** " + _inline(parts), ""]
    for label, parts in case.notes:
        out += [f"*{_text(label)}* " + _inline(parts), ""]
    if case.derived is not None:
        out += ["*Check.* " + _inline(case.derived), ""]
    return out


def _table(headers, rows) -> list[str]:
    out = ["| " + " | ".join(_text(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_inline(cell) for cell in row) + " |" for row in rows]
    return out + [""]


def proof_markdown(view: ProofView) -> list[str]:
    out = [f"## {_inline(view.title)}", "", "**Claim.** " + _inline(view.claim), "",
           "**Source.** *" + _inline(view.source) + "*"
           + (f", <{view.proof.source.url}>" if view.proof.source.url else "") + ".", ""]
    for case in view.cases:
        out += _case(case)
    if view.claims:
        out += ["### The claims, case by case", ""]
        out += [f"- ${math_mark(claim.mark)}$ {_inline(claim.statement)}: {_inline(claim.reason)}"
                for claim in view.claims]
        out.append("")
    if view.numeric is not None or view.numeric_note:
        out += ["### Numeric checks of the conclusions", ""]
        if view.conclusions:
            out += [f"- {_inline(c)}" for c in view.conclusions] + [""]
        if view.numeric_note:
            out += [_inline(view.numeric_note), ""]
        if view.numeric is not None:
            out += _table(*view.numeric)
    return out


def _legend() -> list[str]:
    return ["*Marks:* " + "; ".join(f"${math_mark(Mark(v))}$ {_text(words)}" for v, words in LEGEND) + ".", ""]


def _summary(report) -> list[str]:
    """A table per proof: each case's verdicts and whether it came out as expected, its claims and numeric checks."""
    heads = " | ".join(f"${math_mark(Mark(v))}$" for v, _ in LEGEND)
    ok, bad = f"${math_mark(Mark(Verdict.PROVED))}$", f"${math_mark(Mark(Verdict.REFUTED))}$"
    empty = " | ".join("" for _ in LEGEND)
    out = ["## Summary", ""]
    for p in report.proofs:
        out += [f"**{_inline(prose_parts(p.proof.title))}**", "",
                f"| case | {heads} | as expected |", "|---|" + "---|" * len(LEGEND) + "---|"]
        for c in p.cases:
            counts = [sum(1 for s in c.steps if s.outcome.verdict is v) for v, _ in LEGEND]
            cells = " | ".join(str(n) if n else "" for n in counts)
            out.append(f"| {_inline(prose_parts(c.case.title))} | {cells} | {ok if c.ok else bad} |")
        claims = p.claims
        if claims:
            held = sum(1 for c in claims if c.holds)
            good = all(c.ok for c in claims)
            out.append(f"| *claims: {held} of {len(claims)} hold* | {empty} | {ok if good else bad} |")
        numeric = numeric_summary(p)
        if numeric is not None:
            parts, good = numeric
            out.append(f"| *{_inline(parts)}* | {empty} | {ok if good else bad} |")
        out.append("")
    return out


def render_markdown(report, *, title: bool = True) -> str:
    """The Markdown notes of a report: every proof, then a summary table."""
    out = ["# Derivations, checked step by step", ""] if title else []
    out += _legend()
    for p in report.proofs:
        out += proof_markdown(proof_view(p))
    out += _summary(report)
    return "\n".join(out).rstrip("\n") + "\n"
