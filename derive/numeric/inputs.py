"""Inputs drawn for the numeric checks: logits of every kind, targets, parameters, all satisfying the assumptions.

Every input is seeded by (seed, k) and its own name alone, so a row depends on
nothing but its conclusion, k, input kind and the seed.  The input kinds are
random logits, logits of scale 10^3, one dominating logit and all equal; targets
are one-hot or soft, and a soft target (or a positive vector assumed to sum to
1) sums to exactly 1 (:func:`exact_distributions`), as the conclusions assume.
A scalar parameter is drawn from its domain (``POSITIVE_SCALARS``,
``NONNEGATIVE_SCALARS``), and the counts other than the classes take small
values of their own (:func:`count_values`).

Two shapes of draw, one per evaluator: :class:`Workspace` holds the inputs of
one k and input kind for vectors over the classes, and shares the work rows
at the same logits have in common; :func:`point` draws the inputs of a
general conclusion.  Not for evaluating or comparing.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .conclusions import ClassConclusion, GeneralConclusion
from .evaluate import domain

__all__ = ["LOGIT_KINDS", "Draw", "GeneralSpace", "Point", "Workspace", "count_values", "covered_entries", "draw",
           "exact_distributions", "kind_label", "point", "true_class"]

LOGIT_KINDS = ("random", "scale 1e3", "one dominating", "all equal")
DOMINANCE = 100.0        # "one dominating": that logit exceeds the others' maximum by this much
POSITIVE_RANGE = 600.0   # free probability vectors: entries within e^-600 of the largest (normal floats)

# The values a scalar parameter takes, by its domain (docs/numeric.md).  A positive scalar such as a
# temperature T is drawn from (0.5, 3): temperatures near 1, on both sides, without the extremes that
# would turn every softmax into a one-hot vector.  A nonnegative scalar (a smoothing weight ε, the target
# probability y of binary logistic regression) is drawn from [0, 1), and is 0 at the input kind
# "all equal", an end of its domain.  A real scalar (a scalar logit z, a shift c) is drawn as a logit.
POSITIVE_SCALARS = (0.5, 3.0)
NONNEGATIVE_SCALARS = (0.0, 1.0)


def kind_label(kind: str, target: str | None) -> str:
    """A row's input kind: the kind of logits, and the kind of target where there is one."""
    return kind if target is None else f"{kind}, {target}"


def count_values(counts, k: int) -> dict:
    """The values the counts other than the classes take at k classes (a batch size N, a dimension D).

    Small up to k = 1000 (3, 4, ... in the order of their names), so that the full checks stay small;
    from 2 above, so that at k = 2^20 a batch of N × k logits has 2^21 entries, past the 2^20 the checks
    are claimed for.  No two counts take the same value, and none takes the value k: a formula that
    divides by the wrong count (N for D, k for N) then fails.
    """
    values, candidate = {}, 3 if k <= 1000 else 2
    for c in counts:
        while candidate == k:
            candidate += 1
        values[c] = candidate
        candidate += 1
    return values


def _rng(seed: int, k: int, name: str):
    """Seeded by (seed, k, the input's name) alone: a row depends on nothing else."""
    return np.random.default_rng(np.random.SeedSequence([seed, k, zlib.crc32(name.encode())]))


def exact_distributions(weights: np.ndarray) -> np.ndarray:
    """Positive weights made into distributions along the last axis whose entries sum to exactly 1.

    Each entry is a multiple of 2^-52 (exact in float64 and in mpmath); the integers of a row sum to 2^52,
    so its entries sum to 1 in real arithmetic, as the conclusions assume, not merely within rounding.
    """
    units = np.floor(weights / np.sum(weights, axis=-1, keepdims=True) * 2.0**52).astype(np.int64)
    units = np.maximum(units, 1)
    flat = units.reshape(-1, units.shape[-1])
    for row in flat:
        row[int(np.argmax(row))] += 2**52 - int(row.sum())
    return flat.reshape(units.shape).astype(np.float64) * 2.0**-52


def _shape(p: GeneralConclusion, v, sizes) -> tuple:
    if not isinstance(v, sp.IndexedBase):
        return ()
    return tuple(int(s) if isinstance(s, sp.Integer) else sizes[s] for s in v.sizes(p.classes))


