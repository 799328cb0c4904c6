"""Progress: a bar on a terminal after a moment, plain lines in logs, nothing with --no-progress."""

from __future__ import annotations

import io

from rich.console import Console
from scratch_proofs import scratch_repository
from commands import derive_here

from derive.io.loader import load_paths
from derive.engine.parallel import check_proofs
from derive.render.progress import Bar, Lines, Silent, progress_for
from derive.engine.run import Settings




def _proofs(tmp_path):
    scratch_repository(tmp_path)
    return [p for p, _ in load_paths([tmp_path / "proofs"]).proofs]


def test_the_display_is_a_bar_on_a_terminal_and_lines_elsewhere():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(progress_for(Terminal()), Bar)
    assert isinstance(progress_for(io.StringIO()), Lines)
    assert isinstance(progress_for(Terminal(), enabled=False), Silent)


def test_lines_name_each_proof_its_verdicts_and_whether_it_passes(tmp_path):
    stream = io.StringIO()
    check_proofs(_proofs(tmp_path), Settings(), progress=Lines(stream))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("checked softmax-jacobian: 7 steps (6 proved, 1 refuted) in 3 cases — ok (")
    assert lines[1].startswith("checked wrong-diagonal: 2 steps (1 proved, 1 refuted) in 1 case — FAILED (")


def test_the_bar_shows_the_checks_done_once_the_run_takes_more_than_a_moment(tmp_path):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, color_system=None, width=100)
    check_proofs(_proofs(tmp_path), Settings(), progress=Bar(console, moment=0.0))
    shown = screen.getvalue()
    assert "checking" in shown and "13/13 checks" in shown


def test_the_bar_shows_nothing_for_a_run_shorter_than_a_moment(tmp_path):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, color_system=None, width=100)
    check_proofs(_proofs(tmp_path), Settings(), progress=Bar(console, moment=3600.0))
    assert "checking" not in screen.getvalue() and "checks" not in screen.getvalue()


def test_derive_check_writes_progress_lines_to_stderr_in_a_log_and_none_with_no_progress(tmp_path):
    scratch_repository(tmp_path)
    logged = derive_here("check", "--json", cwd=tmp_path)
    quiet = derive_here("check", "--json", "--no-progress", cwd=tmp_path)
    assert logged.returncode == quiet.returncode == 1
    assert [line.split(":")[0] for line in logged.stderr.splitlines()] == ["checked softmax-jacobian",
                                                                          "checked wrong-diagonal"]
    assert quiet.stderr == ""
    assert logged.stdout.startswith("{")  # the report alone on stdout
