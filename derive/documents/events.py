"""A document as derive sees it: events in reading order, each with its offset in the file.

The events are headings, paragraph boundaries, prose, formulas (display or
inline) and marker comments (``<!-- derive: ... -->`` in Markdown, ``% derive:
...`` in LaTeX).  Every formula keeps the offset of its first character in the
file, so that each row split from it, and each token of a row, can be named
by line and column (:meth:`Document.place`).

What this module is not for: finding the events (``extract`` for Markdown,
``tex`` for LaTeX) or reading the maths (``syntax`` and ``reading``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["Event", "Heading", "Paragraph", "Prose", "Formula", "Marker", "MARKER", "Document", "line_starts"]

# The word that opens a marker comment, in Markdown and in LaTeX alike.
MARKER = "derive:"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int
    offset: int


@dataclass(frozen=True)
class Paragraph:
    """The start of a paragraph (or a list item's paragraph, or a table cell)."""

    offset: int


@dataclass(frozen=True)
class Prose:
    text: str
    offset: int


@dataclass(frozen=True)
class Formula:
    text: str      # the maths between the delimiters, exactly as in the file
    offset: int    # the file offset of text[0]
    display: bool


@dataclass(frozen=True)
class Marker:
    """A ``derive:`` comment: its words after ``derive:``."""

    text: str
    offset: int


Event = Heading | Paragraph | Prose | Formula | Marker


@dataclass(frozen=True)
class Document:
    path: str
    source: str
    front_matter: str | None   # the YAML text of a Markdown front matter, or a .tex comment block's
    front_matter_offset: int
    events: tuple
    line_starts: tuple = field(default=(), compare=False, repr=False)

    def __post_init__(self):
        if not self.line_starts:
            object.__setattr__(self, "line_starts", tuple(line_starts(self.source)))

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of a file offset."""
        starts = self.line_starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def place(self, offset: int) -> str:
        line, column = self.position(offset)
        return f"{self.path}:{line}:{column}"

    def line_text(self, offset: int) -> str:
        starts = self.line_starts
        line = bisect.bisect_right(starts, offset) - 1
        end = self.source.find("\n", starts[line])
        return self.source[starts[line]:end if end >= 0 else len(self.source)]


def line_starts(source: str) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(source) if c == "\n"]
