"""Finding the maths in a document, with its place: Markdown (CommonMark) and LaTeX.

A document becomes a flat list of *events* in reading order: headings,
paragraph boundaries, prose, formulas (display or inline) and marker comments
(``<!-- derive: ... -->`` in Markdown, ``% derive: ...`` in LaTeX).  Every
formula keeps the offset of its first character in the file, so that each
row split from it, and each token of a row, can be named by line and column.

Markdown is parsed with markdown-it-py and the plugins of mdit-py-plugins
(front matter, ``$``/``$$`` maths, ``\\(`` ``\\)`` and ``\\[`` ``\\]`` maths,
bare amsmath environments).  Indented code blocks are switched off: notes
indent maths under list items, and a four-space indent must not hide it.
For ``.tex`` the environments ``align``, ``align*``, ``aligned``,
``equation`` (and their starred forms) and ``\\[ \\]`` are displays, and
``$...$`` and ``\\( \\)`` inline formulas.

What this module is not for: it does not read the maths (``syntax`` and
``reading`` do), and it does not decide what a heading means (``structure``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["Event", "Heading", "Paragraph", "Prose", "Formula", "Marker", "Document", "Row", "extract",
           "rows_of", "LayoutError"]


class LayoutError(ValueError):
    """A display whose layout cannot be split (an environment that is not closed); ``offset`` names it."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


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
            object.__setattr__(self, "line_starts", tuple(_line_starts(self.source)))

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


def _line_starts(source: str) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(source) if c == "\n"]


def extract(path: str, source: str) -> Document:
    """The events of a document; ``.tex`` files as LaTeX, anything else as Markdown."""
    if path.endswith(".tex"):
        return _latex(path, source)
    return _markdown(path, source)


# Markdown -----------------------------------------------------------------------------------------------

def _markdown_parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    md = (MarkdownIt("commonmark").use(front_matter_plugin)
          .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
          .use(texmath_plugin, delimiters="brackets").use(amsmath_plugin))
    md.disable("code")
    return md


_MARKER = "derive:"


def _markdown(path: str, source: str) -> Document:
    tokens = _markdown_parser().parse(source)
    events: list = []
    front, front_offset = None, 0
    cursor = 0
    starts = _line_starts(source)

    def locate(text: str, delimiters=((("", "")),)) -> int:
        """The offset of ``text`` at or after the cursor; maths is looked for with its delimiters first,
        so that a short formula ($k$) is not found inside a word of the prose before it."""
        nonlocal cursor
        for opener, closer in delimiters:
            found = source.find(opener + text + closer, cursor)
            if found >= 0:
                cursor = found + len(opener) + len(text)
                return found + len(opener)
        return cursor   # markdown-it normalised the text (escapes, tabs): keep the last known place

    inline_delimiters = (("$", "$"), ("\\(", "\\)"), ("$$", "$$"), ("", ""))
    for token in tokens:
        if token.map is not None and token.map[0] < len(starts):
            cursor = max(cursor, starts[token.map[0]])
        if token.type == "front_matter":
            front = token.content
            front_offset = source.find(front) if front else 0
            cursor = max(cursor, front_offset + len(front))
        elif token.type == "heading_open":
            events.append(("heading", int(token.tag[1:]), cursor))
        elif token.type == "paragraph_open":
            events.append(Paragraph(cursor))
        elif token.type in ("math_block", "math_block_label", "amsmath"):
            content = token.content
            events.append(Formula(content, locate(content, (("", ""),)), True))
        elif token.type == "html_block":
            _comments(token.content, locate(token.content, (("", ""),)), events)
        elif token.type == "inline":
            pending_heading = events and isinstance(events[-1], tuple)
            heading_parts = []
            for child in token.children or ():
                if child.type in ("math_inline", "math_inline_double", "math_single", "math_inline_bracket"):
                    offset = locate(child.content, inline_delimiters)
                    formula = Formula(child.content, offset, child.type == "math_inline_double")
                    events.append(formula)
                    heading_parts.append("$" + child.content + "$")
                elif child.type == "text":
                    offset = locate(child.content, (("", ""),)) if child.content else cursor
                    events.append(Prose(child.content, offset))
                    heading_parts.append(child.content)
                elif child.type == "html_inline":
                    _comments(child.content, locate(child.content, (("", ""),)), events)
                elif child.type in ("softbreak", "hardbreak"):
                    events.append(Prose("\n", cursor))
                    heading_parts.append(" ")
                elif child.type == "code_inline":
                    locate(child.content, (("", ""),))
            if pending_heading:
                index = max(i for i, e in enumerate(events) if isinstance(e, tuple))
                _, level, offset = events[index]
                events[index] = Heading("".join(heading_parts).strip(), level, offset)
    events = [e for e in events if not isinstance(e, tuple)]
    return Document(path, source, front, front_offset, tuple(events))


def _comments(html: str, offset: int, events: list) -> None:
    """Marker comments ``<!-- derive: ... -->`` in a piece of HTML."""
    start = 0
    while True:
        begin = html.find("<!--", start)
        if begin < 0:
            return
        end = html.find("-->", begin)
        if end < 0:
            return
        body = html[begin + 4:end]
        stripped = body.strip()
        if stripped.startswith(_MARKER):
            events.append(Marker(stripped[len(_MARKER):].strip(), offset + begin))
        start = end + 3


# LaTeX --------------------------------------------------------------------------------------------------

_DISPLAY_ENVIRONMENTS = ("align", "align*", "aligned", "equation", "equation*", "gather", "gather*")
_SECTIONS = {"\\section": 2, "\\subsection": 3, "\\subsubsection": 4, "\\paragraph": 5,
             "\\section*": 2, "\\subsection*": 3, "\\subsubsection*": 4, "\\paragraph*": 5}


def _latex(path: str, source: str) -> Document:
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
            if comment.startswith(_MARKER):   # "% derive:" alone opens the declarations, dropped below
                events.append(Marker(comment[len(_MARKER):].strip(), i))
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
                close = _closing_brace(source, i + len(command))
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


def _closing_brace(source: str, opening: int) -> int:
    depth = 0
    for i in range(opening, len(source)):
        if source[i] == "{":
            depth += 1
        elif source[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise LayoutError("a brace is not closed", opening)


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


# Rows of a display ----------------------------------------------------------------------------------------

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
            close = _closing_brace(source, found + len(command))
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
            close = _closing_brace(latex, i + 5)
            out.append(latex[i + 6:close])
            i = close + 1
        else:
            out.append(latex[i])
            i += 1
    return " ".join("".join(out).split())
