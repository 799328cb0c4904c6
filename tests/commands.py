"""Running the ``derive`` command as a user does, and comparing its JSON.

:func:`derive` starts it in a subprocess, as a shell would: for the tests about the process itself (its
exit on an uncaught error, ``-j N`` worker processes, the warm path that records which modules a run
imported, output that must not depend on the state of one interpreter).  :func:`derive_here` calls the
same entry point, :func:`derive.cli.main`, in this process, with its own current directory, ``COLUMNS``
and standard streams: the same arguments, output and exit code, without starting Python and importing
SymPy once more (about a second each).  Tests of what the command prints and exits with use it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def derive(*args, cwd=ROOT, columns: int = 160) -> subprocess.CompletedProcess:
    """``derive ARGS...`` run from ``cwd`` with this checkout's package, output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "derive.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


class _Captured(io.StringIO):
    """A captured standard stream that, like a pipe, is not a terminal and declares its encoding."""

    encoding = "utf-8"


def derive_here(*args, cwd=ROOT, columns: int = 160) -> subprocess.CompletedProcess:
    """``derive ARGS...`` run from ``cwd`` by :func:`derive.cli.main` in this process, output captured as text.

    The current directory and ``COLUMNS`` are restored afterwards; argparse's exit (``--help``, a usage
    error) becomes the exit code, as it does for the command.  An uncaught exception is not turned into
    exit code 1: it fails the calling test with its traceback, which no test of the command expects.
    """
    from derive.cli import main

    out, err = _Captured(), _Captured()
    before, columns_before = Path.cwd(), os.environ.get("COLUMNS")
    os.chdir(cwd)
    os.environ["COLUMNS"] = str(columns)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(map(str, args)))
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        os.chdir(before)
        if columns_before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns_before
    return subprocess.CompletedProcess(["derive", *map(str, args)], code, out.getvalue(), err.getvalue())


def without_seconds(value):
    """A JSON value with every ``seconds`` field left out: what must not differ between two runs."""
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value