def _values(p: GeneralConclusion, v, shape, seed, k, kind, target):
    """The values of one input at one input kind (and target kind)."""
    rng = _rng(seed, k, f"{v}:{domain(v)}")
    base = rng.standard_normal(shape)
    scalars = rng.random(len(LOGIT_KINDS))
    weights = rng.random(shape) + 1e-3
    last = shape[-1] if shape else 1
    rows = shape[:-1] if shape else ()
    spikes = rng.integers(last, size=rows)
    hot = rng.integers(last, size=rows)
    values_domain = domain(v)
    position = LOGIT_KINDS.index(kind)
    interval = getattr(v, "interval", None)   # a scalar over an interval: its ends are checked too
    if interval is not None:
        return _in_interval(interval, kind if v != p.variable else "random", float(scalars[position]))
    if not shape and values_domain == "positive":
        lo, hi = POSITIVE_SCALARS
        return lo + (hi - lo) * float(scalars[position])
    if not shape and values_domain == "nonnegative":
        lo, hi = NONNEGATIVE_SCALARS
        return lo if kind == "all equal" else lo + (hi - lo) * float(scalars[position])
    if values_domain == "nonnegative":
        if target == "one-hot":
            y = np.zeros(shape)
            at = p.one_hot.get(v)
            if at is not None:
                hot = np.full(rows, true_class(seed, k) - 1)
            np.put_along_axis(y, np.asarray(hot)[..., None], 1.0, axis=-1)
            return y
        return exact_distributions(weights)
    # the variable takes the input kind; other real inputs (a layer's input x beside its weights W) stay
    # standard normal, so that a product of two of them is not of scale 1e6
    logits = _logits(base, kind if v == p.variable or values_domain == "positive" else "random", spikes)
    if values_domain == "positive":   # a free probability vector: a softmax of logits, every entry a normal float
        e = _free_weights(logits)
        if v in p.sums_to_one:   # assumed to sum to 1: then exactly, not within rounding
            return exact_distributions(e)
        return e / np.sum(e, axis=-1, keepdims=True)
    return float(logits) if not shape else logits


def _in_interval(interval, kind: str, fraction: float) -> float:
    """A value of a scalar over ``interval``: its lower end at "all equal" and its upper end at "one dominating"
    where those ends are closed, else the point at ``fraction`` of its width (strictly inside).

    The variable of a derivative is always drawn inside, so that its finite differences stay in the domain.
    """
    lo, hi = float(interval.start), float(interval.end)
    if kind == "all equal" and not interval.left_open:
        return lo
    if kind == "one dominating" and not interval.right_open:
        return hi
    value = lo + (hi - lo) * fraction
    return value if lo < value < hi else (lo + hi) / 2


def _free_weights(logits):
    """e^(z - max z) with every entry within e^-POSITIVE_RANGE of the largest, along the last axis."""
    clipped = np.maximum(logits, np.max(logits, axis=-1, keepdims=True) - POSITIVE_RANGE)
    return np.exp(clipped - np.max(clipped, axis=-1, keepdims=True))


def _logits(base, kind, spikes):
    if kind == "random":
        return base
    if kind == "scale 1e3":
        return 1e3 * base
    if kind == "one dominating":
        if base.ndim == 0:
            return base + DOMINANCE
        logits = base.copy()
        np.put_along_axis(logits, np.asarray(spikes)[..., None],
                          np.max(base, axis=-1, keepdims=True) + DOMINANCE, axis=-1)
        return logits
    return np.full(base.shape, base.flat[0])   # all equal


def true_class(seed: int, k: int) -> int:
    return int(_rng(seed, k, "true class").integers(k)) + 1


@dataclass
class Point:
    values: dict
    sizes: dict
    fixed: dict
    direction: object
    label: str


def _drawn(p: GeneralConclusion, v, shape, seed, k, kind, target, drawn: dict | None):
    """:func:`_values`, once per (seed, k) and everything it reads, when ``drawn`` keeps them: conclusions and
    target kinds at one input then share the very arrays (the numeric memos key on their identity)."""
    if drawn is None:
        return _values(p, v, shape, seed, k, kind, target)
    values_domain = domain(v)
    key = ("input", seed, k, str(v), values_domain, shape, kind,
           target if values_domain == "nonnegative" else None,
           v == p.variable or values_domain == "positive", v in p.sums_to_one, p.one_hot.get(v) is not None)
    if key not in drawn:
        drawn[key] = _values(p, v, shape, seed, k, kind, target)
    return drawn[key]


