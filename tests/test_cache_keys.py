"""Cache keys tell every check apart: different inputs never share a key, equal inputs always do.

The property tests build expressions and contexts from plain descriptions (nested tuples), with SymPy's
evaluation turned off so that a description is the tree it builds.  Whether two descriptions are the same
check is decided on the descriptions themselves, never by the code under test: equal up to a one-to-one
renaming of their dummy symbols (a dummy has no name a user chose; a proof loaded again gets fresh ones).
"""

from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import derive.cache.keys as cache
from derive import Vector, classes, indices, scalar
from derive.cache.keys import derived_key, numeric_key, step_key
from derive.cache.store import MemoryStore
from derive.engine.checking import CachedChecker
from derive.core.checker import check_equal
from derive.core.context import Context, Definition, Distinct, Equal, IllFormed, OneHot, SumsToOne
from derive.core.verdict import Verdict

# Names a user may choose, among them text that looks like what SymPy prints for a dummy symbol.
NAMES = ("x", "y", "dummy_index=3", "x dummy_index=1", "x dummy_index=2", "Dummy('i', dummy_index=0)", "ŷ", "x, y")
ASSUMPTIONS = ({}, {"real": True}, {"positive": True}, {"integer": True, "positive": True},
               {"nonnegative": True})  # no two of them give a symbol the same assumptions
DOMAINS = ("real", "positive", "nonnegative")
DUMMIES = (("i", {"integer": True}), ("i", {"integer": True}), ("i", {}), ("j", {"integer": True}))

k = classes("k")
N = classes("N")
i, j, m = indices("i j m")


# --- descriptions and what they build --------------------------------------------------------

leaves = st.one_of(
    st.tuples(st.just("symbol"), st.sampled_from(range(len(NAMES))), st.sampled_from(range(len(ASSUMPTIONS)))),
    st.tuples(st.just("dummy"), st.sampled_from(range(len(DUMMIES)))),
    st.tuples(st.just("integer"), st.integers(-3, 3)),
    st.tuples(st.just("rational"), st.sampled_from([(1, 2), (-1, 2), (2, 3), (3, 2)])),
    st.tuples(st.just("entry"), st.sampled_from(range(len(NAMES))), st.sampled_from(DOMAINS),
              st.sampled_from(["j", "m", ("dummy", 0), ("dummy", 1), 1])),
)


def _compound(children):
    return st.one_of(
        st.tuples(st.sampled_from(["add", "mul"]), children, children),
        st.tuples(st.just("pow"), children, st.integers(-2, 3)),
        st.tuples(st.sampled_from(["exp", "log"]), children),
        st.tuples(st.just("sum"), children, st.sampled_from([("dummy", 0), ("dummy", 1), ("dummy", 3), "i"]),
                  st.sampled_from(["k", "k-1"])),
    )


expressions = st.recursive(leaves, _compound, max_leaves=6)

assumption_descriptions = st.one_of(
    st.tuples(st.sampled_from(["Equal", "Distinct"]), st.sampled_from(["j", "m", "i", 1, 2]),
              st.sampled_from(["j", "m", "i", 1, 2])),
    st.tuples(st.just("OneHot"), st.sampled_from(range(len(NAMES))), st.sampled_from(DOMAINS),
              st.sampled_from([None, "j", "m"])),
    st.tuples(st.just("SumsToOne"), st.sampled_from(range(len(NAMES))), st.sampled_from(DOMAINS)),
)
definition_descriptions = st.one_of(
    st.tuples(st.just("scalar"), st.sampled_from(range(len(NAMES))), expressions),
    st.tuples(st.just("vector"), st.sampled_from(range(len(NAMES))), st.sampled_from(DOMAINS), expressions),
)
contexts = st.tuples(st.sampled_from(["k", "N"]), st.lists(assumption_descriptions, max_size=2).map(tuple),
                     st.lists(definition_descriptions, max_size=2).map(tuple), st.sampled_from([2, 3]))
