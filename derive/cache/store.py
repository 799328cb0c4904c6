"""Where cached results are kept: the :class:`Store` protocol, the cache folder and a store in memory.

A store keeps plain JSON data (see :mod:`derive.cache.codec`) by kind and key
(see :mod:`derive.cache.keys`).  :class:`Cache` is the folder ``.derive-cache/``:
each entry is one JSON file, written atomically, carrying a digest of its
contents.  A file that is corrupted, edited, written for another key or
version, or whose data does not decode is ignored with a warning, so the
cache can make a run faster but never change its verdicts.
:class:`MemoryStore` keeps entries in a dict (what a worker process hands back).

Not for deciding what to store, nor when: :class:`derive.engine.checking.CachedChecker` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Protocol

from .. import __version__
from .codec import FORMAT, CacheEntryError, decode

__all__ = ["CACHE_DIR", "Cache", "MemoryStore", "Store"]

CACHE_DIR = ".derive-cache"


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise CacheEntryError(what)


class Store(Protocol):
    """Where results are kept as plain data, by kind and key: :class:`Cache` (files) or :class:`MemoryStore`.

    ``warnings`` holds one line per entry the store ignored or could not write.
    """

    warnings: list[str]

    def get(self, kind: str, key: str):
        """The data stored under ``key``, or None."""

    def put(self, kind: str, key: str, data) -> None:
        """Keep ``data`` under ``key`` (a key stands for one check, so any data stored under it is its result)."""


class MemoryStore:
    """Results kept in memory as plain data, by kind and key (what a worker process hands back)."""

    def __init__(self, entries: dict | None = None):
        self.entries: dict[tuple[str, str], object] = dict(entries or {})
        self.warnings: list[str] = []  # nothing in memory is ever ignored

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
        decode(kind, entry["data"])  # it must decode, or it is not used
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

