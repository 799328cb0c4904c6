"""``derive import``: the proof read from a document, written as a proof module with the API.

The module builds the same cases, steps and claims the reader built (the
readings become the steps' notes), so checking it gives the same verdicts as
checking the document; an author can then refine it by hand.  A line that was
not read is written as a step that is its text, which the checker reports as
ERROR, as it does for the document.

What this module is not for: it does not read documents (``build`` does); it
only writes Python source for a :class:`~derive.model.proof.Proof`.
"""

from __future__ import annotations

import keyword
import unicodedata
from pathlib import Path

import sympy as sp

from ..core import objects as ob
from ..core.binders import binders
from ..core.context import Distinct, Equal, OneHot, SumsToOne
from ..model.proof import Expect

__all__ = ["import_document", "module_source", "ImportError_"]


class ImportError_(ValueError):
    """A document that cannot be imported; the message names the place."""


def import_document(path: Path, display: str) -> tuple[str, list[tuple[str, str]]]:
    """The Python source for a document, and the problems of the lines that were not read."""
    from .build import read_document
    from .result import DocumentError

    try:
        result = read_document(path, display)
    except DocumentError as error:
        raise ImportError_(str(error)) from None
    problems = [(p.place, p.text()) for p in result.problems]
    return module_source(result.proof, display), problems


def _identifier(name: str, taken: set) -> str:
    base = name
    if not (name.isidentifier() and unicodedata.normalize("NFKC", name) == name and name.isascii()):
        decomposed = unicodedata.normalize("NFD", name)
        letters = "".join(c for c in decomposed if not unicodedata.combining(c))
        marks = "".join({"\u0302": "hat", "\u0303": "tilde", "\u0304": "bar", "\u20d7": "vec"}.get(c, "")
                        for c in decomposed if unicodedata.combining(c))
        letters = unicodedata.normalize("NFKC", letters)
        letters = "".join(c for c in letters if c.isalnum() and c.isascii()) or "x"
        base = letters + marks
    if keyword.iskeyword(base) or not base.isidentifier():
        base += "_"
    candidate = base
    while candidate in taken:
        candidate += "_"
    taken.add(candidate)
    return candidate


class _Writer:
    """Python source of expressions, one ``_write_<Class>`` method per kind of node."""

    def __init__(self, names: dict):
        self.names = names

    def write(self, expr) -> str:
        for cls in type(expr).__mro__:
            method = getattr(self, "_write_" + cls.__name__, None)
            if method is not None:
                return method(expr)
        raise ImportError_(f"cannot write {type(expr).__name__} as Python")

    def _write_Symbol(self, expr):
        return self.names[expr]

    def _write_Vector(self, expr):
        return self.names[expr]

    def _write_Integer(self, expr):
        return str(int(expr)) if expr >= 0 else f"({int(expr)})"

    def _write_Rational(self, expr):
        return f"Rational({expr.p}, {expr.q})"

    def _write_Indexed(self, expr):
        return f"{self.write(expr.base)}[{', '.join(self.write(i) for i in expr.indices)}]"

    def _write_Add(self, expr):
        return "(" + " + ".join(self.write(a) for a in expr.args) + ")"

    def _write_Mul(self, expr):
        args = expr.args
        if len(args) == 2 and args[0] == -1:
            return f"(-{self.write(args[1])})"
        return "(" + " * ".join(self.write(a) for a in args) + ")"

    def _write_Pow(self, expr):
        base, power = expr.args
        if power == -1:
            return f"(1 / {self.write(base)})"
        return f"({self.write(base)} ** {self.write(power)})"

    def _write_exp(self, expr):
        return f"exp({self.write(expr.args[0])})"

    def _write_log(self, expr):
        return f"log({self.write(expr.args[0])})"

    def _write_KroneckerDelta(self, expr):
        return f"KroneckerDelta({self.write(expr.args[0])}, {self.write(expr.args[1])})"

    def _write_Derivative(self, expr):
        return f"D({self.write(expr.expr)}, {self.write(expr.variables[0])})"

    def _write_Softmax(self, expr):
        return f"softmax({', '.join(self.write(a) for a in expr.args)})"

    def _write_LogSoftmax(self, expr):
        return f"log_softmax({', '.join(self.write(a) for a in expr.args)})"

    def _write_CrossEntropy(self, expr):
        return f"cross_entropy({', '.join(self.write(a) for a in expr.args)})"

    def _write_WrittenOutSum(self, expr):
        (b,) = binders(expr)
        return (f"written_out({self.write(expr.function)}, {self.write(b.variable)}, {self.write(b.hi)}, "
                f"{self.write(b.lo)})")

    def _write_Sum(self, expr):
        (b,) = binders(expr)
        return (f"sum_over({self.write(expr.function)}, {self.write(b.variable)}, {self.write(b.hi)}, "
                f"{self.write(b.lo)})")

    def _write_SumExcept(self, expr):
        (b,) = binders(expr)
        return (f"sum_except({self.write(expr.function)}, {self.write(b.variable)}, {self.write(b.hi)}, "
                f"{self.write(b.skipped)}, {self.write(b.lo)})")