def point(p: GeneralConclusion, seed: int, k: int, kind: str, target, drawn: dict | None = None) -> Point:
    """The inputs of a general conclusion at one k, input kind and target kind.

    ``drawn``, if given, keeps the arrays drawn at (seed, k) for the next calls (never changed after).
    """
    sizes = {p.classes: k, **count_values(p.counts, k)}
    values = {v: _drawn(p, v, _shape(p, v, sizes), seed, k, kind, target, drawn) for v in p.inputs}
    fixed = {at: true_class(seed, k) for at in p.one_hot.values() if at is not None}
    shape = _shape(p, p.variable, sizes)
    if drawn is None:
        direction = _rng(seed, k, "direction").uniform(-1.0, 1.0, shape)
    else:
        if ("direction", seed, k, shape) not in drawn:
            drawn[("direction", seed, k, shape)] = _rng(seed, k, "direction").uniform(-1.0, 1.0, shape)
        direction = drawn[("direction", seed, k, shape)]
    picks = covered_entries(p)
    if picks:   # only the entries the formula covers move (z[1] of z, not z[2])
        key = ("covered", seed, k, shape, repr(picks))
        if drawn is None or key not in drawn:
            covered = np.zeros(shape)
            covered[picks] = direction[picks]
            if drawn is None:
                direction = covered
            else:
                drawn[key] = covered
        if drawn is not None:
            direction = drawn[key]
    label = kind_label(kind, target)
    named = [f"{c} = {sizes[c]}" for c in p.counts]
    named += [f"{v} = {values[v]:.4g}" for v in p.inputs if not isinstance(v, sp.IndexedBase) and v != p.variable]
    if named:   # after the kinds, comma-separated like them, so the label still starts "kind, "
        label += ", " + ", ".join(named)
    return Point(values, sizes, fixed, direction if shape else float(direction), label)


class GeneralSpace:
    """What the rows of general conclusions at one (seed, k) share: the inputs drawn (``drawn``, for every
    input kind) and, at one input kind, the memo of values (:class:`~derive.numeric.evaluate.Memo`)."""

    def __init__(self, drawn: dict, memo):
        self.drawn = drawn
        self.memo = memo


def covered_entries(p: GeneralConclusion):
    """Where the entries the formula covers lie in the variable: a slice per index symbol, a number otherwise."""
    if not isinstance(p.wrt, sp.Indexed):
        return ()
    return tuple(slice(None) if isinstance(i, sp.Symbol) else int(i) - 1 for i in p.wrt.indices)


# --------------------------------------------------------------------------------------------------
# Vectors over the classes.


@dataclass(frozen=True)
class Draw:
    """The random numbers of one (seed, k): every input kind and target kind is built from them."""

    base: np.ndarray        # standard normal logits
    spike: int              # 0-based position of the dominating logit
    true_class: int         # 1-based true class of one-hot targets
    weights: np.ndarray     # positive weights of soft targets
    direction: np.ndarray   # entries uniform in [-1, 1]


def draw(seed: int, k: int) -> Draw:
    """Seeded by (seed, k) alone, so that a row does not depend on which other rows run."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, k]))
    base = rng.standard_normal(k)
    spike = int(rng.integers(k))
    true_class = int(rng.integers(k)) + 1
    weights = rng.random(k) + 1e-3
    direction = rng.uniform(-1.0, 1.0, k)
    return Draw(base, spike, true_class, weights, direction)


class Workspace:
    """The inputs of one (seed, k, input kind), and the work that rows at them share.

    Conclusions and target kinds at the same logits share the logits, the
    direction, the points moved along it and the softmax at each point: the
    memo keys arrays by identity and keeps them alive, so a key is never reused.
    """

    def __init__(self, draw: Draw, kind: str, plans: dict | None = None):
        self.draw = draw
        self.kind = kind
        self.k = len(draw.base)
        self.memo: dict = {}
        self.plans = plans if plans is not None else {}   # compiled expressions, shared by the kinds of a k

    def remember(self, key, arrays: tuple, compute):
        found = self.memo.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], arrays)):
            return found[1]
        value = compute()
        self.memo[key] = (arrays, value)
        return value

    def logits(self) -> np.ndarray:
        return self.remember("logits", (), lambda: _logits(self.draw.base, self.kind, self.draw.spike))

    def positive(self) -> np.ndarray:
        """A free probability vector: the softmax of the logits, every entry a positive normal float."""
        def compute():
            e = _free_weights(self.logits())
            return e / np.sum(e, axis=-1, keepdims=True)
        return self.remember("positive", (), compute)

    def target(self, kind: str) -> np.ndarray:
        def compute():
            if kind == "one-hot":
                y = np.zeros(self.k)
                y[self.draw.true_class - 1] = 1.0
                return y
            return exact_distributions(self.draw.weights)
        return self.remember(("target", kind), (), compute)

    def inputs(self, prepared: ClassConclusion, target: str | None) -> dict:
        values = {}
        for v in prepared.vectors:
            if v.domain == "real":
                values[v] = self.logits()
            elif v.domain == "positive":
                values[v] = self.positive()
            else:
                values[v] = self.target(target)
        return values
