"""The names a document declares, and the canonical text of a name as the grammar reads it.

A name is written many ways in LaTeX (``\\hat y``, ``\\widehat{y}``, ``\\mathbf{z}``,
``\\ell``); :func:`key_of` gives the one key every spelling maps to, and
:func:`display_name` the name derive prints for it (``ŷ``, ``z``, ``ℓ``).
:class:`Names` builds, from a document's declarations, the SymPy objects those
keys stand for (the number of classes, indices, vectors, scalars, functions,
facts) and refuses a name declared twice as different kinds.

What this module is not for: it reads no maths beyond a declared name (rows are
read by :mod:`derive.documents.reading`).
"""

from __future__ import annotations

import unicodedata

import sympy as sp
from lark import Token, Tree

from ..core import objects as ob
from ..core.context import OneHot, SumsToOne
from .declarations import DeclarationError, Declarations
from .syntax import SyntaxProblem, parse_row

__all__ = ["Names", "key_of", "display_name", "normalise_key"]

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
          "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ",
          "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ",
          "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "ell": "ℓ", "Gamma": "Γ",
          "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω"}
_ACCENTS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "bar",
            "overline": "bar", "vec": "vec", "mathbf": "bold", "boldsymbol": "bold", "bm": "bold",
            "mathcal": "cal"}
_COMBINING = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304", "vec": "\u20d7"}

def key_of(tree) -> str:
    """The canonical text of a name: ``z``, ``\\ell``, ``\\hat{y}``, ``\\mathbf{z}``, ``CE``."""
    if isinstance(tree, Token):
        if tree.type == "TEXT":
            return _text_content(tree.value)
        if tree.type == "GREEK":
            return tree.value
        return tree.value
    if tree.data == "name":
        return key_of(tree.children[0])
    if tree.data == "accent":
        accent = _ACCENTS[tree.children[0].value[1:]]
        inner = key_of(tree.children[1])
        return f"\\{accent}{{{inner}}}"
    if tree.data == "function":
        return key_of(tree.children[0])
    raise ValueError(tree.data)


def _text_content(value: str) -> str:
    start = value.index("{")
    return value[start + 1:-1].strip()


def display_name(key: str) -> str:
    """The name printed for a key: ``ŷ`` for ``\\hat{y}``, ``ℓ`` for ``\\ell``, ``z`` for ``\\mathbf{z}``."""
    if key.startswith("\\") and key[1:] in _GREEK:
        return _GREEK[key[1:]]
    if key.startswith("\\") and "{" in key:
        accent, inner = key[1:].split("{", 1)
        inner = display_name(inner[:-1])
        if accent == "bold":
            return inner
        if accent == "cal":
            return {"L": "ℒ"}.get(inner, inner)
        text = inner + _COMBINING.get(accent, "")
        return unicodedata.normalize("NFC", text)   # ŷ as one character, as proof modules write it
    return key


def normalise_key(text: str) -> str:
    """A declared name in the canonical form of :func:`key_of` (``\\hat y`` and ``\\widehat{y}`` alike)."""
    try:
        tree = parse_row(text.strip())
    except SyntaxProblem:
        return text.strip()
    node = tree.children[0]
    while isinstance(node, Tree) and node.data == "row":
        node = node.children[0]
    try:
        return key_of(node)
    except (ValueError, AttributeError, IndexError):
        return text.strip()


