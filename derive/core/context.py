"""What a case assumes and defines: the context in which its steps are checked."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .objects import IllFormed, Vector, no_text

__all__ = [
    "Equal",
    "Distinct",
    "OneHot",
    "SumsToOne",
    "Definition",
    "Context",
    "IllFormed",
    "Assumption",
    "as_expression",
    "NO_CLASSES",
]

# The class count of a case that has no classes (a scalar logit z and a label y).  Its name cannot be
# written with classes('...') by accident, and validation rejects every object that would range over it,
# so it never reaches an instance, a counterexample or a report.
NO_CLASSES = sp.Symbol("no classes", integer=True, positive=True)


def as_expression(value, what: str = "a step") -> sp.Expr:
    """``value`` as a SymPy expression, or a clear error; text is never parsed."""
    if isinstance(value, bool) or value is None:
        raise IllFormed(f"{what} is {value!r}, not an expression")
    no_text(value, what)
    if isinstance(value, float):
        raise IllFormed(f"{what} is the float {value!r}, which is inexact: write an integer or sympy.Rational")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, sp.Expr):
        return value
    raise IllFormed(f"{what} is a {type(value).__name__}, not an expression")


@dataclass(frozen=True)
class Equal:
    """Two indices are equal (``j = k``)."""

    left: sp.Expr
    right: sp.Expr

    def __post_init__(self):
        for name in ("left", "right"):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, sp.Integer(value))

    def text(self) -> str:
        return f"{self.left} = {self.right}"


@dataclass(frozen=True)
class Distinct:
    """Two indices differ (``j != k``)."""

    left: sp.Expr
    right: sp.Expr

    def __post_init__(self):
        for name in ("left", "right"):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, sp.Integer(value))

    def text(self) -> str:
        return f"{self.left} ≠ {self.right}"


@dataclass(frozen=True)
class OneHot:
    """``vector`` is one-hot: a single 1, zeros elsewhere.

    With ``at`` (the true class, an index symbol) every entry is known:
    ``vector[i] = delta(i, at)``.  Without it, only what one-hot implies for
    every true class is used: the entries sum to 1.
    """

    vector: Vector
    at: sp.Expr | None = None

    def text(self) -> str:
        where = f" at {self.at}" if self.at is not None else ""
        return f"{self.vector} is one-hot{where}"


@dataclass(frozen=True)
class SumsToOne:
    """The entries of ``vector`` sum to 1 (a one-hot or a soft target)."""

    vector: Vector

    def text(self) -> str:
        return f"sum of {self.vector} = 1"


Assumption = Equal | Distinct | OneHot | SumsToOne


@dataclass(frozen=True)
class Definition:
    """``name`` stands for ``body``.

    For a vector, ``body`` is a one-argument function of the entry's index
    (``lambda i: softmax(z, i, n)``), stored as a ``Lambda``; for a scalar it
    is an expression.
    """

    name: sp.Basic
    body: sp.Basic

    @staticmethod
    def of(name, body) -> "Definition":
        if isinstance(name, sp.IndexedBase):
            if isinstance(body, sp.Lambda):
                return Definition(name, body)
            rank = len(name.shape) if name.shape else 1
            if not callable(body):
                raise IllFormed(f"definition of {name}: a vector is defined by a function of its index, "
                                f"e.g. lambda i: softmax(z, i, n)" + (" (a matrix by a function of its two "
                                                                     "indices)" if rank == 2 else ""))
            variables = [sp.Dummy(letter, integer=True, positive=True) for letter in "ij"[:rank]]
            try:
                entry = body(*variables)
            except TypeError as error:
                raise IllFormed(f"definition of {name}: the function must take {rank} "
                                f"{'index' if rank == 1 else 'indices'} ({error})") from None
            if not isinstance(entry, sp.Expr):
                raise IllFormed(f"definition of {name}: the function gives {entry!r} "
                                f"({type(entry).__name__}), not an expression; text is never parsed")
            return Definition(name, sp.Lambda(tuple(variables) if rank > 1 else variables[0], entry))
        if isinstance(name, sp.Symbol):
            if not isinstance(body, sp.Expr):
                raise IllFormed(f"definition of {name}: expected an expression, got {type(body).__name__}")
            return Definition(name, body)
        raise IllFormed(f"cannot define {name!r}: only a vector or a named scalar can be defined")

    def entry(self, *indices) -> sp.Expr:
        return self.body(*indices)


def _index_side(value, n) -> bool:
    """What an assumption may name as an index: an index symbol, a positive integer, or an integer in ``n``.

    (``n`` itself, the last class, or ``n - 1``.)
    """
    if isinstance(value, sp.Integer):
        return True
    if isinstance(value, sp.Symbol):
        return bool(value.is_integer)
    return isinstance(value, sp.Expr) and value.is_integer is True and value.free_symbols == {n} \
        and value.is_polynomial(n)


def _check_assumption(a, n) -> None:
    """An assumption's arguments: indices (symbols, literals from 1, or ``n``-expressions) and vectors; never text."""
    if isinstance(a, (Equal, Distinct)):
        for side in (a.left, a.right):
            if not _index_side(side, n):
                raise IllFormed(f"assumption {type(a).__name__}({a.left!r}, {a.right!r}): both sides must be "
                                f"index symbols (use indices('...')), integers from 1, or {n}")
            if isinstance(side, sp.Integer) and side < 1:
                raise IllFormed(f"assumption {a.text()}: the index {side} lies outside 1..{n}; indices count "
                                f"from 1")
        if a.left == n or a.right == n:
            if a.left.is_Integer or a.right.is_Integer:
                raise IllFormed(f"assumption {a.text()} fixes the number of classes {n}; an assumption may "
                                f"relate indices only")
        return
    if not isinstance(a.vector, sp.IndexedBase):
        raise IllFormed(f"assumption {type(a).__name__}: {a.vector!r} is not a vector")
    at = getattr(a, "at", None)
    if at is not None and a.vector.shape and len(a.vector.shape) > 1:
        raise IllFormed(f"assumption {a.text()}: {a.vector} is a matrix, whose true class differs by row; "
                        f"write OneHot({a.vector}) for one-hot rows")
    if at is not None:
        if not _index_side(at, n):
            raise IllFormed(f"assumption OneHot({a.vector}, {at!r}): the true class must be an index symbol")
        if isinstance(at, sp.Integer) and at < 1:
            raise IllFormed(f"assumption {a.text()}: the index {at} lies outside 1..{n}; indices count from 1")