checks = st.tuples(contexts, expressions, expressions,
                   st.frozensets(st.sampled_from(NAMES + ("k", "j", "z")), max_size=3),
                   st.sampled_from([5.0, 0.5]), st.sampled_from([4, 5]))


class Builder:
    """Builds descriptions into SymPy objects, with a fresh set of dummy symbols per builder."""

    def __init__(self):
        self.dummies = [sp.Dummy(name, **assumptions) for name, assumptions in DUMMIES]

    def index(self, d):
        if isinstance(d, int):
            return sp.Integer(d)
        if isinstance(d, tuple):
            return self.dummies[d[1]]
        return {"i": i, "j": j, "m": m}[d]

    def expr(self, d):
        kind, *rest = d
        if kind == "symbol":
            return sp.Symbol(NAMES[rest[0]], **ASSUMPTIONS[rest[1]])
        if kind == "dummy":
            return self.dummies[rest[0]]
        if kind == "integer":
            return sp.Integer(rest[0])
        if kind == "rational":
            return sp.Rational(*rest[0])
        if kind == "entry":
            return Vector(NAMES[rest[0]], rest[1])[self.index(rest[2])]
        if kind in ("add", "mul"):
            return (sp.Add if kind == "add" else sp.Mul)(self.expr(rest[0]), self.expr(rest[1]), evaluate=False)
        if kind == "pow":
            return sp.Pow(self.expr(rest[0]), sp.Integer(rest[1]), evaluate=False)
        if kind in ("exp", "log"):
            return (sp.exp if kind == "exp" else sp.log)(self.expr(rest[0]), evaluate=False)
        if kind == "sum":
            body, variable, upper = rest
            upper = k if upper == "k" else sp.Add(k, -1, evaluate=False)
            return sp.Sum(self.expr(body), (self.index(variable), 1, upper))
        raise AssertionError(kind)

    def assumption(self, d):
        kind, *rest = d
        if kind in ("Equal", "Distinct"):
            return (Equal if kind == "Equal" else Distinct)(self.index(rest[0]), self.index(rest[1]))
        if kind == "OneHot":
            return OneHot(Vector(NAMES[rest[0]], rest[1]), None if rest[2] is None else self.index(rest[2]))
        return SumsToOne(Vector(NAMES[rest[0]], rest[1]))

    def definition(self, d):
        if d[0] == "scalar":
            return Definition.of(scalar(NAMES[d[1]]), self.expr(d[2]))
        variable = self.dummies[0]
        return Definition(Vector(NAMES[d[1]], d[2]), sp.Lambda(variable, self.expr(d[3])))

    def context(self, d):
        count, assumptions, definitions, smallest = d
        return Context({"k": k, "N": N}[count], tuple(self.assumption(a) for a in assumptions),
                       tuple(self.definition(x) for x in definitions), smallest)


def _key_of(check) -> str | None:
    """The key of a described check built afresh, or None when the context is not a valid one."""
    context, left, right, known, seconds, max_classes = check
    built = Builder()
    try:
        ctx = built.context(context)
    except IllFormed:
        return None
    return step_key(built.expr(left), built.expr(right), ctx, seconds=seconds, max_classes=max_classes,
                    known=known)


def _same_check(one, other) -> bool:
    """The oracle: the two descriptions are equal once their dummies are numbered by first appearance."""
    def renumbered(d):
        numbers: dict[int, int] = {}

        def walk(x):
            if isinstance(x, tuple) and len(x) == 2 and x[0] == "dummy":
                return ("dummy", numbers.setdefault(x[1], len(numbers)), DUMMIES[x[1]][0],
                        tuple(sorted(DUMMIES[x[1]][1].items())))
            if isinstance(x, tuple):
                return tuple(walk(y) for y in x)
            return x

        # A vector's definition binds dummy 0 as its variable: that use comes first within the definition.
        context, left, right, known, seconds, max_classes = d
        count, assumptions, definitions, smallest = context
        definitions = tuple(x if x[0] == "scalar" else (x[0], x[1], x[2], ("dummy", 0), x[3]) for x in definitions)
        return walk(((count, assumptions, definitions, smallest), left, right)), known, seconds, max_classes

    return renumbered(one) == renumbered(other)


