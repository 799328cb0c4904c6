"""Mutation testing of proofs: how sensitive is the checker to a wrong step?

For every step that should hold, small deliberate mistakes (a flipped sign, two
indices swapped, a term dropped, a changed exponent, a fraction turned upside
down, a summation bound lowered from k to k - 1, exp written for log, one
vector written for another, a changed constant) are each checked against the
step before, exactly as the step itself is.  A mutant the checker refutes is
*killed*; one the checker proves equal to the original step is *equivalent*
(the mistake happens not to change the value) and is counted apart; one that
comes out PROVED, VERIFIED or NUMERIC otherwise is a *survivor*: a wrong step
the checker would have accepted.

The operators only build expressions; every verdict comes from the trusted
core: :func:`derive.core.checker.check_equal`, or, for a mutant refuted at the
first instance, the same steps and counterexample search of the core that
``check_equal`` would run there (:func:`first_instance_refutes`).  ``-j N``
shares the mutants among forked worker processes; ``check_equal`` is asked
through a :class:`~derive.engine.checking.Checker`, so through the result
cache when the checker has one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sympy as sp

from ..core.binders import binders, walk
from ..core.defaults import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES
from ..core.context import IllFormed, as_expression
from ..core.objects import SumExcept
from ..core.verdict import Outcome, Verdict
from ..model.proof import Case, Expect, Proof
from ..model.report import HOLDING
from .checking import Checker, known_names

__all__ = [
    "OPERATORS",
    "Mutant",
    "MutantResult",
    "ProofMutation",
    "mutants",
    "case_vocabulary",
    "check_mutants",
    "first_instance_refutes",
    "group_by_proof",
    "mutate_proof",
    "mutate_proofs",
    "KINDS",
]

KINDS = ("killed", "equivalent", "unknown", "ill_formed", "survivors")


# --- positions in an expression tree ---------------------------------------------------------


def _positions(expr, path=()):
    yield path, expr
    for i, arg in enumerate(expr.args):
        yield from _positions(arg, path + (i,))


def _replace(expr, path, new):
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return expr.func(*args)


def _parent(expr, path):
    for i in path[:-1]:
        expr = expr.args[i]
    return expr


# --- the operators: each returns the mutants of one expression, in a fixed order --------------


def flip_sign(expr, vocabulary=None):
    """The whole expression negated, and each term of each sum negated in turn."""
    found = [-expr]
    for path, node in _positions(expr):
        if node.is_Add:
            for i in range(len(node.args)):
                args = list(node.args)
                args[i] = -args[i]
                found.append(_replace(expr, path, sp.Add(*args)))
    return found


def swap_indices(expr, vocabulary):
    """Two of the case's free indices exchanged everywhere (j <-> k)."""
    symbols = vocabulary.indices
    found = []
    for a_pos, a in enumerate(symbols):
        for b in symbols[a_pos + 1:]:
            found.append(expr.xreplace({a: b, b: a}))
    return found


def drop_term(expr, vocabulary=None):
    """One term of a sum left out."""
    found = []
    for path, node in _positions(expr):
        if node.is_Add:
            for i in range(len(node.args)):
                found.append(_replace(expr, path, sp.Add(*(node.args[:i] + node.args[i + 1:]))))
    return found


def change_exponent(expr, vocabulary=None):
    """An integer power raised by one; exp(x) written as exp(2x)."""
    found = []
    for path, node in _positions(expr):
        if node.is_Pow and node.exp.is_Integer:
            found.append(_replace(expr, path, sp.Pow(node.base, node.exp + 1)))
        if isinstance(node, sp.exp):
            found.append(_replace(expr, path, sp.exp(2 * node.args[0])))
    return found


def swap_fraction(expr, vocabulary=None):
    """A fraction turned upside down: numerator and denominator exchanged."""
    found = []
    for path, node in _positions(expr):
        if node.is_Pow and node.exp.is_Integer and node.exp < 0:
            found.append(_replace(expr, path, sp.Pow(node.base, -node.exp)))
        if node.is_Mul:
            numerator, denominator = sp.fraction(node)
            if denominator != 1 and numerator != 1:
                found.append(_replace(expr, path, denominator / numerator))
    return found


