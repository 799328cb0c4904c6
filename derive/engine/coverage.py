"""Whether the cases a claim recombines cover every configuration the claim's own assumptions allow.

A claim ``subject = expr`` for every value of its free indices holds only if,
whatever the indices are, some case it recombines applies there.  For
equalities and inequalities between indices this is a finite check: the
*configurations* are the equality patterns (set partitions) of the indices
involved (the claim's free indices, the indices named in the claim's and the
cases' assumptions, and integer literals); a pattern is kept when it is
consistent with the claim's assumptions, and it is covered by a case whose
``Equal``/``Distinct`` assumptions hold in it and whose assumptions on vectors
(``OneHot``, ``SumsToOne``) follow from the claim's.

The check errs on the side of "not covered": a pattern that no index values
could realise (say ``j = k`` for an index expression that is never ``k``) may
be reported uncovered, never the other way round.  It is combinatorics over
symbols and does no algebra: whether a case *agrees* with the claim is the
checker's question (:mod:`derive.engine.claims` asks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..core.context import Context, Distinct, Equal, IllFormed, OneHot, SumsToOne
from ..core.validate import free_indices_of
from ..render.unicode import unicode

__all__ = ["Coverage", "Gap", "claim_coverage", "patterns", "MAX_ATOMS"]

MAX_ATOMS = 8  # Bell(8) = 4140 patterns: more indices than this in one claim is refused, not guessed

_ASSUMPTIONS = (Equal, Distinct, OneHot, SumsToOne)


@dataclass(frozen=True)
class Gap:
    """A configuration of the indices that no case covers, and why, in words."""

    configuration: str  # "j ≠ ℓ", or "every value of j" when nothing distinguishes the indices
    reason: str  # "covered by no case", or which case assumes what the claim does not

    def text(self) -> str:
        return f"{self.configuration}: {self.reason}"


@dataclass(frozen=True)
class Coverage:
    """The configurations of a claim's indices and those its cases leave uncovered.

    ``indices`` names the indices and literals compared; ``configurations``
    counts the equality patterns consistent with the claim's assumptions;
    ``gaps`` lists the uncovered ones.  ``error`` says why coverage could not
    be decided (ill-formed or contradictory assumptions), and then nothing is
    covered.
    """

    indices: tuple[str, ...]
    configurations: int
    gaps: tuple[Gap, ...] = ()
    error: str = ""

    @property
    def covered(self) -> bool:
        return not self.error and not self.gaps


def patterns(atoms: list) -> list[list[int]]:
    """Every set partition of ``atoms``, as block numbers in restricted-growth form (first atom in block 0)."""
    found: list[list[int]] = []

    def grow(prefix: list[int], blocks: int) -> None:
        if len(prefix) == len(atoms):
            found.append(list(prefix))
            return
        for block in range(blocks + 1):
            prefix.append(block)
            grow(prefix, max(blocks, block + 1))
            prefix.pop()

    grow([], 0)
    return found


def _is_index_term(value) -> bool:
    return isinstance(value, sp.Integer) or (isinstance(value, sp.Symbol) and bool(value.is_integer))


def _terms(assumption) -> tuple:
    """The index terms an assumption names (both sides; the true class of a one-hot vector)."""
    if isinstance(assumption, (Equal, Distinct)):
        return (assumption.left, assumption.right)
    if isinstance(assumption, OneHot) and assumption.at is not None:
        return (assumption.at,)
    return ()


def _check(assumption, where: str) -> None:
    if not isinstance(assumption, _ASSUMPTIONS):
        raise IllFormed(f"{where}: unknown assumption {assumption!r}: use Equal, Distinct, OneHot or SumsToOne")
    for term in _terms(assumption):
        if not _is_index_term(term):
            raise IllFormed(f"{where}: assumption {assumption.text()}: {term!r} is not an index symbol or an "
                            f"integer (use indices('...'))")
        if isinstance(term, sp.Integer) and term < 1:
            raise IllFormed(f"{where}: assumption {assumption.text()}: no index is {term}; indices run from 1 "
                            f"to the number of classes")
    if isinstance(assumption, (OneHot, SumsToOne)) and not isinstance(assumption.vector, sp.IndexedBase):
        raise IllFormed(f"{where}: assumption {type(assumption).__name__}: {assumption.vector!r} is not a vector")


class _Pattern:
    """One equality pattern: which block each atom is in."""

    def __init__(self, atoms: list, blocks: list[int]):
        self.block = dict(zip(atoms, blocks))

    def same(self, a, b) -> bool:
        return self.block[a] == self.block[b]

    def satisfies(self, assumption) -> bool:
        """An index assumption (Equal, Distinct) in this pattern; vector assumptions are not index facts."""
        if isinstance(assumption, Equal):
            return self.same(assumption.left, assumption.right)
        if isinstance(assumption, Distinct):
            return not self.same(assumption.left, assumption.right)
        return True


def _consistent(pattern: _Pattern, atoms: list, claim_assumptions) -> bool:
    """Whether index values could realise ``pattern`` under the claim's assumptions (never wrongly False)."""
    literals = [a for a in atoms if isinstance(a, sp.Integer)]
    for position, a in enumerate(literals):
        if any(pattern.same(a, b) for b in literals[position + 1:]):
            return False  # two different integers are never equal
    if not all(pattern.satisfies(a) for a in claim_assumptions):
        return False
    hot = [a for a in claim_assumptions if isinstance(a, OneHot) and a.at is not None]
    for position, a in enumerate(hot):
        for b in hot[position + 1:]:
            if a.vector == b.vector and not pattern.same(a.at, b.at):
                return False  # a one-hot vector has one true class
    return True


