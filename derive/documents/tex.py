"""Finding the maths in a LaTeX document: sections, paragraphs, comments and formulas, with their offsets.

The environments ``align``, ``align*``, ``aligned``, ``equation``, ``gather``
(and their starred forms) and ``\\[ \\]`` are displays; ``$...$`` and ``\\( \\)``
inline formulas.  The declarations of a ``.tex`` file are a ``% derive:`` line
followed by ``%``-comment lines of YAML.

What this module is not for: it does not read the maths (``syntax`` and
``reading`` do), nor split a display into rows (``layout``).
"""

from __future__ import annotations

from .events import MARKER, Document, Formula, Heading, Marker, Paragraph, Prose
from .layout import LayoutError, closing_brace

__all__ = ["latex_events"]

_DISPLAY_ENVIRONMENTS = ("align", "align*", "aligned", "equation", "equation*", "gather", "gather*")
_SECTIONS = {"\\section": 2, "\\subsection": 3, "\\subsubsection": 4, "\\paragraph": 5,
             "\\section*": 2, "\\subsection*": 3, "\\subsubsection*": 4, "\\paragraph*": 5}


def latex_events(path: str, source: str) -> Document:
    """A small scanner for the structure of a .tex file: comments, sections, paragraphs and maths.

    It only finds where maths starts and ends (environments, ``\\[ \\]``, ``$ $``, ``\\( \\)``)
    and where sections and paragraphs begin; the maths itself is read by the grammar.
    """
    events: list = []
    i, n = 0, len(source)
    prose_start = 0
    in_document = "\\begin{document}" not in source
    paragraph_open = False

    def flush(end: int):
        nonlocal prose_start
        if end > prose_start:
            text = source[prose_start:end]
            if text.strip():
                events.append(Prose(text, prose_start))
        prose_start = end

    while i < n:
        c = source[i]
        if c == "%" and (i == 0 or source[i - 1] != "\\"):
            flush(i)
            end = source.find("\n", i)
            end = n if end < 0 else end
            comment = source[i + 1:end].strip()
            if comment.startswith(MARKER):   # "% derive:" alone opens the declarations, dropped below
                events.append(Marker(comment[len(MARKER):].strip(), i))
            i = end
            prose_start = i
            continue
        if source.startswith("\\begin{document}", i):
            flush(i)
            in_document = True
            i += len("\\begin{document}")
            prose_start = i
            continue
        if not in_document:
            i += 1
            prose_start = i
            continue
        if c == "\n" and source.startswith("\n", i + 1 if i + 1 < n else i) and source[i + 1:i + 2] == "\n":
            flush(i)
            paragraph_open = False
            i += 2
            prose_start = i
            continue
        if source.startswith("\\begin{", i):
            close = source.find("}", i)
            name = source[i + 7:close]
            if name in _DISPLAY_ENVIRONMENTS:
                flush(i)
                end_tag = f"\\end{{{name}}}"
                end = source.find(end_tag, close)
                if end < 0:
                    raise LayoutError(f"\\begin{{{name}}} is not closed: add {end_tag}", i)
                whole = source[i:end + len(end_tag)]
                events.append(Formula(whole, i, True))
                i = end + len(end_tag)
                prose_start = i
                continue
        if source.startswith("\\[", i) or source.startswith("\\(", i) or (c == "$" and source[i - 1:i] != "\\"):
            if source.startswith("$$", i):
                opener, closer, display = "$$", "$$", True
            elif c == "$":
                opener, closer, display = "$", "$", False
            elif source.startswith("\\[", i):
                opener, closer, display = "\\[", "\\]", True
            else:
                opener, closer, display = "\\(", "\\)", False
            end = source.find(closer, i + len(opener))
            if end < 0:
                raise LayoutError(f"{opener} is not closed: add {closer}", i)
            flush(i)
            if not paragraph_open and not display:
                paragraph_open = True
            start = i + len(opener)
            events.append(Formula(source[start:end], start, display))
            i = end + len(closer)
            prose_start = i
            continue
        for command, level in _SECTIONS.items():
            if source.startswith(command + "{", i):
                flush(i)
                close = closing_brace(source, i + len(command))
                events.append(Heading(source[i + len(command) + 1:close].strip(), level, i))
                _heading_maths(source, i + len(command) + 1, close, events)
                events.append(Paragraph(close + 1))
                i = close + 1
                prose_start = i
                break
        else:
            if not paragraph_open and not c.isspace():
                events.append(Paragraph(i))
                paragraph_open = True
            i += 1
    flush(n)
    front = _tex_front_matter(source)
    if front is not None:
        front_text, front_offset = front
        return Document(path, source, front_text, front_offset, tuple(e for e in events if not _declaration(e)))
    return Document(path, source, None, 0, tuple(events))


def _heading_maths(source: str, start: int, end: int, events: list) -> None:
    """The prose and ``$...$`` formulas of a section title, as events (a case may be set there)."""
    i = start
    while i < end:
        opening = source.find("$", i, end)
        closing = source.find("$", opening + 1, end) if opening >= 0 else -1
        if opening < 0 or closing < 0:
            events.append(Prose(source[i:end], i))
            return
        events.append(Prose(source[i:opening], i))
        events.append(Formula(source[opening + 1:closing], opening + 1, False))
        i = closing + 1


def _declaration(event) -> bool:
    return isinstance(event, Marker) and event.text == ""


def _tex_front_matter(source: str):
    """The declarations of a .tex file: a ``% derive:`` line followed by ``%``-comment lines of YAML."""
    lines = source.split("\n")
    offset = 0
    for number, line in enumerate(lines):
        if line.strip() == "% derive:":
            body = ["derive:"]
            start = offset
            for following in lines[number + 1:]:
                stripped = following.lstrip()
                if not stripped.startswith("%") or not stripped[1:].strip():
                    break
                body.append(stripped[1:].rstrip())
            return "\n".join(body) + "\n", start
        offset += len(line) + 1
    return None
