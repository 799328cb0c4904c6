"""Whole runs of ``derive check`` replayed when nothing they read has changed.

The step cache (:mod:`derive.cache.store`) still has to import SymPy, load every
proof module and rebuild every expression before it can look anything up.  This
module answers one level higher: a run of ``derive check`` is recorded with the
bytes it printed and the contents of everything it read — the proof files and
documents, every project module a proof imported, the listing of the proof
folders (so that a new proof file is seen), ``pyproject.toml``, derive's own
source files and the installed distributions — and the next run with the same
arguments and the same terminal replays those bytes when every one of them is
unchanged.  Nothing here imports SymPy, rich or a proof module.

What it is not: a way to skip checks whose inputs changed.  Any difference in a
recorded file, in the arguments, in the environment variables that change the
output, or in the width of the terminal is a miss, and the run is checked as
usual (through the step cache).  A run is recorded only when every verdict in
it is settled: a step that ran out of time (UNKNOWN) is asked again next time,
as the step cache does, and a run that could not load a proof is not recorded.
A proof that reads data files of its own (``open(...)``) is outside what is
tracked; ``--no-cache`` checks afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path

FORMAT = 1
FOLDER = "runs"  # under the cache directory
# Environment variables that change what a run prints (rich reads the terminal ones).
_ENVIRONMENT = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "COLUMNS", "LINES", "TTY_COMPATIBLE",
                "TTY_INTERACTIVE", "PYTHONIOENCODING")
_PACKAGE = Path(__file__).resolve().parent.parent  # derive/


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def _derive_source() -> str:
    """derive's own source files: an edited checker or renderer is a different program."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _distributions() -> list[str]:
    """The names of the installed distributions with their versions (SymPy, mpmath, NumPy, rich...)."""
    found = []
    for key in ("purelib", "platlib"):
        folder = Path(sysconfig.get_paths()[key])
        try:
            found += [p for p in os.listdir(folder) if p.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
    return sorted(set(found))


def _pyprojects(cwd: Path) -> dict[str, str | None]:
    """``pyproject.toml`` in the current folder and every folder above it ([tool.derive] lives there)."""
    return {str(folder / "pyproject.toml"): _file_digest(folder / "pyproject.toml")
            for folder in (cwd, *cwd.parents)}


def _terminal() -> list:
    """What decides the bytes rich writes: is standard output a terminal, and how wide it is."""
    tty = sys.stdout.isatty()
    size = shutil.get_terminal_size() if tty else None
    return [tty, list(size) if size else None, sys.stdout.encoding]


def question(argv: list[str], cwd: Path) -> str:
    """The key of a run: everything that can change its output and is known before loading anything."""
    document = {
        "format": FORMAT,
        "argv": argv,
        "cwd": str(cwd),
        "python": sys.version,
        "environment": {name: os.environ.get(name) for name in _ENVIRONMENT},
        "terminal": _terminal(),
        "derive": _derive_source(),
        "distributions": _distributions(),
        "pyproject": _pyprojects(cwd),
    }
    return _digest(json.dumps(document, sort_keys=True).encode())


def _listing(folder: Path) -> list[str]:
    """The files under a proof folder that a run could read (new proof files and documents are seen)."""
    if not folder.is_dir():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.suffix in (".py", ".md", ".tex") and "__pycache__" not in p.parts)


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / FOLDER / f"{key}.json"


def replay(cache_dir: Path, key: str) -> tuple[str, str, int] | None:
    """The output and exit code recorded for ``key``, if everything the run read is unchanged."""
    try:
        entry = json.loads(_entry(cache_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    try:
        for name, digest in entry["files"].items():
            if _file_digest(Path(name)) != digest:
                return None
        for name, listing in entry["folders"].items():
            if _listing(Path(name)) != listing:
                return None
        return entry["stdout"], entry["stderr"], int(entry["exit_code"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def project_modules(before: set[str]) -> list[Path]:
    """The source files of modules imported since ``before`` that belong to the project.

    A proof may import helpers of its own course (``from common import ...``);
    those are read by the run as much as the proof file is.  Modules of the
    standard library, of installed distributions and of derive are left out:
    their versions are part of the key already.
    """
    skip = [Path(sysconfig.get_paths()[k]).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    skip.append(_PACKAGE)
    found = []
    for name in set(sys.modules) - before:
        file = getattr(sys.modules.get(name), "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        if path.suffix == ".py" and not any(path.is_relative_to(s) for s in skip):
            found.append(path)
    return sorted(found)


def record(cache_dir: Path, key: str, files: list[Path], folders: list[Path], stdout: str, stderr: str,
           exit_code: int) -> None:
    """Keep a run's output under ``key`` with the digests of what it read (written atomically)."""
    entry = {
        "format": FORMAT,
        "files": {str(p.resolve()): _file_digest(p) for p in sorted(set(files))},
        "folders": {str(p.resolve()): _listing(p) for p in sorted(set(folders))},
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": exit_code,
    }
    target = _entry(cache_dir, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(entry, sort_keys=True), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass  # a cache that cannot be written only makes the next run slower


class Tee:
    """A text stream that writes through to ``stream`` and keeps a copy of what was written."""

    def __init__(self, stream):
        self._stream = stream
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return self._stream.write(text)

    def text(self) -> str:
        return "".join(self._parts)

    def __getattr__(self, name):  # isatty, fileno, encoding, flush...: those of the stream
        return getattr(self._stream, name)


def settled(report) -> bool:
    """Whether every verdict of a checked report is settled: none ran out of time (UNKNOWN)."""
    from ..core.verdict import Verdict

    for proof in report.proofs:
        for case in proof.cases:
            outcomes = [s.outcome for s in case.steps] + ([case.derived.outcome] if case.derived else [])
            if any(o.verdict is Verdict.UNKNOWN for o in outcomes):
                return False
        for claim in proof.claims:
            for check in claim.checks:
                if any(o is not None and o.verdict is Verdict.UNKNOWN for o in (check.subject, check.outcome)):
                    return False
    return True
