"""Numeric checks of a proof's conclusions, the way a practitioner checks a gradient: the entry points.

A conclusion ``∂F/∂x = formula`` is evaluated from its symbolic formula for a
concrete number of classes k and compared with central finite differences of
``F`` itself, evaluated from the symbolic definitions (the loss, softmax) with
a numerically stable softmax and log-sum-exp, against a tolerance derived from
a first-order bound on rounding (:mod:`derive.numeric.compare`).  Nothing is
a hand-written copy of a formula: both sides are read off the SymPy
expressions.

The package, by what each module holds:

* :mod:`~derive.numeric.rows` — settings, rows and errors, as plain data (no NumPy);
* :mod:`~derive.numeric.conclusions` — a conclusion made ready, in the form its evaluator reads;
* :mod:`~derive.numeric.inputs` — inputs that satisfy the assumptions, seeded;
* :mod:`~derive.numeric.evaluate` — the evaluator of scalars, matrices and vectors of any size;
* :mod:`~derive.numeric.compiled` — the fast evaluator of vectors over the classes, to k = 2^20;
* :mod:`~derive.numeric.backends` — float64 and mpmath arithmetic;
* :mod:`~derive.numeric.compare` — tolerances, the comparison, and its methods;
* :mod:`~derive.numeric.memory` — allocator settings while arrays are large;
* this module — :func:`check_conclusions`, :func:`plan`, :func:`check_one`.

Not part of the trusted core: it confirms results, it never decides a step.
"""

from __future__ import annotations

from .backends import EPS
from .compare import METHOD_DIRECTIONAL, METHOD_FULL, METHOD_MP, class_row, class_rows, general_rows
from .conclusions import TARGET_KINDS, GeneralConclusion, prepare
from .evaluate import Memo
from .inputs import LOGIT_KINDS, GeneralSpace, Workspace, draw
from .memory import arrays_reused
from .rows import CLASS_COUNTS, NumericError, NumericRow, NumericSettings

__all__ = [
    "CLASS_COUNTS",
    "EPS",
    "LOGIT_KINDS",
    "METHOD_DIRECTIONAL",
    "METHOD_FULL",
    "METHOD_MP",
    "TARGET_KINDS",
    "NumericError",
    "NumericRow",
    "NumericSettings",
    "check_conclusion",
    "check_conclusions",
    "check_one",
    "plan",
]


def check_one(conclusion, k: int, kind: str = "random", target: str | None = None,
              method: str = METHOD_DIRECTIONAL, seed: int = 0) -> NumericRow:
    """One check of one conclusion, by any method at any k (the benchmark times these)."""
    prepared = prepare(conclusion)
    target = target if target in prepared.target_kinds else prepared.target_kinds[0]
    with arrays_reused(k):
        if not isinstance(prepared, GeneralConclusion):
            return class_row(prepared, Workspace(draw(seed, k), kind), target, method)
        # a general conclusion's rows at one input come together; the one asked for is picked
        rows = [r for r in general_rows(prepared, seed, k, kind, target) if r.method == method]
    if not rows:
        raise NumericError(f"{prepared.where}: no {method} check at k = {k}")
    return rows[0]


def plan(conclusions, settings: NumericSettings | None = None) -> int:
    """How many units of work :func:`check_conclusions` reports to its progress callback."""
    settings = settings or NumericSettings()
    conclusions = list(conclusions)
    prepared = [prepare(c) for c in conclusions]
    return len(LOGIT_KINDS) * sum(len(p.target_kinds) * (len(settings.classes) if c.classes is not None else 1)
                                  for p, c in zip(prepared, conclusions))


def check_conclusions(conclusions, settings: NumericSettings | None = None, progress=None) -> list[NumericRow]:
    """Every numeric check of the conclusions, as rows: by conclusion, then k, input kind, method.

    ``progress``, if given, is called with the k of each unit of work done.
    """
    settings = settings or NumericSettings()
    conclusions = list(conclusions)
    prepared = [prepare(c) for c in conclusions]
    for k in settings.classes:
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            raise NumericError(f"the number of classes must be an integer of at least 2, not {k!r}")
    found: list[list[NumericRow]] = [[] for _ in prepared]
    rewrites = [{} for _ in prepared]   # each conclusion's symbolic work, done once for every k (general ones)
    for k in settings.classes:
        # A conclusion without classes does not depend on k: it is checked once, at the first k.
        todo = [(rows, p, r) for rows, p, r, c in zip(found, prepared, rewrites, conclusions)
                if c.classes is not None or k == settings.classes[0]]
        with arrays_reused(k):
            _check_at(k, todo, settings.seed, progress)
    return [row for rows in found for row in rows]


def _check_at(k: int, todo, seed: int, progress) -> None:
    drawn = draw(seed, k)
    plans: dict = {}   # every expression compiled once for this k, then run at every input kind and point
    general_drawn: dict = {}   # the inputs of general conclusions at this k, drawn once
    for kind in LOGIT_KINDS:
        space = Workspace(drawn, kind, plans)
        general = GeneralSpace(general_drawn, Memo())
        for rows, p, rewritten in todo:
            for target in p.target_kinds:
                if isinstance(p, GeneralConclusion):
                    rows.extend(general_rows(p, seed, k, kind, target, rewritten, general))
                else:
                    rows.extend(class_rows(p, space, target))
                if progress is not None:
                    progress(k)


def check_conclusion(conclusion, settings: NumericSettings | None = None, progress=None) -> list[NumericRow]:
    """Every numeric check of one conclusion (see :class:`NumericRow`)."""
    return check_conclusions([conclusion], settings, progress)
