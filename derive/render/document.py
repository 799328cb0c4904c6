"""Course notes in LaTeX: a standalone document, or a fragment to ``\\input``.

Each proof opens with its claim and its source; each case is a subsection
with its assumptions in words and symbols and an ``align*`` chain, one step a
line, the reason in a right-hand column and the verdict as a tag at the right
margin.  A refuted line's counterexample follows the chain in plain numbers;
a corrected derivation follows the case it corrects.  The document ends with
a summary table.  The output depends only on the proofs and their verdicts
(no dates, no timings), so the same input gives the same bytes.
"""

from __future__ import annotations

from ..core.verdict import Verdict
from .latex_printer import latex
from .marks import LEGEND, Mark
from .notes import ProofView, proof_view
from .numeric_notes import numeric_summary
from .preamble import PREAMBLE
from .prose import escape_text, prose_parts

__all__ = ["PREAMBLE", "preamble", "render_latex", "render_fragment", "proof_latex"]


_DOCUMENT_START = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2.2cm]{geometry}
""" + PREAMBLE + r"""\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5\baselineskip}

\begin{document}
"""

# A verdict's mark: the preamble's macro for it (PREAMBLE defines each).
_MACROS = {
    Verdict.PROVED: r"\deriveproved",
    Verdict.NUMERIC: r"\derivenumeric",
    Verdict.REFUTED: r"\deriverefuted",
    Verdict.UNKNOWN: r"\deriveunknown",
    Verdict.ERROR: r"\deriveerror",
}


def _macro(mark: Mark) -> str:
    """A verdict's mark as the preamble's macro; a verified one names the largest k it was checked at."""
    if mark.verdict is Verdict.VERIFIED:
        return r"\deriveverified{" + (str(mark.largest_k) if mark.largest_k is not None else "K") + "}"
    return _MACROS[mark.verdict]


def _inline(parts) -> str:
    out = []
    for kind, value in parts:
        if kind == "text":
            out.append(escape_text(value))
        elif kind == "mark":
            out.append(_macro(value))
        else:
            out.append("$" + value + "$")
    return "".join(out)


def _chain(case) -> list[str]:
    out = [r"\begin{align*}"]
    for position, line in enumerate(case.lines):
        left = latex(case.start) if position == 0 else ""
        reason = _inline(line.reason)
        if line.erratum:
            reason += r" \emph{(erratum)}"
        row = f"  {left} &= {latex(line.expr)} && \\derivereason{{{reason}}}"
        if line.verdict is not None:
            row += f" \\tag*{{{_macro(line.mark)}}}"
        if position < len(case.lines) - 1:
            row += r" \\"
        out.append(row)
    out.append(r"\end{align*}")
    return out


def _case(case) -> list[str]:
    out = [f"\\subsection{{{_inline(case.heading)}}}\\label{{{case.label}}}"]
    if case.source:
        out.append(f"\\textit{{Source:}} {escape_text(case.source)}.")
        out.append("")
    if case.corrects:
        out.append(f"\\textit{{This corrects the derivation of Section~\\ref{{{case.corrects}}}}} "
                   f"({_inline(case.corrects_title)}).")
        out.append("")
    if case.assumptions:
        out.append(r"\textit{Assuming:} " + "; ".join(_inline(a) for a in case.assumptions) + ".")
    out += _chain(case)
    for parts in case.counterexamples:
        out.append(r"\textbf{Counterexample.} " + _inline(parts))
        out.append("")
    for label, parts in case.notes:
        out.append(f"\\textit{{{escape_text(label)}}} " + _inline(parts))
        out.append("")
    if case.derived is not None:
        out.append(r"\textit{Check.} " + _inline(case.derived))
        out.append("")
    return out


def _table(headers, rows) -> list[str]:
    columns = "".join("r" if all(len(row[c]) == 1 and row[c][0][0] == "math" and row[c][0][1][:1].isdigit()
                                 for row in rows) else "l" for c in range(len(headers)))
    out = [r"\begin{center}\footnotesize", f"\\begin{{tabular}}{{{columns}}}", r"\hline",
           " & ".join(escape_text(h) for h in headers) + r" \\", r"\hline"]
    out += [" & ".join(_inline(cell) for cell in row) + r" \\" for row in rows]
    out += [r"\hline", r"\end{tabular}", r"\end{center}"]
    return out


def proof_latex(view: ProofView) -> list[str]:
    out = [f"\\section{{{_inline(view.title)}}}\\label{{{view.label}}}",
           r"\textbf{Claim.} " + _inline(view.claim), "",
           r"\textbf{Source.} \emph{" + _inline(view.source) + "}"
           + (f", \\texttt{{{escape_text(view.proof.source.url)}}}" if view.proof.source.url else "") + ".", ""]
    for case in view.cases:
        out += _case(case)
    if view.claims:
        out.append(r"\subsection*{The claims, case by case}")
        out.append(r"\begin{itemize}")
        for claim in view.claims:
            out.append(f"  \\item[{_macro(claim.mark)}] {_inline(claim.statement)}: {_inline(claim.reason)}")
        out.append(r"\end{itemize}")
    if view.numeric is not None or view.numeric_note:
        out.append(r"\subsection*{Numeric checks of the conclusions}")
        if view.conclusions:
            out.append(r"\begin{itemize}")
            out += [f"  \\item {_inline(c)}" for c in view.conclusions]
            out.append(r"\end{itemize}")
        if view.numeric_note:
            out += [_inline(view.numeric_note), ""]
        if view.numeric is not None:
            out += _table(*view.numeric)
    out.append("")
    return out


def _legend() -> list[str]:
    items = [f"{_macro(Mark(v))}~{escape_text(words)}" for v, words in LEGEND]
    return [r"\textit{Marks:} " + "; ".join(items) + ".", ""]


def _summary(report) -> list[str]:
    heads = " & ".join(_macro(Mark(v)) for v, _ in LEGEND)
    # A longtable: the summary of a course runs over several pages, its head repeated on each.
    out = [r"\section*{Summary}", r"{\small",
           r"\begin{longtable}{r@{\quad}p{0.5\linewidth}cccccc@{\quad}c}",
           r"\hline", f"& case & {heads} & as expected \\\\", r"\hline", r"\endhead", r"\hline", r"\endfoot"]
    for p in report.proofs:
        title = p.proof.title
        out.append(f"\\multicolumn{{9}}{{l}}{{\\textbf{{{_inline(prose_parts(title))}}}}} \\\\")
        for c in p.cases:
            counts = [sum(1 for s in c.steps if s.outcome.verdict is v) for v, _ in LEGEND]
            cells = " & ".join(str(n) if n else "" for n in counts)
            label = f"derive:{p.proof.id}:{c.case.name}"
            out.append(f"\\ref{{{label}}} & \\raggedright {_inline(prose_parts(c.case.title))} & {cells} & "
                       f"{_ok(c.ok)} \\\\")
        claims = p.claims
        if claims:
            held = sum(1 for c in claims if c.holds)
            good = all(c.ok for c in claims)
            out.append(f"& \\textit{{claims: {held} of {len(claims)} hold}} & \\multicolumn{{6}}{{c}}{{}} & "
                       f"{_ok(good)} \\\\")
        numeric = numeric_summary(p)
        if numeric is not None:
            parts, good = numeric
            out.append(f"& \\textit{{{_inline(parts)}}} & \\multicolumn{{6}}{{c}}{{}} & {_ok(good)} \\\\")
    out += [r"\end{longtable}", "}", ""]
    return out


def _ok(ok: bool) -> str:
    return _macro(Mark(Verdict.PROVED if ok else Verdict.REFUTED))


def render_fragment(report) -> str:
    """The body of the notes, ready to ``\\input`` (needs :data:`PREAMBLE`)."""
    out = ["% Generated by derive latex --fragment; the preamble it needs: derive latex --preamble", ""]
    out += _legend()
    for p in report.proofs:
        out += proof_latex(proof_view(p))
    out += _summary(report)
    return "\n".join(out).rstrip("\n") + "\n"


def render_latex(report, *, fragment: bool = False) -> str:
    """The standalone LaTeX document of a report (or only its body, with ``fragment``)."""
    body = render_fragment(report)
    if fragment:
        return body
    head = _DOCUMENT_START + "{\\Large\\bfseries Derivations, checked step by step\\par}\n\n"
    return head + body + "\\end{document}\n"


def preamble() -> str:
    return PREAMBLE
