"""Verdict marks as the notes carry them: a verdict and what its mark shows, never markup.

Each renderer draws a :class:`Mark` its own way: the LaTeX document with the
preamble's macros (``\\deriveverified{4}``), Markdown and Sphinx as maths
(``\\checkmark_{k \\le 4}``).  :data:`LEGEND` says in words what each verdict's
mark means, in the order the notes list them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.verdict import Outcome, Verdict

__all__ = ["Mark", "LEGEND"]


@dataclass(frozen=True)
class Mark:
    """A verdict as the notes show it beside a line, a claim or a check.

    ``largest_k`` is, for a VERIFIED verdict, the largest number of classes it was
    checked at; ``None`` where no count applies (as in the legend, whose mark says K).
    """

    verdict: Verdict
    largest_k: int | None = None

    @classmethod
    def of(cls, outcome: Outcome) -> Mark:
        """The mark of one comparison's outcome."""
        if outcome.verdict is Verdict.VERIFIED and outcome.classes_checked:
            return cls(outcome.verdict, max(outcome.classes_checked))
        return cls(outcome.verdict)


LEGEND = (
    (Verdict.PROVED, "proved for every number of classes"),
    (Verdict.VERIFIED, "verified exactly on every instance up to K classes, not proved for every k"),
    (Verdict.NUMERIC, "agrees numerically only, not proved for every k"),
    (Verdict.REFUTED, "refuted by a counterexample"),
    (Verdict.UNKNOWN, "undecided within the time budget"),
    (Verdict.ERROR, "could not be evaluated"),
)
