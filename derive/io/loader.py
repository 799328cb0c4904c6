"""Finding and importing proof modules.

Like pytest, ``derive`` looks for ``proofs/`` under the current directory, or
for the paths listed under ``[tool.derive] proofs`` in ``pyproject.toml``.
Every module-level :class:`~derive.model.proof.Proof` of a module is collected, in
the order the module defines them.  A module that cannot be imported becomes
a :class:`~derive.model.report.LoadError` naming its file and line.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from .config import proof_folders
from ..core.context import IllFormed
from ..core.objects import BadArgument
from ..model.proof import ModelError, Proof
from ..model.report import LoadError

__all__ = ["Loaded", "proof_paths", "load_paths", "select"]


@dataclass(frozen=True)
class Loaded:
    proofs: tuple[tuple[Proof, str], ...]  # (proof, file)
    errors: tuple[LoadError, ...]
    documents: tuple[tuple[str, object], ...] = ()  # (file, how many equation lines were read) per document


def _is_document(path: Path) -> bool:
    from ..documents import is_document

    return is_document(path.name)


def proof_paths(root: Path) -> list[Path]:
    """The configured proof folders under ``root`` (default: ``proofs/``)."""
    return proof_folders(root)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _files(path: Path, errors: list[LoadError]) -> list[Path]:
    if not path.exists():
        errors.append(LoadError(_display(path), "no such file or directory"))
        return []
    if path.is_dir() and path.suffix == ".py":
        errors.append(LoadError(_display(path), "is a directory, not a proof file"))
        return []
    if path.is_dir():
        from ..documents import has_declarations

        found = sorted(p for p in path.rglob("*.py") if not p.name.startswith("_"))
        for p in found:
            if p.is_dir():
                errors.append(LoadError(_display(p), "is a directory, not a proof file"))
        # Documents in a proofs folder are read when they declare themselves for derive.
        documents = sorted(p for p in path.rglob("*") if p.is_file() and _is_document(p) and has_declarations(p))
        return sorted([p for p in found if p.is_file()] + documents)
    if _is_document(path):
        return [path]
    if path.suffix != ".py":
        errors.append(LoadError(_display(path), "not a Python file or a document (proof modules end in .py; "
                                "documents in .md or .tex)"))
        return []
    return [path]


def _where(error: BaseException, path: Path) -> str:
    """The deepest frame of the traceback that lies in the proof file, as file:line."""
    if isinstance(error, SyntaxError) and error.lineno:
        return f"{_display(path)}:{error.lineno}"
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return f"{_display(path)}:{line}" if line else _display(path)


def _import(path: Path):
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"derive_proofs_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_paths(paths: list[Path]) -> Loaded:
    errors: list[LoadError] = []
    found: list[tuple[Proof, str]] = []
    documents: list[tuple[str, object]] = []
    for path in paths:
        for file in _files(path, errors):
            if _is_document(file):
                from ..documents import load

                proof, problems, counts = load(file, _display(file))
                errors.extend(LoadError(where, message) for where, message in problems)
                if proof is not None:
                    found.append((proof, _display(file)))
                    documents.append((_display(file), counts))
                continue
            try:
                source = file.read_bytes()
                if b"\0" in source:
                    errors.append(LoadError(_display(file), "not a text file (it holds binary data)"))
                    continue
                try:
                    source.decode("utf-8")
                except UnicodeDecodeError as error:
                    line = source[:error.start].count(b"\n") + 1
                    errors.append(LoadError(f"{_display(file)}:{line}", "not a UTF-8 text file"))
                    continue
                module = _import(file)
            except SyntaxError as error:
                errors.append(LoadError(_where(error, file), f"syntax error: {error.msg}"))
                continue
            except (ModelError, IllFormed, BadArgument) as error:
                errors.append(LoadError(_where(error, file), str(error)))
                continue
            except Exception as error:  # a proof module is user code: any error becomes a one-line report
                message = " ".join(str(error).split())
                errors.append(LoadError(_where(error, file), f"{type(error).__name__}: {message}"))
                continue
            seen = set()
            for value in vars(module).values():
                if isinstance(value, Proof) and id(value) not in seen:
                    seen.add(id(value))
                    found.append((value, _display(file)))
    ids: dict[str, str] = {}
    unique = []
    for proof, file in found:
        if proof.id in ids:
            errors.append(LoadError(proof.origin or file,
                                    f"duplicate proof id {proof.id!r} (first defined in {ids[proof.id]})"))
            continue
        ids[proof.id] = proof.origin or file
        unique.append((proof, file))
    return Loaded(tuple(unique), tuple(errors), tuple(documents))


def select(root: Path, targets: list[str]) -> Loaded:
    """Load what the command line names: files or folders, proof ids, or by default ``proofs/``."""
    named = [t for t in targets if Path(t).exists() or t.endswith(".py") or "/" in t or _is_document(Path(t))]
    paths = [Path(t) for t in named]
    ids = [t for t in targets if t not in named]   # as written: Path("proofs/") prints as "proofs"
    if not paths:
        paths = proof_paths(root)
    loaded = load_paths(paths)
    if not ids:
        return loaded
    by_id = {proof.id: (proof, file) for proof, file in loaded.proofs}
    errors = list(loaded.errors)
    chosen = []
    for wanted in ids:
        if wanted in by_id:
            chosen.append(by_id[wanted])
        else:
            known = ", ".join(sorted(by_id)) or "none"
            errors.append(LoadError("", f"no proof with id {wanted!r} (known: {known})"))
    return Loaded(tuple(chosen), tuple(errors), loaded.documents)
