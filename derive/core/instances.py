"""Concrete instances: a fixed number of classes, fixed indices, explicit sums.

Used for the two verdicts below PROVED: VERIFIED (exactly equal on every
instance up to some class count) and REFUTED (a point where the two sides
differ, found among simple inputs first and confirmed at high precision).

Long because building instances and drawing points for them are one piece
of the trusted core: the points must satisfy exactly the assumptions and
domains the instances were built under (one-hot targets, the ranges of
indices, where an expression is defined), and keeping both here keeps that
agreement in one place.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .context import Context
from .exact import LADDER, defined, point_values
from .pointwise import Refused, defined_here
from .normalise import Atoms, Trace, atomise, is_zero, simplify, unfold, with_zero_log_zero
from .binders import rename_bound, walk
from .objects import BoundedScalar, Index, Matrix, Vector, is_count

__all__ = ["input_name", "Instance", "free_indices", "instances", "assignments", "instance_of", "free_inputs",
           "exactly_equal", "candidate_points", "evaluate", "domain_conditions", "defined_at", "interval_candidates"]

DIGITS = 50
CONFIRM_DIGITS = 100


@dataclass(frozen=True)
class Instance:
    classes: int
    assignment: tuple[tuple[sp.Symbol, int], ...]
    left: sp.Expr
    right: sp.Expr
    extra: bool = False  # at the larger class count: may refute, never counts towards VERIFIED


def free_indices(exprs, ctx: Context) -> list[sp.Symbol]:
    """The free index symbols of ``exprs`` (not the number of classes, not a count), by name."""
    found = set()
    for e in exprs:
        found |= _symbols_of(e, ctx)[0]
    return sorted(found, key=lambda s: s.name)


def counts_of(exprs, names, ctx: Context) -> list[sp.Symbol]:
    """The counts other than the classes that ``exprs`` and the indices ``names`` depend on, by name."""
    found = set()
    for e in exprs:
        found |= _symbols_of(e, ctx)[1]
    for s in names:
        if isinstance(s, Index):
            found |= {c for c in s.count.free_symbols if is_count(c)}
    return sorted(found, key=lambda s: s.name)


_SYMBOLS: dict = {}


def _symbols_of(e, ctx: Context) -> tuple[frozenset, frozenset]:
    """The free index symbols of ``e`` and the counts it depends on (remembered: asked again at every check of
    the same side, as each of a step's mutants is checked against the step before it)."""
    key = (e, ctx)
    found = _SYMBOLS.get(key)
    if found is None:
        free = e.free_symbols
        found_indices = frozenset(s for s in free if isinstance(s, sp.Symbol) and not isinstance(s, sp.Dummy)
                                  and s.is_integer and s != ctx.n and not is_count(s))
        counts = {s for s in free if is_count(s)}
        for base in e.atoms(sp.IndexedBase):
            for size in base.shape or ():
                counts |= {s for s in size.free_symbols if is_count(s)}
        found = (found_indices, frozenset(counts))
        if len(_SYMBOLS) >= 1024:
            _SYMBOLS.clear()
        _SYMBOLS[key] = found
    return found


EXTRA_CLASSES = 8  # one larger class count, tried for a refutation only (never counted towards VERIFIED)
COUNT_VALUES = (1, 2, 3)  # the values each count other than the classes takes in the instances
EXTRA_COUNT = 4  # ... and at the larger class count


def instances(left, right, ctx: Context, max_classes: int, also=()):
    """Every instance for k = minimum..max_classes, smallest k first, then a few at k = EXTRA_CLASSES.

    The free indices are those of ``left`` and ``right`` and ``also`` (the
    indices of the steps as written, which normalising may have cancelled).
    Each other count (a batch size N) takes the values COUNT_VALUES, and each
    index ranges over its own count.  Every assignment of the indices that
    the assumptions allow is listed, including those where two free indices
    coincide.  At the larger count, one assignment per pattern of coinciding
    indices (``Instance.extra``) looks for statements that hold for small k only.

    A case without classes enumerates no k: nothing in it depends on the class
    count, so one value stands for all (``Instance.classes`` is that value, and
    is shown nowhere); only its other counts and indices vary.
    """
    for sizes, assignment, extra in assignments(left, right, ctx, max_classes, also):
        yield instance_of(left, right, ctx, sizes, assignment, extra)


def assignments(left, right, ctx: Context, max_classes: int, also=()):
    """What fixes each instance of :func:`instances`, in its order: ``(sizes, assignment, extra)``.

    ``sizes`` maps the classes and the other counts, ``assignment`` the free
    indices, to SymPy integers; the two sides are not written out.
    """
    names = sorted(set(free_indices([left, right], ctx)) | set(also), key=lambda s: s.name)
    counts = counts_of([left, right], names, ctx)
    distinct = ctx.distinct_pairs()
    largest = max_classes if ctx.has_classes else ctx.minimum_classes
    for n in range(ctx.minimum_classes, largest + 1):
        for count_values in itertools.product(COUNT_VALUES, repeat=len(counts)):
            sizes = {ctx.n: sp.Integer(n), **{c: sp.Integer(v) for c, v in zip(counts, count_values)}}
            ranges = [range(1, _bound(s, sizes, ctx) + 1) for s in names]
            for values in itertools.product(*ranges):
                assignment = _allowed(ctx, sizes, names, values, distinct)
                if assignment is not None:
                    yield sizes, assignment, False
    if not ctx.has_classes and not counts and not names:
        return  # the one instance above is the whole statement: there is nothing larger to try
    n = max(EXTRA_CLASSES, max_classes + 1, ctx.minimum_classes) if ctx.has_classes else ctx.minimum_classes
    sizes = {ctx.n: sp.Integer(n), **{c: sp.Integer(EXTRA_COUNT) for c in counts}}
    bounds = [_bound(s, sizes, ctx) for s in names]
    for blocks in _set_partitions(list(range(len(names)))):
        for high in (False, True):
            values = [max(1, bound - b) if high else min(bound, b + 1) for b, bound in zip(blocks, bounds)]
            assignment = _allowed(ctx, sizes, names, values, distinct)
            if assignment is not None:
                yield sizes, assignment, True


def _bound(index, sizes, ctx) -> int:
    """The largest value of ``index`` at the given counts: its count, or the number of classes."""
    top = index.count if isinstance(index, Index) else ctx.n
    return int(top.xreplace(sizes))


def _set_partitions(items):
    """Each set partition of ``items``, as the block number of each item (restricted growth strings)."""
    if not items:
        yield []
        return

    def grow(prefix, largest):
        if len(prefix) == len(items):
            yield list(prefix)
            return
        for b in range(largest + 2):
            yield from grow(prefix + [b], max(largest, b))
    yield from grow([], -1)


def _allowed(ctx, sizes, names, values, distinct) -> dict | None:
    """The assignment of ``values`` to the indices ``names``, or None where the assumptions exclude it."""
    assignment = dict(zip(names, (sp.Integer(v) for v in values)))
    mapping = {**sizes, **assignment}
    for a, b in distinct:
        va, vb = a.xreplace(mapping), b.xreplace(mapping)
        if va.is_Integer and vb.is_Integer and va == vb:
            return None
    return assignment


def instance_of(left, right, ctx, sizes, assignment, extra) -> Instance:
    """The instance of ``left == right`` that one item of :func:`assignments` fixes, its sides written out."""
    mapping = {**sizes, **assignment}
    counts = [(c, int(v)) for c, v in sizes.items() if c != ctx.n]
    return Instance(int(sizes[ctx.n]), tuple(counts) + tuple((s, int(v)) for s, v in assignment.items()),
                    _explicit(left, mapping), _explicit(right, mapping), extra)


def at_instance(expr, mapping: dict):
    """``expr`` with the counts and indices of ``mapping`` put in, its vectors and matrices kept as they are.

    A sized vector carries its size (a count) in its shape; putting a value in
    there would make it another object than the one the points give values to.
    """
    bases = [b for b in expr.atoms(sp.IndexedBase) if b.shape]
    back = {b.xreplace(mapping): b for b in bases}
    found = expr.xreplace(mapping)
    return found.xreplace(back) if any(k != v for k, v in back.items()) else found


_EXPLICIT: dict = {}


def _explicit(expr, mapping):
    """``expr`` at a fixed k and fixed indices, its sums written out (remembered: a pure function)."""
    key = (expr, tuple(sorted(mapping.items(), key=lambda kv: str(kv[0]))))
    found = _EXPLICIT.get(key)
    if found is None:
        found = at_instance(expr, mapping).doit()
        if len(_EXPLICIT) >= 4096:
            _EXPLICIT.clear()
        _EXPLICIT[key] = found
    return found


def exactly_equal(instance: Instance, ctx: Context) -> bool:
    trace = Trace()
    difference = simplify(instance.left - instance.right, ctx, trace)
    return is_zero(atomise(difference, Atoms(ctx)))


def _vectors(expr) -> list[sp.IndexedBase]:
    return sorted({e.base for e in expr.atoms(sp.Indexed)}, key=lambda b: str(b.label))


def input_name(obj) -> str:
    """The name of an input of a point: a vector's label, or a scalar's name."""
    return str(obj.label) if isinstance(obj, sp.IndexedBase) else obj.name


def _inputs(exprs, ctx: Context) -> list:
    """The free inputs of ``exprs``: undefined vectors, and undefined scalars (non-index symbols), by name."""
    found = set()
    for e in exprs:
        found |= _inputs_of(e, ctx)
    return sorted(found, key=input_name)


_INPUTS: dict = {}


def _inputs_of(e, ctx: Context) -> frozenset:
    """The free inputs of one expression (remembered: the same sides are asked for at every point search)."""
    key = (e, ctx)
    found = _INPUTS.get(key)
    if found is None:
        labels = {b.label for b in e.atoms(sp.IndexedBase)}
        found = frozenset({b for b in _vectors(e) if ctx.definition(b) is None}
                          | {s for s in e.free_symbols if _is_scalar(s, ctx) and s not in labels})
        if len(_INPUTS) >= 1024:
            _INPUTS.clear()
        _INPUTS[key] = found
    return found


def free_inputs(exprs, ctx: Context) -> list:
    """The inputs the points give values to for ``exprs`` (see :func:`candidate_points`), by name."""
    return _inputs(exprs, ctx)


def _is_scalar(s, ctx) -> bool:
    return (type(s) in (sp.Symbol, BoundedScalar) and not s.is_integer and s != ctx.n and ctx.definition(s) is None)


def _domain(base) -> str:
    if isinstance(base, Vector):
        return base.domain
    if isinstance(base, sp.Symbol):
        return "positive" if base.is_positive else "nonnegative" if base.is_nonnegative else "real"
    return "real"


def _scalar_candidates(symbol, rng) -> list[tuple]:
    """Values for a scalar from its domain, simplest first (as 1-tuples, like a vector's entries)."""
    if isinstance(symbol, BoundedScalar):
        return [(v,) for v in interval_candidates(symbol.interval)]
    domain = _domain(symbol)
    values = {"positive": [1, 2, Fraction(1, 2), 3, Fraction(3, 2)],
              "nonnegative": [0, 1, 2, Fraction(1, 2), 3],
              "real": [0, 1, -1, 2, Fraction(1, 2), -2, 3]}[domain]
    return [(Fraction(v),) for v in values]


def interval_candidates(interval) -> list[Fraction]:
    """Values inside ``interval``, simplest first: the small integers it holds (its closed ends among them),
    its closed ends, then interior points at simple fractions of its width."""
    lo, hi = Fraction(int(interval.start.p), int(interval.start.q)), Fraction(int(interval.end.p), int(interval.end.q))

    def inside(v):
        return (lo < v or (v == lo and not interval.left_open)) and (v < hi or (v == hi and not interval.right_open))

    simple = [Fraction(v) for v in (0, 1, -1, 2, -2, 3)] + [lo, hi]
    interior = [lo + (hi - lo) * t for t in (Fraction(1, 2), Fraction(1, 3), Fraction(2, 3), Fraction(1, 4),
                                             Fraction(3, 4), Fraction(1, 5))]
    found = []
    for v in simple + interior:
        if inside(v) and v not in found:
            found.append(v)
    return found


def _random_scalar(symbol, rng) -> tuple:
    if isinstance(symbol, BoundedScalar):  # irregular, strictly inside: the ends are among the candidates
        interval = symbol.interval
        lo, hi = (Fraction(int(e.p), int(e.q)) for e in (interval.start, interval.end))
        return (lo + (hi - lo) * Fraction(rng.randint(1, 996), 997),)
    domain = _domain(symbol)
    low = 1 if domain == "positive" else 0 if domain == "nonnegative" else -3000
    return (Fraction(rng.randint(low, 3000), 997),)


def _candidates(base, n: int, ctx: Context, rng: random.Random, assignment: dict) -> list[tuple]:
    """Entry values for one vector, simplest first."""
    one = Fraction(1)
    units = [tuple(one if c == i else Fraction(0) for c in range(n)) for i in range(n)]
    at = ctx.one_hot_at(base)
    if at is not None:
        hot = at.xreplace({**assignment, ctx.n: sp.Integer(n)})
        return [units[int(hot) - 1]] if hot.is_Integer else units
    domain = _domain(base)
    if ctx.one_hot(base):
        return units
    if ctx.sums_to_one(base):
        simplex = []
        for _ in range(4):
            weights = [rng.randint(1, 4) for _ in range(n)]
            simplex.append(tuple(Fraction(w, sum(weights)) for w in weights))
        return units + [tuple(Fraction(1, n) for _ in range(n))] + simplex
    if domain == "positive":
        found = [tuple(one for _ in range(n))]
        found += [tuple(Fraction(2) if c == i else one for c in range(n)) for i in range(n)]
        found += [tuple(Fraction(c + 1) for c in range(n))]
        found += [tuple(rng.choice([Fraction(1, 2), one, Fraction(2), Fraction(3)]) for _ in range(n))
                  for _ in range(4)]
        return found
    if domain == "nonnegative":
        found = units + [tuple(one for _ in range(n)), tuple(Fraction(c) for c in range(n))]
        found += [tuple(Fraction(rng.randint(0, 2)) for _ in range(n)) for _ in range(4)]
        return found
    found = [tuple(Fraction(0) for _ in range(n))] + units
    found += [tuple(Fraction(c) for c in range(n)), tuple(-u for u in units[0])]
    found += [tuple(Fraction(rng.randint(-2, 2)) for _ in range(n)) for _ in range(4)]
    # last, positive points: where a log of an entry is defined
    found += [tuple(one for _ in range(n)), tuple(Fraction(c + 1) for c in range(n))]
    return found


def candidate_points(exprs, n: int, ctx: Context, limit: int = 40, seed: int = 0,
                     assignment: dict | None = None) -> list[dict]:
    """Input points for the free vectors of ``exprs``, ordered by simplicity.

    A vector one-hot at a given index has the one value the ``assignment``
    of that index gives it; it is listed so that a counterexample shows it.
    """
    rng = random.Random(seed * 1000 + n)
    bases = _inputs(exprs, ctx)
    if not bases:
        return [{}]
    assignment = assignment or {}
    lists = [_scalar_candidates(b, rng) if isinstance(b, sp.Symbol)
             else _matrix_candidates(b, *_shape(b, n, ctx, assignment), ctx, rng) if isinstance(b, Matrix)
             else _candidates(b, _shape(b, n, ctx, assignment)[0], ctx, rng, assignment)
             for b in bases]
    ranked = sorted(itertools.product(*[range(len(options)) for options in lists]),
                    key=lambda ranks: (sum(ranks), ranks))[:limit]
    points = []
    for ranks in ranked:
        point = {}
        for base, options, r in zip(bases, lists, ranks):
            point[base] = options[r]
        points.append(point)
    return points


def random_points(exprs, n: int, count: int, ctx: Context, seed: int = 0,
                  assignment: dict | None = None) -> list[dict]:
    """Points with irregular rational entries that satisfy exactly the case's assumptions, no more.

    A vector one-hot at an index gets the unit vector there; one-hot at no
    named index, a random unit vector; summing to one, rationals that sum to 1
    exactly; otherwise entries from its domain (positive, nonnegative with
    zeros, real), not normalised.
    """
    rng = random.Random(seed * 7919 + n)
    bases = _inputs(exprs, ctx)
    assignment = assignment or {}
    points = []
    for _ in range(count):
        point = {}
        for base in bases:
            if isinstance(base, sp.Symbol):
                point[base] = _random_scalar(base, rng)
            elif isinstance(base, Matrix):
                rows, cols = _shape(base, n, ctx, assignment)
                point[base] = tuple(_random_entries(base, cols, ctx, rng, assignment) for _ in range(rows))
            else:
                point[base] = _random_entries(base, _shape(base, n, ctx, assignment)[0], ctx, rng, assignment)
        points.append(point)
    return points


def _shape(base, n: int, ctx: Context, assignment: dict) -> tuple[int, ...]:
    """The number of entries along each axis of ``base`` at an instance (n classes, counts in ``assignment``)."""
    sizes = base.sizes(ctx.n) if isinstance(base, Vector) else (ctx.n,)
    return tuple(int(x.xreplace({**assignment, ctx.n: sp.Integer(n)})) for x in sizes)


def _matrix_candidates(base, rows: int, cols: int, ctx: Context, rng: random.Random) -> list[tuple]:
    """Values for a matrix, simplest first: every row alike, then rows mixed from a row's candidates."""
    row_options = _candidates(base, cols, ctx, rng, {})
    found = [tuple(option for _ in range(rows)) for option in row_options[:6]]
    found += [tuple(rng.choice(row_options) for _ in range(rows)) for _ in range(6)]
    return found


def _random_entries(base, n: int, ctx: Context, rng: random.Random, assignment: dict) -> tuple:
    domain = _domain(base)
    at = ctx.one_hot_at(base)
    if at is not None or ctx.one_hot(base):
        hot = at.xreplace({**assignment, ctx.n: sp.Integer(n)}) if at is not None else None
        hot = int(hot) if hot is not None and hot.is_Integer else rng.randint(1, n)
        return tuple(Fraction(int(c == hot - 1)) for c in range(n))
    if domain == "positive":
        entries = [Fraction(rng.randint(1, 3000), 997) for _ in range(n)]
    elif domain == "nonnegative":
        entries = [Fraction(rng.choice([0, rng.randint(1, 3000)]), 997) for _ in range(n)]
        if not any(entries):
            entries[rng.randrange(n)] = Fraction(1)
    else:
        entries = [Fraction(rng.randint(-3000, 3000), 997) for _ in range(n)]
    if ctx.sums_to_one(base):
        if domain == "real":
            entries[-1] = 1 - sum(entries[:-1], Fraction(0))
        else:
            total = sum(entries, Fraction(0))
            entries = [e / total for e in entries]
    return tuple(entries)


def evaluate(expr, point: dict, digits: int = DIGITS):
    """The value of ``expr`` at ``point``, or None where it is undefined."""
    values = point_values(expr, point)
    if values is None:
        return None
    try:
        value = sp.N(expr.xreplace(values), digits)
    except (ZeroDivisionError, ValueError, TypeError):
        return None
    if not value.is_number or value.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        return None
    return value


# --- where an expression as written is defined ----------------------------------------------------


_CONDITIONS: dict = {}


def domain_conditions(expr, ctx: Context) -> list[tuple]:
    """The parts of ``expr`` as written that may be undefined, each with the sums that bind it.

    Each is ``(node, binders)``: a ``log`` (its argument must be positive) or a
    power that is not a positive integer one (its base must be nonzero, and
    positive when the exponent is fractional), found after unfolding the
    definitions and with every derivative replaced by the function it
    differentiates: a derivative is undefined wherever that function is.
    ``binders`` lists the :class:`~derive.core.binders.Binder` in force, outermost first.

    Remembered (a pure function of ``expr`` and ``ctx``): a step is checked
    against the one before and the one after, and each of its mutants against
    the same step before it.
    """
    key = (expr, ctx)
    found = _CONDITIONS.get(key)
    if found is None:
        found = tuple(_domain_conditions(expr, ctx))
        if len(_CONDITIONS) >= 1024:
            _CONDITIONS.clear()
        _CONDITIONS[key] = found
    return list(found)


def _domain_conditions(expr, ctx):
    with sp.evaluate(False):
        expr = rename_bound(expr).xreplace(ctx.substitution)
        expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.expr)
    expr = with_zero_log_zero(unfold(expr, ctx, Trace()), ctx)  # 0·log 0 = 0, as the proof reads it
    found = []

    def visit(node, scope):
        if isinstance(node, sp.log) or (node.is_Pow and not (node.exp.is_Integer and node.exp > 0)):
            found.append((node, tuple(scope.values())))

    walk(expr, visit)
    return found


