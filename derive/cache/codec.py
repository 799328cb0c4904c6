"""The cache's one codec: results to plain JSON data and back, driven by their types.

Three kinds of result are kept, each as plain data, never as code:

* ``outcome``: the checker's :class:`~derive.core.verdict.Outcome` on one equality;
* ``derived``: a case's result derived mechanically, a SymPy expression kept as a
  tree of class names and arguments that is rebuilt from a fixed list of classes
  (an expression that does not rebuild exactly is :class:`Unstorable`);
* ``numeric``: the rows (:class:`~derive.numeric.rows.NumericRow`) of the numeric
  checks of a proof's conclusions.

A dataclass is written as an object of its fields, an enum as its value, a
tuple as a list, a float as itself (or ``"inf"``, ``"-inf"``, ``"nan"``, which
JSON lacks); reading walks the same type annotations and checks every value
against them, so that an entry edited by hand raises :class:`CacheEntryError`
rather than giving a wrong result.  ``FORMAT`` is the version of this encoding
and of the keys (:mod:`derive.cache.keys`): change either, and bump it.

Not for keys (see :mod:`derive.cache.keys`) nor for files (see :mod:`derive.cache.store`).
"""

from __future__ import annotations

import json
import math
import types
import typing
from dataclasses import fields, is_dataclass
from enum import Enum

from ..core.verdict import Outcome, Verdict
from ..numeric.rows import NumericRow

__all__ = ["FORMAT", "KINDS", "CacheEntryError", "Unstorable", "Expression", "encode", "decode"]

FORMAT = 3  # 3: keys are a canonical structural serialisation (2 printed srepr text)


class CacheEntryError(ValueError):
    """A cache entry that cannot be trusted; the message says why."""


class Unstorable(ValueError):
    """A result that cannot be kept as plain data exactly (it is then worked out every time)."""


class Expression:
    """The type of a derived result: a SymPy expression, kept as a tree of class names (see :func:`encode`)."""


# The type of the result each kind of entry holds.
KINDS = {"outcome": Outcome, "derived": Expression, "numeric": tuple[NumericRow, ...]}


def encode(kind: str, value):
    """``value``, a result of ``kind``, as plain JSON data; :class:`Unstorable` if it cannot be kept exactly."""
    return _encode(value, KINDS[kind])


def decode(kind: str, data):
    """The result of ``kind`` stored as ``data`` by :func:`encode`; :class:`CacheEntryError` if not well formed."""
    value = _decode(data, KINDS[kind], kind)
    if kind == "outcome":
        _expect(value.seconds >= 0, "outcome.seconds is not a non-negative number")
        _expect((value.verdict is Verdict.REFUTED) == (value.counterexample is not None),
                "a REFUTED outcome needs a counterexample, and only it has one")
    return value


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise CacheEntryError(what)