def lower_bound_of_sum(expr, vocabulary):
    """A sum up to the number of classes k made to stop at k - 1."""
    n = vocabulary.classes
    found = []
    for path, node in _positions(expr):
        bound = binders(node)   # one index bound over lo..n (a Lambda's parameter has no bounds)
        if len(bound) != 1 or bound[0].hi != n:
            continue
        i, lo, skipped = bound[0].variable, bound[0].lo, bound[0].skipped
        shorter = node.func(node.function, (i, lo, n - 1)) if skipped is None \
            else SumExcept(node.function, (i, lo, n - 1), skipped)
        found.append(_replace(expr, path, shorter))
    return found


def exp_for_log(expr, vocabulary=None):
    """exp written where log belongs, and log where exp belongs."""
    found = []
    for path, node in _positions(expr):
        if isinstance(node, sp.exp):
            found.append(_replace(expr, path, sp.log(node.args[0])))
        if isinstance(node, sp.log):
            found.append(_replace(expr, path, sp.exp(node.args[0])))
    return found


def swap_vector(expr, vocabulary):
    """One entry of a vector written as the same entry of another vector of the case (ŷ_j as y_j)."""
    found = []
    for path, node in _positions(expr):
        if isinstance(node, sp.Indexed):
            for other in vocabulary.vectors:
                if (other != node.base and str(other.label) != str(node.base.label)
                        and _axes(other) == _axes(node.base)):  # a vector for a vector, a matrix for a matrix
                    found.append(_replace(expr, path, other[node.indices]))
    return found


def _axes(base):
    """The sizes of a vector's or matrix's axes (None: the case's classes), so that only like entries swap."""
    return tuple(base.shape) if base.shape else (None,)


def change_constant(expr, vocabulary=None):
    """A number in a sum or a product increased by one."""
    found = []
    for path, node in _positions(expr):
        if node.is_Rational and (not path or _parent(expr, path).is_Add or _parent(expr, path).is_Mul):
            found.append(_replace(expr, path, node + 1))
    return found


OPERATORS = {
    "flip-sign": flip_sign,
    "swap-indices": swap_indices,
    "drop-term": drop_term,
    "change-exponent": change_exponent,
    "swap-fraction": swap_fraction,
    "sum-bound": lower_bound_of_sum,
    "exp-log": exp_for_log,
    "swap-vector": swap_vector,
    "change-constant": change_constant,
}


@dataclass(frozen=True)
class Vocabulary:
    """What the operators may use: the case's class count, free indices and vectors."""

    classes: sp.Symbol
    indices: tuple = ()
    vectors: tuple = ()


def _free_index_symbols(expr, n) -> set:
    """The index symbols free in ``expr``: not bound by a sum or a definition there, not ``n``, not a dummy."""
    found = set()

    def visit(node, scope):
        if isinstance(node, sp.Symbol) and node.is_integer and node != n and node not in scope \
                and not isinstance(node, sp.Dummy):
            found.add(node)

    walk(expr, visit)
    return found


def case_vocabulary(case: Case, ctx) -> Vocabulary:
    """The free indices and the vectors that the case's own expressions mention."""
    exprs = []
    for value in [case.start, *(s.expr for s in case.steps)]:
        try:
            exprs.append(as_expression(value))
        except IllFormed:
            continue
    indices, vectors = set(), set()
    for e in exprs:
        indices |= _free_index_symbols(e, ctx.n)
        vectors |= {x.base for x in e.atoms(sp.Indexed)}
    for a in ctx.assumptions:
        for value in vars(a).values():
            if isinstance(value, sp.Symbol) and value.is_integer and value != ctx.n:
                indices.add(value)
            if isinstance(value, sp.IndexedBase):
                vectors.add(value)
    for d in ctx.definitions:
        if isinstance(d.name, sp.IndexedBase):
            vectors.add(d.name)
    return Vocabulary(ctx.n, tuple(sorted(indices, key=lambda s: s.name)),
                      tuple(sorted(vectors, key=lambda b: (str(b.label), str(b.domain)))))


