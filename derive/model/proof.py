"""The proof model: proofs, cases and steps, as immutable data.

A proof module in ``proofs/`` builds these with the functions below; nothing
here checks anything (that is :mod:`derive.core`), it only records what the
author wrote, where, and what they expect of it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import sympy as sp

from ..core.context import Context, Definition, Distinct, Equal, IllFormed, OneHot, SumsToOne, as_expression
from ..core.validate import needs_classes

__all__ = ["Expect", "Source", "Step", "Case", "Claim", "Proof", "step", "erratum", "ModelError",
           "Conclusion", "conclusion"]


class ModelError(ValueError):
    """A proof, case or step that is built wrongly; the message names it."""


class Expect(str, Enum):
    HOLDS = "holds"
    ERRATUM = "erratum"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Source:
    """Where a proof comes from: the document's title, and its address if it has one."""

    title: str
    url: str = ""


def _origin(depth: int = 2) -> str:
    frame = sys._getframe(depth)
    try:
        path = Path(frame.f_code.co_filename).resolve().relative_to(Path.cwd())
    except ValueError:
        path = Path(frame.f_code.co_filename)
    return f"{path}:{frame.f_lineno}"


@dataclass(frozen=True)
class Step:
    """One line of a chain: ``previous = expr``, because of ``reason``.

    ``expr`` is kept as given; the checker says if it is not an expression.
    ``note`` states a reading of ambiguous notation, or, for an erratum, what
    goes wrong.  ``origin`` is the file and line that built the step.
    """

    expr: object
    reason: str
    source_ref: str = ""
    expect: Expect = Expect.HOLDS
    note: str = ""
    budget: float | None = None
    origin: str = field(default="", compare=False)


def _budget(budget):
    """A step's own time budget: None (the run's) or a positive number of seconds."""
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 < budget < float("inf"):
        raise ModelError(f"a step's budget must be a positive number of seconds, not {budget!r}")
    return float(budget)


def step(expr, reason: str, *, ref: str = "", rule: str | None = None, note: str = "",
         budget: float | None = None) -> Step:
    """A step that should hold.

    ``rule`` (the name of the rule the author applied) is accepted, because it is part of the API proof
    modules are written against, but nothing reads it: the checker finds its own rules, and the reason is
    what the notes show.  It is not stored.
    """
    return Step(expr, reason, ref, Expect.HOLDS, note, _budget(budget), _origin())


def erratum(expr, reason: str, *, ref: str = "", note: str, budget: float | None = None) -> Step:
    """A step transcribed as the source wrote it, which does not hold; ``note`` says why."""
    if not note:
        raise ModelError(f"{_origin()}: an erratum needs a note saying what goes wrong")
    return Step(expr, reason, ref, Expect.ERRATUM, note, _budget(budget), _origin())


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _check_slug(value, what: str) -> None:
    """Refuse a name that is not lowercase letters, digits and dashes; ``what`` says which name it is."""
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ModelError(f"{what} {value!r} must be lowercase letters, digits and dashes")


def _parts(definitions) -> list:
    """The names and bodies of a case's definitions, whether still a mapping or already definitions."""
    if isinstance(definitions, dict):
        return [x for pair in definitions.items() for x in pair if isinstance(x, sp.Basic)]
    return [x for d in definitions if isinstance(d, Definition) for x in (d.name, d.body)]


def _expectation(value, where: str) -> Expect:
    """``value`` as an :class:`Expect` (``"holds"`` and ``"erratum"`` are accepted as text)."""
    try:
        return Expect(value)
    except ValueError:
        raise ModelError(f"{where}: the expectation must be 'holds' or 'erratum', not {value!r}") from None


