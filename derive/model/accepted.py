"""The verdicts a run accepts as passing for a step, result or claim expected to hold.

PROVED always passes; a user may opt into weaker verdicts (``--accept``, or
``accept`` under ``[tool.derive]``, resolved by :mod:`derive.io.config`).  It
sits in the model, beside the reports that record it, and imports nothing but
the verdicts, so that the pytest plugin and ``derive --help`` stay free of SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.verdict import Verdict

__all__ = ["ACCEPTABLE", "Accepted", "AcceptError"]

# The verdicts a user may accept besides PROVED, by the name they are written with.
ACCEPTABLE = {"verified": Verdict.VERIFIED, "numeric": Verdict.NUMERIC}
_NOTHING = "none"  # accepts nothing beyond PROVED: overrides a configured ``accept``


class AcceptError(ValueError):
    """An ``accept`` value that names no acceptable verdict; the message names the allowed values."""


@dataclass(frozen=True)
class Accepted:
    """The verdicts that pass for a step, result or claim expected to hold.

    PROVED always passes; ``extra`` holds the weaker verdicts the user opted
    into (VERIFIED: exact on k = 2..K only; NUMERIC: agreement at high
    precision only).  The default accepts PROVED alone.
    """

    extra: frozenset = frozenset()

    def __post_init__(self):
        extra = frozenset(self.extra)
        unknown = extra - set(ACCEPTABLE.values())
        if unknown:
            raise AcceptError(f"cannot accept {', '.join(sorted(v.value for v in unknown))}: "
                              f"only {' and '.join(v.value for v in ACCEPTABLE.values())} may be accepted")
        object.__setattr__(self, "extra", extra)

    @classmethod
    def parse(cls, values) -> "Accepted":
        """From names such as ``["verified", "numeric"]`` or ``"verified,numeric"``; ``"none"`` accepts nothing.

        Names are case-insensitive and may be separated by commas; an unknown
        one raises :class:`AcceptError` naming the allowed values.
        """
        if isinstance(values, str):
            values = [values]
        names = [part.strip().lower() for value in values for part in str(value).split(",")]
        extra = set()
        for name in names:
            if name == _NOTHING:
                continue
            if name not in ACCEPTABLE:
                shown = name or "(empty)"
                raise AcceptError(f"unknown verdict to accept {shown!r}: the allowed values are "
                                  f"{', '.join(ACCEPTABLE)} (comma-separated), or {_NOTHING}")
            extra.add(ACCEPTABLE[name])
        if _NOTHING in names and extra:
            raise AcceptError(f"{_NOTHING!r} accepts nothing beyond PROVED and cannot be combined with "
                              f"{', '.join(sorted(v.value.lower() for v in extra))}")
        return cls(frozenset(extra))

    def passes(self, verdict: Verdict) -> bool:
        """Whether ``verdict`` counts as holding."""
        return verdict is Verdict.PROVED or verdict in self.extra

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        """Every accepted verdict, strongest first (PROVED first)."""
        return (Verdict.PROVED,) + tuple(v for v in ACCEPTABLE.values() if v in self.extra)

    def option(self) -> str:
        """The value of ``--accept`` that gives this setting (``none`` for PROVED alone)."""
        return ",".join(name for name, v in ACCEPTABLE.items() if v in self.extra) or _NOTHING
