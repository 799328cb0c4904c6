"""What ``derive check`` shows while it works.

On a terminal: a rich progress bar, which appears only once a run has taken
more than a moment and disappears when the run ends.  Elsewhere (a CI log, a
pipe): one plain line per proof as it is finished.  Both go to standard error,
so standard output holds only the report.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..core.verdict import STRENGTH
from ..model.report import ProofReport

__all__ = ["Silent", "Bar", "Lines", "progress_for"]

MOMENT = 0.5  # seconds before a progress bar appears


class Silent:
    """No progress shown (``--no-progress``)."""

    def start(self, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def proof_done(self, report: ProofReport, seconds: float) -> None:
        pass

    def stop(self) -> None:
        pass


def summary(report: ProofReport, seconds: float) -> str:
    """One line on a checked proof: its steps by verdict, and whether it passes."""
    found = [s.outcome.verdict for s in report.step_reports()]
    verdicts = ", ".join(f"{found.count(v)} {v.value.lower()}" for v in STRENGTH if v in found)
    steps = len(found)
    cases = len(report.cases)
    return (f"checked {report.proof.id}: {_count(steps, 'step')} ({verdicts}) in {_count(cases, 'case')} — "
            f"{'ok' if report.ok else 'FAILED'} ({seconds:.1f} s)")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Lines(Silent):
    """One plain line per finished proof, for logs."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr

    def proof_done(self, report: ProofReport, seconds: float) -> None:
        print(summary(report, seconds), file=self.stream, flush=True)


class _AfterAMoment(Progress):
    """A rich progress display that draws nothing until ``moment`` seconds have passed."""

    def __init__(self, *columns, moment: float, **options):
        self.began = time.monotonic()
        self.moment = moment
        super().__init__(*columns, **options)

    def get_renderables(self):
        if time.monotonic() - self.began >= self.moment:
            yield from super().get_renderables()


class Bar(Silent):
    """A transient rich progress bar on a terminal, shown once the run takes more than ``moment``."""

    def __init__(self, console: Console, moment: float = MOMENT):
        self.console = console
        self.moment = moment
        self.progress: _AfterAMoment | None = None
        self.task = None

    def start(self, total: int) -> None:
        self.progress = _AfterAMoment(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("checks"), TimeElapsedColumn(),
                                      console=self.console, transient=True, moment=self.moment)
        self.task = self.progress.add_task("checking", total=total)
        self.progress.start()

    def advance(self, amount: int = 1) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, amount)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def progress_for(stream=None, *, enabled: bool = True):
    """The progress display for ``stream`` (standard error by default): a bar on a terminal, lines elsewhere."""
    if not enabled:
        return Silent()
    stream = stream if stream is not None else sys.stderr
    console = Console(file=stream)
    if console.is_terminal:
        return Bar(console)
    return Lines(stream)
