"""The engine's one way to ask the trusted core a question, with or without the result cache.

A :class:`Checker` asks :mod:`derive.core` three things: is ``left == right``
under a case's context (:meth:`Checker.equal`, the core's ``check_equal``),
what is a case's result derived mechanically (:meth:`Checker.derived`), and
what do the numeric checks of a proof's conclusions find
(:meth:`Checker.numeric`).  A :class:`CachedChecker` answers the same questions
through a store (:mod:`derive.cache.store`): it replays a stored answer, or
asks its checker and stores the answer under the cache's key.  The runner,
the claims, mutation testing and parallel checking take a checker and never
ask whether it caches.

Nothing here decides a verdict: every answer is the core's, or the core's
answer replayed.  :func:`known_names` (the names a case's steps may use) lives
here because every caller of :meth:`Checker.equal` needs it.
"""

from __future__ import annotations

import sympy as sp

from ..cache.codec import CacheEntryError, Unstorable, decode, encode
from ..cache.keys import Keys
from ..cache.store import Store
from ..core.checker import check_equal
from ..core.derivation import derive_result
from ..core.validate import as_expression, names_in
from ..core.verdict import Outcome, Verdict
from ..model.proof import Case

__all__ = ["Checker", "CachedChecker", "checker_for", "known_names"]


class Checker:
    """Asks the core, every time: no store."""

    store: Store | None = None  # where answers are kept: none

    def equal(self, left, right, ctx, **options) -> Outcome:
        """``check_equal(left, right, ctx, **options)``."""
        return check_equal(left, right, ctx, **options)

    def derived(self, start, ctx, **options):
        """``derive_result(start, ctx, **options)``."""
        return derive_result(start, ctx, **options)

    def numeric(self, conclusions, settings) -> tuple:
        """The numeric checks of ``conclusions`` with ``settings`` (a NumericSettings), as a tuple of rows.

        Raises :class:`derive.numeric.rows.NumericError` for a conclusion that cannot be checked.
        """
        if not conclusions:
            return ()
        from ..numeric.check import check_conclusions  # NumPy is imported only when there is something to compute

        return tuple(check_conclusions(conclusions, settings))

    @property
    def warnings(self) -> list[str]:
        """One line per cache entry ignored or write that failed: none without a store."""
        return []

    def through(self, store: Store) -> "CachedChecker":
        """The same questions, answered through ``store``."""
        return CachedChecker(store, self)


class CachedChecker(Checker):
    """Answers from ``store`` when it holds the answer; else asks ``checker`` and keeps the answer.

    An answer is stored under a key of everything it depends on (:mod:`derive.cache.keys`),
    encoded by the cache's codec (:mod:`derive.cache.codec`).  A question whose key
    cannot be made, or whose answer cannot be kept exactly, is asked every time; an
    UNKNOWN outcome (out of time) is not kept, since it depends on the machine.  The
    keys' own memo (the source's fingerprints) lives as long as this checker: one run.
    """

    def __init__(self, store: Store, checker: Checker | None = None):
        self.store = store
        self.checker = checker if checker is not None else Checker()
        self.keys = Keys()

    def equal(self, left, right, ctx, **options) -> Outcome:
        try:
            key = self.keys.step(left, right, ctx, **options)
        except Unstorable:
            return self.checker.equal(left, right, ctx, **options)
        found = self._replayed("outcome", key)
        if found is not None:
            return found
        outcome = self.checker.equal(left, right, ctx, **options)
        if outcome.verdict is not Verdict.UNKNOWN:
            self.store.put("outcome", key, encode("outcome", outcome))
        return outcome

    def derived(self, start, ctx, **options):
        try:
            key = self.keys.derived(start, ctx, **options)
        except Unstorable:
            return self.checker.derived(start, ctx, **options)
        found = self._replayed("derived", key)
        if found is not None:
            return found
        expr = self.checker.derived(start, ctx, **options)
        try:
            self.store.put("derived", key, encode("derived", expr))
        except Unstorable:
            pass  # derived again next time
        return expr

    def numeric(self, conclusions, settings) -> tuple:
        if not conclusions:
            return ()
        try:
            key = self.keys.numeric(conclusions, settings)
        except Unstorable:
            return self.checker.numeric(conclusions, settings)
        found = self._replayed("numeric", key)
        if found is not None:
            return found
        rows = self.checker.numeric(conclusions, settings)
        self.store.put("numeric", key, encode("numeric", rows))
        return rows

    @property
    def warnings(self) -> list[str]:
        return self.store.warnings

    def through(self, store: Store) -> "CachedChecker":
        return CachedChecker(store, self.checker)

    def _replayed(self, kind: str, key: str):
        """The stored answer, decoded, or None."""
        data = self.store.get(kind, key)
        if data is None:
            return None
        try:
            return decode(kind, data)
        except CacheEntryError:
            return None


def known_names(case: Case, ctx) -> frozenset[str]:
    """The names the steps of ``case`` may use: its class count, its start's, its definitions' and assumptions'."""
    known = {str(ctx.n)}
    known |= names_in(as_expression(case.start, "the start"))
    for definition in ctx.definitions:
        known.add(str(definition.name.label) if isinstance(definition.name, sp.IndexedBase)
                  else str(definition.name))
        known |= names_in(definition.body)
    for assumption in ctx.assumptions:
        for value in vars(assumption).values():
            if isinstance(value, sp.IndexedBase):
                known.add(str(value.label))
            elif isinstance(value, sp.Basic):
                known |= names_in(value)
    return frozenset(known)


def checker_for(settings) -> Checker:
    """The checker of a run with ``settings``: through the cache folder ``settings.cache``, or without a cache."""
    if settings.cache is None:
        return Checker()
    from ..cache.store import Cache

    return CachedChecker(Cache(settings.cache))
