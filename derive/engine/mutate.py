"""Mutation testing of proofs: how sensitive is the checker to a wrong step?

For every step that should hold, small deliberate mistakes (made by the operators
of :mod:`derive.engine.mutation_operators`) are each checked against the step
before, exactly as the step itself is.  A mutant the checker refutes is
*killed*; one the checker proves equal to the original step is *equivalent*
(the mistake happens not to change the value) and is counted apart; one that
comes out PROVED, VERIFIED or NUMERIC otherwise is a *survivor*: a wrong step
the checker would have accepted.  What became of each mutant is plain data,
:mod:`derive.model.mutation`.

The operators only build expressions; every verdict comes from the trusted
core: :func:`derive.core.checker.check_equal`, or, for a mutant refuted at the
first instance, the same steps and counterexample search of the core that
``check_equal`` would run there (:func:`first_instance_refutes`).  ``-j N``
shares the mutants among forked worker processes; ``check_equal`` is asked
through a :class:`~derive.engine.checking.Checker`, so through the result
cache when the checker has one.
"""

from __future__ import annotations

from ..core.context import IllFormed, as_expression
from ..core.defaults import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES
from ..core.verdict import Outcome, Verdict
from ..model.mutation import Mutant, MutantResult, ProofMutation
from ..model.proof import Expect, Proof
from ..model.report import HOLDING
from .checking import Checker, known_names
from .mutation_operators import case_vocabulary, mutants

__all__ = [
    "check_mutants",
    "classify",
    "first_instance_refutes",
    "group_by_proof",
    "mutate_proof",
    "mutate_proofs",
    "step_mutants",
]


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
