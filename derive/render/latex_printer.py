"""LaTeX maths as a person writes it: the one printer behind every LaTeX and Markdown output.

``latex(expr)`` prints a checked expression the way course notes write it:
``\\hat{y}_j``, ``z_j``, ``\\operatorname{softmax}(z)_j``, ``\\sum_{i=1}^{k}``,
``\\sum_{j \\ne k}``, ``\\frac{\\partial L}{\\partial z_k}``, ``\\delta_{jk}``,
``\\log``.  Terms and factors keep the order and grouping the author built
(expressions made under ``as_written()``); a leading ``-1`` factor is shown
as a sign and a negative power as a fraction, without reordering anything.

Names are spelled by :mod:`derive.render.latex_names`.  Not for free text:
that is :mod:`derive.render.prose`.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..core.binders import binders
from ..core.objects import LogSumExp, Sigmoid, Softmax, Softplus, WrittenOutSum
from .latex_names import symbol_name

__all__ = ["latex", "DeriveLatexPrinter"]

def _is_fraction(expr) -> bool:
    """Written as a fraction: a product with a negative power, a rational, a derivative, ``1/x``."""
    if isinstance(expr, sp.Mul):
        return any(_negative_power(a) for a in expr.args)
    if isinstance(expr, sp.Rational):
        return not expr.is_Integer
    return isinstance(expr, sp.Derivative) or _negative_power(expr)


def _negative_power(expr) -> bool:
    return isinstance(expr, sp.Pow) and expr.exp.is_Number and expr.exp.is_negative


def _leading_minus(expr):
    """``(True, rest)`` if ``expr`` is written with a leading minus sign, without evaluating anything."""
    if isinstance(expr, sp.Number) and expr.is_negative:
        return True, -expr
    if isinstance(expr, sp.Mul) and expr.args:
        first, rest = expr.args[0], expr.args[1:]
        if isinstance(first, sp.Number) and first.is_negative:
            if first == -1:
                if not rest:
                    return True, sp.Integer(1)
                return True, rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False)
            return True, sp.Mul(-first, *rest, evaluate=False)
    return False, expr


def _is_summation(expr) -> bool:
    """Written as a big operator over the indices it binds (see :mod:`derive.core.binders`): a sum, or one
    that skips an index; its body reaches to the end of what follows it."""
    return not isinstance(expr, sp.Lambda) and bool(binders(expr))


def _atomic(expr) -> bool:
    """Written without any operator at its top: a symbol, an entry, a number, a function value."""
    return isinstance(expr, (sp.Symbol, sp.Indexed, sp.IndexedBase, Softmax, sp.KroneckerDelta, Sigmoid, Softplus,
                             LogSumExp)) or (isinstance(expr, sp.Integer) and expr >= 0)


class DeriveLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer, taught the notation of the sources and the author's term order."""

    printmethod = "_derive_latex"
    # SymPy's settings, with the author's term order kept and fractions never folded to a/b;
    # SymPy rejects any setting not declared here.
    _default_settings = {**LatexPrinter._default_settings, "order": "none", "mul_symbol": None,
                         "fold_short_frac": False}

    # -- grouping ------------------------------------------------------------------------------------

    def _group(self, text: str) -> str:
        """Parentheses, sized to their contents only when those are tall."""
        if any(tall in text for tall in (r"\frac", r"\sum", r"\dfrac")):
            return r"\left(" + text + r"\right)"
        return "(" + text + ")"

    def _operand(self, expr) -> str:
        """``expr`` as an operand of a product or a power: grouped unless it is one thing."""
        text = self._print(expr)
        if isinstance(expr, (sp.Add, WrittenOutSum)) or _leading_minus(expr)[0]:
            return self._group(text)
        return text

    # -- names ---------------------------------------------------------------------------------------

    def _print_Symbol(self, expr, style="plain"):
        name = symbol_name(expr.name)
        return name if name is not None else super()._print_Symbol(expr, style)

    def _print_Dummy(self, expr):
        name = symbol_name(expr.name)
        return name if name is not None else expr.name

    def _subscript(self, parts) -> str:
        texts = [self._print(p) for p in parts]
        single = re.compile(r"[A-Za-z0-9]|\\[A-Za-z]+")
        if len(texts) > 1 and all(single.fullmatch(t) for t in texts) and \
                not any(a.isdigit() and b.isdigit() for a, b in zip(texts, texts[1:])):
            # the entry of a matrix at single-letter indices, as courses write it: W_{jd}, not W_{j,d}
            text = texts[0]
            for t in texts[1:]:
                text += (" " if text.split("\\")[-1].isalpha() and "\\" in text and t[0].isalpha() else "") + t
        else:
            text = ",".join(texts)
        return "_" + text if re.fullmatch(r"[A-Za-z0-9]", text) else "_{" + text + "}"

    def _print_Indexed(self, expr):
        return self._print(expr.base.label) + self._subscript(expr.indices)

    def _print_IndexedBase(self, expr):
        return self._print(expr.label)

    def _print_Vector(self, expr):
        return self._print(expr.label)

    def _print_KroneckerDelta(self, expr, exp=None):
        a, b = (self._print(x) for x in expr.args)
        single = re.compile(r"[A-Za-z0-9]|\\[A-Za-z]+")
        if single.fullmatch(a) and single.fullmatch(b):
            joined = a + (" " if a.startswith("\\") and b[0].isalpha() else "") + b
        else:
            joined = a + "," + b
        text = r"\delta_{" + joined + "}"
        return text if exp is None else f"{text}^{{{exp}}}"

    # -- functions -----------------------------------------------------------------------------------

    def _print_exp(self, expr, exp=None):
        text = "e^{" + self._exponent(expr.args[0]) + "}"
        return text if exp is None else self._group(text) + "^{" + exp + "}"

    def _exponent(self, arg) -> str:
        """An exponent, with a quotient written on one line (``e^{z_j/T}``): a fraction there is too small to read."""
        negative, magnitude = _leading_minus(arg)
        if not (isinstance(magnitude, sp.Mul) and any(_negative_power(f) for f in magnitude.args)):
            return self._print(arg)
        numerator = [f for f in magnitude.args if not _negative_power(f)]
        denominator = [sp.Pow(f.base, -f.exp, evaluate=False) if f.exp != -1 else f.base
                       for f in magnitude.args if _negative_power(f)]
        if len(numerator) == 1 and _leading_minus(numerator[0])[0]:  # (-z_n)/T is -z_n/T
            negative, numerator = not negative, [_leading_minus(numerator[0])[1]]

        def side(factors):
            if not factors:
                return "1"
            if len(factors) == 1:
                return self._operand(factors[0]) if not _atomic(factors[0]) else self._print(factors[0])
            return self._group(self._product(factors))

        return ("-" if negative else "") + side(numerator) + "/" + side(denominator)

    def _print_log(self, expr, exp=None):
        arg = expr.args[0]
        inner = self._print(arg)
        text = r"\log " + inner if _atomic(arg) else r"\log" + self._group(inner)
        return text if exp is None else r"\log^{" + exp + "}" + text[4:]

    def _print_Softmax(self, expr, exp=None):
        text = r"\operatorname{softmax}(" + self._print(expr.vector) + ")" + self._subscript([expr.index])
        return text if exp is None else self._group(text) + "^{" + exp + "}"

    def _print_LogSoftmax(self, expr, exp=None):
        z, j, _ = expr.args
        return r"\log \operatorname{softmax}(" + self._print(z) + ")" + self._subscript([j])

    def _print_Sigmoid(self, expr, exp=None):
        text = r"\sigma(" + self._print(expr.args[0]) + ")"
        return text if exp is None else self._group(text) + "^{" + exp + "}"

    def _print_Softplus(self, expr, exp=None):
        text = r"\operatorname{softplus}(" + self._print(expr.args[0]) + ")"
        return text if exp is None else self._group(text) + "^{" + exp + "}"

    def _print_LogSumExp(self, expr, exp=None):
        text = r"\operatorname{logsumexp}(" + self._print(expr.vector) + ")"
        return text if exp is None else self._group(text) + "^{" + exp + "}"

    def _print_CrossEntropy(self, expr, exp=None):
        y, p, _ = expr.args
        return r"\operatorname{CE}(" + self._print(y) + ", " + self._print(p) + ")"

    # -- sums ----------------------------------------------------------------------------------------

    def _summand(self, body) -> str:
        if isinstance(body, (sp.Add, WrittenOutSum)) or _leading_minus(body)[0]:
            return self._group(self._print(body))
        return self._print(body)

    def _print_Sum(self, expr):
        return "".join(r"\sum_{" + f"{self._print(b.variable)}={self._print(b.lo)}" + "}^{" + self._print(b.hi) + "} "
                       for b in binders(expr)) + self._summand(expr.function)  # outermost first

    def _print_WrittenOutSum(self, expr):
        (binder,) = binders(expr)
        i, term = binder.variable, expr.function
        with sp.evaluate(True):
            first, second = term.xreplace({i: binder.lo}), term.xreplace({i: binder.lo + 1})
            last = term.xreplace({i: binder.hi})
        return " + ".join([self._print(first), self._print(second), r"\dots", self._print(last)])

    def _print_SumExcept(self, expr):
        (binder,) = binders(expr)
        return r"\sum_{" + f"{self._print(binder.variable)} \\ne {self._print(binder.skipped)}" + "} " + \
            self._summand(expr.function)

    # -- derivatives ---------------------------------------------------------------------------------

    def _print_Derivative(self, expr):
        order = sum(int(count) for _, count in expr.variable_count)
        below = " ".join(r"\partial " + self._print(v) + (f"^{{{c}}}" if c != 1 else "")
                         for v, c in expr.variable_count)
        top = r"\partial" if order == 1 else r"\partial^{" + str(order) + "}"
        inner = expr.expr
        if isinstance(inner, (sp.Symbol, sp.Indexed)):
            return r"\frac{" + top + " " + self._print(inner) + "}{" + below + "}"
        body = self._print(inner)
        if isinstance(inner, (sp.Add, sp.Mul, WrittenOutSum)) or _leading_minus(inner)[0]:
            body = self._group(body)
        return r"\frac{" + top + "}{" + below + "} " + body

    # -- arithmetic, in the author's order ----------------------------------------------------------

    def _print_Add(self, expr, order=None):
        pieces = []
        for position, term in enumerate(expr.args):
            negative, magnitude = _leading_minus(term)
            if isinstance(term, sp.Add) and position > 0:  # grouping the author wrote: keep it
                # (a sum in first place needs none: (a + b) + c is a + b + c)
                text, negative = self._group(self._print(term)), False
            elif negative:
                text = self._print(magnitude)
                if isinstance(magnitude, sp.Add):
                    text = self._group(text)
            else:
                text = self._print(term)
            if position == 0:
                pieces.append(("-" if negative else "") + text)
            else:
                pieces.append((" - " if negative else " + ") + text)
        return "".join(pieces)

    def _print_Mul(self, expr):
        negative, magnitude = _leading_minus(expr)
        if negative:
            if magnitude == 1:
                return "-1"
            text = self._print(magnitude)
            return "-" + (self._group(text) if isinstance(magnitude, sp.Add) else text)
        factors = list(expr.args)
        numerator = [f for f in factors if not _negative_power(f)]
        denominator = [sp.Pow(f.base, -f.exp, evaluate=False) if f.exp != -1 else f.base
                       for f in factors if _negative_power(f)]
        if denominator:
            sign, top = "", numerator
            lead, rest = _leading_minus(numerator[0]) if len(numerator) == 1 else (False, None)
            body = rest if lead else numerator[0] if len(numerator) == 1 else None
            if isinstance(body, sp.Sum) and not any(d.has(sp.Sum) for d in denominator):
                # a mean, as courses write it: (1/N) Σ_b ..., not the whole sum over N
                return ("-" if lead else "") + r"\frac{1}{" + self._product(denominator, in_fraction=True) + "} " + \
                    self._print(body)
            if len(numerator) == 1:
                lead, rest = _leading_minus(numerator[0])
                if lead:
                    sign, top = "-", ([] if rest == 1 else [rest])
            top_text = (self._print(top[0]) if len(top) == 1 else self._product(top)) if top else "1"
            return sign + r"\frac{" + top_text + "}{" + self._product(denominator, in_fraction=True) + "}"
        return self._product(factors)

    def _product(self, factors, in_fraction: bool = False) -> str:
        if len(factors) == 1 and in_fraction:
            f = factors[0]
            return self._print(f)
        texts = []
        for position, f in enumerate(factors):
            last = position == len(factors) - 1
            negative = _leading_minus(f)[0]
            if isinstance(f, sp.Mul) and not _is_fraction(f) and position > 0:
                text = self._group(self._print(f))  # a product the author grouped
            elif negative and (position > 0 or len(factors) > 1 and not _atomic(_leading_minus(f)[1])):
                text = self._group(self._print(f))  # (-a/b) * c, as the sources write it
            elif _is_summation(f) and not last:
                text = self._group(self._print(f))
            else:
                text = self._operand(f) if not (negative and position == 0) else self._print(f)
            texts.append((f, text))
        out = texts[0][1]
        for (previous, _), (f, text) in zip(texts, texts[1:]):
            out += (" " if self._juxtapose(previous, f, text) else r" \cdot ") + text
        return out

    @staticmethod
    def _juxtapose(previous, current, text) -> bool:
        """Whether two factors are written side by side (``\\hat{y}_j \\hat{y}_k``) rather than with a dot."""
        if text[:1].isdigit() or text.startswith(("-", r"\left(-", "(-")):
            return False
        negative, magnitude = _leading_minus(previous)
        if negative and isinstance(magnitude, sp.Mul) and magnitude.args:
            previous = magnitude.args[-1]
        elif negative:
            previous = magnitude
        if isinstance(previous, sp.Number):
            return previous not in (0, 1) and not isinstance(current, sp.Number)
        simple = (sp.Symbol, sp.Indexed, sp.KroneckerDelta, sp.Add, Softmax, Sigmoid, sp.log)
        # a sum may follow another factor without a dot, but nothing follows a sum without one
        return isinstance(previous, simple) and (isinstance(current, simple + (sp.Pow,)) or _is_summation(current))

    def _print_Pow(self, expr):
        base, exponent = expr.base, expr.exp
        if exponent.is_Number and exponent.is_negative:
            if exponent == -1:
                return r"\frac{1}{" + self._print(base) + "}"
            return r"\frac{1}{" + self._print(sp.Pow(base, -exponent, evaluate=False)) + "}"
        if exponent == sp.Rational(1, 2):
            return r"\sqrt{" + self._print(base) + "}"
        if isinstance(base, (sp.exp, sp.log, Softmax)):
            return getattr(self, "_print_" + type(base).__name__)(base, exp=self._print(exponent))
        text = self._print(base)
        if not _atomic(base) or _leading_minus(base)[0] or isinstance(base, sp.Rational) and not base.is_Integer:
            text = self._group(text)
        return text + "^{" + self._print(exponent) + "}"

    def _print_Lambda(self, expr):
        return self._print(expr.expr)  # a vector's definition: the entry, in the lambda's own index


_PRINTER = None


def latex(expr) -> str:
    """``expr`` in LaTeX math, as the author wrote it."""
    global _PRINTER
    if _PRINTER is None:
        _PRINTER = DeriveLatexPrinter()
    if isinstance(expr, bool) or expr is None or isinstance(expr, str):
        raise TypeError(f"not an expression: {expr!r}")
    if isinstance(expr, int):
        expr = sp.Integer(expr)
    return _PRINTER.doprint(expr)

