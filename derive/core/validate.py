"""Well-formedness: a step or definition must be an expression over known names, with valid indices.

Everything the normaliser's rules take for granted is checked here first, so
that a rule never meets an object outside its side conditions: every index,
sum bound and vector size is integer-valued and provably within ``1..n``,
sums run forwards, a sum that skips an index does not skip its own variable,
softmax and cross-entropy are taken over the case's ``n`` classes, and no two
different objects share a printed name.  Not for deciding equality: that is
:mod:`derive.core.normalise` and :mod:`derive.core.instances`.
"""

from __future__ import annotations

import sympy as sp

from .binders import binders, walk
from .context import Context, IllFormed, as_expression
from .normalise import index_range, nonnegative
from .objects import BoundedScalar, CrossEntropy, Index, LogSoftmax, LogSumExp, Matrix, Softmax, SumExcept, Vector, is_count

__all__ = ["validate", "validate_context", "validate_names", "as_expression", "names_in", "free_indices_of",
           "needs_classes"]


def needs_classes(exprs, owner: str = "case") -> str:
    """What in ``exprs`` ranges over the classes, as the start of a message; empty if nothing does.

    For a case without classes (a scalar logit and label): a vector with one
    entry per class (no size given), or a free index that is not over a count
    (``indices('j')`` ranges over the classes; so does their number itself,
    which is an integer symbol of the same kind).
    """
    found: list[str] = []
    fix = f"the {owner} has no classes: pass classes=classes('k')"

    def visit(node, scope):
        if found:
            return
        if isinstance(node, sp.IndexedBase) and not node.shape:
            found.append(f"{node.label} is a vector with one entry per class (it is given no size), but "
                         f"{fix}, or give {node.label} a size")
        elif (isinstance(node, sp.Symbol) and node not in scope and not isinstance(node, (sp.Dummy, Index))
              and node.is_integer and not is_count(node)):
            found.append(f"{node} is an index over the classes (or their number), but {fix}, "
                         f"or declare {node} over a count with indices('{node}', over=...)")

    for expr in exprs:
        if isinstance(expr, sp.Basic):
            walk(expr, visit)
    return found[0] if found else ""


def names_in(expr) -> set[str]:
    """The free names of an expression: symbols and vector names, by their text."""
    found = set()

    def visit(node, scope):
        if isinstance(node, sp.Indexed):
            found.add(str(node.base.label))
        elif isinstance(node, sp.IndexedBase):
            found.add(str(node.label))
        elif isinstance(node, sp.Symbol) and node not in scope:
            found.add(node.name)

    walk(expr, visit)
    return found


def free_indices_of(expr, ctx: Context) -> set:
    """The free index symbols of an expression as written (bound ones excluded)."""
    found = set()

    def visit(node, scope):
        if (isinstance(node, sp.Symbol) and node not in scope and not isinstance(node, sp.Dummy)
                and node.is_integer and node != ctx.n and not is_count(node)):
            found.add(node.xreplace(ctx.substitution))

    walk(expr, visit)
    return {s for s in found if isinstance(s, sp.Symbol)}


def validate(expr, ctx: Context, known: frozenset = frozenset(), what: str = "") -> None:
    """Raise :class:`IllFormed` naming what is wrong with ``expr``, if anything.

    ``known`` is the set of names a step may use (empty: any name); ``what``
    names the expression in the message (``"the definition of ŷ"``).

    Remembered (a pure function of its arguments): a step is checked against
    the one before and the one after, and each of its mutants against the same
    step before it.
    """
    expr = as_expression(expr)
    key = (expr, ctx, frozenset(known), what)
    problem = _VALIDATED.get(key, _UNSEEN)
    if problem is _UNSEEN:
        try:
            _validate(expr, ctx, known, what)
            problem = None
        except IllFormed as error:
            problem = str(error)
        if len(_VALIDATED) >= 1024:
            _VALIDATED.clear()
        _VALIDATED[key] = problem
    if problem is not None:
        raise IllFormed(problem)


_VALIDATED: dict = {}
_UNSEEN = object()


