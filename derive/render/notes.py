"""What course notes say about a proof, shared by the LaTeX and the Markdown renderers.

Everything here is data: sentences are lists of :class:`~derive.render.prose.Part`\\ s,
``("text", words)``, ``("math", latex)`` or ``("mark", Mark)``, which each renderer
writes in its own syntax.  A verdict travels as a :class:`Mark` (the verdict, and the
largest number of classes a VERIFIED one was checked at), never as markup: the LaTeX
document draws it with the preamble's macros, Markdown and Sphinx as maths.  The
maths is printed by :mod:`derive.render.latex_printer`, the one printer behind every
output.  A proof that has not been checked (a :class:`~derive.model.proof.Proof`) is
shown without verdicts; a :class:`~derive.model.report.ProofReport` with them.  What
the notes say about numeric checks is in :mod:`derive.render.numeric_notes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sympy as sp

from ..core.context import Distinct, Equal, OneHot, SumsToOne
from ..core.objects import BoundedScalar, Count
from ..core.verdict import Outcome, Verdict
from ..model.proof import Case, Expect, Proof
from ..model.report import HOLDING, NOT_PROVED_FOR_EVERY_K
from .latex_names import symbol_name
from .latex_printer import latex
from .marks import Mark
from .numeric_notes import numeric_checks_table, numeric_note
from .prose import Part, prose_parts

__all__ = ["Line", "CaseView", "ClaimView", "ProofView", "proof_view", "number", "claim_views"]

Parts = list  # of Part


@dataclass(frozen=True)
class Line:
    """One line of a chain: ``= expr``, its reason, and (when checked) its verdict, its outcome and its mark."""

    index: int
    expr: object
    reason: Parts
    verdict: Verdict | None
    outcome: Outcome | None
    erratum: bool
    ok: bool
    mark: Mark | None = None


@dataclass(frozen=True)
class CaseView:
    case: Case
    label: str
    heading: Parts
    source: str
    assumptions: list[Parts]
    start: object
    lines: list[Line]
    counterexamples: list[Parts]
    notes: list[tuple[str, Parts]]  # (label, what it says)
    derived: Parts | None
    corrects: str  # the label of the case this one corrects, or ""
    corrects_title: Parts


@dataclass(frozen=True)
class ClaimView:
    """A checked claim: its mark (the weakest verdict it rests on, or REFUTED), what it says, and why."""

    mark: Mark
    statement: Parts
    reason: Parts


@dataclass(frozen=True)
class ProofView:
    proof: Proof
    label: str
    title: Parts
    claim: Parts
    source: Parts
    cases: list[CaseView]
    claims: list[ClaimView]
    numeric: tuple[list[str], list[list[Parts]]] | None  # (headers, rows)
    conclusions: list[Parts] = ()  # each conclusion the numeric checks confirm: name and formula
    numeric_note: Parts = ()  # the seed of the numeric checks, or why they could not run


def _text(words: str) -> Parts:
    return [Part("text", words)]


def _math(value) -> Parts:
    return [Part("math", value if isinstance(value, str) else latex(value))]


def _mark(mark: Mark) -> Parts:
    return [Part("mark", mark)]


def _name(name: str) -> str:
    return symbol_name(name) or name


def number(value: str) -> tuple[str, bool]:
    """A value of a counterexample in plain numbers: at most 6 significant digits, and whether it was rounded."""
    try:
        exact = Decimal(value)
    except InvalidOperation:
        return value, False
    if exact == 0:
        return "0", False
    rounded = Decimal(f"{exact:.6g}")
    text = f"{rounded:f}" if abs(rounded.adjusted()) < 7 else f"{rounded:E}"
    if "." in text and "E" not in text:
        text = text.rstrip("0").rstrip(".")
    return text, rounded != exact


def _assumption(a, case: Case) -> Parts:
    if isinstance(a, Equal):
        return _math(f"{latex(a.left)} = {latex(a.right)}") + _text(" (the indices are equal)")
    if isinstance(a, Distinct):
        return _math(f"{latex(a.left)} \\ne {latex(a.right)}") + _text(" (the indices differ)")
    if isinstance(a, OneHot):
        vector = latex(a.vector)
        if a.at is not None:
            at = latex(a.at)
            return (_math(vector) + _text(" is one-hot at the true class ") + _math(at) + _text(": ")
                    + _math(f"{vector}_i = \\delta_{{i{at}}}"))
        return _math(vector) + _text(" is one-hot: one entry is 1, the others are 0")
    if isinstance(a, SumsToOne):
        vector = latex(a.vector)
        shape = tuple(a.vector.shape or ())
        if len(shape) == 2:  # a matrix: each row sums to one
            rows, cols = (latex(n) for n in shape)
            return (_text("each row of ") + _math(vector) + _text(" sums to one: ")
                    + _math(f"\\sum_{{i=1}}^{{{cols}}} {vector}_{{ri}} = 1") + _text(" for ")
                    + _math(f"r = 1, \\dots, {rows}"))
        size = latex(shape[0]) if shape else latex(case.classes)
        return (_text("the entries of ") + _math(vector) + _text(" sum to one: ")
                + _math(f"\\sum_{{i=1}}^{{{size}}} {vector}_i = 1"))
    return _text(str(a))


def _definition(d) -> Parts:
    name = d.name
    if isinstance(name, sp.IndexedBase) and isinstance(d.body, sp.Lambda):
        variables, body = d.body.args  # one index for a vector, two for a matrix
        return _math(f"{latex(sp.Indexed(name, *variables))} = {latex(body)}")
    return _math(f"{latex(name)} = {latex(d.body)}")


def _counterexample(line: Line, case: Case, classes_name: str) -> Parts:
    c = line.outcome.counterexample
    values = [f"{_name(name)} = {value}" for name, value in c.indices]
    # a scalar has one value, a vector a tuple of them, a matrix a tuple of rows
    values += [f"{_name(name)} = " + (number(vs[0])[0] if len(vs) == 1 and not vs[0].startswith("(") else
                                       f"({', '.join(_entry(v) for v in vs)})") for name, vs in c.inputs]
    parts = _text(f"Line {line.index} does not hold. Take ")
    if _uses_classes(case):
        parts += _math(f"{classes_name} = {c.classes}") + _text(" classes") + (_text(", ") if values else [])
    for position, value in enumerate(values):
        parts += (_text(", ") if position else []) + _math(value)
    left, left_rounded = number(c.left)
    right, right_rounded = number(c.right)
    parts += _text(": the expression before it equals ") + _math(("\\approx " if left_rounded else "") + left)
    parts += _text(f" but line {line.index} equals ") + _math(("\\approx " if right_rounded else "") + right)
    return parts + _text(".")


def _entry(value: str) -> str:
    """An entry of a counterexample: a number, or a row of a matrix written ``(a, b)``."""
    if value.startswith("(") and value.endswith(")"):
        return "(" + ", ".join(number(v.strip())[0] for v in value[1:-1].split(",")) + ")"
    return number(value)[0]




def _not_proved(outcome, ok: bool) -> str:
    """What a VERIFIED or NUMERIC comparison rests on, and whether the run accepted it as passing."""
    ks = outcome.classes_checked
    at = f" at k = {', '.join(str(n) for n in ks)}" if ks else ""
    how = f"verified exactly{at} only" if outcome.verdict is Verdict.VERIFIED else f"checked numerically{at} only"
    name = outcome.verdict.value.lower()
    return how + (f", which this run accepts (--accept {name})" if ok else
                  f"; it fails the run unless the run accepts {outcome.verdict.value} (--accept {name})")


def _derived(report, case: Case) -> Parts | None:
    d = report.derived if report is not None else None
    if d is None:
        return None
    holding = d.outcome.verdict in HOLDING
    if d.expr is None:
        parts = _text("Differentiating the definitions directly did not finish within the time budget")
    else:
        parts = _text("Differentiating the definitions directly gives ") + _math(d.expr)
    parts += _text(", which " + ("agrees with" if holding else "differs from") + " the last line ")
    parts += _mark(Mark.of(d.outcome))
    if d.outcome.verdict in NOT_PROVED_FOR_EVERY_K and d.expect is Expect.HOLDS:
        return parts + _text(", but is not proved for every k: " + _not_proved(d.outcome, d.ok) + ".")
    if d.expect is Expect.ERRATUM:
        parts += _text(" (the source's result is wrong here, as expected)" if d.ok else
                       " (expected to differ: the source's result is wrong)")
    elif not d.ok:
        parts += _text(" (this was expected to agree)")
    return parts + _text(".")


def _written(case: Case) -> list:
    """Everything a case writes: its start, its steps, the bodies of its definitions and its assumptions."""
    out = [case.start, *(s.expr for s in case.steps)]
    out += [d.body.args[1] if isinstance(d.body, sp.Lambda) else d.body for d in case.definitions]
    out += [value for a in case.assumptions for value in vars(a).values()]
    return [x for x in out if isinstance(x, sp.Basic)]


_DOMAIN_WORDS = {"positive": "{} > 0", "nonnegative": "{} \\ge 0"}


def _used(case: Case) -> tuple[set, set]:
    """The vectors and matrices a case writes, and its symbols (the sizes of those vectors included)."""
    written = _written(case)
    bases = {b for x in written for b in x.atoms(sp.IndexedBase)}
    symbols = {s for x in written for s in x.atoms(sp.Symbol)}
    symbols |= {s for b in bases for n in (b.shape or ()) if isinstance(n, sp.Basic) for s in n.atoms(sp.Symbol)}
    return bases, symbols


def _uses_classes(case: Case) -> bool:
    """Whether a case is about the classes: it names their number, or a vector of one entry per class."""
    bases, symbols = _used(case)
    return case.classes in symbols or any(not b.shape for b in bases)


def _ranges(case: Case) -> list[Parts]:
    """What the case is stated for: the number of classes, the other counts, and its free scalar parameters.

    Only what the case uses is named: a case with no vector of the classes and no
    sum over them is not "for any number of classes".
    """
    bases, symbols = _used(case)
    labels = {b.label for b in bases}
    defined = {d.name for d in case.definitions}
    out = []
    if _uses_classes(case):
        out.append(_text("any number of classes ") + _math(f"{latex(case.classes)} \\ge 2"))
    for count in sorted((s for s in symbols if isinstance(s, Count)), key=lambda s: s.name):
        out.append(_text("any ") + _math(f"{latex(count)} \\ge 1"))
    parameters = sorted((s for s in symbols if not s.is_integer and not isinstance(s, sp.Dummy)
                         and s not in labels and s not in defined), key=lambda s: s.name)
    for s in parameters:
        if isinstance(s, BoundedScalar):  # 0 \le \epsilon \le 1: each end closed or open as declared
            out.append(_math(s.domain_text(latex(s), "<", "\\le", latex)))
            continue
        domain = "positive" if s.is_positive else "nonnegative" if s.is_nonnegative else "real"
        out.append(_math(_DOMAIN_WORDS[domain].format(latex(s))) if domain in _DOMAIN_WORDS
                   else _text("any real ") + _math(latex(s)))
    return out


def _case_view(proof: Proof, case: Case, report, labels: dict[str, str]) -> CaseView:
    classes_name = latex(case.classes) if case.classes is not None else ""  # None: a case without classes
    assumptions = _ranges(case)
    assumptions += [_assumption(a, case) for a in case.assumptions]
    if case.definitions:
        where = _text("where ")
        for position, d in enumerate(case.definitions):
            if position:
                where += _text(" and " if position == len(case.definitions) - 1 else ", ")
            where += _definition(d)
        assumptions.append(where)
    lines = []
    step_reports = report.steps if report is not None else ()
    for index, s in enumerate(case.steps, 1):
        reason = prose_parts(s.reason)
        if step_reports:
            r = step_reports[index - 1]
            lines.append(Line(index, r.expr, reason, r.outcome.verdict, r.outcome, s.expect is Expect.ERRATUM, r.ok,
                              Mark.of(r.outcome)))
        else:
            lines.append(Line(index, s.expr, reason, None, None, s.expect is Expect.ERRATUM, True))
    counterexamples = [_counterexample(line, case, classes_name) for line in lines
                       if line.verdict is Verdict.REFUTED and line.outcome.counterexample is not None]
    notes = []
    for line, s in zip(lines, case.steps):
        if s.note:
            label = f"What goes wrong on line {line.index}." if line.erratum else f"Note on line {line.index}."
            notes.append((label, prose_parts(s.note)))
        if line.verdict is Verdict.ERROR:
            notes.append((f"Line {line.index} could not be checked.", _text(line.outcome.message)))
        if line.verdict in NOT_PROVED_FOR_EVERY_K and not line.erratum:
            notes.append((f"Line {line.index} is not proved for every k.",
                          _text("It is " + _not_proved(line.outcome, line.ok) + ".")))
    corrects = labels.get(case.corrects, "") if case.corrects else ""
    corrected = next((c for c in proof.cases if c.name == case.corrects), None)
    return CaseView(case, labels[case.name], prose_parts(case.title), case.source_ref, assumptions,
                    case.start, lines, counterexamples, notes, _derived(report, case), corrects,
                    prose_parts(corrected.title) if corrected is not None else [])


def _in_reading_order(cases):
    """The proof's cases in order, each correction moved right after the case it corrects."""
    names = {c.name for c in cases}
    corrections = {}
    for c in cases:
        if c.corrects and c.corrects in names and c.corrects != c.name:
            corrections.setdefault(c.corrects, []).append(c)
    placed = [c for c in cases if not (c.corrects and c.corrects in names and c.corrects != c.name)]
    ordered = []

    def place(c):
        ordered.append(c)
        for fix in corrections.get(c.name, ()):
            if fix not in ordered:
                place(fix)

    for c in placed:
        place(c)
    ordered += [c for c in cases if c not in ordered]  # corrections of corrections in a cycle
    return ordered


