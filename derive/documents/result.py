"""What reading a document gives: the proof, the lines not read, and what became of every equation line.

:func:`~derive.documents.build.read_document` returns a :class:`DocumentResult`;
a document that cannot be turned into a proof at all raises
:class:`DocumentError` instead.  A line that cannot be read becomes a step whose
expression is an :class:`UnreadLine` (the checker reports it as ERROR, with its
place) and a :class:`Problem` with a caret under the culprit.

What this module is not for: it reads nothing (``build`` and ``reading`` do).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.proof import Proof

__all__ = ["DocumentError", "UnreadLine", "Problem", "LineRecord", "DocumentResult", "LineSummary"]


class DocumentError(ValueError):
    """A document that cannot be turned into a proof at all; ``where`` is file:line[:column]."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class UnreadLine:
    """The place of a step that could not be read: not an expression, so the checker reports ERROR."""

    def __init__(self, text: str, place: str, message: str):
        self.text = " ".join(text.split())
        self.place = place
        self.message = message

    def __str__(self) -> str:
        return f"(not read) {self.text}"

    __repr__ = __str__   # printers that fall back to repr show the text too


@dataclass(frozen=True)
class Problem:
    """A line that was not read: its place, the message, and the line with a caret under the culprit."""

    place: str
    message: str
    caret: str
    kind: str

    def text(self) -> str:
        return f"not read: {self.message}\n{self.caret}"


@dataclass(frozen=True)
class LineRecord:
    """What became of one equation row: read, not read, a definition, or skipped (declared)."""

    place: str
    text: str
    status: str          # "read", "not read", "definition", "skipped"
    readings: tuple = ()
    step_refs: tuple = ()   # (case name, step number) of its steps
    claim_names: tuple = ()
    row_offset: int = -1

    def merged(self, other: "LineRecord") -> "LineRecord":
        """This record and ``other`` (another side of the same row) as one: not read if either was not."""
        status = "not read" if "not read" in (other.status, self.status) else self.status
        return LineRecord(self.place, self.text, status,
                          self.readings + tuple(r for r in other.readings if r not in self.readings),
                          self.step_refs + other.step_refs, self.claim_names + other.claim_names, self.row_offset)


@dataclass
class DocumentResult:
    proof: Proof | None
    problems: list = field(default_factory=list)
    lines: list = field(default_factory=list)

    def counts(self) -> dict:
        found = {"read": 0, "not read": 0, "definition": 0, "skipped": 0}
        for line in self.lines:
            found[line.status] += 1
        return found

    def summary(self) -> "LineSummary":
        counts = self.counts()
        skipped = tuple(f"{line.place}: {line.readings[0]}" for line in self.lines if line.status == "skipped")
        return LineSummary(counts["read"], counts["not read"], counts["definition"], counts["skipped"], skipped)


@dataclass(frozen=True)
class LineSummary:
    """How many of a document's equation lines were read; the lines skipped as declared, with why."""

    read: int
    not_read: int
    definitions: int
    skipped: int
    skipped_lines: tuple = ()

    def text(self, file: str) -> str:
        total = self.read + self.not_read + self.definitions + self.skipped
        extra = "".join(f", {count} {label}" for count, label in ((self.definitions, "definitions"),
                                                                  (self.skipped, "skipped as declared")) if count)
        lines = [f"{file}: {self.read} of {total} equation lines read, {self.not_read} not read{extra}"]
        return "\n".join(lines + [f"  {line}" for line in self.skipped_lines])
