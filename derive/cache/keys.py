"""Cache keys: a canonical serialisation of everything a result depends on, and its hash.

An entry is keyed by a hash of everything its result depends on, and
nothing else: the expressions involved and the case's context (its number of
classes, assumptions, definitions and smallest k), serialised structurally by
:class:`Canonical` so that two different trees never share a key; every
option given to the checker (the names a step may use, the time budget, the
largest k of the instance checks), or the seed and the class counts of the
numeric checks; the versions of ``derive``, SymPy and mpmath, and a
fingerprint of the source that computes the result.  Change any of these and
the key changes, so a changed step is checked again while its unchanged
neighbours are replayed.

:class:`Keys` makes the keys of one run and remembers, for that run only, the
fingerprints of the source; :func:`step_key`, :func:`derived_key` and
:func:`numeric_key` make one key afresh.  Not for what is stored under a key
(see :mod:`derive.cache.codec`) nor where (see :mod:`derive.cache.store`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields, is_dataclass
from enum import Enum
from pathlib import Path

from .. import __version__
from .codec import FORMAT, Unstorable

__all__ = ["Canonical", "Keys", "fingerprint", "step_key", "derived_key", "numeric_key"]

_HERE = Path(__file__).resolve().parent.parent  # the derive package


def fingerprint(*paths: str) -> str:
    """A hash of source files of derive (``core`` for the whole trusted core): editing them invalidates entries."""
    digest = hashlib.sha256()
    for part in paths:
        path = _HERE / part
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Canonical:
    """The canonical serialisation of the values one key is made of, as nested JSON lists.

    Every node starts with a tag naming what it is (a Python type, or the
    qualified name of a SymPy class), followed by the node's exact identity:
    a symbol's name and all its assumptions, a number's exact value, a
    vector's label, domain, shape, offset and strides, an undefined
    function's assumptions, then the node's arguments in order.  The result
    is encoded as JSON, which reads back to the same lists, so two values
    serialise alike only if they are the same tree: nothing is printed and
    then edited, and user-chosen names are kept exactly as written.

    Symbols, dummy symbols and vectors are numbered, each kind apart, by
    first appearance in one numbering across everything serialised by this
    instance (the context, the settings and both sides of a step): the first
    appearance is written out in full with its number, every later one is
    only its number.  For a dummy symbol the number replaces the process-wide
    index SymPy gives it, so a proof loaded again (with fresh dummies) gets
    the same key, while two different dummies in one key stay different.
    Use one instance per key.

    A value of a kind not listed here raises :class:`Unstorable`: it is then
    checked every time rather than keyed by something that might not tell it
    apart from another value.
    """

    def __init__(self):
        import sympy as sp
        from sympy.core.function import UndefinedFunction

        self._sp = sp
        self._undefined = UndefinedFunction
        self._tables: dict[str, dict] = {}  # numbers of the dummies, symbols and vectors met so far, by kind
        # The dispatcher: the first class of a value's MRO found here serialises it.
        self._dispatch = {
            type(None): self._none, bool: self._bool, int: self._int, float: self._float, str: self._str,
            tuple: self._sequence, list: self._sequence, frozenset: self._set, set: self._set,
            dict: self._dict,
            sp.Dummy: self._dummy, sp.Symbol: self._symbol, sp.IndexedBase: self._indexed_base,
            sp.Indexed: self._indexed,
            sp.Rational: self._rational, sp.Basic: self._basic,
        }
        self._resolved: dict[type, object] = {}  # the method found for each type met so far

    def __call__(self, value) -> list:
        method = self._resolved.get(type(value))
        if method is None:
            method = self._resolved[type(value)] = self._method(type(value))
        return method(value)

    def _method(self, cls: type):
        if is_dataclass(cls):
            return self._dataclass
        if issubclass(cls, Enum):  # before int or str, which an enum may also be
            return self._enum
        for base in cls.__mro__:
            if base in self._dispatch:
                return self._dispatch[base]
        return self._unknown

    @staticmethod
    def _unknown(value):
        raise Unstorable(f"a {_qualified(type(value))} has no canonical form for a cache key")

    def text(self, value) -> str:
        """``value`` serialised and encoded as JSON (ASCII, so every string reads back exactly)."""
        return json.dumps(self(value), ensure_ascii=True, separators=(",", ":"))

    @staticmethod
    def _none(value) -> list:
        return ["None"]

    @staticmethod
    def _bool(value) -> list:
        return ["bool", bool(value)]

    @staticmethod
    def _int(value) -> list:
        return ["int", str(int(value))]

    @staticmethod
    def _float(value) -> list:
        return ["float", float(value).hex()]  # exact, and tells -0.0, inf and nan apart

    @staticmethod
    def _str(value) -> list:
        return ["str", str(value)]

    def _sequence(self, value) -> list:
        return [type(value).__name__ if type(value) in (tuple, list) else _qualified(type(value)),
                *[self(v) for v in value]]

    def _set(self, value) -> list:
        # A set has no order: its members are sorted by their own serialisation (any fixed order does, and the
        # repr of lists of text and booleans is a quick one).  Dummies inside a set would be numbered in an order
        # that depends on hashing, so they are refused.
        return ["set", *sorted((self._closed(v) for v in value), key=repr)]

    def _dict(self, value) -> list:
        pairs = [[self._closed(k), self(v)] for k, v in value.items()]
        return ["dict", *sorted(pairs, key=lambda pair: repr(pair[0]))]

    def _closed(self, value) -> list:
        """``value`` serialised on its own (a member of a set, a key of a mapping), numbered apart from the rest.

        Members have no order, so they cannot share the key's numbering, which follows the order of appearance.
        """
        if type(value) in (str, int, bool, float, type(None)):  # nothing in them is numbered
            return self(value)
        canonical = Canonical()
        serialised = canonical(value)
        if canonical._tables.get("Dummy"):
            raise Unstorable("a dummy symbol in a set or as a mapping's key has no order to number it by")
        return serialised

    def _enum(self, value) -> list:
        return ["enum", _qualified(type(value)), self(value.value)]

    def _dataclass(self, value) -> list:
        # Every field that takes part in equality; fields left out of it (compare=False) are derived or cosmetic.
        return ["dataclass", _qualified(type(value)),
                *[[f.name, self(getattr(value, f.name))] for f in fields(value) if f.compare]]

    @staticmethod
    def _assumptions(pairs) -> list:
        """Assumptions (name, True/False) as they are: names are text and values JSON's own booleans."""
        return [[str(name), bool(truth)] for name, truth in pairs]

    def _named(self, kind: str, identity, describe) -> list:
        """A symbol, dummy or vector: in full where it first appears in this key, by its number after that.

        Numbers count first appearances of each kind in this key, so ``[kind, n]`` always refers to the one
        written out in full as ``[kind, n, ...]`` before it: the text still tells every tree apart.
        """
        table = self._tables.setdefault(kind, {})
        number = table.get(identity)
        if number is not None:
            return [kind, number]
        number = table[identity] = len(table)
        return [kind, number, *describe()]

    def _dummy(self, value) -> list:
        # The name and the assumptions; its number in this key stands for its process-wide index.
        return self._named("Dummy", value, lambda: [_qualified(type(value)), value.name,
                                                    self._assumptions(value._assumptions0)])

    def _symbol(self, value) -> list:
        if type(value) is not self._sp.Symbol:
            return self._basic(value)  # a Wild or another kind of symbol: everything SymPy compares
        # SymPy compares symbols by their name and every assumption, exactly what is written out.
        return self._named("Symbol", value, lambda: [value.name, self._assumptions(value._assumptions0)])

    def _indexed_base(self, value) -> list:
        # The label (a symbol with its assumptions) and the shape are its arguments; SymPy keeps the assumptions,
        # offset and strides beside them (and does not compare the last two), and a Vector's domain is read
        # from its label.
        def describe():
            domain = value.domain if isinstance(getattr(type(value), "domain", None), property) else None
            return [_qualified(type(value)), ["assumptions", self._assumptions(sorted(value.assumptions0.items()))],
                    ["offset", self(value.offset)], ["strides", self(value.strides)], ["domain", self(domain)],
                    ["args", *[self(a) for a in value.args]]]

        identity = (type(value), value, value.offset, value.strides)
        try:
            hash(identity)
        except TypeError:  # strides given as a list, which cannot be looked up: written out in full every time
            return ["IndexedBase", None, *describe()]
        return self._named("IndexedBase", identity, describe)

    def _indexed(self, value) -> list:
        # SymPy compares an entry by its arguments (the vector and the indices) and its assumptions.
        return [_qualified(type(value)), ["assumptions", self._assumptions(sorted(value.assumptions0.items()))],
                ["args", *[self(a) for a in value._args]]]

    @staticmethod
    def _rational(value) -> list:
        return [_qualified(type(value)), str(value.p), str(value.q)]  # SymPy keeps every rational in lowest terms

    def _basic(self, value) -> list:
        node = [_qualified(type(value))]
        if isinstance(type(value), self._undefined):  # f = Function("f", real=True): the function's assumptions
            node.append(["function", type(value).__name__, self(tuple(sorted(type(value)._kwargs.items())))])
        # What SymPy compares beyond the arguments (an entry's assumptions, a float's value, ...).
        content, args = value._hashable_content(), value._args
        if content is not args:
            if len(content) >= len(args) and all(c is a for c, a in zip(content, args)):
                extra = content[len(args):]  # the arguments and then more: only the more
                if all(isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], str) and isinstance(e[1], bool)
                       for e in extra):
                    node.append(["assumptions", self._assumptions(extra)])
                else:
                    node.append(["extra", self(extra)])
            else:
                node.append(["content", self(content)])
        node.append(["args", *[self(a) for a in args]])
        return node



