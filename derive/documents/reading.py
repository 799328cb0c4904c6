"""Turning parse trees of maths into derive's objects, recording every reading that is not literal.

The names a document may use come from its declarations
(:class:`~derive.documents.names.Names`).  A
parse tree of one side of an equation becomes a SymPy expression built with
the vocabulary of :mod:`derive.core.objects` (vector entries, ``softmax``,
``sum_over``, ``sum_except``, ``D``, ...), exactly as a proof module builds it.

Where the notation says less than the checker needs, the reader supplies it
and records a :class:`Reading` with the place and what was read; each kind of
reading can be refused in the declarations (``readings: {kind: refuse}``):

- ``count-as-index``: a summation index written like the number of classes
  (``\\Sigma^k_{k=1}``) is renamed (``n`` unless ``rename:`` says otherwise);
- ``shadowed-index``: a summation index that shadows the line's free index
  (``\\Sigma_{j}`` inside ``\\partial/\\partial z_j``) is renamed (``i``);
- ``bare-vector``: a vector written without an index where a number is meant
  stands for its component at the innermost summation index, or else at the
  line's free index (the index of the variable it differentiates by);
- ``softmax-of-vector`` / ``softmax-of-entry``: ``softmax(z)`` and
  ``softmax(z_k)`` stand for the component ``softmax(z)_c``;
- ``softmax-prime``: ``softmax'(z)`` is the derivative of that component with
  respect to the variable of the line's derivative;
- ``nabla``: ``\\nabla_{z}`` of a vector is read componentwise, ``\\partial/\\partial z_j``;
- ``sum-without-limits``: ``\\sum_j`` is read over ``1..classes``;
- ``sigma-as-sum``: ``\\Sigma`` is read as a summation sign;
- ``sample-superscript``: the declared superscript (``(i)``) is dropped;
- ``written-out-sum``: ``e^{z_1} + ... + e^{z_N}`` is the sum ``\\sum_{i=1}^{N} e^{z_i}``;
- ``local-definition``: a line ``u = ...`` naming an undeclared letter defines it for the lines after;
- ``kronecker-delta``: ``\\delta_{ij}`` (``\\delta`` not declared) is the Kronecker delta;
- ``scalar-arguments``: ``L(y, \\hat{y})`` for a declared scalar ``L`` is ``L``.

What this module is not for: it decides nothing about truth (the checker
does), and it does not know the document's structure (``structure`` does).

Long because the walk over a side's parse tree is one class: lark's trees are
dispatched by rule name to ``_<rule>`` methods of one object (as SymPy's
printers dispatch ``_print_<Class>``), and every method reads and changes the
walk's state: the stack of bound indices, the readings so far, the row's text
for messages.  Split across modules, that state would travel with every call.
The declared names, which need no walk, are in :mod:`derive.documents.names`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from lark import Token, Tree

from ..core import objects as ob
from ..core.context import Definition
from .declarations import DeclarationError
from .names import Names, display_name, key_of, normalise_key
from .syntax import SyntaxProblem, parse_row

__all__ = ["Reading", "ReadProblem", "LineContext", "Reader"]


@dataclass(frozen=True)
class Reading:
    kind: str
    text: str
    position: int = 0   # offset in the row


class ReadProblem(ValueError):
    """A row that parses but cannot be read: ``position`` is the offset of the culprit in the row."""

    def __init__(self, message: str, position: int, kind: str = "unreadable"):
        super().__init__(message)
        self.position = position
        self.kind = kind


_FUNCTION_WORDS = {"\\log": "log", "\\ln": "log", "\\exp": "exp", "log": "log", "ln": "log", "exp": "exp",
                   "softmax": "softmax", "sigmoid": "sigmoid"}


@dataclass
class LineContext:
    """What a line's reading depends on beyond its own text."""

    wrt: object = None            # the variable of the chain's derivative (an entry such as z[j]), if any
    free: object = None           # the line's free index (the index of ``wrt``), if any
    macros: dict = field(default_factory=dict)   # local definitions: key -> (expression, place)


