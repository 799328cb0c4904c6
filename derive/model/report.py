"""Reports: what the checker said of every step, case and proof, as immutable data.

Renderers (terminal, JSON, LaTeX) read only these objects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..core.verdict import STRENGTH, Outcome, Verdict
from .accepted import Accepted
from .proof import Case, Claim, Expect, Proof, Step

__all__ = ["StepReport", "DerivedReport", "CaseReport", "ClaimCheck", "ClaimReport", "ProofReport", "LoadError",
           "Report", "meets"]

# The verdicts that say the two sides agree, whether or not the run accepts them as passing.
HOLDING = (Verdict.PROVED, Verdict.VERIFIED, Verdict.NUMERIC)
# Agreement that is not a proof for every k: passing only where the run accepts it.
NOT_PROVED_FOR_EVERY_K = (Verdict.VERIFIED, Verdict.NUMERIC)


def meets(verdict: Verdict, expect: Expect, accepted: Accepted = Accepted()) -> bool:
    """Whether a verdict is what the step expects.

    A step that should hold passes only when PROVED, or with a verdict the run
    ``accepted`` (VERIFIED, NUMERIC); an erratum passes only when REFUTED.
    """
    if expect is Expect.ERRATUM:
        return verdict is Verdict.REFUTED
    return accepted.passes(verdict)


@dataclass(frozen=True)
class StepReport:
    index: int
    step: Step
    expr: object
    outcome: Outcome
    ok: bool


@dataclass(frozen=True)
class DerivedReport:
    """The case's result derived mechanically, and its comparison with the last line."""

    expr: object
    outcome: Outcome
    expect: Expect
    ok: bool


@dataclass(frozen=True)
class CaseReport:
    case: Case
    steps: tuple[StepReport, ...]
    derived: DerivedReport | None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and (self.derived is None or self.derived.ok)


@dataclass(frozen=True)
class ClaimCheck:
    """A claim against one case it recombines.

    ``subject`` compares the case's start with the claim's subject (``None``
    when they are the same expression); ``outcome`` compares the case's
    conclusion (its last line) with the claim's formula, under the case's
    assumptions: left is the case, right the claim.
    """

    case: str
    assumptions: str
    start: object
    conclusion: object
    subject: Outcome | None
    outcome: Outcome


@dataclass(frozen=True)
class ClaimReport:
    """What became of one claim: ``text`` (what it says), ``holds``, and ``reason`` in one line.

    ``holds`` needs agreement with every case it recombines and ``coverage``
    (a :class:`derive.engine.coverage.Coverage`) of every configuration of its indices.
    """

    claim: Claim
    text: str
    holds: bool
    reason: str
    checks: tuple[ClaimCheck, ...]
    ok: bool
    coverage: object = None
    error: str = ""  # why the claim is ill-formed (its cases read its names differently), or ""


@dataclass(frozen=True)
class ProofReport:
    """A proof's cases and claims, and the numeric checks of its conclusions
    (``derive.numeric.check.NumericRow``s) when they were run: ``numeric_seed`` is then
    their seed, and ``numeric_error`` says why they could not be run, if so."""

    proof: Proof
    cases: tuple[CaseReport, ...]
    claims: tuple[ClaimReport, ...] = ()
    numeric: tuple = ()
    numeric_seed: int | None = None
    numeric_error: str = ""

    @property
    def ok(self) -> bool:
        return (all(c.ok for c in self.cases) and all(c.ok for c in self.claims)
                and all(r.passed for r in self.numeric) and not self.numeric_error)

    def _repr_markdown_(self) -> str:
        """The checked proof as course notes in a notebook, with a verdict mark on every line."""
        from ..render.markdown import proof_markdown
        from ..render.notes import proof_view

        return "\n".join(proof_markdown(proof_view(self))).rstrip("\n") + "\n"

    def step_reports(self):
        for case in self.cases:
            yield from case.steps


