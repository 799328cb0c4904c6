"""Where a project keeps its proofs: ``[tool.derive] proofs`` in ``pyproject.toml``, or ``proofs/``.

Read without SymPy, so that the pytest plugin can decide cheaply which files
are proofs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["DEFAULT_FOLDERS", "proof_folders"]

DEFAULT_FOLDERS = ("proofs",)


def proof_folders(root: Path) -> list[Path]:
    """The configured proof folders under ``root`` (default: ``proofs/``)."""
    config = root / "pyproject.toml"
    folders = list(DEFAULT_FOLDERS)
    if config.is_file():
        try:
            settings = tomllib.loads(config.read_text(encoding="utf-8")).get("tool", {}).get("derive", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            settings = {}
        configured = settings.get("proofs")
        if isinstance(configured, str):
            folders = [configured]
        elif isinstance(configured, list) and all(isinstance(f, str) for f in configured):
            folders = configured
    return [root / folder for folder in folders]
