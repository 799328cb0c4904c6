"""The parser of one row of maths (``maths.lark``), and where a row fails to parse.

The grammar is built once, on first use, with lark's LALR(1) parser: a row is
read in time linear in its length, and the grammar itself is checked for
conflicts when it is built (``tests/test_documents_grammar.py``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["parse_row", "sides_apart", "SyntaxProblem", "GRAMMAR"]

GRAMMAR = Path(__file__).with_name("maths.lark")


class SyntaxProblem(ValueError):
    """A row that does not parse: ``position`` is the offset of the first token that failed, in the row."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.position = position


@lru_cache(maxsize=1)
def _parser():
    from lark import Lark

    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", propagate_positions=True,
                maybe_placeholders=False)


_DESCRIPTIONS = {
    "$END": "the end of the formula",
    "RPAR": "')'", "RSQB": "']'", "RBRACE": "'}'", "LPAR": "'('", "LSQB": "'['", "LBRACE": "'{'",
    "EQ": "'='", "PLUS": "'+'", "MINUS": "'-'", "COMMA": "','",
}


def parse_row(text: str):
    """The parse tree of one row, or :class:`SyntaxProblem` naming the first token that failed."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    try:
        return _parser().parse(text)
    except UnexpectedCharacters as error:
        position = error.pos_in_stream
        word = _word_at(text, position)
        hint = (f"'{word}' is not part of the maths derive reads" if word.startswith("\\")
                else f"unexpected character {text[position]!r}")
        raise SyntaxProblem(f"{hint}; write it with the notation of docs/documents.md, or mark the line "
                            f"with a 'skip' declaration", position) from None
    except UnexpectedEOF:
        raise SyntaxProblem("the formula ends too early (a brace or parenthesis is not closed?)",
                            len(text.rstrip())) from None
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            position = len(text.rstrip())
            raise SyntaxProblem("the formula ends too early: something is missing at its end "
                                "(an operand, or a closing brace or parenthesis)", position) from None
        expected = sorted(_DESCRIPTIONS.get(e, e) for e in error.expected)[:6]
        raise SyntaxProblem(f"unexpected {token.value!r} here (expected one of: {', '.join(expected)})",
                            token.start_pos) from None


def sides_apart(text: str):
    """The sides of a row split at its top-level ``=``, each parsed alone: ``(tree, None)`` or ``(None, problem)``.

    Positions stay those of the row (each side is parsed padded with spaces in place of the rest), so that
    a side that does not parse is named at its own column; ``problem.segment`` is that side's text, shown in
    place of its expression.
    """
    cuts, depth = [], 0
    for position, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "=" and depth == 0:
            cuts.append(position)
    bounds = [-1] + cuts + [len(text)]
    for start, end in zip(bounds, bounds[1:]):
        piece = text[start + 1:end]
        if not piece.strip():
            continue
        padded = " " * (start + 1) + piece + " " * (len(text) - end)
        try:
            yield parse_row(padded), None
        except SyntaxProblem as problem:
            problem.segment = piece
            yield None, problem


def _word_at(text: str, position: int) -> str:
    end = position + 1
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[position:end]
