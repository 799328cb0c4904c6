"""Finding the maths in a document, with its place: Markdown (CommonMark) and LaTeX.

A document becomes a flat list of *events* in reading order
(:mod:`derive.documents.events`), each with its offset in the file.

Markdown is parsed with markdown-it-py and the plugins of mdit-py-plugins
(front matter, ``$``/``$$`` maths, ``\\(`` ``\\)`` and ``\\[`` ``\\]`` maths,
bare amsmath environments).  Indented code blocks are switched off: notes
indent maths under list items, and a four-space indent must not hide it.
A ``.tex`` file is scanned by :mod:`derive.documents.tex`.

What this module is not for: it does not read the maths (``syntax`` and
``reading`` do), and it does not decide what a heading means (``structure``).
"""

from __future__ import annotations

from .events import MARKER, Document, Formula, Heading, Marker, Paragraph, Prose, line_starts
from .tex import latex_events

__all__ = ["extract"]


def extract(path: str, source: str) -> Document:
    """The events of a document; ``.tex`` files as LaTeX, anything else as Markdown."""
    if path.endswith(".tex"):
        return latex_events(path, source)
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



def _markdown(path: str, source: str) -> Document:
    tokens = _markdown_parser().parse(source)
    events: list = []
    front, front_offset = None, 0
    cursor = 0
    starts = line_starts(source)

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
        if stripped.startswith(MARKER):
            events.append(Marker(stripped[len(MARKER):].strip(), offset + begin))
        start = end + 3
