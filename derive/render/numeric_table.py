"""Numeric checks as a rich table, a one-line summary, and JSON data (read from the rows only)."""

from __future__ import annotations

import math

from rich import box
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .words import counted

__all__ = ["NumericTable", "numeric_table", "numeric_summary", "numeric_data", "row_data"]


def _number(x: float) -> str:
    return f"{x:.2e}" if math.isfinite(x) else str(x)


def numeric_table(rows, title: str = "") -> "NumericTable":
    """The rows as a table that fits the console: see :class:`NumericTable`."""
    return NumericTable(tuple(rows), title)


class NumericTable:
    """Numeric rows for the terminal, in the layout the width allows.

    Where the console is wide enough for one row per line, one table with a
    column per field; where it is not (80 columns), one narrower table per
    conclusion under the conclusion's name, with the parameters of an input
    kind (``T = 2.052``) on a line of their own, so that nothing is folded
    inside a word.  The width is negotiated here, apart from the rows.
    """

    def __init__(self, rows: tuple, title: str = ""):
        self.rows = rows
        self.title = title

    def __rich_console__(self, console, options):
        wide = _wide_table(self.rows, self.title)
        natural = Measurement.get(console, options.update_width(1 << 16), wide).maximum   # unclamped
        if natural <= options.max_width:
            yield wide
            return
        if self.title:
            yield Text(self.title, style="bold")
        for name in dict.fromkeys(r.conclusion for r in self.rows):
            yield _narrow_table([r for r in self.rows if r.conclusion == name], name)


def _mark(r) -> Text:
    return Text("✓", style="bold green") if r.passed else Text("✗ FAIL", style="bold red")


def _wide_table(rows, title: str) -> Table:
    table = Table(title=Text(title) if title else None, title_justify="left", title_style="bold", box=box.SIMPLE_HEAVY)
    table.add_column("conclusion", style="bold", overflow="fold")
    table.add_column("k", justify="right", no_wrap=True)
    table.add_column("input kind", overflow="fold")
    table.add_column("method", overflow="fold")
    table.add_column("max abs err", justify="right", no_wrap=True)
    table.add_column("max rel err", justify="right", no_wrap=True)
    table.add_column("tolerance", justify="right", style="dim", no_wrap=True)
    table.add_column("pass", justify="center", no_wrap=True)
    for r in rows:
        table.add_row(r.conclusion, str(r.k), r.input_kind, r.method, _number(r.max_abs_error),
                      _number(r.max_rel_error), _number(r.tolerance), _mark(r))
    return table


def _input_lines(input_kind: str) -> str:
    """``random, soft, T = 2.052`` as ``random, soft`` and, below, ``T = 2.052``.

    The named values share a line while it stays short (``N = 3, T = 2.052``); more of them take a line
    each, so that none is broken inside ``name = value``.
    """
    parts = input_kind.split(", ")
    kinds = [part for part in parts if " = " not in part]
    named = [part for part in parts if " = " in part]
    together = ", ".join(named)
    below = together if len(together) <= _SHORT else "\n".join(named)
    return ", ".join(kinds) + ("\n" + below if named else "")


_SHORT = 18   # the width the input kinds keep at 80 columns


def _narrow_table(rows, conclusion: str) -> Table:
    table = Table(title=f"conclusion {conclusion}", title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0)
    table.add_column("k", justify="right", no_wrap=True)
    table.add_column("input kind", min_width=10)
    table.add_column("method", min_width=8)
    table.add_column("abs err", justify="right", no_wrap=True)
    table.add_column("rel err", justify="right", no_wrap=True)
    table.add_column("tolerance", justify="right", style="dim", no_wrap=True)
    table.add_column("pass", justify="center", no_wrap=True)
    for r in rows:
        table.add_row(str(r.k), _input_lines(r.input_kind), r.method, _number(r.max_abs_error),
                      _number(r.max_rel_error), _number(r.tolerance), _mark(r))
    return table


def _worst(rows):
    """The row whose error is the largest fraction of its tolerance."""
    def ratio(r):
        if not math.isfinite(r.max_abs_error):
            return math.inf
        return r.max_abs_error / r.tolerance if r.tolerance > 0 else (0.0 if r.max_abs_error == 0 else math.inf)
    return max(rows, key=ratio), ratio


def numeric_summary(report) -> Text:
    """One line (and one more per failed check) for ``derive check``."""
    text = Text("numeric: ", style="bold")
    if report.numeric_error:
        text.append(report.numeric_error, style="bold red")
        return text
    rows = report.numeric
    if not rows:
        text.append("no conclusions declared", style="dim")
        return text
    conclusions = list(dict.fromkeys(r.conclusion for r in rows))
    ks = ", ".join(str(k) for k in sorted({r.k for r in rows}))
    failed = [r for r in rows if not r.passed]
    text.append(f"{counted(len(conclusions), 'conclusion')}, {counted(len(rows), 'check')} at k = {ks} "
                f"(seed {report.numeric_seed}): ")
    if not failed:
        worst, ratio = _worst(rows)
        text.append("all within tolerance", style="bold green")
        text.append(f"; worst error/tolerance {ratio(worst):.2g} ({worst.conclusion}, k = {worst.k}, "
                    f"{worst.input_kind}, {worst.method})", style="dim")
        return text
    text.append(f"{len(failed)} FAILED", style="bold red")
    for r in failed[:10]:
        text.append(f"\n  ✗ {r.conclusion}, k = {r.k}, {r.input_kind}, {r.method}: error "
                    f"{_number(r.max_abs_error)} > tolerance {_number(r.tolerance)}", style="red")
    if len(failed) > 10:
        text.append(f"\n  … and {len(failed) - 10} more (derive numeric shows them all)", style="red")
    return text


def _json_number(x: float):
    return x if math.isfinite(x) else None


def row_data(r) -> dict:
    return {
        "conclusion": r.conclusion,
        "k": r.k,
        "input_kind": r.input_kind,
        "method": r.method,
        "max_abs_error": _json_number(r.max_abs_error),
        "max_rel_error": _json_number(r.max_rel_error),
        "tolerance": _json_number(r.tolerance),
        "passed": r.passed,
    }


def numeric_data(report) -> dict | None:
    """The ``numeric`` key of a proof in the JSON report; ``None`` when the checks were not run."""
    if report.numeric_seed is None:
        return None
    return {
        "seed": report.numeric_seed,
        "error": report.numeric_error or None,
        "checks": len(report.numeric),
        "passed": sum(r.passed for r in report.numeric),
        "rows": [row_data(r) for r in report.numeric],
    }
