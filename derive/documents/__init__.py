"""Reading derivations where authors write them: Markdown with LaTeX maths, and LaTeX documents.

A document is read into the same proof model a proof module builds
(:mod:`derive.model`), so the checker, the reports and the renderers serve it
unchanged.  The pieces, in the order a document flows through them:
``extract`` (where the maths is), ``declarations`` (what the names mean),
``structure`` (sections, cases, claims), ``syntax`` and ``maths.lark`` (the
grammar of a row), ``reading`` (parse trees to SymPy, with readings) and
``build`` (the proof); ``importer`` writes what was read as a proof module.

Nothing here is imported by ``derive --help``: the loader imports this
package only when a document is among the targets.
"""

from __future__ import annotations

DOCUMENT_SUFFIXES = (".md", ".markdown", ".tex")

__all__ = ["DOCUMENT_SUFFIXES", "is_document"]


def is_document(name: str) -> bool:
    """Whether a file name is a document derive reads (a declarations sidecar is not)."""
    return name.endswith(DOCUMENT_SUFFIXES) and not name.endswith(".derive.yaml")