@dataclass(frozen=True)
class LoadError:
    """A proof file or selection that could not be loaded; ``where`` is a file and line."""

    where: str
    message: str

    def text(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Report:
    proofs: tuple[ProofReport, ...]
    errors: tuple[LoadError, ...] = ()
    accepted: Accepted = Accepted()  # the verdicts the run counted as holding

    def _repr_markdown_(self) -> str:
        """Every checked proof as course notes in a notebook, and the summary table."""
        from ..render.markdown import render_markdown

        return render_markdown(self, title=False)

    def counts(self) -> dict[str, int]:
        found = Counter(s.outcome.verdict for p in self.proofs for s in p.step_reports())
        return {v.value: found.get(v, 0) for v in STRENGTH}

    def claim_counts(self) -> dict[str, int]:
        """How many claims hold and how many do not."""
        claims = [c for p in self.proofs for c in p.claims]
        held = sum(1 for c in claims if c.holds)
        return {"hold": held, "do_not_hold": len(claims) - held}

    @property
    def ok(self) -> bool:
        return not self.errors and all(p.ok for p in self.proofs)

    def _weak(self):
        """The VERIFIED or NUMERIC verdicts of steps, results and claims expected to hold that did not pass."""
        for p in self.proofs:
            for c in p.cases:
                for s in c.steps:
                    if s.step.expect is Expect.HOLDS and not s.ok and s.outcome.verdict in NOT_PROVED_FOR_EVERY_K:
                        yield s.outcome.verdict
                d = c.derived
                if d is not None and d.expect is Expect.HOLDS and not d.ok \
                        and d.outcome.verdict in NOT_PROVED_FOR_EVERY_K:
                    yield d.outcome.verdict
            for claim in p.claims:
                if claim.claim.expect is Expect.HOLDS and claim.holds and not claim.ok:
                    weak = [o.verdict for check in claim.checks for o in (check.subject, check.outcome)
                            if o is not None and o.verdict in NOT_PROVED_FOR_EVERY_K
                            and not self.accepted.passes(o.verdict)]
                    yield from weak[:1]

    def not_accepted(self) -> tuple[Verdict, ...]:
        """Which of VERIFIED and NUMERIC made something expected to hold fail, strongest first."""
        found = set(self._weak())
        return tuple(v for v in NOT_PROVED_FOR_EVERY_K if v in found)

    def not_accepted_count(self) -> int:
        """How many steps, results and claims fail only for not being proved for every k."""
        return sum(1 for _ in self._weak())

    def ill_formed(self) -> list[str]:
        """One line per step that could not be evaluated, naming proof, case, step and file."""
        lines = []
        for p in self.proofs:
            for c in p.cases:
                for s in c.steps:
                    if s.outcome.verdict is Verdict.ERROR:
                        where = f"{s.step.origin}: " if s.step.origin else ""
                        lines.append(f"{where}proof {p.proof.id!r}, case {c.case.name!r}, step {s.index}: "
                                     f"{s.outcome.message}")
            for claim in p.claims:
                for error in (claim.error, claim.coverage.error if claim.coverage is not None else ""):
                    if error:
                        where = f"{claim.claim.origin}: " if claim.claim.origin else ""
                        lines.append(f"{where}proof {p.proof.id!r}, {error}")
                for check in claim.checks:
                    for outcome in (check.subject, check.outcome):
                        if outcome is not None and outcome.verdict is Verdict.ERROR:
                            where = f"{claim.claim.origin}: " if claim.claim.origin else ""
                            lines.append(f"{where}proof {p.proof.id!r}, claim {claim.claim.name!r}, "
                                         f"case {check.case!r}: {outcome.message}")
            if p.numeric_error:
                lines.append(f"proof {p.proof.id!r}, numeric checks: {p.numeric_error}")
        return lines

    @property
    def exit_code(self) -> int:
        if self.errors or self.ill_formed():
            return 2
        return 0 if self.ok else 1
