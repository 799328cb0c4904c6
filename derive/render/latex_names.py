"""How LaTeX maths spells a character or a name: ``ŷ`` is ``\\hat{y}``, ``ℓ`` is ``\\ell``, ``α`` is
``\\alpha``, ``softmax`` is ``\\operatorname{softmax}``.

Shared by the printer of expressions (:mod:`derive.render.latex_printer`) and
the reader of free text (:mod:`derive.render.prose`), so that a name looks the
same in a formula and in a sentence.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["symbol_name", "math_character", "OPERATOR_NAMES"]

# Characters that may appear in names and in free text, and how LaTeX math writes them.
# A trailing space keeps a control word apart from a letter that follows it.
_MATH_CHARACTERS = {
    "ŷ": r"\hat{y}", "ẑ": r"\hat{z}", "ℓ": r"\ell ", "≠": r"\ne ", "−": "-", "Σ": r"\sum ",
    "∑": r"\sum ", "∂": r"\partial ", "·": r"\cdot ", "×": r"\times ", "≤": r"\le ", "≥": r"\ge ",
    "→": r"\to ", "∈": r"\in ", "…": r"\dots ", "∇": r"\nabla ", "∞": r"\infty ", "≈": r"\approx ",
    "⊢": r"\vdash ", "ᵀ": r"^{\top}", "²": "^{2}", "³": "^{3}",
}
_ACCENTS = {"COMBINING CIRCUMFLEX ACCENT": r"\hat", "COMBINING TILDE": r"\tilde",
            "COMBINING MACRON": r"\bar", "COMBINING DOT ABOVE": r"\dot"}
# Function names written upright in maths (also inside free text).
OPERATOR_NAMES = {"softmax": r"\operatorname{softmax}", "CE": r"\operatorname{CE}", "log": r"\log",
                  "exp": r"\exp", "ln": r"\ln", "diag": r"\operatorname{diag}",
                  "logsumexp": r"\operatorname{logsumexp}", "softplus": r"\operatorname{softplus}"}


def _greek(char: str) -> str | None:
    name = unicodedata.name(char, "")
    match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", name)
    if not match:
        return None
    letter = match.group(2).lower()
    if match.group(1) == "CAPITAL":
        if letter in ("gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi", "psi",
                      "omega"):
            return "\\" + letter.capitalize() + " "
        return None
    if letter == "lamda":
        letter = "lambda"
    return "\\" + letter + " "


def math_character(char: str) -> str | None:
    """How LaTeX math writes one character, or ``None`` if it needs nothing special."""
    if char in _MATH_CHARACTERS:
        return _MATH_CHARACTERS[char]
    if char.isascii():
        return None
    greek = _greek(char)
    if greek:
        return greek
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[0].isascii() and unicodedata.name(parts[1], "") in _ACCENTS:
        return f"{_ACCENTS[unicodedata.name(parts[1])]}{{{parts[0]}}}"
    return None


def symbol_name(name: str) -> str:
    """A symbol's or vector's name in LaTeX: ``ŷ`` is ``\\hat{y}``, ``ℓ`` is ``\\ell``."""
    if len(name) == 1:
        mapped = math_character(name)
        return mapped.strip() if mapped else name
    if name in OPERATOR_NAMES:
        return OPERATOR_NAMES[name]
    if all(math_character(c) is None for c in name):
        return None  # let SymPy spell it (Greek names, subscripts written with _)
    return "".join((math_character(c) or c) for c in name).strip()
