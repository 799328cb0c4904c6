"""A conclusion made ready for numeric checks: what it differentiates, what it reads, which inputs it needs.

Two forms, one per evaluator:

* :class:`ClassConclusion` — every object a vector over the classes (``∂L/∂z_k``,
  the softmax Jacobian ``∂ŷ_j/∂z_k``): its formula is split into terms
  (factors in the output index j) · (factors in the input index k), times
  δ_jk or not, for :mod:`derive.numeric.compiled`;
* :class:`GeneralConclusion` — everything else (scalar parameters, a scalar
  variable, matrices, vectors of other sizes, sigmoid, ...), for
  :mod:`derive.numeric.evaluate`.  A Jacobian among them (``∂p_j/∂z_k`` for
  ``p = softmax(z/T)``, ``∂z_m/∂W_{jd}``) carries its formula already
  contracted with a direction (:func:`_contracted`), so that no k × k array
  is formed.

:func:`prepare` picks the form; the choice keeps the rows of conclusions
about class vectors on the compiled path, where the reference rows were made.
Not for drawing inputs (:mod:`derive.numeric.inputs`) nor for comparing
(:mod:`derive.numeric.compare`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..core.context import OneHot, SumsToOne
from ..core.objects import Count, CrossEntropy, Index, LogSoftmax, LogSumExp, Sigmoid, Softmax, Softplus
from .evaluate import domain
from .rows import NumericError

__all__ = ["ClassConclusion", "GeneralConclusion", "TARGET_KINDS", "is_general", "prepare", "prepare_general"]

TARGET_KINDS = ("one-hot", "soft")


@dataclass(frozen=True)
class Term:
    """One term of the expanded formula: (factors in j) · (factors in k), times δ_jk if ``diagonal``."""

    left: sp.Expr
    right: sp.Expr
    diagonal: bool


@dataclass(frozen=True)
class ClassConclusion:
    name: str
    n: sp.Symbol
    of: sp.Expr             # a defined scalar, or an entry of a defined vector
    of_index: sp.Symbol | None
    wrt: sp.Indexed
    definitions: tuple
    terms: tuple[Term, ...]
    vectors: tuple          # the free vectors, in a fixed order
    one_hot: dict           # vector -> the index symbol of its true class, or None
    target_kinds: tuple     # which target kinds the assumptions allow (or (None,) without targets)
    where: str = ""         # "conclusion 'name' (file:line)", for messages


@dataclass(frozen=True)
class GeneralConclusion:
    name: str
    where: str
    classes: sp.Symbol
    of: sp.Expr
    wrt: sp.Expr                # a scalar, or an entry of a free vector or matrix
    variable: sp.Basic          # the scalar, or the vector or matrix of the entry
    axes: tuple                 # the index symbols of the entry (the formula's free indices)
    formula: sp.Expr
    definitions: dict
    inputs: tuple               # the free vectors, matrices and scalars, in a fixed order
    counts: tuple               # the counts other than the classes, in a fixed order
    one_hot: dict               # target -> the index of its true class, or None
    target_kinds: tuple
    sums_to_one: frozenset = frozenset()   # vectors whose entries are assumed to sum to 1
    of_axes: tuple = ()         # a Jacobian's output indices (ŷ_j: j); empty for a scalar function
    contracted: sp.Expr | None = None      # a Jacobian's formula contracted with ``direction`` over wrt
    direction: sp.Basic | None = None      # the input that holds the direction in ``contracted``


# --------------------------------------------------------------------------------------------------
# What both forms read from a conclusion.


def _where(c) -> str:
    return f"conclusion {c.name!r}" + (f" ({c.origin})" if c.origin else "")


def _formula(c, where):
    formula = sp.Integer(c.formula) if isinstance(c.formula, int) else c.formula
    if not isinstance(formula, sp.Expr):
        raise NumericError(f"{where}: the formula is a {type(formula).__name__}, not an expression")
    return formula


def _assumed(c, where) -> tuple[dict, set]:
    """The one-hot targets (vector -> its true class, or None) and the vectors assumed to sum to 1."""
    one_hot, sums_to_one = {}, set()
    for a in c.assumptions:
        if isinstance(a, OneHot):
            one_hot[a.vector] = a.at
        elif isinstance(a, SumsToOne):
            sums_to_one.add(a.vector)
        else:
            raise NumericError(f"{where}: a conclusion holds for every index; state index cases with δ, "
                               f"not with {type(a).__name__}")
    return one_hot, sums_to_one


def _free_objects(expressions, definitions) -> tuple[set, set, set]:
    """What the expressions use, through definitions: the free vectors, matrices and scalars; the counts;
    and the kinds of function.  (A bound index is an index like any other here: only its count is read.)"""
    inputs, counts, functions, seen = set(), set(), set(), set()

    def define(name):
        if name not in seen:
            seen.add(name)
            body = definitions[name].body
            collect(body.expr if isinstance(body, sp.Lambda) else body)

    def collect(expr):
        if isinstance(expr, sp.IndexedBase):
            if expr in definitions:
                define(expr)
            else:
                inputs.add(expr)
            for size in expr.shape or ():
                counts.update(size.free_symbols)  # a shape holds SymPy objects already
            return
        if isinstance(expr, sp.Symbol):
            if expr in definitions:
                define(expr)
            elif isinstance(expr, Index):
                counts.add(expr.count)
            elif isinstance(expr, Count):
                counts.add(expr)
            elif not expr.is_integer:
                inputs.add(expr)
            return
        if isinstance(expr, sp.Basic) and not isinstance(expr, sp.Indexed):
            functions.add(type(expr))
        if hasattr(expr, "unfold"):   # the vocabulary, read through its definition too
            collect(expr.unfold())
        for a in getattr(expr, "args", ()):
            collect(a)

    for expr in expressions:
        collect(expr)
    return inputs, counts, functions


# --------------------------------------------------------------------------------------------------
# Which evaluator.

# Vocabulary that only :mod:`derive.numeric.evaluate` evaluates.
_GENERAL_FUNCTIONS = (Sigmoid, Softplus, LogSumExp, sp.tanh)


def is_general(c) -> bool:
    """Whether a conclusion goes beyond vectors over the classes (scalars, matrices, other sizes, sigmoid, ...).

    Those are checked by :mod:`derive.numeric.evaluate`; the rest by :mod:`derive.numeric.compiled`, with
    the term-by-term contraction that also handles Jacobians over the classes.
    """
    wrt, of = c.wrt, c.of
    if not (isinstance(wrt, sp.Indexed) and len(wrt.indices) == 1 and isinstance(wrt.indices[0], sp.Symbol)):
        return True
    definitions = {d.name: d for d in c.definitions}
    if not ((isinstance(of, sp.Indexed) and of.base in definitions and len(of.indices) == 1)
            or (isinstance(of, sp.Symbol) and of in definitions)):
        return True
    formula = sp.Integer(c.formula) if isinstance(c.formula, int) else c.formula
    if not isinstance(formula, sp.Basic):
        return False
    inputs, counts, functions = _free_objects([formula, of, wrt], definitions)
    if counts - {c.classes} or any(not isinstance(v, sp.IndexedBase) or v.shape for v in inputs):
        return True
    if any(issubclass(f, _GENERAL_FUNCTIONS) for f in functions):
        return True
    # a positive vector assumed to sum to 1 is drawn there so that it sums to 1 exactly
    if any(isinstance(a, SumsToOne) and getattr(a.vector, "domain", "") == "positive" for a in c.assumptions):
        return True
    # log Σ e^f written out overflows in the compiled evaluator at logits of scale 1e3; the general one shifts it
    return isinstance(of, sp.Symbol) and _has_log_of_sum(formula, of, definitions)


def _has_log_of_sum(formula, of, definitions) -> bool:
    bodies = [formula, of] + [d.body.expr if isinstance(d.body, sp.Lambda) else d.body
                              for d in definitions.values()]
    return any(isinstance(node, sp.log) and isinstance(node.args[0], sp.Sum)
               for body in bodies for node in sp.preorder_traversal(body))


def prepare(c):
    """The conclusion in the form its evaluator reads."""
    return prepare_general(c) if is_general(c) else prepare_classes(c)


# --------------------------------------------------------------------------------------------------
# Vectors over the classes.


def _vectors_in(expr, definitions: dict, seen=None) -> set:
    seen = set() if seen is None else seen
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Indexed):
            base = node.base
            if base in definitions:
                if base not in seen:
                    seen.add(base)
                    _vectors_in(definitions[base].body.expr, definitions, seen)
            else:
                seen.add(base)
        elif isinstance(node, (Softmax, LogSoftmax)):
            seen.add(node.args[0])
        elif isinstance(node, CrossEntropy):
            _vectors_in(node.unfold(), definitions, seen)
        elif isinstance(node, sp.Symbol) and node in definitions and node not in seen:
            seen.add(node)
            _vectors_in(definitions[node].body, definitions, seen)
    return {v for v in seen if isinstance(v, sp.IndexedBase) and v not in definitions}


def prepare_classes(c) -> ClassConclusion:
    where = _where(c)
    definitions = tuple(c.definitions)
    by_name = {d.name: d for d in definitions}
    wrt, of = c.wrt, c.of
    if not (isinstance(wrt, sp.Indexed) and len(wrt.indices) == 1 and isinstance(wrt.indices[0], sp.Symbol)):
        raise NumericError(f"{where}: wrt must be an entry of a vector, such as z[k]")
    if wrt.base in by_name:
        raise NumericError(f"{where}: wrt {wrt} is a defined vector; differentiate with respect to a free one")
    if isinstance(of, sp.Indexed) and of.base in by_name and len(of.indices) == 1:
        of_index = of.indices[0]
        if of_index == wrt.indices[0]:
            raise NumericError(f"{where}: of and wrt must use different indices (∂ŷ_j/∂z_k)")
    elif isinstance(of, sp.Symbol) and of in by_name:
        of_index = None
    else:
        raise NumericError(f"{where}: of must be a defined scalar (the loss) or an entry of a defined vector")
    one_hot, _ = _assumed(c, where)
    formula = _formula(c, where)
    j, k = of_index, wrt.indices[0]
    terms = []
    for term in sp.Add.make_args(sp.expand(formula)):
        left, right, diagonal = [], [], False
        for factor in sp.Mul.make_args(term):
            free = factor.free_symbols & {s for s in (j, k) if s is not None}
            if free == {j, k} and factor in (sp.KroneckerDelta(j, k), sp.KroneckerDelta(k, j)) \
                    and not diagonal:
                diagonal = True
            elif free == {j, k}:
                raise NumericError(f"{where}: the factor {factor} mixes {j} and {k}; only products of factors "
                                   f"in one index (and δ_{j}{k}) can be contracted with a direction")
            elif k in free:
                right.append(factor)
            else:
                left.append(factor)
        terms.append(Term(sp.Mul(*left), sp.Mul(*right), diagonal))
    vectors = _vectors_in(formula, by_name) | _vectors_in(of, by_name) | {wrt.base}
    vectors = tuple(sorted(vectors, key=lambda v: (str(v), v.domain)))
    targets = [v for v in vectors if v.domain == "nonnegative"]
    if len(targets) > 1:
        raise NumericError(f"{where}: at most one target vector is supported, found {targets}")
    if targets:
        kinds = ("one-hot",) if targets[0] in one_hot else TARGET_KINDS
    else:
        kinds = (None,)
    if targets and targets[0] == wrt.base:
        raise NumericError(f"{where}: differentiating with respect to the targets is not supported")
    return ClassConclusion(c.name, c.classes, of, of_index, wrt, definitions, tuple(terms), vectors, one_hot,
                           kinds, where)


# --------------------------------------------------------------------------------------------------
# Scalars, matrices, vectors of any size.


def _index_symbols(entry, what, where) -> tuple:
    """The index symbols of an entry, each once; numbers from 1 are allowed beside them."""
    axes = []
    for i in entry.indices:
        if isinstance(i, sp.Symbol) and i.is_integer:
            if i in axes:
                raise NumericError(f"{where}: {what} {entry} uses the index {i} twice; use two indices")
            axes.append(i)
        elif not (isinstance(i, sp.Integer) and i >= 1):
            raise NumericError(f"{where}: {what} {entry}: an index must be an index symbol or a number from 1")
    return tuple(axes)


def prepare_general(c) -> GeneralConclusion:
    where = _where(c)
    definitions = {d.name: d for d in c.definitions}
    wrt, of = c.wrt, c.of
    if isinstance(wrt, sp.Indexed):
        variable, axes = wrt.base, _index_symbols(wrt, "wrt", where)
    elif isinstance(wrt, sp.Symbol) and not wrt.is_integer:
        variable, axes = wrt, ()
    else:
        raise NumericError(f"{where}: wrt must be a scalar (z) or an entry of a vector or matrix (z[k], Z[c, j])")
    if variable in definitions:
        raise NumericError(f"{where}: wrt {wrt} is defined; differentiate with respect to a free variable")
    of_axes = ()
    if isinstance(of, sp.Indexed) and any(isinstance(i, sp.Symbol) for i in of.indices):
        if of.base not in definitions:
            raise NumericError(f"{where}: of {of} is not defined; a Jacobian's of must be an entry of a defined "
                               f"vector (ŷ[j] with ŷ defined)")
        of_axes = _index_symbols(of, "of", where)
        shared = set(of_axes) & set(axes)
        if shared:
            names = ", ".join(sorted(map(str, shared)))
            raise NumericError(f"{where}: of {of} and wrt {wrt} share the index {names}; use different indices "
                               f"(∂ŷ_j/∂z_k)")
    formula = _formula(c, where)
    stray = {s for s in formula.free_symbols if isinstance(s, sp.Symbol) and s.is_integer
             and not isinstance(s, Count) and s != c.classes} - set(axes) - set(of_axes)
    one_hot, sums_to_one = _assumed(c, where)
    stray -= {at for at in one_hot.values() if at is not None}
    if stray:
        names = ", ".join(sorted(map(str, stray)))
        raise NumericError(f"{where}: the formula uses the index {names}, which is not an index of wrt {wrt}"
                           + (f" or of {of}" if of_axes else ""))
    inputs, counts, _ = _free_objects([formula, of, wrt], definitions)
    inputs.add(variable)
    counts.discard(c.classes)
    inputs = tuple(sorted(inputs, key=lambda v: (str(v), domain(v))))
    targets = [v for v in inputs if isinstance(v, sp.IndexedBase) and domain(v) == "nonnegative"]
    if variable in targets:
        raise NumericError(f"{where}: differentiating with respect to the targets is not supported")
    for target, at in one_hot.items():
        if at is not None and isinstance(target, sp.IndexedBase) and target.shape and len(target.shape) > 1:
            raise NumericError(f"{where}: OneHot({target}, {at}): a true class is supported for vectors only")
    kinds = (None,)
    if targets:
        kinds = ("one-hot",) if all(t in one_hot for t in targets) else TARGET_KINDS
    contracted = direction = None
    if of_axes:
        direction = sp.IndexedBase(sp.Dummy("v")) if isinstance(wrt, sp.Indexed) else sp.Dummy("v")
        contracted = _contracted(formula, wrt, axes, of_axes, direction, c.classes)
    return GeneralConclusion(c.name, where, c.classes, of, wrt, variable, axes, formula, definitions, inputs,
                             tuple(sorted(counts, key=str)), one_hot, kinds, frozenset(sums_to_one), of_axes,
                             contracted, direction)


def _contracted(formula, wrt, axes, of_axes, direction, classes) -> sp.Expr:
    """``Σ_{wrt indices} formula · v[wrt indices]``, written so that it is evaluated in O(size of wrt) per output.

    Term by term: a δ between an output index and an input index is used up by
    putting the output index in the input's place; the factors that use no
    input index left are taken out of the sum.  What stays inside uses the
    input indices (and possibly output ones), so the arrays it makes are as
    large as the variable, never (outputs) × (inputs) for a softmax Jacobian.
    """
    along = direction[wrt.indices] if isinstance(wrt, sp.Indexed) else direction
    result = []
    for term in sp.Add.make_args(sp.expand(formula)):
        factors, collapsed = list(sp.Mul.make_args(term)), {}
        for factor in list(factors):
            if isinstance(factor, sp.KroneckerDelta):
                a, b = factor.args
                inner, outer = (a, b) if a in axes else (b, a)
                if inner in axes and outer in of_axes and inner not in collapsed:
                    collapsed[inner] = outer
                    factors.remove(factor)
        factors = [f.xreplace(collapsed) for f in factors]
        remaining = [i for i in axes if i not in collapsed]
        outside = [f for f in factors if not f.free_symbols & set(remaining)]
        inside = [f for f in factors if f.free_symbols & set(remaining)] + [along.xreplace(collapsed)]
        summand = sp.Mul(*inside)
        for i in remaining:
            summand = sp.Sum(summand, (i, 1, i.count if isinstance(i, Index) else classes))
        result.append(sp.Mul(*outside) * summand)
    return sp.Add(*result)