class Names:
    """The names a document declares, as SymPy objects, checked for consistency."""

    def __init__(self, declarations: Declarations):
        self.declarations = declarations
        self.place = declarations.place
        classes = declarations.get("classes")
        if classes is None:
            raise DeclarationError(declarations.place("classes") or "declarations",
                                   "the number of classes is not declared: add 'classes: k' under 'derive:' "
                                   "(in the front matter, a '% derive:' block or a sidecar NAME.derive.yaml)")
        self.count_key = normalise_key(str(classes))
        self.count = ob.classes(display_name(self.count_key))
        self.kinds: dict[str, str] = {self.count_key: "classes"}
        self.indices: dict[str, sp.Symbol] = {}
        self.vectors: dict[str, ob.Vector] = {}
        self.scalars: dict[str, sp.Symbol] = {}
        self.functions: dict[str, str] = {}
        for name in _list(declarations.get("indices")):
            key = self._declare(normalise_key(name), "index", "indices", name)
            self.indices[key] = sp.Symbol(display_name(key), integer=True, positive=True)
        vectors = declarations.get("vectors") or {}
        if isinstance(vectors, list):
            vectors = {v: "real" for v in vectors}
        for name, domain in vectors.items():
            key = self._declare(normalise_key(str(name)), "vector", "vectors", str(name))
            self.vectors[key] = ob.Vector(display_name(key), domain)
        for name in _list(declarations.get("scalars")):
            key = self._declare(normalise_key(name), "scalar", "scalars", name)
            self.scalars[key] = ob.scalar(display_name(key))
        for name, meaning in (declarations.get("functions") or {}).items():
            key = self._declare(normalise_key(str(name)), "function", "functions", str(name))
            self.functions[key] = meaning
        self.sample = str(declarations.get("sample")) if declarations.get("sample") is not None else None
        component = declarations.get("component")
        self.component = None
        if component is not None:
            key = normalise_key(str(component))
            if key not in self.indices:
                raise DeclarationError(declarations.place("component"),
                                       f"'component: {component}' names no declared index: add it to 'indices'")
            self.component = self.indices[key]
        self.refused = {k for k, v in (declarations.get("readings") or {}).items() if v == "refuse"}
        rename = declarations.get("rename") or {}
        self.rename = {kind: normalise_key(str(name)) for kind, name in rename.items()}
        self.facts = self._facts()

    def _declare(self, key: str, kind: str, where: str, written: str | None = None) -> str:
        if key in self.kinds and self.kinds[key] != kind:
            raise DeclarationError(self.declarations.name_place(where, written or key),
                                   f"'{key}' is declared both as {_article(self.kinds[key])} and as "
                                   f"{_article(kind)}: declare it once")
        self.kinds[key] = kind
        return key

    def _facts(self) -> tuple:
        facts = self.declarations.get("facts") or {}
        found = []
        one_hot = facts.get("one-hot", [])
        if isinstance(one_hot, str):
            one_hot = [one_hot]
        items = one_hot.items() if isinstance(one_hot, dict) else ((v, None) for v in one_hot)
        for vector, at in items:
            v = self.vector(normalise_key(str(vector)), "facts")
            if at is None:
                found.append(OneHot(v))
            else:
                key = normalise_key(str(at))
                if key not in self.indices:
                    raise DeclarationError(self.place("facts"), f"one-hot at {at!r}: {at!r} is not a declared "
                                           f"index: add it to 'indices'")
                found.append(OneHot(v, self.indices[key]))
        for vector in _list(facts.get("sums-to-one")):
            found.append(SumsToOne(self.vector(normalise_key(vector), "facts")))
        return tuple(found)

    def vector(self, key: str, where: str) -> ob.Vector:
        if key not in self.vectors:
            raise DeclarationError(self.place(where), f"'{key}' is not a declared vector: add it under "
                                   f"'vectors:' (e.g. '{key}: real')")
        return self.vectors[key]

    def index_from_text(self, text: str, where: str) -> sp.Expr:
        key = normalise_key(text)
        if key in self.indices:
            return self.indices[key]
        raise DeclarationError(self.place(where), f"{text!r} is not a declared index: add it to 'indices'")


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.replace(",", " ").split()
    return [str(v) for v in value]


def _article(kind: str) -> str:
    return {"index": "an index", "vector": "a vector", "scalar": "a scalar", "function": "a function",
            "classes": "the number of classes"}[kind]
