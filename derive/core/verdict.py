"""Verdicts and the evidence behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Verdict", "Counterexample", "Outcome", "STRENGTH"]


class Verdict(str, Enum):
    PROVED = "PROVED"
    VERIFIED = "VERIFIED"
    NUMERIC = "NUMERIC"
    REFUTED = "REFUTED"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"

    def __str__(self) -> str:
        return self.value


STRENGTH = (Verdict.PROVED, Verdict.VERIFIED, Verdict.NUMERIC, Verdict.REFUTED, Verdict.UNKNOWN, Verdict.ERROR)


@dataclass(frozen=True)
class Counterexample:
    """A concrete point where the two sides differ.

    ``classes`` is the number of classes, ``indices`` the value of each free
    index, ``inputs`` the entries of each free vector (as exact text), and
    ``left``/``right`` the value of each side at 30 significant digits,
    confirmed at a higher precision.  ``classes_name`` is what the case calls
    its number of classes (``k``, or ``N`` in a source that uses ``k`` as an
    index).  A case without classes has ``classes`` None and ``classes_name``
    empty: its counterexamples name only its indices and inputs.
    """

    classes: int | None
    indices: tuple[tuple[str, int], ...]
    inputs: tuple[tuple[str, tuple[str, ...]], ...]
    left: str
    right: str
    classes_name: str = "k"

    def point(self) -> str:
        """The point alone: the number of classes, the indices and the inputs."""
        parts = [f"{self.classes_name}={self.classes}"] if self.classes is not None else []
        parts += [f"{name}={value}" for name, value in self.indices]
        # a vector has at least two entries (k >= 2); one value is a scalar's
        parts += [f"{name}={values[0]}" if len(values) == 1 else f"{name}=({', '.join(values)})"
                  for name, values in self.inputs]
        return ", ".join(parts)

    def text(self) -> str:
        return self.point() + f": left = {self.left}, right = {self.right}"


@dataclass(frozen=True)
class Outcome:
    """The verdict on one equality and what it rests on."""

    verdict: Verdict
    rules: tuple[str, ...] = ()
    classes_checked: tuple[int, ...] = ()
    instances: int = 0
    counterexample: Counterexample | None = None
    message: str = ""
    seconds: float = field(default=0.0, compare=False)

    def evidence(self) -> str:
        """One line saying what the verdict rests on."""
        if self.verdict is Verdict.PROVED:
            return "rules: " + ", ".join(self.rules)
        if self.verdict in (Verdict.VERIFIED, Verdict.NUMERIC):
            how = "exactly" if self.verdict is Verdict.VERIFIED else "numerically at 50 digits"
            if not self.classes_checked:  # a case without classes: its instances are its counts and indices
                return f"{how} on {self.instances} instances"
            ks = f"k = {self.classes_checked[0]}..{self.classes_checked[-1]}"
            return f"{how} at {ks}, {self.instances} index assignments"
        if self.verdict is Verdict.REFUTED and self.counterexample is not None:
            return "counterexample: " + self.counterexample.text()
        return self.message
