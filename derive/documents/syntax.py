"""The parser of one row of maths (``maths.lark``), and where a row fails to parse.

The grammar is built once, on first use, with lark's LALR(1) parser: a row is
read in time linear in its length, and the grammar itself is checked for
conflicts when it is built (``tests/test_documents_grammar.py``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["parse_row", "SyntaxProblem", "GRAMMAR"]

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


def _word_at(text: str, position: int) -> str:
    end = position + 1
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[position:end]