def defined_at(conditions, mapping: dict, point: dict) -> bool:
    """Whether every condition certainly holds at the instance ``mapping`` (k, indices) and the input ``point``.

    Each condition is first evaluated directly (:mod:`derive.core.pointwise`,
    no SymPy object built); where that gives no certain answer, its instance
    is written out and evaluated as before.
    """
    env = {s: int(v) for s, v in mapping.items()}
    for node, binders in conditions:
        for values in _binder_values(binders, mapping):
            if all(v.is_Integer for v in values.values()):
                try:
                    defined_here(node, {**env, **{s: int(v) for s, v in values.items()}}, point, LADDER[0])
                    continue
                except Refused:
                    pass
            concrete = at_instance(node, {**mapping, **values}).doit()
            if defined(concrete, point) is not True:
                return False
    return True


def _binder_values(binders, mapping):
    if not binders:
        yield {}
        return
    first, rest = binders[0], binders[1:]
    if first.lo is None:  # a Lambda left after unfolding: no range to write out, so never "defined"
        yield {first.variable: sp.nan}
        return
    lo, hi = first.lo.xreplace(mapping), first.hi.xreplace(mapping)
    skipped = first.skipped.xreplace(mapping) if first.skipped is not None else None
    if not (lo.is_Integer and hi.is_Integer):
        yield {first.variable: sp.nan}  # unknown bounds: make the condition fail, never pass silently
        return
    for v in range(int(lo), int(hi) + 1):
        if skipped is not None and skipped.is_Integer and v == int(skipped):
            continue
        for inner in _binder_values(rest, {**mapping, first.variable: sp.Integer(v)}):
            yield {first.variable: sp.Integer(v), **inner}