def _symbols(proof):
    """Every symbol and vector the proof uses, by kind, in a stable order."""
    found: dict = {}

    def visit(expr):
        if isinstance(expr, ob.Vector):
            found.setdefault(expr, "vector")
        elif isinstance(expr, sp.Indexed):
            found.setdefault(expr.base, "vector")
            for index in expr.indices:
                visit(index)
        elif isinstance(expr, sp.Dummy):
            return
        elif isinstance(expr, sp.Symbol):
            if expr.is_integer:
                found.setdefault(expr, "index")
            else:
                found.setdefault(expr, "scalar")
        elif isinstance(expr, sp.Basic):
            for arg in expr.args:
                visit(arg)

    for case in proof.cases:
        found[case.classes] = "classes"
        visit(case.start)
        for s in case.steps:
            if isinstance(s.expr, sp.Basic):
                visit(s.expr)
        for d in case.definitions:
            visit(d.name)
            visit(d.body.args[1] if isinstance(d.body, sp.Lambda) else d.body)
            if isinstance(d.body, sp.Lambda):
                visit(d.body.args[0][0])
        for a in case.assumptions:
            for value in vars(a).values():
                if isinstance(value, sp.Basic):
                    visit(value)
    for claim in proof.claims:
        visit(claim.subject)
        visit(claim.expr)
    return found


def _text(value: str) -> str:
    return repr(value)