# --- properties ------------------------------------------------------------------------------


INDICES = st.sampled_from(["i", "j", "m", ("dummy", 0), ("dummy", 1), ("dummy", 2), ("dummy", 3), 1, 2])
VARIABLES = st.sampled_from(["i", ("dummy", 0), ("dummy", 1), ("dummy", 2), ("dummy", 3)])
LEAF_KINDS = {"symbol", "dummy", "integer", "rational", "entry"}


def _leaf_paths(d, path=()):
    """The positions in ``d`` that a mutation may replace: (position, "expression", "index" or "variable")."""
    if not isinstance(d, tuple):
        return
    if d and d[0] in LEAF_KINDS:
        yield path, "expression"
        if d[0] == "entry":
            yield path + (3,), "index"
        return
    if d and d[0] == "sum":
        yield path + (2,), "variable"
    for position, child in enumerate(d):
        if not (d and d[0] == "sum" and position == 2):
            yield from _leaf_paths(child, path + (position,))


def _replaced(d, path, new):
    if not path:
        return new
    return tuple(_replaced(c, path[1:], new) if n == path[0] else c for n, c in enumerate(d))


# Building a context validates it, and an invalid one is skipped: however strict validation becomes,
# the examples that remain still have to pass.
LENIENT = [HealthCheck.too_slow, HealthCheck.filter_too_much]


@st.composite
def near_pairs(draw):
    """A check, and the same check with one leaf or one index (a symbol, a dummy, a number) replaced."""
    check = draw(checks)
    path, kind = draw(st.sampled_from(list(_leaf_paths(check))))
    new = {"expression": leaves, "index": INDICES, "variable": VARIABLES}[kind]
    return check, _replaced(check, path, draw(new))


@settings(max_examples=300, deadline=None, suppress_health_check=LENIENT)
@given(checks, checks)
def test_two_checks_share_a_key_exactly_when_they_are_the_same_check(one, other):
    key_one, key_other = _key_of(one), _key_of(other)
    assume(key_one is not None and key_other is not None)
    assert (key_one == key_other) == _same_check(one, other)


@settings(max_examples=400, deadline=None, suppress_health_check=LENIENT)
@given(near_pairs())
def test_checks_that_differ_in_one_leaf_never_share_a_key(pair):
    one, other = pair
    key_one, key_other = _key_of(one), _key_of(other)
    assume(key_one is not None and key_other is not None)
    assert (key_one == key_other) == _same_check(one, other)


@settings(max_examples=150, deadline=None, suppress_health_check=LENIENT)
@given(checks)
def test_a_check_built_twice_with_fresh_dummies_has_one_key(check):
    first, second = _key_of(check), _key_of(check)
    assume(first is not None)
    assert first == second


# --- the cases the old keys confused ---------------------------------------------------------


def _key(left, right, ctx=None, **options):
    options = {"seconds": 5.0, "max_classes": 4, "known": frozenset(), **options}
    return step_key(left, right, ctx if ctx is not None else Context(k), **options)


def test_names_that_look_like_printed_dummies_are_kept_as_written():
    one, other = Vector("w dummy_index=1"), Vector("w dummy_index=2")
    assert _key(one[j], one[j]) != _key(one[j], other[j])
    assert _key(scalar("dummy_index=3"), 1) != _key(scalar("dummy_index=4"), 1)


def test_one_dummy_on_both_sides_is_not_two_dummies():
    a, b = sp.Dummy("x", real=True), sp.Dummy("x", real=True)
    assert _key(a, a) != _key(a, b)
    assert _key(a + 1, b) != _key(a + 1, a)


def test_a_dummy_of_the_context_is_the_same_dummy_in_a_step():
    variable = sp.Dummy("i", integer=True, positive=True)
    other = sp.Dummy("i", integer=True, positive=True)
    z, p = Vector("z"), Vector("p")
    ctx = Context(k, (), (Definition(p, sp.Lambda(variable, z[variable])),))
    assert _key(p[variable], z[variable], ctx) != _key(p[variable], z[other], ctx)


