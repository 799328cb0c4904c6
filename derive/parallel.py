"""Checking many proofs, in this process or in forked worker processes, with the same report either way.

With ``jobs > 1`` the cases of all proofs are shared among worker processes,
forked after the proofs are loaded.  A worker checks a case and hands back
only plain data: the outcome of every check, keyed like the cache (SymPy
expressions do not survive pickling faithfully).  The parent then builds every
report in the input order with :func:`derive.run.check_proof`, which replays
those outcomes instead of checking again, so ``-j 2`` gives the same report
as ``-j 1`` apart from timings.
"""

from __future__ import annotations

import copy
import multiprocessing
import time

from .cache import MemoryStore
from .report import ProofReport
from .run import Settings, check_case, check_proof

__all__ = ["check_proofs", "checks_in"]


def checks_in(proofs) -> int:
    """How many checks the proofs need: one per step, and one per case for its derived result."""
    return sum(len(case.steps) + 1 for proof in proofs for case in proof.cases)


class _Through:
    """A store that passes lookups to another (or to none) and tells the progress of every check."""

    def __init__(self, inner, progress, record: MemoryStore | None = None):
        self.inner = inner
        self.progress = progress
        self.record = record

    def get(self, key):
        found = self.inner.get(key) if self.inner is not None else None
        if found is not None:
            self._done(key, found)
        return found

    def put(self, key, outcome):
        if self.inner is not None:
            self.inner.put(key, outcome)
        self._done(key, outcome)

    def _done(self, key, outcome):
        if self.record is not None:
            self.record.put(key, outcome)
        if self.progress is not None:
            self.progress.advance(1)


class _Replay:
    """A store that replays the workers' outcomes first, then falls back to the real one."""

    def __init__(self, replayed: MemoryStore, inner):
        self.replayed = replayed
        self.inner = inner

    def get(self, key):
        found = self.replayed.get(key)
        if found is None and self.inner is not None:
            found = self.inner.get(key)
        return found

    def put(self, key, outcome):
        if self.inner is not None:
            self.inner.put(key, outcome)


def _with_store(settings: Settings, store) -> Settings:
    changed = copy.copy(settings)
    changed.cache = store
    return changed


def check_proofs(proofs, settings: Settings, *, jobs: int = 1, progress=None) -> tuple[ProofReport, ...]:
    """Check ``proofs`` (in order) with ``jobs`` processes; ``progress`` is told of every check done."""
    global _WORK
    proofs = list(proofs)
    tasks = [(p, c) for p, proof in enumerate(proofs) for c in range(len(proof.cases))]
    pool = None
    if jobs > 1 and len(tasks) > 1:
        # Fork before a progress display starts its thread; the children inherit the loaded proofs.
        _WORK = (proofs, settings)
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)))
    try:
        if progress is not None:
            progress.start(checks_in(proofs))
        replayed = _gather(pool, tasks, proofs, settings, progress) if pool is not None else None
        reports = []
        for proof in proofs:
            started = time.perf_counter()
            if replayed is None:
                store = _Through(settings.cache, progress)
            else:
                store = _Replay(replayed, settings.cache)
            report = check_proof(proof, _with_store(settings, store))
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
_WORK: tuple[list, Settings] | None = None


def _check_in_worker(task: tuple[int, int]):
    proof_index, case_index = task
    proofs, settings = _WORK
    record = MemoryStore()
    before = len(getattr(settings.cache, "warnings", ()))
    check_case(proofs[proof_index].cases[case_index], _with_store(settings, _Through(settings.cache, None, record)))
    warnings = list(getattr(settings.cache, "warnings", ())[before:])
    return proof_index, case_index, record.entries, warnings


def _gather(pool, tasks, proofs, settings: Settings, progress) -> MemoryStore:
    """Every worker's outcomes, as they come; the cache's warnings from the workers join the parent's."""
    replayed = MemoryStore()
    for proof_index, case_index, entries, warnings in pool.imap_unordered(_check_in_worker, tasks):
        replayed.entries.update(entries)
        for warning in warnings:  # two workers may both find one corrupted entry
            if warning not in settings.cache.warnings:
                settings.cache.warnings.append(warning)
        if progress is not None:
            progress.advance(len(proofs[proof_index].cases[case_index].steps) + 1)
    return replayed