def module_source(proof, display: str) -> str:
    symbols = _symbols(proof)
    taken = {"D", "Case", "Claim", "Distinct", "Equal", "OneHot", "Proof", "Source", "SumsToOne", "Vector",
             "as_written", "classes", "cross_entropy", "erratum", "exp", "indices", "log", "log_softmax",
             "scalar", "softmax", "step", "sum_except", "sum_over", "written_out", "Rational", "KroneckerDelta",
             "PROOF", "DEFINITIONS", "lambda"}
    ordered = sorted(symbols, key=lambda s: ({"classes": 0, "index": 1, "vector": 2, "scalar": 3}[symbols[s]],
                                             str(s), getattr(s, "domain", "")))
    names = {}
    for symbol in ordered:
        label = str(symbol.label) if isinstance(symbol, ob.Vector) else symbol.name
        names[symbol] = _identifier(label, taken)
    writer = _Writer(names)
    lines = [f'"""{proof.title}.', "", f"Imported from {display} by derive import: the cases, steps and claims "
             "the reader", "built from the document, with its readings as the steps' notes."
             ' Refine it by hand.', '"""', "",
             "from sympy import KroneckerDelta, Rational  # noqa: F401",
             "",
             "from derive import (  # noqa: F401",
             "    D, Case, Claim, Distinct, Equal, OneHot, Proof, Source, SumsToOne, Vector, as_written, classes,",
             "    cross_entropy, erratum, exp, indices, log, log_softmax, scalar, softmax, step, sum_except, sum_over)",
             "from derive.core.objects import written_out  # noqa: F401", ""]
    for symbol in ordered:
        kind = symbols[symbol]
        name = names[symbol]
        if kind == "classes":
            lines.append(f"{name} = classes({_text(symbol.name)})")
        elif kind == "index":
            lines.append(f"{name}, = indices({_text(symbol.name)})")
        elif kind == "vector":
            lines.append(f"{name} = Vector({_text(str(symbol.label))}, {_text(symbol.domain)})")
        else:
            lines.append(f"{name} = scalar({_text(symbol.name)})")
    lines += ["", "with as_written():"]
    definition_sets: dict = {}
    for case in proof.cases:
        key = tuple(case.definitions)
        if key and key not in definition_sets:
            definition_sets[key] = f"DEFINITIONS_{len(definition_sets) + 1}"
            items = []
            for d in case.definitions:
                if isinstance(d.body, sp.Lambda):
                    variable = d.body.args[0][0]
                    items.append(f"{writer.write(d.name)}: lambda {names.get(variable, 'a_')}: "
                                 f"{writer.write(d.body.args[1])}")
                else:
                    items.append(f"{writer.write(d.name)}: {writer.write(d.body)}")
            lines.append(f"    {definition_sets[key]} = {{")
            lines += [f"        {item}," for item in items]
            lines.append("    }")
    cases = []
    for number, case in enumerate(proof.cases, 1):
        variable = f"case_{number}"
        cases.append(variable)
        assumptions = ", ".join(_assumption(a, writer) for a in case.assumptions)
        definitions = definition_sets.get(tuple(case.definitions), "{}")
        lines.append(f"    {variable} = Case(")
        lines.append(f"        {_text(case.name)}, {_text(case.title)}, classes={writer.write(case.classes)},")
        lines.append(f"        assumptions=({assumptions}{',' if len(case.assumptions) == 1 else ''}),")
        lines.append(f"        definitions={definitions}, source_ref={_text(case.source_ref)},")
        if case.conclusion is Expect.ERRATUM:
            lines.append(f"        conclusion='erratum', note={_text(case.note)},")
        lines.append(f"        start={writer.write(case.start)},")
        lines.append("        steps=(")
        for s in case.steps:
            # a line that was not read stays its text, which the checker reports as ERROR, as for the document
            expr = writer.write(s.expr) if isinstance(s.expr, sp.Basic) else _text(getattr(s.expr, "text", str(s.expr)))
            if s.expect is Expect.ERRATUM:
                lines.append(f"            erratum({expr}, {_text(s.reason)}, ref={_text(s.source_ref)},")
                lines.append(f"                    note={_text(s.note)}),")
            else:
                note = f", note={_text(s.note)}" if s.note else ""
                lines.append(f"            step({expr}, {_text(s.reason)}, ref={_text(s.source_ref)}{note}),")
        lines.append("        ),")
        lines.append("    )")
    claims = []
    for number, claim in enumerate(proof.claims, 1):
        variable = f"claim_{number}"
        claims.append(variable)
        cases_text = ", ".join(_text(c) for c in claim.cases) + ("," if len(claim.cases) == 1 else "")
        lines.append(f"    {variable} = Claim({_text(claim.name)}, {_text(claim.title)},")
        lines.append(f"                     {writer.write(claim.subject)},")
        lines.append(f"                     {writer.write(claim.expr)}, ({cases_text}),")
        lines.append(f"                     expect={_text(str(claim.expect))}, source_ref={_text(claim.source_ref)},")
        assumptions = ", ".join(_assumption(a, writer) for a in claim.assumptions)
        comma = "," if len(claim.assumptions) == 1 else ""
        lines.append(f"                     note={_text(claim.note)}, assumptions=({assumptions}{comma}))")
    lines += ["", "PROOF = Proof(",
              f"    id={_text(proof.id)},",
              f"    title={_text(proof.title)},",
              f"    source=Source({_text(proof.source.title)}),",
              f"    claim={_text(proof.claim)},",
              f"    cases=({', '.join(cases)}{',' if len(cases) == 1 else ''}),",
              f"    claims=({', '.join(claims)}{',' if len(claims) == 1 else ''}),",
              ")", ""]
    return "\n".join(lines)


def _assumption(a, writer) -> str:
    if isinstance(a, Equal):
        return f"Equal({writer.write(a.left)}, {writer.write(a.right)})"
    if isinstance(a, Distinct):
        return f"Distinct({writer.write(a.left)}, {writer.write(a.right)})"
    if isinstance(a, OneHot):
        at = f", {writer.write(a.at)}" if a.at is not None else ""
        return f"OneHot({writer.write(a.vector)}{at})"
    if isinstance(a, SumsToOne):
        return f"SumsToOne({writer.write(a.vector)})"
    raise ImportError_(f"cannot write the assumption {a!r}")
