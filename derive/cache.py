"""A cache of results under ``.derive-cache/``, so that nothing unchanged is worked out twice.

Three kinds of result are kept, each as plain data, never as code:

* ``outcome``: the checker's verdict on one equality (a step against the one
  before it, a case's start against its last line, a claim against a case);
* ``derived``: a case's result derived mechanically, as a tree of SymPy class
  names and arguments that is rebuilt from a fixed list of classes (an
  expression that does not rebuild exactly is simply not kept);
* ``numeric``: the rows of the numeric checks of a proof's conclusions.

An entry is keyed by a hash of everything its result depends on: the
expressions involved (printed exactly, with ``srepr``), the case's number of
classes, assumptions and definitions, the names a step may use, the time
budget and the largest k of the instance checks (or the seed and the class
counts of the numeric checks), the version of ``derive`` and a fingerprint of
the source that computes it.  Change any of these and the key changes, so a
changed step is checked again while its unchanged neighbours are replayed.

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
import re
import tempfile
from dataclasses import fields, is_dataclass
from pathlib import Path

from . import __version__
from .core.verdict import Counterexample, Outcome, Verdict

__all__ = ["CACHE_DIR", "Cache", "MemoryStore", "step_key", "derived_key", "numeric_key", "outcome_data",
           "outcome_from_data", "expression_data", "expression_from_data", "rows_data", "rows_from_data",
           "check_cached", "derive_cached", "numeric_cached", "CacheEntryError", "Unstorable"]

CACHE_DIR = ".derive-cache"
FORMAT = 2
KINDS = ("outcome", "derived", "numeric")
_HERE = Path(__file__).resolve().parent
_DUMMY = re.compile(r"dummy_index=(\d+)")
_fingerprints: dict[str, str] = {}


class CacheEntryError(ValueError):
    """A cache file that cannot be trusted; the message says why."""


class Unstorable(ValueError):
    """A result that cannot be kept as plain data exactly (it is then worked out every time)."""


def fingerprint(*paths: str) -> str:
    """A hash of source files of derive (``core`` for the whole trusted core): editing them invalidates entries."""
    name = "+".join(paths)
    if name not in _fingerprints:
        digest = hashlib.sha256()
        for part in paths:
            path = _HERE / part
            for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
                digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        _fingerprints[name] = digest.hexdigest()
    return _fingerprints[name]


# srepr of the expressions printed so far, by identity (each entry holds its expression, so ids stay unique):
# a step's right side is the next step's left side, and a case's context is printed for each of its steps.
_SREPR: dict[int, tuple[object, str]] = {}


def _srepr(value) -> str:
    import sympy as sp

    known = _SREPR.get(id(value))
    if known is None or known[0] is not value:
        known = _SREPR[id(value)] = (value, sp.srepr(value))
    return known[1]


def _printed(value) -> str:
    """``value`` printed exactly, with SymPy's ``srepr``; dummy symbols numbered by first appearance."""
    import sympy as sp

    if isinstance(value, sp.Basic):
        text = _srepr(value)
    elif is_dataclass(value):
        text = type(value).__name__ + "(" + ", ".join(
            _printed(getattr(value, f.name)) for f in fields(value) if f.compare) + ")"
    elif isinstance(value, (tuple, list)):
        text = "(" + ", ".join(_printed(v) for v in value) + ")"
    else:
        text = repr(value)
    numbers: dict[str, int] = {}
    return _DUMMY.sub(lambda m: f"dummy_index={numbers.setdefault(m.group(1), len(numbers))}", text)