def test_a_symbols_assumptions_are_part_of_its_identity():
    assert _key(sp.Symbol("x"), 0) != _key(sp.Symbol("x", positive=True), 0)
    assert _key(sp.Symbol("x", real=True), 0) != _key(sp.Symbol("x", positive=True), 0)


def test_a_vectors_domain_is_part_of_its_identity():
    assert _key(Vector("w")[j], 0) != _key(Vector("w", "positive")[j], 0)
    assert _key(Vector("w", "nonnegative")[j], 0) != _key(Vector("w", "positive")[j], 0)


def test_exact_numbers_are_told_apart():
    assert _key(sp.Rational(1, 3), 0) != _key(sp.Rational(1, 2), 0)
    assert _key(sp.Integer(2), 0) != _key(sp.Float(2.0), 0)
    assert _key(sp.Float("0.1", 15), 0) != _key(sp.Float("0.1", 30), 0)


def test_the_old_key_let_a_false_step_replay_a_true_one():
    """With printed and renumbered text, ``w1_j = w1_j`` and ``w1_j = w2_j`` shared a key."""
    one, other = Vector("w dummy_index=1"), Vector("w dummy_index=2")
    ctx = Context(k)
    known = frozenset({"w dummy_index=1", "w dummy_index=2", "j"})
    store = MemoryStore()
    assert CachedChecker(store).equal(one[j], one[j], ctx, seconds=5.0, max_classes=4, known=known).verdict is Verdict.PROVED
    replayed = CachedChecker(store).equal(one[j], other[j], ctx, seconds=5.0, max_classes=4, known=known)
    assert replayed.verdict is Verdict.REFUTED
    assert replayed == check_equal(one[j], other[j], ctx, seconds=5.0, max_classes=4, known=known)


# --- every part of the context and of the settings changes the key ------------------------


def _context(**changes) -> Context:
    z, y, p = Vector("z"), Vector("y", "nonnegative"), Vector("p")
    parts = {"n": k, "assumptions": (Distinct(j, m), OneHot(y, m)),
             "definitions": (Definition.of(p, lambda a: sp.exp(z[a])), Definition.of(scalar("L"), y[j] * z[j])),
             "minimum_classes": 2}
    parts.update(changes)
    return Context(parts.pop("n"), **parts)


LEFT, RIGHT = Vector("p")[j] * Vector("y", "nonnegative")[m], Vector("z")[j]


def test_the_key_changes_with_the_class_count():
    assert _key(LEFT, RIGHT, _context()) != _key(LEFT, RIGHT, _context(n=N))


def test_the_key_changes_with_each_assumption_its_class_and_its_arguments():
    y = Vector("y", "nonnegative")
    base = _key(LEFT, RIGHT, _context())
    variants = [(), (Distinct(j, m),), (OneHot(y, m),), (Equal(j, m), OneHot(y, m)), (Distinct(m, j), OneHot(y, m)),
                (Distinct(j, i), OneHot(y, m)), (Distinct(j, m), OneHot(y, j)), (Distinct(j, m), OneHot(y)),
                (Distinct(j, m), SumsToOne(y)), (OneHot(y, m), Distinct(j, m)), (Distinct(j, 2), OneHot(y, m)),
                (Distinct(j, m), OneHot(y, m), SumsToOne(y))]
    keys = {_key(LEFT, RIGHT, _context(assumptions=a)) for a in variants}
    assert base not in keys and len(keys) == len(variants)


