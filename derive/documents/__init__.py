"""Reading derivations where authors write them: Markdown with LaTeX maths, and LaTeX documents.

A document is read into the same proof model a proof module builds
(:mod:`derive.model.proof`), so the checker, the reports and the renderers serve it
unchanged.  The pieces, in the order a document flows through them:
``extract`` and ``tex`` (where the maths is, as the ``events`` of a
document), ``layout`` (the rows of a display), ``declarations`` and ``names``
(what the names mean), ``structure`` (sections, cases, claims), ``syntax`` and
``maths.lark`` (the grammar of a row), ``reading`` (parse trees to SymPy, with
readings) and ``build`` (the proof, returned with the lines not read as a
``result``); ``importer`` writes what was read as a proof module.

Nothing here is imported by ``derive --help``: the loader imports this
package only when a document is among the targets.
"""

from __future__ import annotations

DOCUMENT_SUFFIXES = (".md", ".markdown", ".tex")

__all__ = ["DOCUMENT_SUFFIXES", "is_document"]


def is_document(name: str) -> bool:
    """Whether a file name is a document derive reads (a declarations sidecar is not)."""
    return name.endswith(DOCUMENT_SUFFIXES) and not name.endswith(".derive.yaml")


def has_declarations(path) -> bool:
    """Whether a document found in a proofs folder is meant for derive: it declares a ``derive:`` block
    (front matter or ``% derive:`` comment) or has a sidecar ``NAME.derive.yaml``."""
    from .declarations import sidecar_of

    if sidecar_of(path).is_file():
        return True
    try:
        head = path.read_text(encoding="utf-8")[:20000]
    except (OSError, UnicodeDecodeError):
        return True   # let the loader report it
    return any(line.strip() in ("derive:", "% derive:") for line in head.splitlines())


def load(path, display: str):
    """Read one document: ``(proof or None, [(where, message)], a LineSummary or None)``.

    A document that cannot be read at all gives one error and no proof; lines that could not be
    read give an error each (with a caret under the culprit) beside the proof, where they are
    ERROR steps.
    """
    from .build import read_document
    from .result import DocumentError

    try:
        result = read_document(path, display)
    except DocumentError as error:
        return None, [(error.where, error.message)], None
    errors = [(p.place, p.text()) for p in result.problems]
    return result.proof, errors, result.summary()