def _key(kind: str, *parts: str) -> str:
    text = "\n".join([f"derive-cache {FORMAT} {kind}", f"derive {__version__}", f"core {fingerprint('core')}",
                      *parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _context(ctx) -> list[str]:
    return ["classes " + _printed(ctx.n) + f" from {ctx.minimum_classes}",
            "assumptions " + _printed(tuple(ctx.assumptions)),
            "definitions " + _printed(tuple((d.name, d.body) for d in ctx.definitions))]


def step_key(left, right, ctx, *, seconds, max_classes, known) -> str:
    """The key of ``check_equal(left, right, ctx, ...)``."""
    return _key("outcome", "left " + _printed(left), "right " + _printed(right), *_context(ctx),
                "known " + ",".join(sorted(known)), f"budget {seconds!r}", f"max_classes {max_classes!r}")


def derived_key(start, ctx) -> str:
    """The key of ``derive_result(start, ctx)``."""
    return _key("derived", "start " + _printed(start), *_context(ctx))


def numeric_key(conclusions, settings) -> str:
    """The key of ``check_conclusions(conclusions, settings)``."""
    from importlib.metadata import version

    return _key("numeric", f"numeric {fingerprint('numeric.py', 'numeric_model.py')}",
                f"numpy {version('numpy')}", f"mpmath {version('mpmath')}",
                "conclusions " + _printed(tuple(conclusions)), "settings " + _printed(settings))


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
            classes=_integer(raw["classes"], "the counterexample's k"),
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

    from .core import objects

    known = [sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.KroneckerDelta, sp.Sum, sp.Tuple, sp.Indexed,
             sp.IndexedBase, sp.Derivative, sp.Abs]
    known += [v for v in vars(objects).values() if isinstance(v, type) and issubclass(v, sp.Basic)
              and v.__module__ == objects.__name__]
    return {cls.__name__: cls for cls in known}


def _unevaluated() -> tuple[type, ...]:
    import sympy as sp

    return sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.KroneckerDelta


def _tree(expr, classes):
    import sympy as sp

    if isinstance(expr, sp.Dummy):
        raise Unstorable("a dummy symbol cannot be rebuilt in another process")
    if type(expr) is sp.Symbol:
        return ["Symbol", expr.name, dict(sorted(expr._assumptions_orig.items()))]
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
    from .numeric_model import NumericRow

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
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    json.dump(entry, file, indent=1, sort_keys=True)
                os.replace(temporary, self.path(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            self._writable = False
            self.warnings.append(f"cannot write to the cache {self.folder} ({error}); results are not cached")

    def _prepare(self) -> None:
        if self.folder.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # Like pytest's cache: the folder keeps itself out of version control.
        (self.folder / ".gitignore").write_text("# created by derive\n*\n", encoding="utf-8")
        (self.folder / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                                                 "# a cache of derive's results\n", encoding="utf-8")


def _replayed(store, kind: str, key: str):
    """The stored result, rebuilt, or None."""
    data = store.get(kind, key)
    if data is None:
        return None
    try:
        return _REBUILD[kind](data)
    except CacheEntryError:
        return None


# --- the cached computations ------------------------------------------------------------------


def check_cached(store, left, right, ctx, *, seconds, max_classes, known=frozenset()) -> Outcome:
    """``check_equal`` through ``store``: replay the stored outcome, or check and store it."""
    from .core.checker import check_equal

    key = step_key(left, right, ctx, seconds=seconds, max_classes=max_classes, known=known)
    found = _replayed(store, "outcome", key)
    if found is not None:
        return found
    outcome = check_equal(left, right, ctx, seconds=seconds, max_classes=max_classes, known=known)
    if outcome.verdict is not Verdict.UNKNOWN:
        store.put("outcome", key, outcome_data(outcome))
    return outcome


def derive_cached(store, start, ctx):
    """``derive_result`` through ``store`` (an expression that cannot be kept exactly is derived every time)."""
    from .core.derivation import derive_result

    key = derived_key(start, ctx)
    found = _replayed(store, "derived", key)
    if found is not None:
        return found
    expr = derive_result(start, ctx)
    try:
        store.put("derived", key, expression_data(expr))
    except Unstorable:
        pass
    return expr


def numeric_cached(store, conclusions, settings) -> tuple:
    """``check_conclusions`` through ``store``."""
    if not conclusions:
        return ()
    key = numeric_key(conclusions, settings)
    found = _replayed(store, "numeric", key)
    if found is not None:
        return found
    from .numeric import check_conclusions

    rows = tuple(check_conclusions(conclusions, settings))
    store.put("numeric", key, rows_data(rows))
    return rows
