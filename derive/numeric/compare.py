"""The comparison: a conclusion's formula against central differences of its function, within a derived tolerance.

Both sides are evaluated from the SymPy expressions (:mod:`derive.numeric.compiled`
for vectors over the classes, :mod:`derive.numeric.evaluate` otherwise), and the
formula is contracted with a direction v, so that what is compared is one
directional derivative per direction.  Methods:

* every k: the directional derivative along one random direction (O(size) work);
* k ≤ 10 (and, for a general conclusion, a variable of at most 64 entries): every
  coordinate direction in float64 (the full Jacobian); and again at 50 digits with
  mpmath where that adds information: at k ≤ 3 always, above only where a float64
  check at the same input fails or comes within a tenth of its tolerance (where
  float64 cannot tell a small error from rounding).

The reference is D(h) = (F(x + h v) − F(x − h v)) / 2h, and its error is bounded by

* truncation: D(h) − f' = h² f‴/6 + O(h⁴), and D(2h) has four times that, so
  |D(2h) − D(h)| / 3 estimates it (Richardson); twice the estimate is allowed;
* rounding: each F carries at most u · bound, u the unit of the arithmetic
  (EPS, or 10^-dps for mpmath) and bound the evaluator's first-order bound,
  taken at x (it changes by O(h) between x and x ± 2h v); so D(h) is off by at
  most u · bound / h.

The formula's own rounding is u · its bound.  The tolerance is twice the sum of
the three, the factor 2 covering the second-order terms that the first-order
bounds leave out: every tolerance is derived, none is tuned.  Not for drawing
inputs (:mod:`derive.numeric.inputs`).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from .backends import EPS, FLOAT, MP
from .compiled import evaluator_for, formula_along
from .conclusions import ClassConclusion, GeneralConclusion
from .evaluate import Evaluator, Memo, domain
from .inputs import GeneralSpace, Point, Workspace, covered_entries, kind_label, point
from .rows import NumericError, NumericRow

__all__ = ["METHOD_DIRECTIONAL", "METHOD_FULL", "METHOD_MP", "class_row", "class_rows", "general_rows",
           "largest", "undefined"]

FULL_UP_TO = 10          # full Jacobians (O(k^2)) and mpmath only up to this k ...
FULL_MOST_ENTRIES = 64   # ... and, for a general conclusion, while the variable has at most this many entries
MP_ALWAYS_UP_TO = 3      # mpmath at every input up to this k; above, only where float64 is close (MP_CLOSE)
MP_CLOSE = 0.1           # ... that is, where a float64 error exceeds this fraction of its tolerance
MP_DIGITS = 50           # the digits the mpmath comparison demands
MP_WORKING_DIGITS = 150  # the digits it computes with, at first
MP_MOST_DIGITS = 2000    # ... and at most, for derivatives far below the function (see _at_50_digits)

METHOD_DIRECTIONAL = "directional"             # float64, one random direction
METHOD_FULL = "full Jacobian"                   # float64, every coordinate direction
METHOD_MP = f"full, {MP_DIGITS} digits"          # mpmath, every coordinate direction

# The central-difference steps.  Directions have entries of size ≤ 1 (relative to the entry, for a
# positive vector), so F varies on a unit scale along them; h = EPS^(1/3) balances the truncation
# error h²|f‴|/6 against the rounding error EPS·|F|/h for such F (the textbook optimum).
H_FLOAT = EPS ** (1 / 3)
# At 150 working digits, h = 1e-40 leaves truncation ~1e-80·|f‴| and rounding ~1e-110·|F|: both
# far below 1e-50 of the derivative wherever the derivative is not itself below ~1e-60·|F|.
H_MP = "1e-40"


# --------------------------------------------------------------------------------------------------
# Tolerances and rows, for both kinds of conclusion.


def _difference(at, h, two):
    """D(h) and twice the Richardson estimate of its truncation error."""
    d1 = (at(h) - at(-h)) / (two * h)
    d2 = (at(two * h) - at(-two * h)) / (two * two * h)
    # array times number, never number times array: an mpf would print an array before giving way to it
    return d1, abs(d2 - d1) * two / 3


def _tolerance(truncation, unit, f_bound, h, own_bound, two):
    return (truncation + f_bound * unit / h + own_bound * unit) * two


def largest(values) -> float:
    """The largest entry of a list of arrays or numbers (float64 or mpmath), as a float; NaN wins."""
    found = -math.inf
    for x in values:
        array = np.asarray(x)
        if array.dtype == object:
            array = np.array([float(e) for e in array.ravel()])
        m = float(np.max(array))
        if math.isnan(m):
            return math.nan
        found = max(found, m)
    return found


def _row(name, k, label, method, errors, tolerances, references, floor=0.0) -> NumericRow:
    worst, scale = largest(errors), largest(references)
    tolerance = max(largest(tolerances), floor * scale)
    # relative to the largest reference entry, or to the tolerance where the reference is smaller still
    # (a derivative that is 0 to float64 resolution has no meaningful relative error)
    relative = worst / max(scale, tolerance) if worst > 0 else 0.0
    passed = bool(np.isfinite(worst) and worst <= tolerance)
    return NumericRow(name, k, label, method, worst, relative, tolerance, passed)


def _close_to_tolerance(row: NumericRow) -> bool:
    """Whether a float64 check failed or came near its tolerance: then 50 digits tell more."""
    return not row.passed or not row.max_abs_error <= MP_CLOSE * row.tolerance


def _at_50_digits(compare):
    """``compare()`` at 50 digits of the largest derivative entry: (errors, tolerances, references).

    At 150 working digits the reference resolves derivatives down to ~10^-110
    of the function; where the derivative is smaller still (logits at scale
    1e3 make softmax entries like e^-1000), the comparison is repeated with as
    many more digits as the shortfall, so that the tolerance is always 10^-50
    of the largest reference entry (the row's floor).
    """
    digits = MP_WORKING_DIGITS
    while True:
        with mpmath.workdps(digits):
            found = compare()
        scale, derived = largest(found[2]), largest(found[1])
        wanted = 10.0 ** -(MP_DIGITS + 10) * scale
        if scale == 0 or derived <= wanted or digits >= MP_MOST_DIGITS:
            return found
        # the shortfall in digits; in logarithms where the wanted tolerance underflows float64 (a reference
        # near 1e-300, as a softmax Jacobian at logits of scale 1e3 has)
        shortfall = math.log10(derived / wanted) if wanted > 0 else \
            math.log10(derived) - math.log10(scale) + MP_DIGITS + 10
        digits = min(MP_MOST_DIGITS, digits + math.ceil(shortfall) + 10)


def undefined(k, label, error) -> str:
    """The message for arithmetic that has no value at an input (a log of 0, a division by 0)."""
    detail = f"{type(error).__name__}{': ' + str(error) if str(error) else ''}"
    return (f"the function or the formula has no value at k = {k}, input {label} ({detail}: a log of 0 or a "
            f"division by 0, such as y·log y where a target entry is 0); claim the conclusion only where it is "
            f"defined (a positive target with SumsToOne, or OneHot for one-hot targets) or write it without "
            f"that term")


# --------------------------------------------------------------------------------------------------
# Vectors over the classes.


def _class_compare(prepared: ClassConclusion, values: dict, true_class: int, k: int, directions, backend, h,
                   space: Workspace | None = None, plans: dict | None = None):
    """Formula and central differences along each direction: (errors, tolerances, references).

    ``space`` shares F and the moved points between rows at the same logits;
    ``plans`` holds the compiled expressions, shared by every point, direction
    and input kind at this k.
    """
    plans = plans if plans is not None else {}
    unit = backend.unit
    memo = space.memo if space is not None else {}
    base = prepared.wrt.base
    x = values[base]
    ev = evaluator_for(prepared, values, k, true_class, backend, memo=memo, plans=plans)
    # F depends on the inputs only through the arrays it reads: conclusions of one proof about one
    # function (and target kinds that give the same arrays) share its evaluations
    function = ("F", prepared.of, prepared.of_index, prepared.definitions, true_class)
    # the vectors come in the order of prepared.vectors (sorted by name): a key is the same for every
    # conclusion with the same vectors
    inputs_key = tuple((v, id(x)) for v, x in values.items())
    f_bound = ev.value(prepared.of, prepared.of_index)[1] if space is None else \
        space.remember(function + ("bound",) + inputs_key, tuple(values.values()),
                       lambda: ev.value(prepared.of, prepared.of_index)[1])
    errors, tolerances, references = [], [], []
    two = backend.number(2)
    for u in directions:
        if base.domain == "positive":   # move a positive vector relative to its entries: x ⊙ (1 + t u)
            v = space.remember(("scaled", id(x), id(u)), (x, u), lambda: x * u) if space else x * u
        else:
            v = u

        def at(t):
            moved = dict(values)
            if space is None:
                moved[base] = x + v * t   # v * t: an mpf times an array would print the array first
                return evaluator_for(prepared, moved, k, true_class, backend, bounds=False, memo=memo,
                                     plans=plans).value(prepared.of, prepared.of_index)[0]
            moved[base] = space.remember(("moved", id(x), id(v), float(t)), (x, v), lambda: x + v * t)
            key = function + tuple((w, id(y)) for w, y in moved.items())
            return space.remember(key, tuple(moved.values()),
                                  lambda: evaluator_for(prepared, moved, k, true_class, backend, bounds=False,
                                                        memo=memo, plans=plans).value(prepared.of,
                                                                                      prepared.of_index)[0])

        formula, formula_bound = formula_along(prepared, ev, v)
        d1, truncation = _difference(at, h, two)
        errors.append(abs(formula - d1))
        tolerances.append(_tolerance(truncation, unit, f_bound, h, formula_bound, two))
        references.append(abs(d1))
    return errors, tolerances, references


def class_row(prepared: ClassConclusion, space: Workspace, target: str | None, method: str) -> NumericRow:
    """One check of a conclusion about class vectors, by one method."""
    k, kind = space.k, space.kind
    label = kind_label(kind, target)
    values = space.inputs(prepared, target)
    true_class = space.draw.true_class
    with np.errstate(all="ignore"):
        if method == METHOD_DIRECTIONAL:
            found = _class_compare(prepared, values, true_class, k, [space.draw.direction], FLOAT, H_FLOAT, space,
                                   space.plans)
            return _row(prepared.name, k, label, method, *found)
        if method == METHOD_FULL:
            basis = (np.eye(1, k, i)[0] for i in range(k))   # one coordinate direction at a time
            found = _class_compare(prepared, values, true_class, k, basis, FLOAT, H_FLOAT, plans=space.plans)
            return _row(prepared.name, k, label, method, *found)
        if method == METHOD_MP:
            def compare():
                exact = {v: MP.array(x) for v, x in values.items()}
                basis = (MP.array(np.eye(1, k, i)[0]) for i in range(k))
                return _class_compare(prepared, exact, true_class, k, basis, MP, mpmath.mpf(H_MP),
                                      plans=space.plans)
            return _row(prepared.name, k, label, method, *_at_50_digits(compare), floor=10.0 ** -MP_DIGITS)
    raise NumericError(f"unknown method {method!r}")


def class_rows(prepared: ClassConclusion, space: Workspace, target: str | None) -> list[NumericRow]:
    """The rows of one conclusion at one input; arithmetic that fails (a log of 0 at 50 digits) is a one-line error."""
    try:
        if space.k > FULL_UP_TO:
            return [class_row(prepared, space, target, METHOD_DIRECTIONAL)]
        rows = [class_row(prepared, space, target, m) for m in (METHOD_DIRECTIONAL, METHOD_FULL)]
        if space.k <= MP_ALWAYS_UP_TO or any(_close_to_tolerance(r) for r in rows):
            rows.append(class_row(prepared, space, target, METHOD_MP))
        return rows
    except (ZeroDivisionError, OverflowError, ValueError) as error:
        if isinstance(error, NumericError):
            raise
        label = kind_label(space.kind, target)
        raise NumericError(f"{prepared.where}: {undefined(space.k, label, error)}") from None


# --------------------------------------------------------------------------------------------------
# Scalars, matrices, vectors of any size.


def _general_compare(p: GeneralConclusion, at_point: Point, values: dict, directions, backend, h, rewrites=None,
                     memo: Memo | None = None):
    """Formula against central differences along each direction: (errors, tolerances, references).

    For a Jacobian, F and the contracted formula are arrays over its output indices, compared entry by entry.
    ``rewrites`` is the conclusion's and ``memo`` is shared by the rows at one input kind (see
    :class:`~derive.numeric.evaluate.Evaluator`); with a memo, the moved points are kept in it too, so that
    rows at the same input (the target kinds) move the variable to the very same arrays.
    """
    rewrites = rewrites if rewrites is not None else {}

    def evaluator(inputs, bounds=True):
        return Evaluator(inputs, p.definitions, at_point.sizes, p.classes, at_point.fixed, backend, bounds,
                         rewrites, memo)

    def kept(what, arrays, compute):
        if memo is None or not isinstance(arrays[0], np.ndarray):
            return compute()
        key = (what,) + tuple(id(a) for a in arrays[:2]) + arrays[2:]
        found = memo.get(key, arrays[:2])
        if found is None:
            found = (compute(),)
            memo.put(key, arrays[:2], found)
        return found[0]

    ev = evaluator(values)
    unit = backend.unit
    f_bound = ev.value(p.of, p.of_axes)[1]
    if not p.of_axes:
        formula, formula_bound = ev.value(p.formula, p.axes)
    x = values[p.variable]
    picks = covered_entries(p)
    two = backend.number(2)
    errors, tolerances, references = [], [], []
    for u in directions:
        v = kept("scaled", (x, u), lambda: x * u) if domain(p.variable) == "positive" else u

        def at(t):
            moved = dict(values)
            moved[p.variable] = kept("moved", (x, v, backend.name, str(t)), lambda: x + v * t)
            return evaluator(moved, bounds=False).value(p.of, p.of_axes)[0]

        if p.of_axes:
            contracted, bound = evaluator({**values, p.direction: v}).value(p.contracted, p.of_axes)
        else:
            along = v[picks] if picks else v
            along = np.broadcast_to(along, np.broadcast_shapes(np.shape(along), np.shape(formula)))
            terms = formula * along
            size = abs(along)
            contracted = np.sum(terms)
            bound = np.sum(formula_bound * size + abs(terms)) \
                + backend.levels(max(np.size(terms), 1)) * np.sum(abs(terms))
        d1, truncation = _difference(at, h, two)
        errors.append(abs(contracted - d1))
        tolerances.append(_tolerance(truncation, unit, f_bound, h, bound, two))
        references.append(abs(d1))
    return errors, tolerances, references


def _basis(shape, picks, convert):
    """Every coordinate direction among the entries the formula covers."""
    mask = np.zeros(shape, dtype=bool)
    if picks:
        mask[picks] = True
    else:
        mask = np.ones(shape, dtype=bool)
    for position in zip(*np.nonzero(mask)) if shape else [()]:
        e = np.zeros(shape)
        e[position] = 1.0
        yield convert(e) if shape else convert(np.asarray(1.0))


def general_rows(p: GeneralConclusion, seed: int, k: int, kind: str, target, rewrites=None,
                 space: GeneralSpace | None = None) -> list[NumericRow]:
    """The rows of one conclusion at one k and input: directional; full and 50 digits where small.

    ``rewrites``, if given, is kept by the caller for this conclusion and shared by its rows at every k;
    ``space``, if given, holds the inputs drawn at this k and the values shared at this input kind.
    """
    rewrites = rewrites if rewrites is not None else {}
    memo = space.memo if space is not None else None
    drawn = point(p, seed, k, kind, target, space.drawn if space is not None else None)
    shape = np.shape(drawn.values[p.variable])
    picks = covered_entries(p)
    covered = int(np.prod(np.shape(np.zeros(shape)[picks]) if picks else shape)) if shape else 1
    try:
        with np.errstate(all="ignore"):
            rows = [_row(p.name, k, drawn.label, METHOD_DIRECTIONAL,
                         *_general_compare(p, drawn, drawn.values, [drawn.direction], FLOAT, H_FLOAT, rewrites, memo))]
            if k <= FULL_UP_TO and covered <= FULL_MOST_ENTRIES:
                basis = _basis(shape, picks, lambda e: e if shape else float(e))
                rows.append(_row(p.name, k, drawn.label, METHOD_FULL,
                                 *_general_compare(p, drawn, drawn.values, basis, FLOAT, H_FLOAT, rewrites,
                                                   memo)))
                if k <= MP_ALWAYS_UP_TO or any(_close_to_tolerance(r) for r in rows):
                    def compare():
                        exact = {v: (MP.array(x) if np.ndim(x) else mpmath.mpf(x)) for v, x in drawn.values.items()}
                        convert = (lambda e: MP.array(e)) if shape else (lambda e: mpmath.mpf(float(e)))
                        return _general_compare(p, drawn, exact, _basis(shape, picks, convert), MP, mpmath.mpf(H_MP),
                                                rewrites, memo)
                    rows.append(_row(p.name, k, drawn.label, METHOD_MP, *_at_50_digits(compare),
                                     floor=10.0 ** -MP_DIGITS))
    except NumericError as error:
        raise NumericError(f"{p.where}: {error}") from None
    except (ZeroDivisionError, OverflowError, ValueError, TypeError) as error:
        raise NumericError(f"{p.where}: {undefined(k, drawn.label, error)}") from None
    return rows
