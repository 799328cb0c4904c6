"""Readable one-line Unicode math for terminals: ŷ_j, Σ_{i=1..k}, ∂L/∂z_k, δ_jk.

What is printed is the checked expression itself, term order as the author
built it (SymPy's ``order="none"``).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..core.objects import SumExcept

__all__ = ["unicode", "UnicodePrinter"]


class UnicodePrinter(StrPrinter):
    printmethod = "_derive_unicode"

    def __init__(self):
        super().__init__({"order": "none"})

    def parenthesize(self, item, level, strict=False):
        if isinstance(item, (sp.Sum, SumExcept)) and level >= PRECEDENCE["Mul"]:
            return "(" + self._print(item) + ")"
        return super().parenthesize(item, level, strict)

    def _print_Mul(self, expr):
        # A product that starts with a negated factor reads as a negated product, as in the LaTeX
        # printer: -ŷ_j·ŷ_k rather than (-ŷ_j)·ŷ_k, -y_k/ŷ_k rather than (-y_k)/ŷ_k.
        first, rest = expr.args[0], expr.args[1:]
        if rest and isinstance(first, sp.Mul) and first.args[0] == -1 and len(first.args) >= 2:
            magnitude = first.args[1] if len(first.args) == 2 else sp.Mul(*first.args[1:], evaluate=False)
            fraction = all(isinstance(f, sp.Pow) and f.exp.is_negative for f in rest)
            if fraction or isinstance(magnitude, (sp.Symbol, sp.Indexed, sp.Function)):
                return "-" + self._print(sp.Mul(magnitude, *rest, evaluate=False))
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):
        # a sum in first place needs no parentheses: (a + b) + c, as Python builds a − b − c, is a + b + c
        first, rest = expr.args[0], expr.args[1:]
        if rest and isinstance(first, sp.Add):
            return self._print(sp.Add(*first.args, *rest, evaluate=False))
        return super()._print_Add(expr, order)

    def _sub(self, expr) -> str:
        text = self._print(expr)
        return text if len(text) == 1 else "{" + text + "}"

    def _print_Dummy(self, expr):
        return expr.name

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base.label)}_{''.join(self._sub(i) for i in expr.indices)}"

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_Vector(self, expr):
        return self._print(expr.label)

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_log(self, expr):
        return f"log({self._print(expr.args[0])})"

    def _print_KroneckerDelta(self, expr):
        a, b = expr.args
        return f"δ_{self._sub(a)}{self._sub(b)}" if len(str(a)) == len(str(b)) == 1 else \
            f"δ_{{{self._print(a)},{self._print(b)}}}"

    def _print_Sum(self, expr):
        text = self.parenthesize(expr.function, PRECEDENCE["Mul"])
        for i, lo, hi in expr.limits:  # the first limit is the innermost sum
            text = f"Σ_{{{self._print(i)}={self._print(lo)}..{self._print(hi)}}} {text}"
        return text

    def _print_WrittenOutSum(self, expr):
        (i, lo, hi), = expr.limits
        term = expr.function
        shown = [self._print(term.xreplace({i: lo})), self._print(term.xreplace({i: lo + 1})), "…",
                 self._print(term.xreplace({i: hi}))]
        return " + ".join(shown)

    def _print_SumExcept(self, expr):
        i, lo, hi = expr.limits
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"])
        return f"Σ_{{{self._print(i)}≠{self._print(expr.skipped)}}} {body}"

    def _print_Softmax(self, expr):
        return f"softmax({self._print(expr.vector)})_{self._sub(expr.index)}"

    def _print_LogSoftmax(self, expr):
        z, j, _ = expr.args
        return f"log softmax({self._print(z)})_{self._sub(j)}"

    def _print_Sigmoid(self, expr):
        return f"σ({self._print(expr.args[0])})"

    def _print_Softplus(self, expr):
        return f"softplus({self._print(expr.args[0])})"

    def _print_LogSumExp(self, expr):
        return f"logsumexp({self._print(expr.vector)})"

    def _print_CrossEntropy(self, expr):
        y, p, _ = expr.args
        return f"CE({self._print(y)}, {self._print(p)})"

    def _print_Derivative(self, expr):
        variables = "".join(f"∂{self._print(v)}" + (f"^{c}" if c != 1 else "") for v, c in expr.variable_count)
        inner = expr.expr
        if isinstance(inner, (sp.Symbol, sp.Indexed)):
            return f"∂{self._print(inner)}/{variables}"
        return f"∂/{variables} ({self._print(inner)})"


def unicode(expr) -> str:
    if not isinstance(expr, sp.Basic):
        return repr(expr)
    text = UnicodePrinter().doprint(expr)
    return text.replace("**", "^").replace("*", "·").replace(" - ", " − ")

