"""The layout of a display: its rows, what is blanked out around them, and the reason written beside a row.

A display (``align``, ``$$...$$``) is split into rows at ``\\\\`` outside
braces and nested environments; layout that is not maths is blanked out with
spaces so that every column stays the file's.  ``\\quad \\text{...}`` after a
row is the author's reason for it.

What this module is not for: finding displays in a file (``extract``, ``tex``)
or parsing a row (``syntax``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import Formula

__all__ = ["Row", "rows_of", "closing_brace", "LayoutError"]


class LayoutError(ValueError):
    """A display whose layout cannot be split (an environment that is not closed); ``offset`` names it."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def closing_brace(source: str, opening: int) -> int:
    """The offset of the brace that closes the one at ``opening``."""
    depth = 0
    for i in range(opening, len(source)):
        if source[i] == "{":
            depth += 1
        elif source[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise LayoutError("a brace is not closed", opening)


@dataclass(frozen=True)
class Row:
    """One row of a display (or an inline formula): its text and the file offset of text[0].

    Layout that is not maths is blanked out with spaces (so that columns stay those of the
    file): the environment around the rows, ``&``, ``\\tag``, ``\\label``, ``\\nonumber``.
    ``annotation`` is what followed ``\\quad`` on the row, the author's reason for it.
    """

    text: str
    offset: int
    annotation: str = ""


_WRAPPERS = ("align*", "align", "aligned", "equation*", "equation", "gather*", "gather", "split")
_DROPPED = ("\\nonumber", "\\notag")


def rows_of(formula: Formula) -> list[Row]:
    """Split a formula into rows at ``\\\\`` outside braces and nested environments."""
    text = list(formula.text)
    source = formula.text
    _blank_wrappers(source, text)
    rows, depth, environments, start, i = [], 0, 0, 0, 0
    n = len(source)
    while i < n:
        if text[i] == " " and source[i] != " ":
            i += 1
            continue
        c = source[i]
        if c == "\\" and source.startswith("\\\\", i):
            if depth == 0 and environments == 0:
                rows.append((start, i))
                text[i] = text[i + 1] = " "
                start = i + 2
            i += 2
            continue
        if c == "\\" and source.startswith("\\begin{", i):
            environments += 1
        elif c == "\\" and source.startswith("\\end{", i):
            environments -= 1
        elif c == "\\" and i + 1 < n and source[i + 1] in "{}&%$#_":
            i += 2
            continue
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "&" and depth == 0 and environments == 0:
            text[i] = " "
        i += 1
    rows.append((start, n))
    result = []
    for begin, end in rows:
        piece = "".join(text[begin:end])
        piece, annotation = _annotation(piece)
        if piece.strip():
            result.append(Row(piece, formula.offset + begin, annotation))
    return result


def _blank_wrappers(source: str, text: list) -> None:
    for name in _WRAPPERS:
        for tag in (f"\\begin{{{name}}}", f"\\end{{{name}}}"):
            start = 0
            while (found := source.find(tag, start)) >= 0:
                for k in range(found, found + len(tag)):
                    text[k] = " "
                start = found + len(tag)
    for command in ("\\tag", "\\label"):
        start = 0
        while (found := source.find(command + "{", start)) >= 0:
            close = closing_brace(source, found + len(command))
            for k in range(found, close + 1):
                text[k] = " "
            start = close + 1
    for command in _DROPPED:
        start = 0
        while (found := source.find(command, start)) >= 0:
            for k in range(found, found + len(command)):
                text[k] = " "
            start = found + len(command)


def _annotation(row: str) -> tuple[str, str]:
    """A row's maths and the reason written after ``\\quad`` (or ``\\qquad``) at brace depth 0."""
    depth = 0
    for i, c in enumerate(row):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "\\" and depth == 0 and (row.startswith("\\quad", i) or row.startswith("\\qquad", i)):
            rest = row[i:]
            return row[:i] + " " * len(rest), _plain(rest)
    return row, ""


def _plain(latex: str) -> str:
    """The words of an annotation: ``\\text{...}`` unwrapped, spacing commands dropped."""
    out, i = [], 0
    while i < len(latex):
        if latex.startswith("\\qquad", i):
            i += 6
        elif latex.startswith("\\quad", i):
            i += 5
        elif latex.startswith("\\text{", i):
            close = closing_brace(latex, i + 5)
            out.append(latex[i + 6:close])
            i = close + 1
        else:
            out.append(latex[i])
            i += 1
    return " ".join("".join(out).split())