@dataclass(frozen=True)
class Context:
    """The class count, the assumptions and the definitions of one case.

    Built only from well-formed parts: the assumptions must be satisfiable
    (some assignment of the indices meets them all, for some ``n``), and the
    definitions are validated like steps.  ``minimum_classes`` is raised to the
    largest literal index the assumptions name, so ``Equal(j, 3)`` restricts the
    case to ``n >= 3``.

    A case without classes passes ``n = None``: ``n`` is then :data:`NO_CLASSES`,
    ``has_classes`` is False, and no index, vector, sum or assumption may range
    over the classes (see :func:`derive.core.validate.needs_classes`).
    """

    n: sp.Symbol
    assumptions: tuple = ()
    definitions: tuple[Definition, ...] = ()
    minimum_classes: int = 2
    _substitution: dict = field(default=None, compare=False, repr=False, hash=False)

    def __post_init__(self):
        if self.n is None:
            object.__setattr__(self, "n", NO_CLASSES)
        if not (isinstance(self.n, sp.Symbol) and self.n.is_integer and self.n.is_positive):
            raise IllFormed(f"the number of classes must be a positive integer symbol (use classes('k')), "
                            f"not {self.n!r}")
        for a in self.assumptions:
            if not isinstance(a, (Equal, Distinct, OneHot, SumsToOne)):
                raise IllFormed(f"unknown assumption {a!r}: use Equal, Distinct, OneHot or SumsToOne")
            _check_assumption(a, self.n)
        names = [str(d.name) for d in self.definitions]
        if len(names) != len(set(names)):
            raise IllFormed(f"a name is defined twice among {names}")
        literals = [int(x) for a in self.assumptions for x in vars(a).values() if isinstance(x, sp.Integer)]
        object.__setattr__(self, "minimum_classes", max([self.minimum_classes, *literals]))
        object.__setattr__(self, "_substitution", self._equalities())
        for a in self.assumptions:
            if isinstance(a, Distinct):
                left = a.left.xreplace(self._substitution)
                right = a.right.xreplace(self._substitution)
                if left == right:
                    raise IllFormed(f"the assumptions contradict: {a.text()}, but {self._why_equal(a)}")
            if isinstance(a, (OneHot, SumsToOne)) and self.definition(a.vector) is not None:
                raise IllFormed(f"assumption {a.text()}: {a.vector} is defined, so an assumption about it would "
                                f"constrain what it is defined from; state it of those vectors instead")
        from .validate import needs_classes, validate_context  # validation uses the normaliser, which uses this

        if not self.has_classes:
            for a in self.assumptions:
                problem = needs_classes([v for v in vars(a).values() if isinstance(v, sp.Basic)])
                if problem:
                    raise IllFormed(f"assumption {a.text()}: {problem}")
        with sp.evaluate(True):  # a case may be built inside as_written(), where SymPy would not simplify
            validate_context(self)

    def _implied_equalities(self):
        """Each assumed equality, and ``l = m`` for a vector assumed one-hot at both ``l`` and ``m``."""
        hot: dict = {}
        for a in self.assumptions:
            if isinstance(a, Equal):
                yield a.left, a.right, a.text()
            elif isinstance(a, OneHot) and a.at is not None:
                if a.vector in hot and hot[a.vector] != a.at:
                    yield hot[a.vector], a.at, f"{a.vector} is one-hot at both {hot[a.vector]} and {a.at}"
                hot.setdefault(a.vector, a.at)

    def _why_equal(self, a) -> str:
        return "; ".join(why for _, _, why in self._implied_equalities()) or "they are the same index"

    def _equalities(self) -> dict:
        """Map each index to the representative of its equality class."""
        parent: dict = {}

        def find(x):
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        for left, right, why in self._implied_equalities():
            left, right = find(left), find(right)
            if left == right:
                continue
            if self._ground(left) and self._ground(right):
                fixed = "" if left.is_Integer and right.is_Integer else (
                    f", which fixes the number of classes {self.n}: an assumption may relate indices only")
                raise IllFormed(f"the assumptions contradict: {why} makes {left} equal to {right}{fixed}")
            # A fixed value (a literal, or an expression in n), or else the left-hand symbol, represents the class.
            if self._ground(right):
                left, right = right, left
            parent[right] = left
        return {x: find(x) for x in parent}

    def _ground(self, index) -> bool:
        """Whether ``index`` is fixed once the number of classes is: a literal, or an expression in ``n``."""
        return not (index.free_symbols - {self.n})

    @property
    def has_classes(self) -> bool:
        """Whether the case has classes (a vector of one entry per class, an index over them)."""
        return self.n != NO_CLASSES

    @property
    def substitution(self) -> dict:
        return self._substitution

    def distinct_pairs(self) -> list[tuple[sp.Expr, sp.Expr]]:
        return [(a.left.xreplace(self._substitution), a.right.xreplace(self._substitution))
                for a in self.assumptions if isinstance(a, Distinct)]

    def are_distinct(self, a, b) -> bool:
        a, b = a.xreplace(self._substitution), b.xreplace(self._substitution)
        difference = a - b
        if difference.is_Integer:  # literals, or n-expressions a fixed distance apart
            return difference != 0
        return any({a, b} == {x, y} for x, y in self.distinct_pairs())

    def definition(self, name) -> Definition | None:
        for d in self.definitions:
            if d.name == name:
                return d
        return None

    def one_hot_at(self, vector):
        for a in self.assumptions:
            if isinstance(a, OneHot) and a.vector == vector and a.at is not None:
                return a.at.xreplace(self._substitution)
        return None

    def sums_to_one(self, vector) -> bool:
        return any(isinstance(a, (OneHot, SumsToOne)) and a.vector == vector for a in self.assumptions)

    def one_hot(self, vector) -> bool:
        return any(isinstance(a, OneHot) and a.vector == vector for a in self.assumptions)
