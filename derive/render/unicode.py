"""Readable one-line Unicode maths for terminals, JSON and messages: ŷ_j, Σ_{i=1..k}, ∂L/∂z_k, δ_jk.

What is printed is the checked expression itself, term order as the author
built it (SymPy's ``order="none"``): a product is written with ``·``, a power
with ``^`` and a difference with ``−``, each by the method that prints that
kind of node, so that the printed text is final and never edited afterwards.

Not for LaTeX: that is :mod:`derive.render.latex_printer`.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.mul import _keep_coeff
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter
from sympy.utilities.iterables import sift

from ..core.binders import binders

__all__ = ["unicode", "UnicodePrinter"]

TIMES, POWER, MINUS = "·", "^", "−"

class UnicodePrinter(StrPrinter):
    printmethod = "_derive_unicode"
    _default_settings = {**StrPrinter._default_settings, "order": "none"}

    def parenthesize(self, item, level, strict=False):
        # A sum reaches to the end of what follows it: grouped as a factor, a base or a summand.
        if _is_summation(item) and level >= PRECEDENCE["Mul"]:
            return "(" + self._print(item) + ")"
        return super().parenthesize(item, level, strict)

    # -- arithmetic ----------------------------------------------------------------------------------

    def _print_Add(self, expr, order=None):
        first, rest = expr.args[0], expr.args[1:]
        if rest and isinstance(first, sp.Add):
            # a sum in first place needs no parentheses: (a + b) + c, as Python builds a − b − c, is a + b + c
            return self._print(sp.Add(*first.args, *rest, evaluate=False))
        # SymPy's StrPrinter._print_Add, with − between terms
        level = precedence(expr)
        pieces = []
        for term in self._as_ordered_terms(expr, order=order):
            text = self._print(term)
            if text.startswith("-") and not term.is_Add:
                sign, text = "-", text[1:]
            else:
                sign = "+"
            if precedence(term) < level or term.is_Add:
                text = "(" + text + ")"
            pieces.append((sign, text))
        lead, text = pieces[0]
        out = ("-" if lead == "-" else "") + text
        for sign, text in pieces[1:]:
            out += f" {MINUS if sign == '-' else '+'} {text}"
        return out

    def _print_Mul(self, expr):
        # A product that starts with a negated factor reads as a negated product, as in the LaTeX
        # printer: -ŷ_j·ŷ_k rather than (-ŷ_j)·ŷ_k, -y_k/ŷ_k rather than (-y_k)/ŷ_k.
        first, rest = expr.args[0], expr.args[1:]
        if rest and isinstance(first, sp.Mul) and first.args[0] == -1 and len(first.args) >= 2:
            magnitude = first.args[1] if len(first.args) == 2 else sp.Mul(*first.args[1:], evaluate=False)
            fraction = all(isinstance(f, sp.Pow) and f.exp.is_negative for f in rest)
            if fraction or isinstance(magnitude, (sp.Symbol, sp.Indexed, sp.Function)):
                return "-" + self._print(sp.Mul(magnitude, *rest, evaluate=False))
        if expr.args[0] is sp.S.One or any(isinstance(a, sp.Number) or a.is_Pow and all(x.is_Integer for x in a.args)
                                           for a in expr.args[1:]):
            return self._unevaluated_product(expr)
        return self._product(expr)

    def _unevaluated_product(self, expr):
        """A product built unevaluated, every factor shown in order (SymPy's StrPrinter, with ·)."""
        level = precedence(expr)
        denominator, numerator = sift(expr.args, lambda x: isinstance(x, sp.Pow) and
                                      bool(x.exp.as_coeff_Mul()[0] < 0), binary=True)
        for position, power in enumerate(denominator):
            if power.exp.is_Number:
                exponent = -power.exp
            else:
                factors = list(power.exp.args)
                factors[0] = -factors[0]
                exponent = sp.Mul._from_args(factors)
            denominator[position] = sp.Pow(power.base, exponent, evaluate=False) if exponent - 1 else power.base
        first = []
        if numerator and not numerator[0].is_Add and numerator[0].could_extract_minus_sign():
            first = [self._print(numerator.pop(0))]  # a negative first factor needs no parentheses
        above = first + [self.parenthesize(a, level, strict=False) for a in numerator] or ["1"]
        first = [self._print(denominator.pop(0))] if len(denominator) > 1 and \
            denominator[0].could_extract_minus_sign() else []
        below = first + [self.parenthesize(a, level, strict=False) for a in denominator]
        if len(below) > 1:
            return f"{TIMES.join(above)}/({TIMES.join(below)})"
        if below:
            return f"{TIMES.join(above)}/{below[0]}"
        return TIMES.join(above)

    def _product(self, expr):
        """A product, its negative powers and rational denominators below a ``/`` (SymPy's StrPrinter, with ·)."""
        level = precedence(expr)
        coefficient, rest = expr.as_coeff_Mul()
        sign = ""
        if coefficient < 0:
            expr, sign = _keep_coeff(-coefficient, rest), "-"
        above, below = [], []
        inverted = []  # powers ^-1 of a product or power, whose base needs its own parentheses below
        for item in sp.Mul.make_args(expr):
            if item.is_commutative and isinstance(item, sp.Pow) and bool(item.exp.as_coeff_Mul()[0] < 0):
                if item.exp is not sp.S.NegativeOne:
                    below.append(_inverted(item))
                else:
                    if len(item.args[0].args) != 1 and isinstance(item.base, (sp.Mul, sp.Pow)):
                        inverted.append(item)
                    below.append(item.base)
            elif item.is_Rational and item is not sp.S.Infinity:
                if item.p != 1:
                    above.append(sp.Rational(item.p))
                if item.q != 1:
                    below.append(sp.Rational(item.q))
            else:
                above.append(item)
        above = above or [sp.S.One]
        above_text = [self.parenthesize(x, level, strict=False) for x in above]
        below_text = [self.parenthesize(x, level, strict=False) for x in below]
        for item in inverted:
            if item.base in below:
                below_text[below.index(item.base)] = "(" + below_text[below.index(item.base)] + ")"
        if not below:
            return sign + TIMES.join(above_text)
        if len(below) == 1:
            return sign + TIMES.join(above_text) + "/" + below_text[0]
        return sign + TIMES.join(above_text) + f"/({TIMES.join(below_text)})"

    def _print_Pow(self, expr, rational=False):
        level = precedence(expr)
        if expr.exp is sp.S.Half and not rational:
            return f"sqrt({self._print(expr.base)})"
        if expr.is_commutative:
            if -expr.exp is sp.S.Half and not rational:
                return f"{self._print(sp.S.One)}/sqrt({self._print(expr.base)})"
            if expr.exp is -sp.S.One:
                return f"{self._print(sp.S.One)}/{self.parenthesize(expr.base, level, strict=False)}"
        exponent = self.parenthesize(expr.exp, level, strict=False)
        return self.parenthesize(expr.base, level, strict=False) + POWER + exponent

    # -- names ---------------------------------------------------------------------------------------

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

    def _print_KroneckerDelta(self, expr):
        a, b = expr.args
        return f"δ_{self._sub(a)}{self._sub(b)}" if len(str(a)) == len(str(b)) == 1 else \
            f"δ_{{{self._print(a)},{self._print(b)}}}"

    # -- functions -----------------------------------------------------------------------------------

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_log(self, expr):
        return f"log({self._print(expr.args[0])})"

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

    # -- sums (the indices they bind, from derive.core.binders) -------------------------------------

    def _print_Sum(self, expr):
        prefix = "".join(f"Σ_{{{self._print(b.variable)}={self._print(b.lo)}..{self._print(b.hi)}}} "
                         for b in binders(expr))  # outermost first
        return prefix + self.parenthesize(expr.function, PRECEDENCE["Mul"])

    def _print_WrittenOutSum(self, expr):
        (binder,) = binders(expr)
        i, term = binder.variable, expr.function
        shown = [self._print(term.xreplace({i: binder.lo})), self._print(term.xreplace({i: binder.lo + 1})), "…",
                 self._print(term.xreplace({i: binder.hi}))]
        return " + ".join(shown)

    def _print_SumExcept(self, expr):
        (binder,) = binders(expr)
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"])
        return f"Σ_{{{self._print(binder.variable)}≠{self._print(binder.skipped)}}} {body}"


def _is_summation(expr) -> bool:
    """Written as Σ over the indices it binds (see :mod:`derive.core.binders`): a sum, or one that skips an index."""
    return not isinstance(expr, sp.Lambda) and bool(binders(expr))


def _inverted(power):
    """``b^-e`` as ``b^e``, for the denominator (SymPy's StrPrinter)."""
    base, exponent = power.as_base_exp()
    factors = list(sp.Mul.make_args(exponent))
    if factors[0] is sp.S.NegativeOne:
        factors = factors[1:]
    else:
        factors[0] = -factors[0]
    return power.func(base, sp.Mul._from_args(factors), evaluate=False)


def unicode(expr) -> str:
    """``expr`` as one line of Unicode maths; anything that is not an expression as its ``repr``."""
    if not isinstance(expr, sp.Basic):
        return repr(expr)
    return UnicodePrinter().doprint(expr)