class Keys:
    """The keys of the entries of one run.

    The fingerprints of the source are read once per run and kept here (not in
    a module global), so that a run started after the source changed sees the
    change.
    """

    def __init__(self):
        self._fingerprints: dict[tuple[str, ...], str] = {}

    def _fingerprint(self, *paths: str) -> str:
        if paths not in self._fingerprints:
            self._fingerprints[paths] = fingerprint(*paths)
        return self._fingerprints[paths]

    def _key(self, kind: str, parts: list[tuple[str, object]]) -> str:
        """The hash of the canonical serialisation of ``parts`` (name, value), with the versions of everything."""
        import mpmath
        import sympy

        canonical = Canonical()
        document = ["derive-cache", FORMAT, kind, ["derive", __version__], ["core", self._fingerprint("core")],
                    ["sympy", sympy.__version__], ["mpmath", mpmath.__version__],
                    *[[name, canonical(value)] for name, value in parts]]
        text = json.dumps(document, ensure_ascii=True, separators=(",", ":"), check_circular=False)  # a tree
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    # The context goes in as a whole, field by field: the class count, every assumption with its class and
    # arguments, every definition's name and body, the smallest k, and any field the context gains later.

    def step(self, left, right, ctx, **options) -> str:
        """The key of ``check_equal(left, right, ctx, **options)``: every keyword option is part of it."""
        return self._key("outcome", [("context", ctx), ("options", dict(options)), ("left", left),
                                     ("right", right)])

    def derived(self, start, ctx, **options) -> str:
        """The key of ``derive_result(start, ctx, **options)``."""
        return self._key("derived", [("context", ctx), ("options", dict(options)), ("start", start)])

    def numeric(self, conclusions, settings) -> str:
        """The key of ``check_conclusions(conclusions, settings)``."""
        from importlib.metadata import version

        return self._key("numeric", [("numeric", self._fingerprint("numeric")),
                                     ("numpy", version("numpy")), ("settings", settings),
                                     ("conclusions", tuple(conclusions))])


def step_key(left, right, ctx, **options) -> str:
    """The key of ``check_equal(left, right, ctx, **options)`` (see :meth:`Keys.step`)."""
    return Keys().step(left, right, ctx, **options)


def derived_key(start, ctx, **options) -> str:
    """The key of ``derive_result(start, ctx, **options)`` (see :meth:`Keys.derived`)."""
    return Keys().derived(start, ctx, **options)


def numeric_key(conclusions, settings) -> str:
    """The key of ``check_conclusions(conclusions, settings)`` (see :meth:`Keys.numeric`)."""
    return Keys().numeric(conclusions, settings)
