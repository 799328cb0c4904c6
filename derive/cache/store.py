"""A cache of results under ``.derive-cache/``, so that nothing unchanged is worked out twice.

Three kinds of result are kept, each as plain data, never as code:

* ``outcome``: the checker's verdict on one equality (a step against the one
  before it, a case's start against its last line, a claim against a case);
* ``derived``: a case's result derived mechanically, as a tree of SymPy class
  names and arguments that is rebuilt from a fixed list of classes (an
  expression that does not rebuild exactly is simply not kept);
* ``numeric``: the rows of the numeric checks of a proof's conclusions.

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

Each entry is one JSON file, written atomically, carrying a digest of its
contents.  A file that is corrupted, edited, or written for another key or
version is ignored with a warning and the result is worked out afresh, so the
cache can make a run faster but never change its verdicts.  UNKNOWN outcomes
(out of time) are not stored: they depend on the machine, not on the step.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Protocol

from .. import __version__
from ..core.verdict import Counterexample, Outcome, Verdict

__all__ = ["CACHE_DIR", "Cache", "MemoryStore", "Store", "Canonical", "step_key", "derived_key", "numeric_key",
           "outcome_data", "outcome_from_data", "expression_data", "expression_from_data", "rows_data",
           "rows_from_data", "check_cached", "derive_cached", "numeric_cached", "CacheEntryError", "Unstorable"]

CACHE_DIR = ".derive-cache"
FORMAT = 3  # 3: keys are a canonical structural serialisation (2 printed srepr text)
KINDS = ("outcome", "derived", "numeric")
_HERE = Path(__file__).resolve().parent.parent  # the derive package
_fingerprints: dict[str, str] = {}


class CacheEntryError(ValueError):
    """A cache file that cannot be trusted; the message says why."""


class Unstorable(ValueError):
    """A result that cannot be kept as plain data exactly (it is then worked out every time)."""


def fingerprint(*paths: str) -> str:
    """A hash of source files of derive (``core`` for the whole trusted core): editing them invalidates entries."""
    name = "+".join(paths)
    if name not in _fingerprints:  # one entry per fixed list of files: it cannot grow
        digest = hashlib.sha256()
        for part in paths:
            path = _HERE / part
            for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
                digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        _fingerprints[name] = digest.hexdigest()
    return _fingerprints[name]


# --- keys -------------------------------------------------------------------------------------


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


def _key(kind: str, parts: list[tuple[str, object]]) -> str:
    """The hash of the canonical serialisation of ``parts`` (name, value), with the versions of everything."""
    import mpmath
    import sympy

    canonical = Canonical()
    document = ["derive-cache", FORMAT, kind, ["derive", __version__], ["core", fingerprint("core")],
                ["sympy", sympy.__version__], ["mpmath", mpmath.__version__],
                *[[name, canonical(value)] for name, value in parts]]
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"), check_circular=False)  # a tree
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _context(ctx) -> tuple[str, object]:
    # The context as a whole, field by field: the class count, every assumption with its class and arguments,
    # every definition's name and body, the smallest k, and any field the context gains later.
    return ("context", ctx)


def step_key(left, right, ctx, **options) -> str:
    """The key of ``check_equal(left, right, ctx, **options)``: every keyword option is part of it."""
    return _key("outcome", [_context(ctx), ("options", dict(options)), ("left", left), ("right", right)])


def derived_key(start, ctx, **options) -> str:
    """The key of ``derive_result(start, ctx, **options)``."""
    return _key("derived", [_context(ctx), ("options", dict(options)), ("start", start)])


def numeric_key(conclusions, settings) -> str:
    """The key of ``check_conclusions(conclusions, settings)``."""
    from importlib.metadata import version

    return _key("numeric", [("numeric", fingerprint("numeric")),
                            ("numpy", version("numpy")), ("settings", settings),
                            ("conclusions", tuple(conclusions))])


# --- outcomes ---------------------------------------------------------------------------------


def outcome_data(outcome: Outcome) -> dict:
    """An outcome as plain JSON data (see :func:`outcome_from_data`)."""
    c = outcome.counterexample
    return {
        "verdict": outcome.verdict.value,
        "rules": list(outcome.rules),
        "classes_checked": list(outcome.classes_checked),
        "instances": outcome.instances,
        "counterexample": None if c is None else {
            "classes": c.classes,
            "indices": [[name, value] for name, value in c.indices],
            "inputs": [[name, list(values)] for name, values in c.inputs],
            "left": c.left,
            "right": c.right,
            "classes_name": c.classes_name,
        },
        "message": outcome.message,
        "seconds": outcome.seconds,
    }


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise CacheEntryError(what)


def _strings(value, what: str) -> tuple[str, ...]:
    _expect(isinstance(value, list) and all(isinstance(v, str) for v in value), f"{what} is not a list of text")
    return tuple(value)


def _integer(value, what: str) -> int:
    _expect(isinstance(value, int) and not isinstance(value, bool), f"{what} is not an integer")
    return value


def _pairs(value, what: str) -> list:
    _expect(isinstance(value, list) and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                                            for p in value), f"{what} are not name/value pairs")
    return value


def outcome_from_data(data) -> Outcome:
    """The outcome stored by :func:`outcome_data`; :class:`CacheEntryError` if it is not well formed."""
    _expect(isinstance(data, dict), "the outcome is not an object")
    _expect(set(data) == {"verdict", "rules", "classes_checked", "instances", "counterexample", "message",
                          "seconds"}, "the outcome's fields are not the expected ones")
    _expect(data["verdict"] in {v.value for v in Verdict}, f"unknown verdict {data['verdict']!r}")
    verdict = Verdict(data["verdict"])
    _expect(isinstance(data["classes_checked"], list), "classes_checked is not a list")
    checked = tuple(_integer(k, "a class count") for k in data["classes_checked"])
    _expect(isinstance(data["message"], str), "the message is not text")
    seconds = data["seconds"]
    _expect(isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds >= 0,
            "seconds is not a non-negative number")
    counterexample = None
    raw = data["counterexample"]
    if raw is not None:
        _expect(isinstance(raw, dict) and set(raw) == {"classes", "indices", "inputs", "left", "right",
                                                      "classes_name"},
                "the counterexample's fields are not the expected ones")
        _expect(isinstance(raw["left"], str) and isinstance(raw["right"], str),
                "the counterexample's values are not text")
        _expect(isinstance(raw["classes_name"], str), "the counterexample's name of the class count is not text")
        counterexample = Counterexample(
            classes=None if raw["classes"] is None else _integer(raw["classes"], "the counterexample's k"),
            indices=tuple((name, _integer(value, "an index value"))
                          for name, value in _pairs(raw["indices"], "the counterexample's indices")),
            inputs=tuple((name, _strings(values, "an input"))
                         for name, values in _pairs(raw["inputs"], "the counterexample's inputs")),
            left=raw["left"],
            right=raw["right"],
            classes_name=raw["classes_name"],
        )
    _expect((verdict is Verdict.REFUTED) == (counterexample is not None),
            "a REFUTED outcome needs a counterexample, and only it has one")
    return Outcome(verdict, _strings(data["rules"], "rules"), checked, _integer(data["instances"], "instances"),
                   counterexample, data["message"], float(seconds))


# --- derived expressions ----------------------------------------------------------------------


def _classes() -> dict[str, type]:
    """The classes an expression may be rebuilt from, by name: SymPy's usual ones and derive's own."""
    import sympy as sp

    from ..core import objects

    known = [sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.KroneckerDelta, sp.Sum, sp.Tuple, sp.Indexed,
             sp.IndexedBase, sp.Derivative, sp.Abs]
    known += [v for v in vars(objects).values() if isinstance(v, type) and issubclass(v, sp.Basic)
              and v.__module__ == objects.__name__]
    return {cls.__name__: cls for cls in known}


def _unevaluated() -> tuple[type, ...]:
    import sympy as sp

    return sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.KroneckerDelta, sp.Abs


def _tree(expr, classes):
    import sympy as sp

    if isinstance(expr, sp.Dummy):
        raise Unstorable("a dummy symbol cannot be rebuilt in another process")
    if type(expr) is sp.Symbol:
        return ["Symbol", expr.name, dict(sorted(expr._assumptions_orig.items()))]
    from ..core.objects import Count, Index

    if type(expr) is Count:  # a count is its name (always a positive integer)
        return ["Count", expr.name]
    if type(expr) is Index:  # an index over a count is its name and its count
        return ["Index", expr.name, _tree(expr.count, classes)]
    if isinstance(expr, sp.Rational):
        return ["Rational", int(expr.p), int(expr.q)]
    name = type(expr).__name__
    if classes.get(name) is not type(expr):
        raise Unstorable(f"{name} is not among the classes an expression is rebuilt from")
    return [name, *[_tree(a, classes) for a in expr.args]]


def _rebuild(data, classes, unevaluated):
    import sympy as sp

    _expect(isinstance(data, list) and data and isinstance(data[0], str), "an expression node is not [name, ...]")
    name, *args = data
    if name == "Symbol":
        _expect(len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], dict)
                and all(isinstance(v, bool) for v in args[1].values()), "a symbol is not [name, assumptions]")
        return sp.Symbol(args[0], **args[1])
    if name == "Count":
        _expect(len(args) == 1 and isinstance(args[0], str), "a count is not [name]")
        return classes["Count"](args[0])
    if name == "Index":
        _expect(len(args) == 2 and isinstance(args[0], str), "an index is not [name, count]")
        return classes["Index"](args[0], _rebuild(args[1], classes, unevaluated))
    if name == "Rational":
        _expect(len(args) == 2 and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and args[1] > 0,
                "a rational is not [numerator, denominator]")
        return sp.Rational(args[0], args[1])
    _expect(name in classes, f"unknown expression class {name!r}")
    cls = classes[name]
    built = [_rebuild(a, classes, unevaluated) for a in args]
    try:
        return cls(*built, evaluate=False) if issubclass(cls, unevaluated) else cls(*built)
    except (TypeError, ValueError) as error:
        raise CacheEntryError(f"{name} cannot be rebuilt from its arguments ({error})") from None


def expression_from_data(data):
    """The expression stored by :func:`expression_data`, rebuilt from known classes (never parsed)."""
    return _rebuild(data, _classes(), _unevaluated())


def expression_data(expr):
    """An expression as a tree of class names and arguments; :class:`Unstorable` unless it rebuilds exactly."""
    import sympy as sp

    data = _tree(expr, _classes())
    try:
        rebuilt = expression_from_data(json.loads(json.dumps(data)))
    except CacheEntryError as error:
        raise Unstorable(str(error)) from None
    if rebuilt != expr or sp.srepr(rebuilt) != sp.srepr(expr):
        raise Unstorable("the expression does not rebuild exactly")
    return data


# --- numeric rows -----------------------------------------------------------------------------

_ROW_FIELDS = {"conclusion": str, "k": int, "input_kind": str, "method": str, "max_abs_error": float,
               "max_rel_error": float, "tolerance": float, "passed": bool}


def _number(x: float):
    return x if math.isfinite(x) else repr(x)  # JSON has no infinities or NaN: kept as "inf", "nan"


def rows_data(rows) -> list[dict]:
    """Numeric rows as plain data."""
    return [{name: _number(getattr(r, name)) if kind is float else getattr(r, name)
             for name, kind in _ROW_FIELDS.items()} for r in rows]


def rows_from_data(data) -> tuple:
    from ..numeric.rows import NumericRow

    _expect(isinstance(data, list), "the numeric rows are not a list")
    rows = []
    for raw in data:
        _expect(isinstance(raw, dict) and set(raw) == set(_ROW_FIELDS),
                "a numeric row's fields are not the expected ones")
        values = {}
        for name, kind in _ROW_FIELDS.items():
            value = raw[name]
            if kind is float:
                if isinstance(value, str):
                    _expect(value in ("inf", "-inf", "nan"), f"{name} is not a number")
                    value = float(value)
                _expect(isinstance(value, (int, float)) and not isinstance(value, bool), f"{name} is not a number")
                value = float(value)
            elif kind is int:
                value = _integer(value, name)
            else:
                _expect(isinstance(value, kind), f"{name} is not {kind.__name__}")
            values[name] = value
        rows.append(NumericRow(**values))
    return tuple(rows)


_REBUILD = {"outcome": outcome_from_data, "derived": expression_from_data, "numeric": rows_from_data}


# --- stores -----------------------------------------------------------------------------------


class Store(Protocol):
    """Where results are kept as plain data, by kind and key: :class:`Cache` (files) or :class:`MemoryStore`."""

    def get(self, kind: str, key: str):
        """The data stored under ``key``, or None."""

    def put(self, kind: str, key: str, data) -> None:
        """Keep ``data`` under ``key`` (a key stands for one check, so any data stored under it is its result)."""


class MemoryStore:
    """Results kept in memory as plain data, by kind and key (what a worker process hands back)."""

    def __init__(self, entries: dict | None = None):
        self.entries: dict[tuple[str, str], object] = dict(entries or {})

    def get(self, kind: str, key: str):
        return self.entries.get((kind, key))

    def put(self, kind: str, key: str, data) -> None:
        self.entries[(kind, key)] = data


def _digest(kind: str, key: str, data) -> str:
    return hashlib.sha256(f"{kind}\n{key}\n{json.dumps(data, sort_keys=True)}".encode("utf-8")).hexdigest()


class Cache:
    """The cache folder (``.derive-cache/`` under the project root): one JSON file per result.

    ``warnings`` collects one line per entry ignored or write that failed;
    ``hits`` and ``misses`` count the lookups.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.warnings: list[str] = []
        self.hits = 0
        self.misses = 0
        self._writable = True

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _read(self, kind: str, key: str):
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise CacheEntryError(f"unreadable ({error})") from None
        try:
            entry = json.loads(text)
        except json.JSONDecodeError:
            raise CacheEntryError("not valid JSON") from None
        _expect(isinstance(entry, dict) and set(entry) == {"format", "derive", "kind", "key", "data", "digest"},
                "not a derive cache entry")
        _expect(entry["format"] == FORMAT and entry["derive"] == __version__,
                f"written by another version (format {entry['format']!r}, derive {entry['derive']!r})")
        _expect(entry["key"] == key and entry["kind"] == kind,
                "written for another result (its key does not match its name)")
        _expect(entry["digest"] == _digest(kind, key, entry["data"]), "its contents do not match its digest")
        _REBUILD[kind](entry["data"])  # it must rebuild, or it is not used
        return entry["data"]

    def get(self, kind: str, key: str):
        try:
            data = self._read(kind, key)
        except CacheEntryError as error:
            self.warnings.append(f"ignoring cache entry {self.path(key)}: {error}; working it out again")
            data = None
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def put(self, kind: str, key: str, data) -> None:
        if not self._writable:
            return
        entry = {"format": FORMAT, "derive": __version__, "kind": kind, "key": key, "data": data,
                 "digest": _digest(kind, key, data)}
        try:
            self._prepare()
            _write_atomically(self.path(key), json.dumps(entry, indent=1, sort_keys=True))
        except OSError as error:
            self._writable = False
            self.warnings.append(f"cannot write to the cache {self.folder} ({error}); results are not cached")

    def _prepare(self) -> None:
        if self.folder.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # Like pytest's cache: the folder keeps itself out of version control.
        _write_atomically(self.folder / ".gitignore", "# created by derive\n*\n")
        _write_atomically(self.folder / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                                       "# a cache of derive's results\n")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the whole new one, never a part.

    The text goes to a fresh temporary file in the same folder (so the rename stays on one file system), is
    flushed to disk, and then replaces ``path`` in one step.  Two processes writing one entry at once each
    rename a complete file of their own, and the last rename wins.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".entry-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _replayed(store: Store, kind: str, key: str):
    """The stored result, rebuilt, or None."""
    data = store.get(kind, key)
    if data is None:
        return None
    try:
        return _REBUILD[kind](data)
    except CacheEntryError:
        return None


