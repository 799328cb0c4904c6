"""Running the ``derive`` command as a user does, in a subprocess, and comparing its JSON."""

from __future__ import annotations

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


def without_seconds(value):
    """A JSON value with every ``seconds`` field left out: what must not differ between two runs."""
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value
