"""The two arithmetics the numeric checks run in: float64 arrays, and object arrays of mpmath numbers.

Each backend gives the same operations (``exp``, ``log``, a total, sigmoid,
...) and the unit its rounding errors are counted in, so that an evaluator
written once runs in either.  Not for evaluating expressions: that is
:mod:`derive.numeric.evaluate` and :mod:`derive.numeric.compiled`.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from .rows import NumericError

__all__ = ["EPS", "FLOAT", "MP"]

EPS = float(np.finfo(np.float64).eps)   # 2^-52, the float64 unit roundoff times 2


class _Float:
    name = "float64"
    unit = EPS

    @staticmethod
    def levels(n: int) -> int:   # NumPy's pairwise summation
        return math.ceil(math.log2(max(n, 2)))

    @staticmethod
    def number(x):
        return float(x)

    @staticmethod
    def array(values):
        return np.asarray(values, dtype=np.float64)

    @staticmethod
    def total(values):
        return np.sum(values)  # pairwise summation

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    tanh = staticmethod(np.tanh)

    @staticmethod
    def softplus(x):
        return np.logaddexp(0.0, x)

    @staticmethod
    def sigmoid(x):
        # e^{-|x|} never overflows; σ(x) = 1/(1 + e^{-x}) for x ≥ 0 and e^x/(1 + e^x) below
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _mp_function(f):
    return np.frompyfunc(f, 1, 1)


def _mpf(v):
    """One entry as an mpmath number: floats exactly, anything else (an mpf, an int) as it is."""
    return mpmath.mpf(float(v)) if isinstance(v, (float, np.floating)) else mpmath.mpf(v)


class _Mp:
    name = "mpmath"

    @property
    def unit(self):
        return mpmath.mpf(10) ** -mpmath.mp.dps

    @staticmethod
    def levels(n: int) -> int:   # object arrays are summed left to right
        return max(n - 1, 1)

    @staticmethod
    def number(x):
        if isinstance(x, sp.Rational):
            return mpmath.mpf(int(x.p)) / int(x.q)
        if isinstance(x, sp.Basic):
            raise NumericError(f"cannot evaluate the number {x} exactly")
        return mpmath.mpf(x)

    @staticmethod
    def array(values):
        values = np.asarray(values)
        return np.array([_mpf(v) for v in values.ravel()], dtype=object).reshape(values.shape)

    @staticmethod
    def total(values):
        return mpmath.fsum(np.ravel(values))

    exp = staticmethod(_mp_function(mpmath.exp))
    log = staticmethod(_mp_function(mpmath.log))
    tanh = staticmethod(_mp_function(mpmath.tanh))
    softplus = staticmethod(_mp_function(lambda x: mpmath.log1p(mpmath.exp(x))))
    sigmoid = staticmethod(_mp_function(lambda x: 1 / (1 + mpmath.exp(-x))))


FLOAT = _Float()
MP = _Mp()