def test_the_key_changes_with_each_definitions_name_and_body():
    z, y = Vector("z"), Vector("y", "nonnegative")
    p, q = Vector("p"), Vector("q")
    base = _key(LEFT, RIGHT, _context())
    variants = [(),
                (Definition.of(p, lambda a: sp.exp(z[a])),),
                (Definition.of(p, lambda a: sp.exp(2 * z[a])), Definition.of(scalar("L"), y[j] * z[j])),
                (Definition.of(q, lambda a: sp.exp(z[a])), Definition.of(scalar("L"), y[j] * z[j])),
                (Definition.of(p, lambda a: sp.exp(z[a])), Definition.of(scalar("M"), y[j] * z[j])),
                (Definition.of(p, lambda a: sp.exp(z[a])), Definition.of(scalar("L"), (y[j] - z[j]) ** 2 / 2)),
                (Definition.of(scalar("L"), y[j] * z[j]), Definition.of(p, lambda a: sp.exp(z[a])))]
    keys = {_key(LEFT, RIGHT, _context(definitions=d)) for d in variants}
    assert base not in keys and len(keys) == len(variants)


def test_the_key_changes_with_the_domain_of_a_vector_in_the_context():
    # a vector of the context that nothing else names, in each domain: in an assumption, and in a definition
    p = Vector("p")
    keys = {_key(LEFT, RIGHT, _context(assumptions=(Distinct(j, m), SumsToOne(Vector("t", domain)))))
            for domain in DOMAINS}
    keys |= {_key(LEFT, RIGHT, _context(definitions=(Definition.of(p, lambda a: sp.exp(Vector("u", domain)[a])),)))
             for domain in DOMAINS}
    assert len(keys) == 2 * len(DOMAINS)


def test_the_key_changes_with_the_smallest_number_of_classes():
    keys = {_key(LEFT, RIGHT, _context(minimum_classes=smallest)) for smallest in (2, 3, 4)}
    assert len(keys) == 3


def test_the_key_changes_with_the_known_names_the_budget_and_the_largest_k():
    ctx = _context()
    base = _key(LEFT, RIGHT, ctx)
    variants = [dict(known=frozenset({"z"})), dict(known=frozenset({"z", "p"})), dict(seconds=5.5),
                dict(max_classes=5), dict(seconds=5.0, max_classes=4, known=frozenset(), strict=True)]
    keys = {_key(LEFT, RIGHT, ctx, **v) for v in variants}
    assert base not in keys and len(keys) == len(variants)
    assert _key(RIGHT, LEFT, ctx) != base


def test_the_key_changes_with_the_versions_of_derive_sympy_and_the_core(monkeypatch):
    import sympy

    base = _key(LEFT, RIGHT)
    monkeypatch.setattr(cache, "__version__", "0.0.0")
    assert _key(LEFT, RIGHT) != base
    monkeypatch.undo()
    monkeypatch.setattr(sympy, "__version__", "0.0")
    assert _key(LEFT, RIGHT) != base
    monkeypatch.undo()
    monkeypatch.setattr(cache, "fingerprint", lambda *paths: "another core")
    assert _key(LEFT, RIGHT) != base
    monkeypatch.undo()
    assert _key(LEFT, RIGHT) == base


def test_derived_and_numeric_keys_change_with_the_context_and_settings():
    from derive.numeric.rows import NumericSettings

    start = Vector("p")[j]
    assert derived_key(start, _context()) != derived_key(start, _context(definitions=()))
    assert derived_key(start, _context()) != derived_key(start, _context(minimum_classes=3))
    assert derived_key(start, _context()) != _key(start, start, _context())  # another kind of result
    assert numeric_key((), NumericSettings(seed=1)) != numeric_key((), NumericSettings(seed=2))


def test_a_value_with_no_canonical_form_is_checked_without_the_cache():
    class Opaque:
        """An object the key cannot describe (it has no identity beyond its address)."""

    store = MemoryStore()
    ctx = Context(k)
    outcome = CachedChecker(store).equal(sp.Integer(1), sp.Integer(1), ctx, seconds=5.0, max_classes=4,
                           known=frozenset({Opaque()}))
    assert outcome.verdict is Verdict.PROVED and not store.entries
    CachedChecker(store).equal(sp.Integer(1), sp.Integer(1), ctx, seconds=5.0, max_classes=4, known=frozenset({"x"}))
    assert len(store.entries) == 1
