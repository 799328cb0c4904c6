"""A cache of step outcomes under ``.derive-cache/``, so that an unchanged step is not checked twice.

An entry is keyed by a hash of everything the checker's answer depends on:
the two sides of the step (printed exactly, with ``srepr``), the case's number
of classes, assumptions and definitions, the names a step may use, the time
budget and the largest k of the instance checks, the version of ``derive`` and
a fingerprint of the trusted core's source.  Change any of these and the key
changes, so a changed step is checked again while its unchanged neighbours
are replayed.

An entry holds the plain outcome (verdict, rules, instances, counterexample,
message, seconds), never an expression.  Each entry is one JSON file, written
atomically; a file that is corrupted, edited, or written for another key or
version is ignored with a warning and the step is checked afresh, so the cache
can make a run faster but never change its verdicts.  UNKNOWN outcomes (out of
time) are not stored: they depend on the machine, not on the step.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import fields, is_dataclass
from pathlib import Path

from . import __version__
from .core.verdict import Counterexample, Outcome, Verdict

__all__ = ["CACHE_DIR", "Cache", "MemoryStore", "step_key", "outcome_data", "outcome_from_data",
           "check_cached", "CacheEntryError"]

CACHE_DIR = ".derive-cache"
FORMAT = 1
_CORE = Path(__file__).resolve().parent / "core"
_DUMMY = re.compile(r"dummy_index=(\d+)")
_core_fingerprint: str | None = None


class CacheEntryError(ValueError):
    """A cache file that cannot be trusted; the message says why."""


def core_fingerprint() -> str:
    """A hash of the trusted core's source: editing the checker invalidates every entry."""
    global _core_fingerprint
    if _core_fingerprint is None:
        digest = hashlib.sha256()
        for path in sorted(_CORE.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _core_fingerprint = digest.hexdigest()
    return _core_fingerprint


def _printed(value) -> str:
    """``value`` printed exactly, with SymPy's ``srepr``; dummy symbols numbered by first appearance."""
    import sympy as sp

    if isinstance(value, sp.Basic):
        text = sp.srepr(value)
    elif is_dataclass(value):
        text = type(value).__name__ + "(" + ", ".join(_printed(getattr(value, f.name)) for f in fields(value)) + ")"
    elif isinstance(value, (tuple, list)):
        text = "(" + ", ".join(_printed(v) for v in value) + ")"
    else:
        text = repr(value)
    numbers: dict[str, int] = {}
    return _DUMMY.sub(lambda m: f"dummy_index={numbers.setdefault(m.group(1), len(numbers))}", text)


def step_key(left, right, ctx, *, seconds, max_classes, known) -> str:
    """The cache key of ``check_equal(left, right, ctx, ...)``: a SHA-256 of all it depends on."""
    parts = [
        f"derive-cache {FORMAT}",
        f"derive {__version__}",
        f"core {core_fingerprint()}",
        "left " + _printed(left),
        "right " + _printed(right),
        "classes " + _printed(ctx.n) + f" from {ctx.minimum_classes}",
        "assumptions " + _printed(tuple(ctx.assumptions)),
        "definitions " + _printed(tuple((d.name, d.body) for d in ctx.definitions)),
        "known " + ",".join(sorted(known)),
        f"budget {seconds!r}",
        f"max_classes {max_classes!r}",
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


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
        _expect(isinstance(raw["indices"], list) and all(isinstance(p, list) and len(p) == 2 and
                                                         isinstance(p[0], str) for p in raw["indices"]),
                "the counterexample's indices are not name/value pairs")
        _expect(isinstance(raw["inputs"], list) and all(isinstance(p, list) and len(p) == 2 and
                                                        isinstance(p[0], str) for p in raw["inputs"]),
                "the counterexample's inputs are not name/values pairs")
        _expect(isinstance(raw["left"], str) and isinstance(raw["right"], str),
                "the counterexample's values are not text")
        _expect(isinstance(raw["classes_name"], str), "the counterexample's name of the class count is not text")
        counterexample = Counterexample(
            classes=_integer(raw["classes"], "the counterexample's k"),
            indices=tuple((name, _integer(value, "an index value")) for name, value in raw["indices"]),
            inputs=tuple((name, _strings(values, "an input")) for name, values in raw["inputs"]),
            left=raw["left"],
            right=raw["right"],
            classes_name=raw["classes_name"],
        )
    _expect((verdict is Verdict.REFUTED) == (counterexample is not None),
            "a REFUTED outcome needs a counterexample, and only it has one")
    return Outcome(verdict, _strings(data["rules"], "rules"), checked, _integer(data["instances"], "instances"),
                   counterexample, data["message"], float(seconds))


def _digest(key: str, outcome: dict) -> str:
    return hashlib.sha256((key + "\n" + json.dumps(outcome, sort_keys=True)).encode("utf-8")).hexdigest()


class MemoryStore:
    """Outcomes kept in memory, as plain data (what a worker process hands back)."""

    def __init__(self, entries: dict | None = None):
        self.entries: dict[str, dict] = dict(entries or {})

    def get(self, key: str) -> Outcome | None:
        data = self.entries.get(key)
        return None if data is None else outcome_from_data(data)

    def put(self, key: str, outcome: Outcome) -> None:
        self.entries[key] = outcome_data(outcome)


class Cache:
    """The cache folder (``.derive-cache/`` under the project root): one JSON file per outcome.

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

    def _read(self, key: str) -> Outcome | None:
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
        _expect(isinstance(entry, dict) and set(entry) == {"format", "derive", "key", "outcome", "digest"},
                "not a derive cache entry")
        _expect(entry["format"] == FORMAT and entry["derive"] == __version__,
                f"written by another version (format {entry['format']!r}, derive {entry['derive']!r})")
        _expect(entry["key"] == key, "written for another step (its key does not match its name)")
        _expect(entry["digest"] == _digest(key, entry["outcome"]), "its contents do not match its digest")
        return outcome_from_data(entry["outcome"])

    def get(self, key: str) -> Outcome | None:
        try:
            outcome = self._read(key)
        except CacheEntryError as error:
            self.warnings.append(f"ignoring cache entry {self.path(key)}: {error}; checking the step again")
            outcome = None
        if outcome is None:
            self.misses += 1
        else:
            self.hits += 1
        return outcome

    def put(self, key: str, outcome: Outcome) -> None:
        if outcome.verdict is Verdict.UNKNOWN or not self._writable:
            return
        data = outcome_data(outcome)
        entry = {"format": FORMAT, "derive": __version__, "key": key, "outcome": data, "digest": _digest(key, data)}
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
                                                 "# a cache of derive's step outcomes\n", encoding="utf-8")


def check_cached(store, left, right, ctx, *, seconds, max_classes, known=frozenset()) -> Outcome:
    """``check_equal`` through ``store``: replay the stored outcome, or check and store it."""
    from .core.checker import check_equal

    key = step_key(left, right, ctx, seconds=seconds, max_classes=max_classes, known=known)
    found = store.get(key)
    if found is not None:
        return found
    outcome = check_equal(left, right, ctx, seconds=seconds, max_classes=max_classes, known=known)
    store.put(key, outcome)
    return outcome