# --- the cached computations ------------------------------------------------------------------


def check_cached(store: Store, left, right, ctx, **options) -> Outcome:
    """``check_equal(left, right, ctx, **options)`` through ``store``: replay the stored outcome, or check and store it.

    Every option is passed to the checker and is part of the key, so a setting the checker gains is keyed too.
    """
    from ..core.checker import check_equal

    try:
        key = step_key(left, right, ctx, **options)
    except Unstorable:
        return check_equal(left, right, ctx, **options)
    found = _replayed(store, "outcome", key)
    if found is not None:
        return found
    outcome = check_equal(left, right, ctx, **options)
    if outcome.verdict is not Verdict.UNKNOWN:
        store.put("outcome", key, outcome_data(outcome))
    return outcome


def derive_cached(store: Store, start, ctx, **options):
    """``derive_result(start, ctx, **options)`` through ``store`` (every option is part of the key).

    An expression that cannot be kept exactly is derived every time.
    """
    from ..core.derivation import derive_result

    try:
        key = derived_key(start, ctx, **options)
    except Unstorable:
        return derive_result(start, ctx, **options)
    found = _replayed(store, "derived", key)
    if found is not None:
        return found
    expr = derive_result(start, ctx, **options)
    try:
        store.put("derived", key, expression_data(expr))
    except Unstorable:
        pass
    return expr


def numeric_cached(store: Store, conclusions, settings) -> tuple:
    """``check_conclusions`` through ``store``."""
    if not conclusions:
        return ()
    try:
        key = numeric_key(conclusions, settings)
    except Unstorable:
        key = None
    found = _replayed(store, "numeric", key) if key is not None else None
    if found is not None:
        return found
    from ..numeric.check import check_conclusions  # NumPy is imported only when there is something to compute

    rows = tuple(check_conclusions(conclusions, settings))
    if key is None:
        return rows
    store.put("numeric", key, rows_data(rows))
    return rows
