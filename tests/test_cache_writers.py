"""Two processes writing to one cache folder at once lose nothing and corrupt nothing.

Workers of ``-j N`` (and two ``derive check`` runs in one folder) write entries at the same time, some of
them under the same key.  Every entry is written to a temporary file in the folder and renamed into place,
so a reader sees either no entry or a whole one, and of two writers of one key the last rename wins.
"""

from __future__ import annotations

import hashlib
import multiprocessing

import pytest

from derive.cache.codec import encode
from derive.cache.store import CACHE_DIR, Cache
from derive.core.verdict import Outcome, Verdict

ENTRIES = 150  # per writer, on top of the entries both write
SHARED = 50
BULK = "x" * 100_000  # a large entry takes long enough to write that a torn write would be seen


def _key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _entry(writer: str, name: str) -> dict:
    return encode("outcome", Outcome(Verdict.PROVED, ("rational",), (), 0, None, f"{writer} {name} {BULK}", 0.5))


def _keys(writer: str) -> list[str]:
    """What one writer writes, in order: its own entries, with the entries both write among the first."""
    order = []
    for n in range(ENTRIES):
        order.append(f"{writer}-{n}")
        if n < SHARED:
            order.append(f"shared-{n}")
    return order


def _write(folder, writer: str, start) -> None:
    cache = Cache(folder)
    start.wait()
    for name in _keys(writer):
        cache.put("outcome", _key(name), _entry(writer, name))
    assert not cache.warnings, cache.warnings


@pytest.mark.parametrize("round", range(3))  # a torn write is a race: three rounds to meet it
def test_two_processes_writing_at_once_lose_no_entry_and_corrupt_none(tmp_path, round):
    folder = tmp_path / CACHE_DIR  # not created yet: both writers create it and its marker files
    context = multiprocessing.get_context("fork")
    start = context.Barrier(3)
    writers = [context.Process(target=_write, args=(folder, writer, start)) for writer in ("first", "second")]
    for process in writers:
        process.start()
    start.wait()
    # read while they write: an entry is absent or whole, never a part of one
    reader = Cache(folder)
    names = [name for writer in ("first", "second") for name in _keys(writer)]
    while any(process.is_alive() for process in writers):
        for name in names[::3]:
            reader.get("outcome", _key(name))
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert not reader.warnings, reader.warnings[:3]

    after = Cache(folder)
    for name in sorted(set(names)):
        data = after.get("outcome", _key(name))
        assert data is not None, f"entry {name} was lost"
        writer = data["message"].split(" ", 1)[0]
        if name.startswith("shared"):
            assert writer in ("first", "second")
        else:
            assert name.startswith(writer)
        assert data == _entry(writer, name)
    assert not after.warnings and after.misses == 0
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".json")) == [".gitignore", "CACHEDIR.TAG"]
    assert len(list(folder.glob("*.json"))) == len(set(names)) == 2 * ENTRIES + SHARED
    assert (folder / ".gitignore").read_text() == "# created by derive\n*\n"