def claim_views(report) -> list[ClaimView]:
    """Each checked claim of a proof (a :class:`~derive.model.report.ClaimReport`): its mark, what it says,
    and why it holds or not."""
    views = []
    for claim in report.claims:
        model = claim.claim
        if isinstance(model.subject, sp.Basic) and isinstance(model.expr, (sp.Basic, int)):
            statement = _math(f"{latex(model.subject)} = {latex(model.expr)}")
            statement += _claim_assumptions(report, model)
        else:
            statement = prose_parts(claim.text)
        if model.title:
            statement = prose_parts(model.title) + _text(": ") + statement
        reason = prose_parts(claim.reason)
        if model.expect is Expect.ERRATUM:
            reason += _text(" (expected not to hold: the source is wrong here)")
        views.append(ClaimView(_claim_mark(claim) if claim.holds else Mark(Verdict.REFUTED), statement, reason))
    return views


def _claim_assumptions(report, model) -> Parts:
    """``, assuming ...`` for a claim stated under assumptions of its own, in the words of a case's."""
    assumptions = model.assumptions
    if not assumptions:
        return []
    case = next((c for c in report.proof.cases if c.name in model.cases), None)
    parts = _text(" (assuming ")
    for position, a in enumerate(assumptions):
        if position:
            parts += _text("; ")
        parts += _assumption(a, case) if case is not None else _text(a.text())
    return parts + _text(")")


