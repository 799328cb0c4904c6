"""Write the reference outputs that tests/test_golden.py compares with.

Run it only when an output is meant to change, and say why in the commit:
    python tests/golden/generate.py
The files were first written before the package was reorganised, so that the reorganisation could
be shown to change no byte of what users see.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# What is compared, and the command that writes it (run from a scratch folder holding a copy of proofs/).
OUTPUTS = {
    "check.json": ["check", "--json", "--no-numeric"],
    "notes.tex": ["latex", "--no-numeric"],
    "notes.md": ["latex", "--markdown", "--no-numeric"],
    "numeric.json": ["numeric", "--json", "--k", "2"],
}

# The one field that varies between runs (docs/json-schema.md).
_SECONDS = re.compile(r'"seconds": [0-9.e+-]+')


def normalised(text: str) -> str:
    return _SECONDS.sub('"seconds": 0', text)


def outputs() -> dict[str, str]:
    """Each output of OUTPUTS, produced afresh in a scratch copy of the bundled proofs."""
    from derive.cli import main

    produced = {}
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(ROOT / "proofs", Path(scratch) / "proofs")
        previous = Path.cwd()
        os.chdir(scratch)
        try:
            for name, argv in OUTPUTS.items():
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    code = main([*argv, "--no-progress", "--no-color"])
                assert code == 0, f"derive {' '.join(argv)} exited with {code}"
                produced[name] = normalised(buffer.getvalue())
        finally:
            os.chdir(previous)
    return produced


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for name, text in outputs().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/golden/{name} ({len(text)} characters)")