@dataclass(frozen=True)
class Case:
    """A chain of equalities under assumptions.

    ``start`` is the object the case derives (usually a derivative); each step
    must equal the one before it.  ``definitions`` maps a vector to a function
    of its index (``{yhat: lambda i: softmax(z, i, k)}``) or a scalar to an
    expression (``{L: cross_entropy(y, yhat, k)}``).  ``conclusion`` says what
    the mechanical derivation should find of the last line: ``HOLDS`` when the
    case's result is right, ``ERRATUM`` when the source's result is wrong.
    ``classes`` is the number of classes (``classes('k')``), or None for a case
    without classes (a scalar logit and label): nothing in it may then range over
    the classes, and the proof that holds it says so, naming the case.
    """

    name: str
    title: str
    classes: object = None
    start: object = None
    steps: tuple[Step, ...] = ()
    assumptions: tuple = ()
    definitions: object = ()
    source_ref: str = ""
    note: str = ""
    conclusion: Expect = Expect.HOLDS
    corrects: str = ""
    origin: str = field(default="", compare=False)
    # What ranges over the classes in a case that gives none; the proof reports it, naming itself and the case.
    missing_classes: str = field(default="", init=False, compare=False, repr=False)

    def __post_init__(self):
        _check_slug(self.name, "case name")
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "conclusion", _expectation(self.conclusion, f"case {self.name!r}"))
        if isinstance(self.definitions, dict):
            try:
                definitions = tuple(Definition.of(name, body) for name, body in self.definitions.items())
            except IllFormed as error:
                raise ModelError(f"case {self.name!r}: {error}") from None
            object.__setattr__(self, "definitions", definitions)
        else:
            object.__setattr__(self, "definitions", tuple(self.definitions))
        if not self.steps:
            raise ModelError(f"case {self.name!r} has no steps")
        for position, s in enumerate(self.steps, 1):
            if not isinstance(s, Step):
                raise ModelError(f"case {self.name!r}, step {position}: expected step(...) or erratum(...), "
                                 f"got {type(s).__name__}")
        if self.classes is None:
            problem = needs_classes([self.start, *(s.expr for s in self.steps), *_parts(self.definitions),
                                     *(v for a in self.assumptions for v in vars(a).values())])
            if problem:
                object.__setattr__(self, "missing_classes", problem)
        try:  # the start and the context are checked here, so that an error names the case's place
            as_expression(self.start, "the start")
            if not self.missing_classes:
                self.context()
        except IllFormed as error:
            raise ModelError(f"case {self.name!r}: {error}") from None
        if not self.origin:
            object.__setattr__(self, "origin", _origin(3))

    def context(self) -> Context:
        return Context(self.classes, self.assumptions, self.definitions)

    @property
    def has_erratum(self) -> bool:
        return any(s.expect is Expect.ERRATUM for s in self.steps)


@dataclass(frozen=True)
class Claim:
    """A formula that recombines cases: ``subject = expr`` in every case named in ``cases``.

    It is checked against each case's own conclusion: under that case's
    assumptions and definitions, the case must derive ``subject`` (its start)
    and ``expr`` must equal the case's last line.  The claim is stated for
    every value of its free indices that its own ``assumptions`` allow
    (default: none, so every value), e.g. ``(OneHot(y, l),)``: the cases must
    cover all of them, and each case's assumptions on vectors must follow from
    the claim's (see :mod:`derive.engine.coverage`).  ``expect`` is ``HOLDS``, or
    ``ERRATUM`` when a case it recombines concludes wrongly, so that the claim
    is expected to contradict it; ``note`` says how the formula is read.
    """

    name: str
    title: str
    subject: object
    expr: object
    cases: tuple[str, ...]
    expect: Expect = Expect.HOLDS
    source_ref: str = ""
    note: str = ""
    assumptions: tuple = ()
    origin: str = field(default="", compare=False)

    def __post_init__(self):
        _check_slug(self.name, "claim name")
        if isinstance(self.cases, str):
            object.__setattr__(self, "cases", (self.cases,))
        object.__setattr__(self, "cases", tuple(self.cases))
        if not self.cases:
            raise ModelError(f"claim {self.name!r} recombines no cases: name at least one")
        object.__setattr__(self, "expect", _expectation(self.expect, f"claim {self.name!r}"))
        if isinstance(self.assumptions, (Equal, Distinct, OneHot, SumsToOne)):
            object.__setattr__(self, "assumptions", (self.assumptions,))
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        for a in self.assumptions:
            if not isinstance(a, (Equal, Distinct, OneHot, SumsToOne)):
                raise ModelError(f"claim {self.name!r}: unknown assumption {a!r}: use Equal, Distinct, OneHot or "
                                 f"SumsToOne")
        if not self.origin:
            object.__setattr__(self, "origin", _origin(3))