class Reader:
    """Reads the sides of rows, given the document's :class:`Names`."""

    def __init__(self, names: Names):
        self.names = names

    # entry points -----------------------------------------------------------------------------------

    def side(self, tree, row_text: str, context: LineContext) -> tuple[sp.Expr, list[Reading]]:
        walk = _Walk(self.names, row_text, context)
        walk.root = tree
        with sp.evaluate(False):
            expr = walk.expr(tree)
        return expr, walk.readings

    def relation(self, left, right, row_text: str, context: LineContext):
        """An index relation (``j = k``, ``j \\neq \\ell``) as two index symbols."""
        walk = _Walk(self.names, row_text, context)
        return walk.index_side(left), walk.index_side(right)

    def definition(self, text: str, where: str) -> Definition:
        """A declared definition ``NAME = expression`` (a vector componentwise, or a scalar)."""
        try:
            tree = parse_row(text)
        except SyntaxProblem as problem:
            raise DeclarationError(self.names.place(where), f"definition {text!r} does not parse: {problem}") \
                from None
        row = tree.children[0]
        sides = [c for c in row.children if isinstance(c, Tree) and c.data not in ("rel", "lead")]
        if len(sides) != 2:
            raise DeclarationError(self.names.place(where), f"definition {text!r}: write it as NAME = expression")
        try:
            key = key_of(sides[0])
        except (ValueError, AttributeError):
            key = None
        walk = _Walk(self.names, text, LineContext())
        if key in self.names.vectors:
            vector = self.names.vectors[key]
            i = sp.Symbol("i", integer=True, positive=True)
            walk.context.free = i
            with sp.evaluate(False):
                try:
                    body = walk.expr(sides[1])
                except ReadProblem as problem:
                    raise DeclarationError(self.names.place(where), f"definition {text!r}: {problem}") from None
            return Definition.of(vector, sp.Lambda(i, body))
        if key in self.names.scalars:
            with sp.evaluate(False):
                try:
                    body = walk.expr(sides[1])
                except ReadProblem as problem:
                    raise DeclarationError(self.names.place(where), f"definition {text!r}: {problem}") from None
            return Definition.of(self.names.scalars[key], body)
        raise DeclarationError(self.names.place(where), f"definition {text!r}: {key!r} is neither a declared "
                               f"vector nor a declared scalar: declare it under 'vectors:' or 'scalars:'")