def _claim_mark(claim) -> Mark:
    """The mark of a claim that holds: the weakest verdict it rests on (a proof, or no proof for every k)."""
    outcomes = [o for check in claim.checks for o in (check.subject, check.outcome) if o is not None]
    for verdict in (Verdict.NUMERIC, Verdict.VERIFIED):
        weakest = [o for o in outcomes if o.verdict is verdict]
        if weakest:
            return Mark.of(weakest[0])
    return Mark(Verdict.PROVED)


def _conclusions(proof) -> list[Parts]:
    out = []
    for c in proof.conclusions:
        formula, of, wrt = c.formula, c.of, c.wrt
        if not all(isinstance(x, (sp.Basic, int)) for x in (formula, of, wrt)):
            continue
        with sp.evaluate(False):
            derivative = sp.Derivative(of, wrt)
        parts = _text(f"{c.name}: ") + _math(f"{latex(derivative)} = {latex(formula)}")
        name = of.base if isinstance(of, sp.Indexed) else of
        meaning = next((d for d in c.definitions if d.name == name), None)
        if meaning is not None and not any(d.name == name for case in proof.cases for d in case.definitions):
            parts += _text(", where ") + _definition(meaning)  # a name only the conclusion defines
        out.append(parts)
    return out


def proof_view(item) -> ProofView:
    """The view of a proof (unchecked) or a proof report (with verdicts)."""
    report = item if not isinstance(item, Proof) else None
    proof = item if isinstance(item, Proof) else item.proof
    labels = {c.name: f"derive:{proof.id}:{c.name}" for c in proof.cases}
    case_reports = {r.case.name: r for r in report.cases} if report is not None else {}
    cases = [_case_view(proof, c, case_reports.get(c.name), labels) for c in _in_reading_order(proof.cases)]
    source = _text(proof.source.title)
    return ProofView(proof, f"derive:{proof.id}", prose_parts(proof.title), prose_parts(proof.claim), source,
                     cases, claim_views(report) if report is not None else [],
                     numeric_checks_table(report) if report is not None else None,
                     _conclusions(proof) if report is not None and report.numeric else [],
                     numeric_note(report) if report is not None else [])
