"""The numeric checks' settings, rows and errors, as plain data (see :mod:`derive.numeric.check`).

Kept apart from NumPy, so that replaying numeric rows from the cache, or
reading the settings on the command line, does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CLASS_COUNTS", "NumericError", "NumericRow", "NumericSettings"]

CLASS_COUNTS = (2, 3, 10, 1000, 2**20)


class NumericError(ValueError):
    """A conclusion that cannot be checked numerically; the message says which and why."""


@dataclass(frozen=True)
class NumericRow:
    """One numeric check: a conclusion at k classes, one kind of input, one method.

    ``max_abs_error`` is the largest difference between the formula and the
    reference over the entries compared, ``max_rel_error`` that difference over
    the largest reference entry, ``tolerance`` the derived bound it must stay
    under (absolute), ``passed`` whether it does.
    """

    conclusion: str
    k: int
    input_kind: str
    method: str
    max_abs_error: float
    max_rel_error: float
    tolerance: float
    passed: bool


@dataclass(frozen=True)
class NumericSettings:
    seed: int = 0
    classes: tuple[int, ...] = CLASS_COUNTS
