"""Free text (reasons, titles, claims, notes) as LaTeX: plain words as text, mathematical words as maths.

``prose_parts(text)`` splits a sentence into :class:`Part`\\ s, text or maths,
in order; ``prose(text)`` writes them as LaTeX text mode with ``$...$``; and
``escape_text`` makes plain words safe for LaTeX text mode.  Nothing here is
parsed into an expression: a run of words is recognised as notation by its
look (``e^{z_j}``, ``ŷ_k``, ``j ≠ k``, ``u = 0``) and its characters are
spelled in LaTeX by :mod:`derive.render.latex_names`.

Not for checked expressions: those are printed from the expression itself by
:func:`derive.render.latex_printer.latex`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .latex_names import OPERATOR_NAMES, math_character

__all__ = ["Part", "prose", "prose_parts", "escape_text"]


class Part(NamedTuple):
    """A piece of a sentence: ``kind`` is ``"text"`` (words) or ``"math"`` (LaTeX maths, without ``$``).

    The notes add a third kind, ``"mark"``, whose value is a verdict's
    :class:`~derive.render.marks.Mark`, drawn by each renderer in its own way.
    """

    kind: str
    value: object  # a str; a Mark for a "mark"


_TEXT_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''", "<": r"\textless{}",
                  ">": r"\textgreater{}", "|": r"\textbar{}"}

_OPERATORS = {"=", "+", "-", "−", "≠", "<", ">", "≤", "≥", "·", "×", "/", "→", "≈", "∈"}
_FUNCTION_WORDS = {"log", "exp", "softmax", "ln", "diag", "logsumexp", "softplus"}
_STRONG = re.compile(r"[\^_\\∂Σ∑ŷℓ≠−≤≥·×→∈δ∇=ᵀ]|^(log|exp|softmax|CE|diag|logsumexp|softplus)'*\(|^[A-Za-z]'+$|"
                     r"^[A-Za-z]'+/[A-Za-z]$|"
                     r"^[A-Za-z]\(.*\)$|[α-ωΑ-Ω]")
_WORD = re.compile(r"^([(\[]*)(.*?)([.,;:!?)\]]*)$", re.S)
# A file and its place (proofs/soft_max.py:12, notes.md:3:4), as error messages name them: words, not
# maths, whatever underscores the name has.
_FILE = re.compile(r"(?:[\w.~-]+/)*[\w.-]+\.(?:py|md|markdown|tex|ya?ml|toml|json|txt|rst|cfg|ini)(?::\d+)*")

# What a word's core is, by its look (see _kind).
MATH, LETTER, NUMBER, OPERATOR, FUNCTION, TEXT = "math", "letter", "number", "operator", "function", "text"
_NOTATION = (MATH, LETTER, NUMBER, OPERATOR, FUNCTION)


class _Word(NamedTuple):
    """One word of a sentence: brackets before it, its core, punctuation after it, what the core is,
    and the spaces that follow it."""

    lead: str
    core: str
    trail: str
    kind: str
    space: str


def escape_text(text: str) -> str:
    """Plain text made safe for LaTeX text mode."""
    out = []
    for char in text:
        if char in _TEXT_SPECIALS:
            out.append(_TEXT_SPECIALS[char])
        elif char == "…":
            out.append(r"\dots{}")
        elif not char.isascii() and math_character(char) and not unicodedata.normalize("NFD", char)[0].isascii():
            out.append("$" + math_character(char).strip() + "$")
        else:
            out.append(char)
    return "".join(out)


def _kind(core: str) -> str:
    if not core or _FILE.fullmatch(core):
        return TEXT
    if core in _OPERATORS:
        return OPERATOR
    if _STRONG.search(core):
        return MATH if _balanced(core) else TEXT
    if re.fullmatch(r"[A-Za-z]", core) and core not in ("a", "A", "I"):
        return LETTER
    if re.fullmatch(r"\d+", core):
        return NUMBER
    if core in _FUNCTION_WORDS:
        return FUNCTION
    return TEXT


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    paren = text.count("(") - text.count(")")
    return depth == 0 and paren == 0


def _math_of(text: str) -> str:
    """A run of mathematical words in LaTeX math (characters mapped, function names as operators)."""
    out = []
    for word in re.split(r"(\s+)", text):
        if word.isspace() or not word:
            out.append(word)
            continue
        for name, command in sorted(OPERATOR_NAMES.items(), key=lambda kv: -len(kv[0])):
            word = re.sub(rf"(?<![A-Za-z\\]){name}(?![A-Za-z])", lambda _m, c=command: c + "\0", word)
        word = "".join((math_character(c) or c) for c in word)
        word = word.replace("\0(", "(").replace("\0", " ")
        out.append(word)
    joined = re.sub(r" +", " ", "".join(out)).strip()
    # a subscript of several letters or digits written without braces (δ_jm, W_jd) is one subscript
    joined = re.sub(r"(?<!\\)_([A-Za-z0-9]{2,})", r"_{\1}", joined)
    return re.sub(r"(\\[A-Za-z]+) ([_^/),])", r"\1\2", joined)


def _calls_kept_whole(words: list[str]) -> list[str]:
    """Rejoin what spaces split inside parentheses into one word.

    A function call or a tuple (``CE(y, ŷ)``, ``z=(0, 0)``) is rejoined
    whatever it holds; any other group (``(p_j − y_j)/T``, ``1/(1 + e^{−z})``)
    only when every word in it is mathematical, so that a remark in
    parentheses stays text.  ``words`` alternates words and the spaces between
    them; a rejoined group keeps its spaces as NUL characters, restored later.
    """
    out = list(words)
    index = 0
    while index < len(out):
        word = out[index]
        braced = word.count("{") > word.count("}")  # braces are only ever maths: e^{z_j + c}
        if word.count("(") > word.count(")") or braced:
            call = re.search(r"[\w'=]\(", word)
            for end in range(index + 2, min(index + 9, len(out)), 2):
                joined = "".join(out[index:end + 1])
                if joined.count("(") == joined.count(")") and joined.count("{") == joined.count("}"):
                    if braced or call or _all_mathematical(out[index:end + 1:2]):
                        out[index:end + 1] = [joined.replace(" ", "\0")]
                    break
        index += 2
    return out


def _all_mathematical(words: list[str]) -> bool:
    """Whether every word is notation (a name, a number, an operator, a formula) and one is a formula."""
    cores = [word.replace("(", "").replace(")", "").strip("[].,;:!?") for word in words]
    kinds = [NUMBER if re.fullmatch(r"[\d./]+", core) else _kind(core) for core in cores]
    return MATH in kinds and all(kind in _NOTATION for kind in kinds)


def _words(text: str) -> list[_Word]:
    """The words of ``text``, each split into brackets, core and punctuation, and classified."""
    pieces = _calls_kept_whole(re.split(r"(\s+)", text))
    words = []
    for index in range(0, len(pieces), 2):
        piece = pieces[index]
        space = pieces[index + 1] if index + 1 < len(pieces) else ""
        if not piece:
            if space:
                words.append(_Word("", "", "", TEXT, space))
            continue
        lead, core, trail = (part.replace("\0", " ") for part in _WORD.match(piece).groups())
        while core.count("(") > core.count(")") and trail.startswith(")"):
            core, trail = core + ")", trail[1:]
        while core.count(")") > core.count("(") and lead.endswith("("):  # (p_j − y_j)/T
            lead, core = lead[:-1], "(" + core
        words.append(_Word(lead, core, trail, _kind(core), space))
    return words


def _starts_formula(words: list[_Word], index: int) -> bool:
    """A number starts a formula when an operator joins it to a name: ``1 − p_m``."""
    word = words[index]
    if word.kind != NUMBER or word.trail or index + 2 >= len(words):
        return False
    operator, operand = words[index + 1], words[index + 2]
    return operator.kind == OPERATOR and not operator.lead and not operator.trail and \
        operand.kind in (MATH, LETTER) and not operand.lead


def _run_end(words: list[_Word], index: int) -> int:
    """The last word of the run of mathematical words starting at ``index``: it extends while the words
    are notation and no punctuation or bracket breaks it, and an operator only joins two operands."""
    end = index
    while not words[end].trail and end + 1 < len(words):
        following = words[end + 1]
        if following.lead or following.kind == TEXT:
            break
        if following.kind == NUMBER and words[end].kind != OPERATOR:
            break
        if following.kind == OPERATOR:
            operand = words[end + 2] if end + 2 < len(words) else None
            if following.trail or operand is None or operand.kind not in (MATH, LETTER, NUMBER, FUNCTION) \
                    or operand.lead:
                break
        end += 1
    return end


def prose_parts(text: str) -> list[Part]:
    """Split free text into text and maths :class:`Part`\\ s, in order.

    A run of words becomes maths when it is mathematical notation: it contains a
    sub- or superscript or a mathematical character (``e^{z_j}``, ``ŷ_k``,
    ``j ≠ k``), or it is a single-letter name, possibly joined by operators to
    others (``u = 0``).  Surrounding brackets and punctuation stay text.
    """
    words = _words(text)
    parts: list[Part] = []

    def add(kind, value):
        if parts and parts[-1].kind == kind == TEXT:
            parts[-1] = Part(TEXT, parts[-1].value + value)
        elif value:
            parts.append(Part(kind, value))

    index = 0
    while index < len(words):
        word = words[index]
        if word.kind in (MATH, LETTER, FUNCTION) or _starts_formula(words, index):
            end = _run_end(words, index)
            run = words[index:end + 1]
            named = any(w.kind in (MATH, LETTER) for w in run)
            if word.kind == FUNCTION and len(run) == 1 or not named:
                add(TEXT, word.lead + word.core + word.trail + word.space)
                index += 1
                continue
            formula = "".join(w.core + (w.space if position < len(run) - 1 else "")
                              for position, w in enumerate(run))
            add(TEXT, word.lead)
            add(MATH, _math_of(formula))
            add(TEXT, run[-1].trail + run[-1].space)
            index = end + 1
            continue
        add(TEXT, word.lead + word.core + word.trail + word.space)
        index += 1
    return parts


def prose(text: str) -> str:
    """Free text as LaTeX text mode, with its mathematical words as inline maths."""
    return "".join(escape_text(value) if kind == TEXT else "$" + value + "$" for kind, value in prose_parts(text))