def _implied(assumption, pattern: _Pattern, claim_assumptions) -> bool:
    """Whether the claim's assumptions give a case's assumption on a vector, in ``pattern``.

    ``OneHot(y, a)`` follows from ``OneHot(y, b)`` with ``a = b`` in the
    pattern; ``OneHot(y)`` from any ``OneHot(y, ...)``; ``SumsToOne(y)`` from
    ``SumsToOne(y)`` or any ``OneHot(y, ...)``.
    """
    vector = assumption.vector
    mine = [a for a in claim_assumptions if isinstance(a, (OneHot, SumsToOne)) and a.vector == vector]
    if isinstance(assumption, SumsToOne):
        return bool(mine)
    hot = [a for a in mine if isinstance(a, OneHot)]
    if assumption.at is None:
        return bool(hot)
    return any(a.at is not None and pattern.same(a.at, assumption.at) for a in hot)


def _describe(pattern: _Pattern, atoms: list) -> str:
    """A configuration in words: the equalities within blocks, then the inequalities between them."""
    blocks: dict[int, list] = {}
    for atom in atoms:
        blocks.setdefault(pattern.block[atom], []).append(atom)
    groups = [sorted(members, key=lambda a: isinstance(a, sp.Integer)) for members in blocks.values()]
    parts = [" = ".join(unicode(a) for a in group) for group in groups if len(group) > 1]
    for position, group in enumerate(groups):
        for other in groups[position + 1:]:
            if isinstance(group[-1], sp.Integer) and isinstance(other[-1], sp.Integer):
                continue  # two literals: obviously different
            parts.append(f"{unicode(group[0])} ≠ {unicode(other[0])}")
    if not parts:
        return "every value of " + ", ".join(unicode(a) for a in atoms) if atoms else "every configuration"
    return ", ".join(parts)


def _unsupported(case_name: str, assumptions, pattern: _Pattern, claim_assumptions) -> list[str]:
    return [f"{case_name} assumes {a.text()}, which the claim does not assume"
            for a in assumptions if isinstance(a, (OneHot, SumsToOne))
            and not _implied(a, pattern, claim_assumptions)]


def claim_coverage(claim, cases) -> Coverage:
    """Which configurations of ``claim``'s indices the ``cases`` (model ``Case``s) it recombines cover."""
    where = f"claim {claim.name!r}"
    try:
        for a in claim.assumptions:
            _check(a, where)
        for case in cases:
            for a in case.assumptions:
                _check(a, f"{where}, case {case.name!r}")
        ctx = Context(cases[0].classes)  # the claim is read in the class count of its cases
        free = set()
        for side in (claim.subject, claim.expr):
            if isinstance(side, sp.Basic):
                free |= free_indices_of(side, ctx)
    except IllFormed as error:
        return Coverage((), 0, (), str(error))
    atoms: list = sorted(free, key=str)
    for a in list(claim.assumptions) + [a for case in cases for a in case.assumptions]:
        for term in _terms(a):
            if term not in atoms:
                atoms.append(term)
    symbols = [a for a in atoms if not isinstance(a, sp.Integer)]
    atoms = symbols + sorted((a for a in atoms if isinstance(a, sp.Integer)), key=int)
    names = tuple(unicode(a) for a in atoms)
    if len(atoms) > MAX_ATOMS:
        return Coverage(names, 0, (), f"{where}: coverage is checked over at most {MAX_ATOMS} indices and "
                                      f"literals, and this claim and its cases name {len(atoms)} "
                                      f"({', '.join(names)}): split the claim")
    consistent = [p for p in (_Pattern(atoms, blocks) for blocks in patterns(atoms))
                  if _consistent(p, atoms, claim.assumptions)]
    if not consistent:
        return Coverage(names, 0, (), f"{where}: the assumptions of the claim contradict: "
                                      f"{'; '.join(a.text() for a in claim.assumptions)}")
    gaps = []
    for pattern in consistent:
        reasons: list[str] = []
        covered = False
        for case in cases:
            if not all(pattern.satisfies(a) for a in case.assumptions):
                continue
            unsupported = _unsupported(case.name, case.assumptions, pattern, claim.assumptions)
            if not unsupported:
                covered = True
                break
            reasons += unsupported
        if not covered:
            reason = "covered by no case" + (f" ({'; '.join(reasons)})" if reasons else "")
            gaps.append(Gap(_describe(pattern, atoms), reason))
    return Coverage(names, len(consistent), tuple(gaps))