@dataclass(frozen=True)
class Conclusion:
    """A result of a proof, stated as a formula, which ``derive numeric`` confirms numerically.

    ``formula`` is the claimed value of the partial derivative of ``of`` (a
    defined scalar such as the loss ``L``, or an entry ``ŷ[j]`` of a defined
    vector) with respect to ``wrt`` (an entry ``z[k]`` of a vector, or a
    scalar), written in the indices of ``of`` and ``wrt``.  ``classes`` (None
    when there are none, as for a scalar logit), ``definitions`` and
    ``assumptions`` are read as in a :class:`Case`: the assumptions say which
    targets the conclusion is claimed for (``OneHot(y)``, ``SumsToOne(y)``).
    """

    name: str
    formula: object
    of: object
    wrt: object
    classes: object = None
    definitions: tuple = ()
    assumptions: tuple = ()
    source_ref: str = ""
    note: str = ""
    origin: str = field(default="", compare=False)
    missing_classes: str = field(default="", init=False, compare=False, repr=False)  # as in a Case

    def __post_init__(self):
        _check_slug(self.name, "conclusion name")
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        if isinstance(self.definitions, dict):
            try:
                definitions = tuple(Definition.of(name, body) for name, body in self.definitions.items())
            except IllFormed as error:
                raise ModelError(f"conclusion {self.name!r}: {error}") from None
            object.__setattr__(self, "definitions", definitions)
        else:
            object.__setattr__(self, "definitions", tuple(self.definitions))
        if self.classes is None:
            object.__setattr__(self, "missing_classes", needs_classes(
                [self.formula, self.of, self.wrt, *_parts(self.definitions),
                 *(v for a in self.assumptions for v in vars(a).values())], "conclusion"))
        if not self.origin:
            object.__setattr__(self, "origin", _origin(3))

    def context(self) -> Context:
        return Context(self.classes, self.assumptions, self.definitions)


def conclusion(name: str, formula, *, of, wrt, classes=None, definitions=(), assumptions=(), ref: str = "",
               note: str = "") -> Conclusion:
    """The conclusion ``∂of/∂wrt = formula``, for the numeric checks of ``derive numeric``."""
    return Conclusion(name, formula, of, wrt, classes, definitions, assumptions, ref, note, _origin())


@dataclass(frozen=True)
class Proof:
    id: str
    title: str
    source: Source
    claim: str
    cases: tuple[Case, ...]
    origin: str = field(default="", compare=False)
    claims: tuple[Claim, ...] = ()
    conclusions: tuple[Conclusion, ...] = ()

    def __post_init__(self):
        _check_slug(self.id, "proof id")
        object.__setattr__(self, "cases", tuple(self.cases))
        if not self.cases:
            raise ModelError(f"proof {self.id!r} has no cases")
        names = [c.name for c in self.cases]
        for name in names:
            if names.count(name) > 1:
                raise ModelError(f"proof {self.id!r}: two cases are named {name!r}")
        for c in self.cases:
            if not isinstance(c, Case):
                raise ModelError(f"proof {self.id!r}: expected Case, got {type(c).__name__}")
            if c.missing_classes:
                raise ModelError(f"proof {self.id!r}, case {c.name!r}: {c.missing_classes}")
        object.__setattr__(self, "claims", tuple(self.claims))
        claimed = [c.name for c in self.claims if isinstance(c, Claim)]
        for c in self.claims:
            if not isinstance(c, Claim):
                raise ModelError(f"proof {self.id!r}: expected Claim, got {type(c).__name__}")
            if claimed.count(c.name) > 1:
                raise ModelError(f"proof {self.id!r}: two claims are named {c.name!r}")
            for name in c.cases:
                if name not in names:
                    raise ModelError(f"proof {self.id!r}, claim {c.name!r}: no case named {name!r} "
                                     f"(cases: {', '.join(names)})")
        object.__setattr__(self, "conclusions", tuple(self.conclusions))
        concluded = [c.name for c in self.conclusions if isinstance(c, Conclusion)]
        for c in self.conclusions:
            if not isinstance(c, Conclusion):
                raise ModelError(f"proof {self.id!r}: expected conclusion(...), got {type(c).__name__}")
            if concluded.count(c.name) > 1:
                raise ModelError(f"proof {self.id!r}: two conclusions are named {c.name!r}")
            if c.missing_classes:
                raise ModelError(f"proof {self.id!r}, conclusion {c.name!r}: {c.missing_classes}")
        if not self.origin:
            object.__setattr__(self, "origin", _origin(3))

    def _repr_markdown_(self) -> str:
        """The proof as course notes in a notebook (unchecked: no verdicts)."""
        from ..render.markdown import proof_markdown
        from ..render.notes import proof_view

        return "\n".join(proof_markdown(proof_view(self))).rstrip("\n") + "\n"

    def case(self, name: str) -> Case:
        for c in self.cases:
            if c.name == name:
                return c
        raise KeyError(name)