def _optional(annotation):
    """``T`` of ``T | None``, else None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        others = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(others) == 1:
            return others[0]
    return None


def _encode(value, annotation):
    if annotation is Expression:
        return expression_data(value)
    inner = _optional(annotation)
    if inner is not None:
        return None if value is None else _encode(value, inner)
    if is_dataclass(annotation):
        hints = typing.get_type_hints(annotation)
        return {f.name: _encode(getattr(value, f.name), hints[f.name]) for f in fields(annotation)}
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return value.value
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            return [_encode(v, args[0]) for v in value]
        return [_encode(v, a) for v, a in zip(value, args)]
    if annotation is float:
        return value if math.isfinite(value) else repr(value)  # JSON has no infinities or NaN: kept as "inf", "nan"
    return value  # str, int, bool: JSON's own


def _decode(data, annotation, where: str):
    if annotation is Expression:
        return expression_from_data(data)
    inner = _optional(annotation)
    if inner is not None:
        return None if data is None else _decode(data, inner, where)
    if is_dataclass(annotation):
        names = [f.name for f in fields(annotation)]
        _expect(isinstance(data, dict) and set(data) == set(names), f"{where}: the fields are not the expected ones")
        hints = typing.get_type_hints(annotation)
        return annotation(**{name: _decode(data[name], hints[name], f"{where}.{name}") for name in names})
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        _expect(data in {v.value for v in annotation}, f"{where}: unknown value {data!r}")
        return annotation(data)
    if typing.get_origin(annotation) is tuple:
        args = typing.get_args(annotation)
        _expect(isinstance(data, list), f"{where} is not a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(v, args[0], f"{where}[{i}]") for i, v in enumerate(data))
        _expect(len(data) == len(args), f"{where} does not have {len(args)} entries")
        return tuple(_decode(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(data, args)))
    if annotation is float:
        if isinstance(data, str):
            _expect(data in ("inf", "-inf", "nan"), f"{where} is not a number")
            return float(data)
        _expect(isinstance(data, (int, float)) and not isinstance(data, bool), f"{where} is not a number")
        return float(data)
    if annotation is int:
        _expect(isinstance(data, int) and not isinstance(data, bool), f"{where} is not an integer")
        return data
    if annotation in (str, bool):
        _expect(isinstance(data, annotation), f"{where} is not {annotation.__name__}")
        return data
    raise TypeError(f"the cache has no encoding for {annotation!r}")  # a result type gained a field: extend here


# --- derived expressions ----------------------------------------------------------------------


def _classes() -> dict[str, type]:
    """The classes an expression may be rebuilt from, by name: SymPy's usual ones and derive's own."""
    import sympy as sp

    from ..core import objects

    known = [sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.KroneckerDelta, sp.Sum, sp.Tuple, sp.Indexed,
             sp.IndexedBase, sp.Derivative, sp.Abs]
    known += [v for v in vars(objects).values() if isinstance(v, type) and issubclass(v, sp.Basic)
              and v.__module__ == objects.__name__]
    return {cls.__name__: cls for cls in known}


def _unevaluated() -> tuple[type, ...]:
    import sympy as sp

    return sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.KroneckerDelta, sp.Abs


def _tree(expr, classes):
    import sympy as sp

    if isinstance(expr, sp.Dummy):
        raise Unstorable("a dummy symbol cannot be rebuilt in another process")
    if type(expr) is sp.Symbol:
        return ["Symbol", expr.name, dict(sorted(expr._assumptions_orig.items()))]
    from ..core.objects import BoundedScalar, Count, Index

    if type(expr) is BoundedScalar:  # a scalar over an interval is its name and its interval, ends exact
        interval = expr.interval
        return ["BoundedScalar", expr.name, _tree(interval.start, classes), _tree(interval.end, classes),
                bool(interval.left_open), bool(interval.right_open)]
    if type(expr) is Count:  # a count is its name (always a positive integer)
        return ["Count", expr.name]
    if type(expr) is Index:  # an index over a count is its name and its count
        return ["Index", expr.name, _tree(expr.count, classes)]
    if isinstance(expr, sp.Rational):
        return ["Rational", int(expr.p), int(expr.q)]
    name = type(expr).__name__
    if classes.get(name) is not type(expr):
        raise Unstorable(f"{name} is not among the classes an expression is rebuilt from")
    return [name, *[_tree(a, classes) for a in expr.args]]


def _rebuild(data, classes, unevaluated):
    import sympy as sp

    _expect(isinstance(data, list) and data and isinstance(data[0], str), "an expression node is not [name, ...]")
    name, *args = data
    if name == "Symbol":
        _expect(len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], dict)
                and all(isinstance(v, bool) for v in args[1].values()), "a symbol is not [name, assumptions]")
        return sp.Symbol(args[0], **args[1])
    if name == "BoundedScalar":
        _expect(len(args) == 5 and isinstance(args[0], str) and all(isinstance(a, bool) for a in args[3:]),
                "a bounded scalar is not [name, lower end, upper end, left open, right open]")
        lo, hi = (_rebuild(a, classes, unevaluated) for a in args[1:3])
        _expect(lo.is_Rational and hi.is_Rational and lo < hi, "a bounded scalar's ends are not rationals lo < hi")
        return classes["BoundedScalar"](args[0], sp.Interval(lo, hi, args[3], args[4]))
    if name == "Count":
        _expect(len(args) == 1 and isinstance(args[0], str), "a count is not [name]")
        return classes["Count"](args[0])
    if name == "Index":
        _expect(len(args) == 2 and isinstance(args[0], str), "an index is not [name, count]")
        return classes["Index"](args[0], _rebuild(args[1], classes, unevaluated))
    if name == "Rational":
        _expect(len(args) == 2 and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and args[1] > 0,
                "a rational is not [numerator, denominator]")
        return sp.Rational(args[0], args[1])
    _expect(name in classes, f"unknown expression class {name!r}")
    cls = classes[name]
    built = [_rebuild(a, classes, unevaluated) for a in args]
    try:
        return cls(*built, evaluate=False) if issubclass(cls, unevaluated) else cls(*built)
    except (TypeError, ValueError) as error:
        raise CacheEntryError(f"{name} cannot be rebuilt from its arguments ({error})") from None


def expression_from_data(data):
    """The expression stored by :func:`expression_data`, rebuilt from known classes (never parsed)."""
    return _rebuild(data, _classes(), _unevaluated())


def expression_data(expr):
    """An expression as a tree of class names and arguments; :class:`Unstorable` unless it rebuilds exactly."""
    import sympy as sp

    data = _tree(expr, _classes())
    try:
        rebuilt = expression_from_data(json.loads(json.dumps(data)))
    except CacheEntryError as error:
        raise Unstorable(str(error)) from None
    if rebuilt != expr or sp.srepr(rebuilt) != sp.srepr(expr):
        raise Unstorable("the expression does not rebuild exactly")
    return data
