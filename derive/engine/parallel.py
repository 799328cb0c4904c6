"""Checking many proofs, in this process or in forked worker processes, with the same report either way.

With ``jobs > 1`` the cases of all proofs, and the numeric checks of their
conclusions, are shared among worker processes forked after the proofs are
loaded.  A worker hands back only plain data, under the cache's own keys
(which tell every check apart, see :class:`derive.cache.keys.Canonical`): the
outcome of every check, the derived results as trees of class names, the
numeric rows (SymPy expressions do not survive pickling faithfully).  The
parent then builds every report in the input order with
:func:`derive.engine.run.check_proof`, through a checker whose store replays
those results instead of working them out again
(:meth:`derive.engine.checking.Checker.through`), so ``-j 2`` gives the same
report as ``-j 1`` apart from timings.
"""

from __future__ import annotations

import multiprocessing
import time

from ..cache.store import MemoryStore
from ..model.report import ProofReport
from .checking import Checker
from .run import check_case, check_proof
from .settings import Settings

__all__ = ["check_proofs", "checks_in"]


def checks_in(proofs) -> int:
    """How many checks the proofs need: one per step, and one per case for its derived result."""
    return sum(len(case.steps) + 1 for proof in proofs for case in proof.cases)


class _Through:
    """A store that passes lookups to another (or to none), records what it saw, and tells the progress."""

    def __init__(self, inner, progress, record: MemoryStore | None = None):
        self.inner = inner
        self.progress = progress
        self.record = record
        self.disputed: set = set()  # keys recorded twice with different results (see _merge)

    @property
    def warnings(self) -> list[str]:
        return self.inner.warnings if self.inner is not None else []

    def get(self, kind: str, key: str):
        found = self.inner.get(kind, key) if self.inner is not None else None
        if found is not None:
            self._done(kind, key, found)
        return found

    def put(self, kind: str, key: str, data) -> None:
        if self.inner is not None:
            self.inner.put(kind, key, data)
        self._done(kind, key, data)

    def _done(self, kind: str, key: str, data) -> None:
        if self.record is not None:
            _merge(self.record, {(kind, key): data}, self.disputed)
        if self.progress is not None and kind == "outcome":
            self.progress.advance(1)


class _Replay:
    """A store that replays the workers' results first, then falls back to the real one."""

    def __init__(self, replayed: MemoryStore, inner):
        self.replayed = replayed
        self.inner = inner

    @property
    def warnings(self) -> list[str]:
        return self.inner.warnings if self.inner is not None else []

    def get(self, kind: str, key: str):
        found = self.replayed.get(kind, key)
        if found is None and self.inner is not None:
            found = self.inner.get(kind, key)
        return found

    def put(self, kind: str, key: str, data) -> None:
        if self.inner is not None:
            self.inner.put(kind, key, data)


def check_proofs(proofs, settings: Settings, checker: Checker | None = None, *,
                 progress=None) -> tuple[ProofReport, ...]:
    """Check ``proofs`` (in order) with ``settings.jobs`` processes, asking the core through ``checker``
    (default: no cache); ``progress`` is told of every check done."""
    global _WORK
    checker = checker or Checker()
    proofs = list(proofs)
    tasks = _tasks(proofs, settings)
    pool = None
    if settings.jobs > 1 and len(tasks) > 1:
        # Fork before a progress display starts its thread; the children inherit the loaded proofs.
        _WORK = (proofs, settings, checker)
        pool = multiprocessing.get_context("fork").Pool(min(settings.jobs, len(tasks)))
    try:
        if progress is not None:
            progress.start(checks_in(proofs))
        replayed = _gather(pool, tasks, proofs, checker, progress) if pool is not None else None
        reports = []
        for proof in proofs:
            started = time.perf_counter()
            if replayed is None:
                store = _Through(checker.store, progress)
            else:
                store = _Replay(replayed, checker.store)
            report = check_proof(proof, settings, checker.through(store))
            reports.append(report)
            if progress is not None:
                progress.proof_done(report, time.perf_counter() - started)
        return tuple(reports)
    finally:
        if progress is not None:
            progress.stop()
        if pool is not None:
            pool.terminate()
            pool.join()
            _WORK = None


# What the workers check: set in the parent just before forking, inherited by the children.
_WORK: tuple[list, Settings, Checker] | None = None


def _tasks(proofs, settings: Settings) -> list[tuple[str, int, int]]:
    """What workers do: the numeric checks of each proof with conclusions (the longest, first), every case."""
    numeric = [("numeric", p, 0) for p, proof in enumerate(proofs) if settings.numeric is not None and proof.conclusions]
    return numeric + [("case", p, c) for p, proof in enumerate(proofs) for c in range(len(proof.cases))]


def _check_in_worker(task: tuple[str, int, int]):
    kind, proof_index, case_index = task
    proofs, settings, checker = _WORK
    record = MemoryStore()
    before = len(checker.warnings)
    through = _Through(checker.store, None, record)
    recording = checker.through(through)
    proof = proofs[proof_index]
    if kind == "case":
        check_case(proof.cases[case_index], settings, recording)
    else:
        from ..numeric.rows import NumericError

        try:
            recording.numeric(proof.conclusions, settings.numeric)
        except NumericError:
            pass  # the parent meets it again and reports it
    warnings = list(checker.warnings[before:])
    return task, record.entries, through.disputed, warnings


def _same_result(one, other) -> bool:
    """Two results stored under one key agree, apart from the time they took."""
    if isinstance(one, dict) and isinstance(other, dict):
        return {k: v for k, v in one.items() if k != "seconds"} == {k: v for k, v in other.items() if k != "seconds"}
    return one == other


def _merge(replayed: MemoryStore, entries: dict, disputed: set) -> None:
    """Add results to ``replayed``, keyed as the cache keys them (see :class:`derive.cache.keys.Keys`).

    A key stands for one check, so two checks that met one key (two cases sharing a step, in one worker or in
    two) found one result.  Should they ever disagree, the key is dropped for good and the parent works the
    check out itself: no result is taken for a check it may not have come from.
    """
    for entry_key, data in entries.items():
        if entry_key in disputed:
            continue
        known = replayed.entries.get(entry_key)
        if known is None:
            replayed.entries[entry_key] = data
        elif not _same_result(known, data):
            del replayed.entries[entry_key]
            disputed.add(entry_key)


def _gather(pool, tasks, proofs, checker: Checker, progress) -> MemoryStore:
    """Every worker's outcomes, as they come; the cache's warnings from the workers join the parent's."""
    replayed = MemoryStore()
    disputed: set = set()
    for (kind, proof_index, case_index), entries, dropped, warnings in pool.imap_unordered(_check_in_worker, tasks):
        for entry_key in dropped:  # a worker met one key twice with different results
            replayed.entries.pop(entry_key, None)
        disputed |= dropped
        _merge(replayed, entries, disputed)
        for warning in warnings:  # two workers may both find one corrupted entry
            if warning not in checker.warnings:
                checker.warnings.append(warning)
        if progress is not None and kind == "case":
            progress.advance(len(proofs[proof_index].cases[case_index].steps) + 1)
    return replayed
