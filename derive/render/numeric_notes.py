"""What the notes say about the numeric checks of a proof's conclusions: a table, a summary line, a note.

Data only, as in :mod:`derive.render.notes`: lists of
:class:`~derive.render.prose.Part`\\ s that each renderer writes in its own
syntax.  The rows are :class:`~derive.numeric.rows.NumericRow`\\ s of a
:class:`~derive.model.report.ProofReport`.  Not the table of ``derive numeric``
(one row per check): that is :mod:`derive.render.numeric_table`.
"""

from __future__ import annotations

from ..core.verdict import Verdict
from .marks import Mark
from .prose import Part, prose_parts

__all__ = ["numeric_checks_table", "numeric_summary", "numeric_note"]

Parts = list  # of Part

HEADERS = ["conclusion", "k", "checks", "largest abs error", "largest rel error", "within tolerance"]


def _text(words: str) -> Parts:
    return [Part("text", words)]


def _scientific(value: float) -> str:
    """A float in LaTeX maths with two significant digits: ``1.3 \\times 10^{-10}``."""
    if value != value:
        return r"\mathrm{NaN}"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    exponent = int(exponent)
    return mantissa if exponent == 0 else f"{mantissa} \\times 10^{{{exponent}}}"


def _classes(k: int) -> str:
    """A class count, ``2^{20}`` for a large power of two."""
    if k >= 1024 and k & (k - 1) == 0:
        return f"2^{{{k.bit_length() - 1}}}"
    return str(k)


def numeric_checks_table(report) -> tuple[list[str], list[list[Parts]]] | None:
    """The numeric checks of a proof's conclusions as a table (headers, rows), if it has any.

    Checks of one conclusion at one number of classes (over every kind of input and
    every method) make one row: how many there are, the largest errors, and how many
    are within their tolerance; ``derive numeric`` and the JSON report list them one by one.
    """
    if not report.numeric:
        return None
    groups: dict = {}
    for row in report.numeric:
        groups.setdefault((str(row.conclusion), int(row.k)), []).append(row)
    table = []
    for (conclusion, k), members in groups.items():
        passed = sum(1 for r in members if r.passed)
        mark = Mark(Verdict.PROVED if passed == len(members) else Verdict.REFUTED)
        table.append([prose_parts(conclusion), [Part("math", _classes(k))], [Part("math", str(len(members)))],
                      [Part("math", _scientific(max(float(r.max_abs_error) for r in members)))],
                      [Part("math", _scientific(max(float(r.max_rel_error) for r in members)))],
                      _text(f"{passed} of {len(members)} ") + [Part("mark", mark)]])
    return list(HEADERS), table


def numeric_summary(report) -> tuple[Parts, bool] | None:
    """One line on a proof's numeric checks for the summary table, and whether they all pass."""
    if report.numeric_error:
        return _text("numeric checks: could not be run"), False
    rows = report.numeric
    if not rows:
        return None
    passed = sum(1 for r in rows if r.passed)
    parts = _text(f"numeric checks: {passed} of {len(rows)} within tolerance")
    errors = [float(r.max_rel_error) for r in rows if r.max_rel_error == r.max_rel_error]  # NaN is no error size
    if errors:
        parts += _text(", largest relative error ") + [Part("math", _scientific(max(errors)))]
    return parts, passed == len(rows)


def numeric_note(report) -> Parts:
    """How the conclusions were checked (methods, kinds of input, seed), or why the checks could not run."""
    if report.numeric_error:
        return _text("The numeric checks could not be run: ") + prose_parts(str(report.numeric_error))
    rows = report.numeric
    if not rows:
        return []
    parts = _text("Each conclusion is compared with the derivative of the loss computed numerically")
    kinds = list(dict.fromkeys(str(r.input_kind) for r in rows if r.input_kind))
    methods = list(dict.fromkeys(str(r.method) for r in rows if r.method))
    if methods:
        parts += _text(" (" + "; ".join(methods) + ")")
    if kinds:
        parts += _text(", at inputs of these kinds: " + "; ".join(kinds))
    if report.numeric_seed is not None:
        parts += _text(f" (random inputs drawn with seed {report.numeric_seed})")
    return parts + _text(". A check passes when its error is within its tolerance.")