def _validate(expr, ctx, known, what) -> None:
    prefix = f"{what}: " if what else ""
    if expr.has(sp.zoo, sp.nan) or expr.has(sp.oo):
        raise IllFormed(f"{prefix}{expr} divides by zero or is infinite")
    problems: list[str] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Float):
            raise IllFormed(f"{prefix}{expr} contains the float {node}, which is inexact: write an integer or "
                            f"sympy.Rational")
        if node.is_Pow and node.base == 0 and node.exp.is_negative:
            raise IllFormed(f"{prefix}{expr} divides by zero")
    problems.extend(_name_clashes((expr,), ctx))
    if not ctx.has_classes:
        problem = needs_classes([expr])
        if problem:
            raise IllFormed(prefix + problem)

    def visit(node, scope):
        if isinstance(node, sp.Symbol) and node not in scope and not isinstance(node, sp.Dummy):
            if node != ctx.n and known and node.name not in known:
                problems.append(_unknown(node, node.is_integer))
        if isinstance(node, sp.Indexed):
            problems.extend(_indexed_problem(node, scope, ctx, known))
        if isinstance(node, (sp.Sum, SumExcept)):
            problems.extend(_binder_problems(node, scope, ctx))
        if isinstance(node, (Softmax, LogSoftmax)):
            problems.extend(_vector_call_problem(node, node.args[0], node.args[1], node.args[2], scope, ctx))
        if isinstance(node, LogSumExp):
            problems.extend(_vector_call_problem(node, node.args[0], None, node.args[1], scope, ctx))
        if isinstance(node, CrossEntropy):
            y, p, n = node.args
            problems.extend(_vector_call_problem(node, y, None, n, scope, ctx))
            problems.extend(_vector_call_problem(node, p, None, n, scope, ctx))
        if isinstance(node, sp.KroneckerDelta):
            for index in node.args:
                if index.is_integer is not True:
                    problems.append(f"δ{node.args} compares {index}, which is not an integer-valued index")
        if isinstance(node, sp.Derivative):
            for variable, _ in node.variable_count:
                if not (isinstance(variable, sp.Indexed) or
                        (isinstance(variable, sp.Symbol) and not variable.is_integer)):
                    problems.append(f"cannot differentiate with respect to {variable}: it is not a variable "
                                    f"(an entry of a vector such as z[j], or a scalar)")

    walk(expr, visit)
    if problems:
        raise IllFormed(prefix + problems[0])


def _unknown(node, is_index) -> str:
    kind = "index" if is_index else "symbol"
    fix = (f"declare it with indices('{node.name}') and use it in the case's start or assumptions"
           if is_index else "use it in the case's start, or define it in the case's definitions")
    return f"unknown {kind} {node.name!r}: it is not in the case's start expression, definitions or " \
           f"assumptions; {fix}"


def _indexed_problem(node, scope, ctx, known):
    label = str(node.base.label)
    if known and label not in known:
        yield (f"unknown vector {label!r}: it is not in the case's start expression, definitions or "
               f"assumptions; use it in the case's start, or define it in the case's definitions")
    sizes = node.base.sizes(ctx.n) if isinstance(node.base, Vector) else (ctx.n,) * len(node.indices)
    if len(node.indices) != len(sizes):
        kind = "matrix" if isinstance(node.base, Matrix) else "vector"
        yield (f"{node} has {len(node.indices)} {'index' if len(node.indices) == 1 else 'indices'}, but the "
               f"{kind} {label} has {len(sizes)}: write {label}[{', '.join('ij'[:len(sizes)])}]")
        return
    for index, size in zip(node.indices, sizes):
        yield from _index_problem(node, index, scope, ctx, size)


def _index_problem(node, index, scope, ctx, size=None):
    size = ctx.n if size is None else size
    if index.is_integer is not True:
        yield f"index {index} in {node} is not integer-valued: use an index symbol (indices('...')) or an integer"
        return
    interval = index_range(index, ctx, scope)
    if interval is None:
        yield f"index {index} in {node} may lie outside 1..{size}: use an index symbol, {size}, or a literal"
        return
    lo, hi = interval
    if not nonnegative(lo - 1, ctx) or not nonnegative(size - hi, ctx):
        smallest = f" ({ctx.n} can be as small as {ctx.minimum_classes})" if index.is_Integer else ""
        over = f": {index} ranges over 1..{hi}" if isinstance(index, sp.Symbol) and hi != size else ""
        yield f"index {index} in {node} may lie outside 1..{size}{smallest}{over}"


def _binder_problems(node, scope, ctx):
    """A sum's index must be an index symbol; its bounds integers, running forwards (an empty sum allowed)."""
    inner = dict(scope)
    for b in binders(node):
        i, lo, hi = b.variable, b.lo, b.hi
        if not (isinstance(i, sp.Symbol) and i.is_integer):
            yield f"summation index {i} in {node} is not an integer index symbol (use indices('...'))"
            return
        if i == ctx.n:
            yield (f"{node} sums over {i}, the number of classes: use another index symbol "
                   f"(indices('i')) as the summation index")
            return
        for bound, which in ((lo, "lower"), (hi, "upper")):
            if bound.is_integer is not True:
                yield f"the {which} bound {bound} of {node} is not integer-valued"
                return
            if bound.has(i):
                yield f"the {which} bound {bound} of {node} uses its own summation index {i}"
                return
        # Where the summation index is used as an index, its range is checked against that axis; a sum
        # itself may run over any forward range of integers (Σ_{i=1}^{N} over a batch, Σ_{i=0}^{k} i).
        span = index_range(hi - lo, ctx, inner)
        if index_range(lo, ctx, inner) is None or index_range(hi, ctx, inner) is None:
            yield f"the bounds of {node} are not integers affine in indices and counts"
        elif span is None or not nonnegative(span[0] + 1, ctx):
            yield (f"sum {node} has reversed bounds: it starts at {lo}, which can exceed its end {hi} by more "
                   f"than 1 (an empty sum ends just before it starts)")
        if b.skipped is not None:
            if b.skipped.has(i):
                yield (f"{node} skips {b.skipped}, which is its own summation index {i}: "
                       f"name the index to skip, e.g. sum_except(f, i, n, j)")
            elif b.skipped.is_integer is not True or index_range(b.skipped, ctx, inner) is None:
                # a skipped value outside the range skips nothing: any integer will do
                yield f"{node} skips {b.skipped}, which is not an integer-valued index"
        inner[i] = b


