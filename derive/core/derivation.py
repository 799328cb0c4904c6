"""A case's result derived mechanically: differentiate the definitions, normalise.

The derived expression is written back in the case's own names where it can
be (``exp(z_j) / Σ exp(z_i)`` becomes ``ŷ_j`` when ``ŷ = softmax(z)``), so it
reads like the source's result.  Whether it equals the case's last line is
decided by :func:`derive.core.checker.check_equal`, not by this module.
"""

from __future__ import annotations

import sympy as sp

from .context import Context
from .normalise import Atoms, Trace, atomise, canonical, normal_form
from .objects import Softmax

__all__ = ["derive_result"]


def derive_result(start, ctx: Context) -> sp.Expr:
    """The normal form of ``start``, folded back into defined names where possible."""
    atoms = Atoms(ctx)
    rational = sp.cancel(sp.together(atomise(normal_form(start, ctx, Trace()), atoms)))
    rational = _fold_softmax(rational, atoms, ctx)
    expr = _readable_bound_names(rational.xreplace(atoms.back()))
    return sp.factor_terms(expr)


def _readable_bound_names(expr):
    """Give the summation indices of the normal form ordinary names not used elsewhere."""
    taken = {s.name for s in expr.free_symbols}
    spare = [name for name in ("i", "n", "m", "p", "q", "r") if name not in taken]
    fixed = sorted({s for s in expr.atoms(sp.Symbol) if s.name.startswith("ι")}, key=lambda s: s.name)
    return expr.xreplace({s: sp.Symbol(name, integer=True, positive=True) for s, name in zip(fixed, spare)})


def _fold_softmax(rational, atoms: Atoms, ctx: Context):
    """Replace ``exp(z_a)`` by ``ŷ_a · Σ exp(z_i)`` for each ``ŷ`` defined as ``softmax(z)``."""
    for definition in ctx.definitions:
        if not isinstance(definition.name, sp.IndexedBase):
            continue
        body = definition.body.expr
        if not isinstance(body, Softmax):
            continue
        z = body.vector
        denominator = atoms.symbols.get(_canonical_sum(z, ctx))
        if denominator is None:
            continue
        replacements = {}
        for key, symbol in atoms.symbols.items():
            if isinstance(key, sp.exp) and isinstance(key.args[0], sp.Indexed) and key.args[0].base == z:
                replacements[symbol] = definition.name[key.args[0].indices[0]] * denominator
        folded = sp.cancel(sp.together(rational.xreplace(replacements)))
        if not folded.has(denominator):
            rational = folded
    return rational


def _canonical_sum(z, ctx):
    i = sp.Dummy("i", integer=True)
    return canonical(sp.Sum(sp.exp(z[i]), (i, 1, ctx.n)))
