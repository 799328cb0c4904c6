"""The results of mutation testing, as immutable data: each mutant, what became of it, and the counts.

The engine (:mod:`derive.engine.mutate`) makes and checks the mutants; the renderers
(:mod:`derive.render.mutation_table`) read only these objects and the counts below.
Nothing here checks anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.verdict import Outcome, Verdict

if TYPE_CHECKING:
    from sympy import Expr

__all__ = ["KINDS", "Mutant", "MutantResult", "ProofMutation", "totals", "kill_rate"]

# What can become of a mutant, in the order the counts are shown.
KINDS = ("killed", "equivalent", "unknown", "ill_formed", "survivors")


@dataclass(frozen=True)
class Mutant:
    """A mutant of one step: where it comes from (proof, case, 1-based step, operator), the step
    before it (``previous``) and the step it mutates (``original``)."""

    proof: str
    case: str
    step: int
    operator: str
    expr: Expr
    origin: str = ""
    previous: Expr | None = field(default=None, compare=False, repr=False)
    original: Expr | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    kind: str          # one of KINDS
    outcome: Outcome   # the mutant checked against the step before
    evidence: str = ""

    @property
    def verdict(self) -> Verdict:
        return self.outcome.verdict


@dataclass(frozen=True)
class ProofMutation:
    """Every mutant of one proof and what became of it."""

    proof: str
    results: tuple[MutantResult, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        found = Counter(r.kind for r in self.results)
        counts = {"made": len(self.results)}
        counts.update({kind: found.get(kind, 0) for kind in KINDS})
        return counts

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.kind == "survivors")


def totals(mutations) -> dict[str, int]:
    """The counts of several proofs' mutations, added up."""
    total = Counter()
    for m in mutations:
        total.update(m.counts())
    return {key: total.get(key, 0) for key in ("made", *KINDS)}


def kill_rate(counts: dict[str, int]) -> float:
    """Killed mutants as a share of the non-equivalent ones."""
    relevant = counts["made"] - counts["equivalent"]
    return counts["killed"] / relevant if relevant else 1.0
