"""Compile a standalone LaTeX document to PDF with the TeX installed here (latexmk, else pdflatex)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PdfError", "tex_engine", "compile_pdf", "latex_problems"]


class PdfError(RuntimeError):
    """The PDF could not be made; the message is one line saying why."""


def tex_engine() -> str | None:
    """``"latexmk"`` or ``"pdflatex"``, whichever is installed (latexmk preferred), or ``None``."""
    for name in ("latexmk", "pdflatex"):
        if shutil.which(name):
            return name
    return None


_ERROR = re.compile(r"^(?:! (.*)|(.+?\.tex):(\d+): (.*))$")
_UNDEFINED = re.compile(r"(Undefined control sequence|Reference `[^']*' on page \d+ undefined|"
                        r"There were undefined references|Unicode character .* not set up)")


def latex_problems(log: str) -> list[str]:
    """Errors, undefined control sequences and undefined references in a LaTeX log, one line each."""
    problems = []
    for line in log.splitlines():
        match = _ERROR.match(line)
        if match:
            problems.append(match.group(1) or f"{match.group(2)}:{match.group(3)}: {match.group(4)}")
        elif _UNDEFINED.search(line):
            problems.append(line.strip())
    return problems


def _run(command: list[str], folder: Path, timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    try:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, errors="replace",
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PdfError(f"{command[0]} did not finish within {timeout:.0f} s") from None


def compile_pdf(tex: str, output: Path, *, engine: str | None = None, timeout: float = 120.0) -> str:
    """Compile ``tex`` into the PDF ``output``; returns the LaTeX log.

    Raises :class:`PdfError` when no TeX is installed, when LaTeX reports an
    error, or when the log shows an undefined control sequence or reference.
    """
    engine = engine or tex_engine()
    if engine is None:
        raise PdfError("no LaTeX here: --pdf needs latexmk or pdflatex (on Debian: apt-get install "
                       "texlive-latex-base texlive-latex-recommended latexmk)")
    with tempfile.TemporaryDirectory(prefix="derive-latex-") as scratch:
        folder = Path(scratch)
        (folder / "notes.tex").write_text(tex, encoding="utf-8")
        flags = ["-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
        if engine == "latexmk":
            runs = [["latexmk", "-pdf", "-silent", *(f"-pdflatex=pdflatex {' '.join(flags)} %O %S",),
                     "notes.tex"]]
        else:
            runs = [["pdflatex", *flags, "notes.tex"]] * 2  # twice, for references
        for command in runs:
            result = _run(command, folder, timeout)
            if result.returncode != 0:
                break
        log_file = folder / "notes.log"
        log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else result.stdout
        problems = latex_problems(log)
        if result.returncode != 0 or problems or not (folder / "notes.pdf").exists():
            first = problems[0] if problems else (result.stderr.strip().splitlines() or ["no PDF written"])[-1]
            raise PdfError(f"{engine} failed: {first}")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "notes.pdf", output)
        return log