class _Walk:
    """One walk over one side: bound indices, readings, and the row's text for messages."""

    def __init__(self, names: Names, row_text: str, context: LineContext):
        self.names = names
        self.text = row_text
        self.context = context
        self.bound: list[tuple[str, sp.Symbol]] = []
        self.readings: list[Reading] = []
        self.count_as_index = False   # inside a sum written out term by term, whose last term is at the count
        self.root = None              # the side being read: a renamed index avoids every name in it

    # helpers -----------------------------------------------------------------------------------------

    def at(self, node) -> int:
        if isinstance(node, Token):
            return node.start_pos or 0
        meta = getattr(node, "meta", None)
        return getattr(meta, "start_pos", 0) if meta is not None and not meta.empty else 0

    def source(self, node) -> str:
        if isinstance(node, Token):
            return node.value
        meta = node.meta
        return self.text[meta.start_pos:meta.end_pos]

    def read(self, kind: str, text: str, node) -> None:
        if kind in self.names.refused:
            raise ReadProblem(f"{text}; this reading is refused by the declarations (readings: {kind}: refuse): "
                              f"write it out explicitly", self.at(node), "refused")
        reading = Reading(kind, text, self.at(node))
        if all(r.text != text for r in self.readings):
            self.readings.append(reading)

    def fail(self, message: str, node, kind: str = "unreadable"):
        raise ReadProblem(message, self.at(node), kind)

    def lookup_bound(self, key: str):
        for name, symbol in reversed(self.bound):
            if name == key:
                return symbol
        return None

    def component_index(self, node, what: str):
        """The index a bare vector or ``softmax(z)`` stands for: the innermost bound index, else the free one."""
        if self.bound:
            return self.bound[-1][1], f"the summation index {self.bound[-1][1]}"
        if self.context.free is not None:
            return self.context.free, f"the line's free index {self.context.free}"
        if self.names.component is not None:
            return self.names.component, f"the declared component {self.names.component}"
        self.fail(f"ambiguous: {what} stands for a number here, but this line has no free index to take its "
                  f"component at: write the index (e.g. {what}_j), or declare 'component: j' under 'derive:'",
                  node, "ambiguous")

    # expressions ---------------------------------------------------------------------------------------

    def expr(self, node) -> sp.Expr:
        if isinstance(node, Token):
            return self.token(node)
        method = getattr(self, "_" + node.data, None)
        if method is None:
            self.fail(f"'{self.source(node)}' cannot be read as a number here", node)
        return method(node)

    def token(self, token: Token):
        if token.type == "NUMBER":
            return sp.Integer(int(token.value))
        if token.type in ("LETTER", "GREEK"):
            return self.name(token.value, token)
        self.fail(f"'{token.value}' cannot be read here", token)

    def _number(self, node):
        return sp.Integer(int(node.children[0].value))

    def _name(self, node):
        return self.name(key_of(node), node)

    def _accent(self, node):
        return self.name(key_of(node), node)

    def name(self, key: str, node, allow_vector=False):
        bound = self.lookup_bound(key)
        if bound is not None:
            return bound
        if key in self.context.macros:
            expr, place = self.context.macros[key]
            captured = [symbol for _, symbol in self.bound if symbol in expr.free_symbols]
            if captured:
                self.fail(f"{key} is defined with {captured[0]}, which a sum here binds: write its definition out",
                          node)
            self.read("local-definition", f"{key} stands for {_show(expr)} (defined at {place})", node)
            return expr
        names = self.names
        if key in names.indices:
            return names.indices[key]
        if key == names.count_key:
            return names.count
        if key in names.scalars:
            return names.scalars[key]
        if key in names.vectors:
            vector = names.vectors[key]
            if allow_vector:
                return vector
            index, why = self.component_index(node, display_name(key))
            self.read("bare-vector", f"{display_name(key)} stands for its component {vector.label}_{index} "
                      f"({why})", node)
            return vector[index]
        if key.startswith("\\bold{"):
            inner = key[6:-1]
            return self.name(inner, node, allow_vector)
        if key in names.functions:
            self.fail(f"the function {key} needs an argument: write {key}(...)", node)
        self.fail(f"unknown name '{key}': declare it under 'derive:' (as 'indices: [{key}]', "
                  f"'vectors: {{{key}: real}}' or 'scalars: [{key}]'), or define it on a line '{key} = ...' "
                  f"before it is used", node, "unknown")

    def index_side(self, node):
        value = self.expr(node)
        if not (isinstance(value, sp.Integer) or (isinstance(value, sp.Symbol) and value.is_integer)):
            self.fail(f"'{self.source(node)}' is not an index (a declared index or an integer)", node)
        return value

    def _brace(self, node):
        return self.expr(node.children[0])

    def _bracket(self, node):
        return self.expr(node.children[0])

    def _paren(self, node):
        if len(node.children) != 1:
            self.fail("a list in parentheses is only read as the arguments of a function", node)
        return self.expr(node.children[0])

    def _add(self, node):
        terms = self._terms(node)
        if any(isinstance(t, Tree) and t.data == "dots" for _, t in terms):
            return self.written_out(node, terms)
        values = [self.expr(t) if sign > 0 else sp.Mul(-1, self.expr(t)) for sign, t in terms]
        return sp.Add(*values)

    _sub = _add

    def _terms(self, node):
        """The terms of a sum with their signs, flattening nested + and -, in the order written."""
        if isinstance(node, Tree) and node.data in ("add", "sub"):
            left, op, right = node.children
            terms = self._terms(left)
            return terms + [(1 if op.type == "PLUS" else -1, right)]
        return [(1, node)]

    def _neg(self, node):
        value = self.expr(node.children[1])
        if isinstance(value, sp.Integer):   # -1 is the number -1, not the product (-1)·1
            return sp.Integer(-value)
        return sp.Mul(-1, value)

    def _pos(self, node):
        return self.expr(node.children[1])

    def _mul(self, node):
        children = [c for c in node.children if not (isinstance(c, Token) and c.type == "MULOP")]
        left, right = children
        arguments, index_node = self._call_arguments(right)
        if isinstance(left, Tree) and left.data in ("name", "accent", "scripted") and arguments is not None:
            key = self._plain_key(left)
            if key is not None and key in self.names.functions:
                return self.apply(key, left, arguments, node, primes=self._primes(left), index_node=index_node)
            if key is not None and key in self.names.scalars and index_node is None \
                    and self.lookup_bound(key) is None:
                # L(y, ŷ): a declared scalar written with the arguments it depends on
                self.read("scalar-arguments", f"{self.source(node)} is the scalar {display_name(key)}", node)
                return self.names.scalars[key]
        return sp.Mul(self.expr(left), self.expr(right))

    def _call_arguments(self, node):
        """The arguments of ``(a, b)`` or ``(z)_j`` after a function's name, and the index node if any."""
        if isinstance(node, Tree) and node.data == "paren":
            return node.children, None
        if isinstance(node, Tree) and node.data == "scripted" and isinstance(node.children[0], Tree) \
                and node.children[0].data == "paren":
            scripts = node.children[1].children
            if len(scripts) == 1 and scripts[0].data == "sub":
                return node.children[0].children, scripts[0].children[1]
        return None, None

    _mul_big = _mul

    def _plain_key(self, node):
        if node.data == "scripted":
            scripts = node.children[1].children
            if all(s.data == "prime" for s in scripts):
                return self._plain_key(node.children[0])
            return None
        try:
            return key_of(node)
        except (ValueError, AttributeError):
            return None

    def _primes(self, node):
        if isinstance(node, Tree) and node.data == "scripted":
            return sum(1 for s in node.children[1].children if s.data == "prime")
        return 0

    def _div(self, node):
        left, _, right = node.children
        return sp.Mul(self.expr(left), sp.Pow(self.expr(right), -1))

    def _frac(self, node):
        top, bottom = node.children[-2:]
        return sp.Mul(self.expr(top), sp.Pow(self.expr(bottom), -1))

    def _dots(self, node):
        self.fail("an ellipsis is only read inside a sum written out term by term (a_1 + a_2 + ... + a_k)", node)

    # derivatives ----------------------------------------------------------------------------------------

    def variable(self, node):
        """The variable of a derivative: an entry of a vector (``z_j``) or a scalar.

        A bare vector (``\\partial L / \\partial \\mathbf{z}``) is read componentwise, like ``\\nabla_{z}``.
        """
        vector = self.vector_named(node)
        if vector is not None:
            index = self.context.free if self.context.free is not None else self.names.component
            if index is None:
                self.fail(f"ambiguous: a derivative with respect to the vector {vector.label} needs a component: "
                          f"declare 'component: j' under 'derive:', or write {vector.label}_j", node, "ambiguous")
            self.read("nabla", f"the derivative with respect to the vector {vector.label} is read componentwise: "
                      f"∂/∂{vector.label}_{index}", node)
            return vector[index]
        value = self.expr(node)
        if isinstance(value, sp.Indexed) or (isinstance(value, sp.Symbol) and not value.is_integer):
            return value
        self.fail(f"cannot differentiate with respect to '{self.source(node)}': write an entry of a vector "
                  f"(z_j) or a scalar", node)

    def _derivative(self, node):
        tokens = [c for c in node.children if not isinstance(c, Token) or c.type not in ("FRAC", "PARTIAL")]
        top, bottom = tokens
        return ob.D(self.expr(top), self.variable(bottom))

    def _derivative_operator(self, node):
        parts = [c for c in node.children if not isinstance(c, Token)]
        variable, body = parts
        return ob.D(self.expr(body), self.variable(variable))

    def _partial_operator(self, node):
        _, script, body = node.children
        return ob.D(self.expr(body), self.script_variable(script, "\\partial"))

    def _nabla(self, node):
        _, script, body = node.children
        return ob.D(self.expr(body), self.script_variable(script, "\\nabla"))

    def script_variable(self, script, operator):
        if script.data != "sub":
            self.fail(f"{operator} needs its variable as a subscript: {operator}_{{z_j}}", script)
        argument = script.children[1]
        vector = self.vector_named(argument)
        if vector is not None:
            index = self.context.free if self.context.free is not None else self.names.component
            if index is None:
                self.fail(f"ambiguous: {operator}_{{{display_name(str(vector.label))}}} is a gradient, and no "
                          f"component is given: declare 'component: j' under 'derive:', or write "
                          f"{operator}_{{z_j}}", argument, "ambiguous")
            self.read("nabla", f"{operator} with respect to the vector {vector.label} read componentwise: "
                      f"∂/∂{vector.label}_{index}", argument)
            return vector[index]
        return self.variable(argument)

    def vector_named(self, node):
        """The vector a node names when it is a bare vector (no index), else None."""
        if isinstance(node, Tree) and node.data == "scripted":
            inner, scripts = node.children
            if all(self.is_sample(s) for s in scripts.children):
                self.read_sample(scripts.children, node)
                return self.vector_named(inner)
            return None
        try:
            key = key_of(node) if isinstance(node, Tree) and node.data in ("name", "accent") else None
        except (ValueError, AttributeError):
            key = None
        if key is None:
            return None
        if key.startswith("\\bold{") and key not in self.names.vectors:
            key = key[6:-1]
        if self.lookup_bound(key) is None and key in self.names.vectors:
            return self.names.vectors[key]
        return None

    # scripts ------------------------------------------------------------------------------------------

    def is_sample(self, script) -> bool:
        if script.data != "sup" or self.names.sample is None:
            return False
        return _squash(self.source(script.children[1])) in (_squash(self.names.sample),
                                                           _squash("{" + self.names.sample + "}"))

    def read_sample(self, scripts, node):
        if any(self.is_sample(s) for s in scripts):
            self.read("sample-superscript", f"the sample superscript {self.names.sample} is dropped", node)

    def _scripted(self, node):
        inner, scripts = node.children[0], list(node.children[1].children)
        self.read_sample(scripts, node)
        scripts = [s for s in scripts if not self.is_sample(s)]
        subs = [s for s in scripts if s.data == "sub"]
        sups = [s for s in scripts if s.data == "sup"]
        primes = [s for s in scripts if s.data == "prime"]
        if primes:
            self.fail("a prime is only read on softmax (softmax'): write the derivative as \\frac{\\partial ...}"
                      "{\\partial ...}", primes[0])
        if isinstance(inner, Tree) and inner.data in ("name", "accent"):
            key = key_of(inner)
            if key == "\\delta" and self._free_key(key) and len(subs) == 1 and not sups:
                return self.kronecker(subs[0].children[1], node)
            if key.startswith("\\bold{") and key not in self.names.vectors and key[6:-1] in self.names.vectors:
                key = key[6:-1]
            if key == "e" and sups and not subs and self._free_key("e"):
                base = ob.exp(self.expr(sups[0].children[1]))
                return self._powers(base, sups[1:])
            if key in self.names.vectors and self.lookup_bound(key) is None and key not in self.context.macros:
                if len(subs) != 1:
                    if not subs:
                        base = self.name(key, inner)
                        return self._powers(base, sups)
                    self.fail(f"{display_name(key)} has two subscripts: write one index", subs[1])
                index = self.index_of(subs[0].children[1])
                return self._powers(self.names.vectors[key][index], sups)
            if subs:
                if key not in self.names.kinds and self.lookup_bound(key) is None and key not in self.context.macros:
                    self.fail(f"unknown name '{key}': declare it under 'derive:' (a vector: 'vectors: {{{key}: "
                              f"real}}')", inner, "unknown")
                self.fail(f"'{key}' is not a declared vector, so it cannot take the index "
                          f"'{self.source(subs[0].children[1])}': declare it under 'vectors:'", inner)
            return self._powers(self.name(key, inner), sups)
        if isinstance(inner, Tree) and inner.data == "apply" and subs:
            return self._powers(self.apply_node(inner, index_node=subs[0].children[1]), sups)
        if subs:
            self.fail(f"a subscript on '{self.source(inner)}' cannot be read: an index belongs on a vector",
                      subs[0])
        return self._powers(self.expr(inner), sups)

    def kronecker(self, argument, node):
        """``\\delta_{ij}`` (or ``\\delta_{i,j}``, ``\\delta_{i j}``): the Kronecker delta of two indices."""
        parts = None
        if isinstance(argument, Tree) and argument.data == "mul":
            parts = [c for c in argument.children if isinstance(c, Tree)]
        if not parts or len(parts) != 2:
            self.fail("\\delta is read as the Kronecker delta of two indices: write \\delta_{ij}", node)
        a, b = (self.index_of(p) for p in parts)
        self.read("kronecker-delta", f"δ_{a}{b} is the Kronecker delta: 1 when {a} = {b}, else 0", node)
        return sp.KroneckerDelta(a, b, evaluate=False)

    def _free_key(self, key) -> bool:
        return (self.lookup_bound(key) is None and key not in self.context.macros
                and key not in self.names.kinds)

    def _powers(self, base, sups):
        for sup in sups:
            base = sp.Pow(base, self.expr(sup.children[1]))
        return base

    def index_of(self, node):
        value = self.expr(node)
        if value == self.names.count and not self.count_as_index:
            self.fail(f"the index '{self.source(node)}' is the number of classes: inside a sum over it, name the "
                      f"summation index (\\sum_{{i=1}}^{{{self.names.count}}}), or use another index", node)
        if not (value.is_integer or all(s.is_integer for s in value.free_symbols)) or value.is_number and value < 1:
            self.fail(f"'{self.source(node)}' is not an index (a declared index, or an integer from 1)", node)
        return value

    # functions ------------------------------------------------------------------------------------------

    def _apply(self, node):
        return self.apply_node(node)

    def _apply_bare(self, node):
        function, argument = node.children
        key = key_of(function)
        return self.apply(key, function, [argument], node)

    def apply_node(self, node, index_node=None):
        function = node.children[0]
        rest = node.children[1:]
        primes = 0
        if rest and isinstance(rest[0], Tree) and rest[0].data == "scripts":
            for s in rest[0].children:
                if s.data == "prime":
                    primes += 1
                elif s.data == "sub" and index_node is None:
                    index_node = s.children[1]
                else:
                    self.fail("only an index (softmax_j) or a prime (softmax') can follow a function's name", s)
            rest = rest[1:]
        return self.apply(key_of(function), function, rest, node, primes=primes, index_node=index_node)

    def apply(self, key, function_node, arguments, node, primes=0, index_node=None):
        meaning = self.names.functions.get(key)
        if meaning is None:
            base = key.rstrip("'")
            primes += len(key) - len(base)
            meaning = _FUNCTION_WORDS.get(base)
            if meaning is None and base.lower() in ("softmax", "log_softmax", "logsoftmax"):
                meaning = "softmax" if base.lower() == "softmax" else "log_softmax"
            if meaning is None and base in ("CE", "cross_entropy", "crossentropy"):
                meaning = None
        if meaning is None:
            self.fail(f"unknown function '{key}': declare it under 'functions:' (e.g. "
                      f"'functions: {{{key}: cross_entropy}}')", function_node, "unknown")
        if meaning == "sigmoid":
            self.fail("sigmoid is not in derive's vocabulary yet: write it with exp", function_node)
        if meaning in ("log", "exp"):
            if len(arguments) != 1 or primes or index_node is not None:
                self.fail(f"{meaning} takes one argument", node)
            value = self.expr(arguments[0])
            return ob.log(value) if meaning == "log" else ob.exp(value)
        if meaning in ("softmax", "log_softmax"):
            return self.softmax(meaning, arguments, node, primes, index_node)
        if meaning == "cross_entropy":
            if len(arguments) != 2 or primes or index_node is not None:
                self.fail(f"{key} takes two vectors: {key}(y, p)", node)
            y, p = (self.vector_argument(a, key) for a in arguments)
            return ob.cross_entropy(y, p, self.names.count)
        self.fail(f"'{key}' cannot be read as a function", function_node)

    def vector_argument(self, node, function):
        vector = self.vector_named(node)
        if vector is None:
            self.fail(f"{function} takes a vector here, not '{self.source(node)}'", node)
        return vector

    def softmax(self, meaning, arguments, node, primes, index_node):
        if len(arguments) != 1:
            self.fail(f"{meaning} takes one vector", node)
        argument = arguments[0]
        vector = self.vector_named(argument)
        make = ob.softmax if meaning == "softmax" else ob.log_softmax
        if vector is not None:
            if index_node is not None:
                index = self.index_of(index_node)
            else:
                index, why = self.component_index(argument, f"{meaning}({vector.label})")
                self.read("softmax-of-vector", f"{meaning}({vector.label}) stands for its component "
                          f"{meaning}({vector.label})_{index} ({why})", node)
        else:
            entry = self.expr(argument)
            if not (isinstance(entry, sp.Indexed) and isinstance(entry.base, ob.Vector)) or index_node is not None:
                self.fail(f"{meaning} is applied to a vector (softmax(z), or softmax(z)_j)", argument)
            vector, index = entry.base, entry.indices[0]
            self.read("softmax-of-entry", f"{meaning}({vector.label}_{index}) is read as the component "
                      f"{meaning}({vector.label})_{index}", node)
        value = make(vector, index, self.names.count)
        if primes:
            if primes > 1 or self.context.wrt is None:
                self.fail(f"{meaning}' needs the variable of the line's derivative (a line that starts with "
                          f"∂.../∂z_j); write the derivative out", node, "ambiguous")
            self.read("softmax-prime", f"{meaning}' is the derivative of {meaning}({vector.label})_{index} with "
                      f"respect to {_show(self.context.wrt)}", node)
            return ob.D(value, self.context.wrt)
        return value

    # sums -------------------------------------------------------------------------------------------------

    def _sum(self, node):
        token = node.children[0]
        scripts = node.children[1].children if len(node.children) == 3 else []
        body = node.children[-1]
        if token.value == "\\Sigma":
            self.read("sigma-as-sum", "Σ (\\Sigma) is read as a summation sign", node)
        subs = [s for s in scripts if s.data == "sub"]
        sups = [s for s in scripts if s.data == "sup"]
        if len(subs) > 1 or len(sups) > 1 or any(s.data == "prime" for s in scripts):
            self.fail("a sum takes one subscript and one superscript", node)
        if not subs:
            self.fail("a sum needs its index as a subscript: \\sum_{i=1}^{k} or \\sum_i", node)
        index_key, lower, skipped = self.sum_subscript(subs[0].children[1])
        upper = self.expr(sups[0].children[1]) if sups else None
        if upper is None:
            self.read("sum-without-limits", f"a sum without limits is read over 1..{self.names.count}"
                      if lower is None else f"a sum without an upper limit is read up to {self.names.count}", node)
            upper = self.names.count
        lower_value = self.expr(lower) if lower is not None else sp.Integer(1)
        symbol = self.bound_symbol(index_key, subs[0], body)
        skipped_value = None
        if skipped is not None:
            skip_key, skip_node = skipped
            if skip_key != index_key:
                self.fail(f"the excluded value must be of the summation index {index_key}", skip_node)
            skipped_value = self.index_of(skip_node.children[-1])
        self.bound.append((index_key, symbol))
        try:
            function = self.expr(body)
        finally:
            self.bound.pop()
        if skipped_value is not None:
            return ob.sum_except(function, symbol, upper, skipped_value, lower_value)
        return ob.sum_over(function, symbol, upper, lower_value)

    def sum_subscript(self, node):
        """(index key, lower-limit node or None, (index key, relation node) of an excluded value or None)."""
        parts = [c for c in node.children if isinstance(c, Tree)] \
            if isinstance(node, Tree) and node.data == "substack" else [node]
        index_key, lower, skipped = None, None, None
        for part in parts:
            if isinstance(part, Tree) and part.data == "relation":
                left, rel, right = part.children
                key = self._plain_key(left) if isinstance(left, Tree) else key_of(left)
                relation = rel.children[0].type
                if relation == "EQ" and lower is None:
                    index_key, lower = key, right
                elif relation == "NEQ" and skipped is None:
                    index_key = index_key or key
                    skipped = (key, part)
                else:
                    self.fail("a sum's subscript is i=1, i, i \\neq m, or \\substack{i=1 \\\\ i \\neq m}", part)
            else:
                key = self._plain_key(part) if isinstance(part, Tree) else key_of(part)
                if key is None:
                    self.fail("a sum's index must be a name", part)
                index_key = key
        return index_key, lower, skipped

    def bound_symbol(self, key, node, body):
        if key == self.names.count_key:
            symbol = self.fresh(self.names.rename.get("count-as-index", "n"), node, body)
            self.read("count-as-index", f"the summation index is written {display_name(key)}, like the number of "
                      f"classes; it is read as an index {symbol} over the classes", node)
            return symbol
        free = self.context.free
        if free is not None and key in self.names.indices and self.names.indices[key] == free:
            symbol = self.fresh(self.names.rename.get("shadowed-index", "i"), node, body)
            self.read("shadowed-index", f"the summation index {display_name(key)} shadows the line's free index "
                      f"{free}; the bound one is renamed {symbol}", node)
            return symbol
        if key in self.names.indices:
            return self.names.indices[key]
        if key in self.names.kinds or key in self.context.macros:
            self.fail(f"'{key}' is declared as something other than an index, so it cannot be a summation index",
                      node, "unknown")
        if not (len(key) == 1 and key.isalpha()):
            self.fail(f"'{key}' cannot be a summation index: use a letter", node)
        return sp.Symbol(key, integer=True, positive=True)

    def fresh(self, name: str, node, body) -> sp.Symbol:
        """A summation index for a renamed one: ``name`` unless the sum's body, the line's free index or an
        enclosing sum already uses it (it would capture them), else the first free letter after it."""
        used = {key_of(t) for t in _name_tokens(self.root if self.root is not None else body)}
        used |= {key for key, _ in self.bound}
        for key in list(used):   # a local definition used in the body brings its own names
            if key in self.context.macros:
                used |= {str(s) for s in self.context.macros[key][0].free_symbols}
        if self.context.free is not None:
            used.add(str(self.context.free))
        preferred = normalise_key(name)
        for key in [preferred] + [c for c in "inmabrstuvpq" if c != preferred]:
            if key in used or display_name(key) in used or key == self.names.count_key:
                continue
            if key in self.names.kinds and self.names.kinds[key] != "index":
                continue
            return self.names.indices.get(key) or sp.Symbol(display_name(key), integer=True, positive=True)
        self.fail("no letter is left to rename this summation index to: name it yourself", node)

    def written_out(self, node, terms):
        """``a_1 + a_2 + ... + a_n``: the sum of the pattern the first and last terms share."""
        if any(sign < 0 for sign, _ in terms) or len(terms) < 3:
            self.fail("a sum written out term by term needs at least a first term, '...', and a last term, "
                      "all added", node)
        if isinstance(terms[0][1], Tree) and terms[0][1].data == "dots" or \
                isinstance(terms[-1][1], Tree) and terms[-1][1].data == "dots":
            self.fail("a sum written out term by term starts and ends with a term, not '...'", node)
        self.count_as_index = True
        try:
            values = [None if isinstance(t, Tree) and t.data == "dots" else self.expr(t) for _, t in terms]
        finally:
            self.count_as_index = False
        first, last = values[0], values[-1]
        n = self.names.count
        i = sp.Symbol("i", integer=True, positive=True)
        if n not in last.free_symbols:
            self.fail(f"the last term of a sum written out must be the term at {n}", terms[-1][1])
        pattern = last.xreplace({n: i})
        if pattern.xreplace({i: sp.Integer(1)}) != first:
            self.fail(f"the first and last terms of this written-out sum do not follow one pattern "
                      f"({_show(first)} and {_show(last)})", terms[0][1])
        for value, (_, term) in zip(values[1:-1], terms[1:-1]):
            if value is None:
                continue
            if not any(pattern.xreplace({i: t}) == value
                       for t in [sp.Integer(v) for v in range(1, 10)] + sorted(value.free_symbols, key=str)):
                self.fail(f"the term {_show(value)} does not follow the pattern {_show(pattern)} of this "
                          f"written-out sum", term)
        self.read("written-out-sum", f"the terms written out are the sum over i = 1..{n} of {_show(pattern)}", node)
        return ob.written_out(pattern, i, n)


def _name_tokens(node):
    """The name tokens (letters, Greek letters, accented names) of a parse tree."""
    if isinstance(node, Token):
        if node.type in ("LETTER", "GREEK"):
            yield node
        return
    if node.data == "accent":
        yield node
        return
    for child in node.children:
        yield from _name_tokens(child)


def _squash(text: str) -> str:
    return "".join(text.split())


def _show(expr) -> str:
    from ..render.unicode import unicode

    return unicode(expr)