def _vector_call_problem(node, vector, index, size, scope, ctx):
    name = type(node).__name__.lower()
    if not isinstance(vector, sp.IndexedBase) or isinstance(vector, Matrix):
        yield f"{name}: {vector} is not a vector"
        return
    entries = vector.sizes(ctx.n)[0] if isinstance(vector, Vector) else ctx.n
    if size != entries:
        yield (f"{node}: the vector {vector} has {entries} entries, so the size given to {name} "
               f"must be {entries}, not {size}")
    if index is not None:
        yield from _index_problem(node, index, scope, ctx, entries)


def validate_names(exprs, ctx: Context) -> None:
    """Raise :class:`IllFormed` if two different objects share a printed name across ``exprs`` and ``ctx``."""
    for problem in _name_clashes(tuple(exprs), ctx):
        raise IllFormed(problem)


def _name_clashes(exprs, ctx):
    """Two different objects with one printed name (a vector of two domains, a symbol of two kinds)."""
    seen: dict[str, sp.Basic] = {}
    objects = [*exprs, ctx.n]
    for d in ctx.definitions:
        objects += [d.name, d.body]
    for a in ctx.assumptions:
        objects += [v for v in vars(a).values() if isinstance(v, sp.Basic)]
    for obj in objects:
        for node in sp.preorder_traversal(obj):
            if isinstance(node, sp.IndexedBase):
                name, thing = str(node.label), node.label
            elif isinstance(node, sp.Symbol) and not isinstance(node, sp.Dummy):
                name, thing = node.name, node
            else:
                continue
            other = seen.setdefault(name, thing)
            if other != thing:
                yield (f"two different objects are named {name!r} ({_describe(other)} and {_describe(thing)}): "
                       f"give them different names")
                return


def _describe(symbol) -> str:
    if isinstance(symbol, BoundedScalar):
        return f"one with {symbol.domain_text()}"
    if symbol.is_integer:
        return "an index"
    if symbol.is_positive:
        return "a positive one"
    if symbol.is_nonnegative:
        return "a nonnegative one"
    return "a real one"


def validate_context(ctx: Context) -> None:
    """Raise :class:`IllFormed` if a definition of ``ctx`` is ill-formed or circular.

    A definition may use a free index (``L = -log p_ℓ``): it then means the
    same index as the steps do, and what the case claims, it claims for every
    value of that index.
    """
    for definition in ctx.definitions:
        name = definition.name.label if isinstance(definition.name, sp.IndexedBase) else definition.name
        what = f"the definition of {name}"
        body = definition.body
        if not ctx.has_classes and needs_classes([definition.name]):
            raise IllFormed(f"{what}: {needs_classes([definition.name])}")
        if isinstance(body, sp.Lambda):
            _validate_entry(definition.name, body, ctx, what)
        else:
            validate(body, ctx, what=what)
    _no_cycles(ctx)


def _validate_entry(name, body: sp.Lambda, ctx, what):
    """The entry ``i ↦ f(i)`` of a defined vector (``(i, j) ↦ f(i, j)`` of a matrix), each index over its axis."""
    sizes = name.sizes(ctx.n) if isinstance(name, Vector) else (ctx.n,) * len(body.variables)
    fresh = {}
    for variable, size in zip(body.variables, sizes):
        entry_name = f"{variable.name}_entry"
        fresh[variable] = (sp.Symbol(entry_name, integer=True, positive=True) if size == ctx.n
                           else Index(entry_name, size))
    validate(body.expr.xreplace(fresh), ctx, what=what)


def _no_cycles(ctx):
    names = {}
    for d in ctx.definitions:
        names[d.name] = d
    uses = {}
    for d in ctx.definitions:
        found = set()
        for node in sp.preorder_traversal(d.body):
            base = node.base if isinstance(node, sp.Indexed) else node
            if base in names:
                found.add(base)
        uses[d.name] = found
    state: dict = {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = " → ".join(str(getattr(x, "label", x)) for x in path[path.index(name):] + [name])
            raise IllFormed(f"the definitions refer to themselves: {cycle}; a definition must not use "
                            f"the name it defines, directly or through others")
        state[name] = "open"
        for used in sorted(uses[name], key=str):
            visit(used, path + [name])
        state[name] = "done"

    for name in sorted(names, key=str):
        visit(name, [])