def mutants(expr, vocabulary: Vocabulary):
    """(operator, mutant) pairs: distinct, different from ``expr``, in a fixed order."""
    seen = {expr}
    for name, operator in OPERATORS.items():
        for mutant in operator(expr, vocabulary):
            if mutant not in seen:
                seen.add(mutant)
                yield name, mutant


# --- checking the mutants of a proof ---------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """A mutant of one step: where it comes from (proof, case, 1-based step, operator), the step
    before it (``previous``) and the step it mutates (``original``)."""

    proof: str
    case: str
    step: int
    operator: str
    expr: sp.Expr
    origin: str = ""
    previous: sp.Expr | None = field(default=None, compare=False, repr=False)
    original: sp.Expr | None = field(default=None, compare=False, repr=False)


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


def first_instance_refutes(left, right, ctx, *, seconds, max_classes, known) -> Outcome | None:
    """A REFUTED outcome from the first instance alone (the smallest k, the first index values), or None.

    Most mutants are wrong at the first instance ``check_equal`` would try;
    finding that out first skips its attempt at a symbolic proof, which a
    wrong mutant can only fail.  The core does it with ``check_equal``'s own
    steps (:func:`derive.core.checker.refuted_at_first_instance`), so the
    counterexample is the one ``check_equal`` reports.
    """
    from ..core.checker import refuted_at_first_instance

    return refuted_at_first_instance(left, right, ctx, seconds=seconds, max_classes=max_classes, known=known)


def classify(mutant, previous, original, ctx, *, seconds, max_classes, known,
             checker: Checker | None = None) -> MutantResult:
    """Check one mutant against the step before; recognise an equivalent one by proving it equal to the original.

    The first instance is tried before the symbolic proof (see :func:`first_instance_refutes`);
    the other checks are asked through ``checker`` (default: no cache).
    """
    checker = checker or Checker()
    options = dict(seconds=seconds, max_classes=max_classes, known=known)
    outcome = first_instance_refutes(previous, mutant.expr, ctx, **options)
    if outcome is None:
        outcome = checker.equal(previous, mutant.expr, ctx, **options)
    if outcome.verdict is Verdict.REFUTED:
        return MutantResult(mutant, "killed", outcome, outcome.evidence())
    same = checker.equal(original, mutant.expr, ctx, **options)
    if same.verdict is Verdict.PROVED:
        return MutantResult(mutant, "equivalent", outcome, "proved equal to the original: " + same.evidence())
    if outcome.verdict in HOLDING:
        return MutantResult(mutant, "survivors", outcome, outcome.evidence())
    if outcome.verdict is Verdict.ERROR:
        return MutantResult(mutant, "ill_formed", outcome, outcome.evidence())
    return MutantResult(mutant, "unknown", outcome, outcome.evidence())


def step_mutants(proof: Proof):
    """(mutant, previous, original, case) for every mutant of every step that should hold."""
    for case in proof.cases:
        ctx = case.context()
        vocabulary = case_vocabulary(case, ctx)
        try:
            previous = as_expression(case.start, "the start")
        except IllFormed:
            continue
        for position, s in enumerate(case.steps, 1):
            try:
                original = as_expression(s.expr)
            except IllFormed:
                continue
            if s.expect is Expect.HOLDS:
                for operator, expr in mutants(original, vocabulary):
                    yield (Mutant(proof.id, case.name, position, operator, expr, s.origin, previous, original),
                           previous, original, case)
            previous = original


def mutate_proof(proof: Proof, *, seconds: float = DEFAULT_BUDGET, max_classes: int = DEFAULT_MAX_CLASSES,
                 progress=None, checker: Checker | None = None) -> ProofMutation:
    """Make and check every mutant of ``proof`` (in this process)."""
    return mutate_proofs([proof], seconds=seconds, max_classes=max_classes, progress=progress, checker=checker)[0]


def mutate_proofs(proofs, *, seconds: float = DEFAULT_BUDGET, max_classes: int = DEFAULT_MAX_CLASSES,
                  progress=None, checker: Checker | None = None, jobs: int = 1) -> list[ProofMutation]:
    """Make and check every mutant of each proof, with ``jobs`` processes; the same results either way."""
    proofs = list(proofs)
    work = [item for proof in proofs for item in step_mutants(proof)]
    answers = check_mutants(work, seconds=seconds, max_classes=max_classes, progress=progress, checker=checker,
                            jobs=jobs)
    return group_by_proof(proofs, answers)


def group_by_proof(proofs, results) -> list[ProofMutation]:
    """Results (in the order their mutants are made) as one ProofMutation per proof."""
    by_proof = {proof.id: [] for proof in proofs}
    for result in results:
        by_proof[result.mutant.proof].append(result)
    return [ProofMutation(proof.id, tuple(by_proof[proof.id])) for proof in proofs]


def check_mutants(work, *, seconds: float = DEFAULT_BUDGET, max_classes: int = DEFAULT_MAX_CLASSES,
                  progress=None, checker: Checker | None = None, jobs: int = 1) -> list[MutantResult]:
    """Classify each (mutant, previous, original, case) of ``work`` (see :func:`step_mutants`), in order.

    With ``jobs > 1`` the mutants are shared among worker processes forked
    after they are made; a worker hands back only the kind and the outcome of
    each (plain data), and the results are put back in the order of ``work``.
    """
    global _WORK
    work = list(work)
    options = dict(seconds=seconds, max_classes=max_classes, checker=checker or Checker())
    if jobs > 1 and len(work) > 1:
        import multiprocessing

        _WORK = (work, options)
        answers = [None] * len(work)
        try:
            with multiprocessing.get_context("fork").Pool(min(jobs, len(work))) as pool:
                # small chunks: how long a mutant takes is not known in advance; keep every worker busy
                for index, kind, outcome, evidence in pool.imap_unordered(_classify_in_worker, range(len(work)),
                                                                          chunksize=4):
                    answers[index] = MutantResult(work[index][0], kind, outcome, evidence)
                    if progress is not None:
                        progress(answers[index])
        finally:
            _WORK = None
        return answers
    contexts = {}
    answers = []
    for item in work:
        answers.append(_classify(item, contexts, **options))
        if progress is not None:
            progress(answers[-1])
    return answers


def _classify(item, contexts: dict, *, seconds, max_classes, checker: Checker) -> MutantResult:
    """Classify one (mutant, previous, original, case), with the case's context and names made once."""
    mutant, previous, original, case = item
    if id(case) not in contexts:
        ctx = case.context()
        contexts[id(case)] = (case, ctx, known_names(case, ctx))
    _, ctx, known = contexts[id(case)]
    return classify(mutant, previous, original, ctx, seconds=seconds, max_classes=max_classes, known=known,
                    checker=checker)


# What the workers classify: set in the parent just before forking, inherited by the children.
_WORK: tuple[list, dict] | None = None
_CONTEXTS: dict = {}


def _classify_in_worker(index: int):
    work, options = _WORK
    result = _classify(work[index], _CONTEXTS, **options)
    return index, result.kind, result.outcome, result.evidence


def totals(mutations) -> dict[str, int]:
    total = Counter()
    for m in mutations:
        total.update(m.counts())
    return {key: total.get(key, 0) for key in ("made", *KINDS)}


def kill_rate(counts: dict[str, int]) -> float:
    """Killed mutants as a share of the non-equivalent ones."""
    relevant = counts["made"] - counts["equivalent"]
    return counts["killed"] / relevant if relevant else 1.0
