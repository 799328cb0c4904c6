"""A Sphinx extension: the ``derivation`` directive places a checked derivation from ``proofs/`` into a page.

In ``conf.py``::

    extensions = ["myst_parser", "derive.sphinx_ext"]

and in a MyST page (or the same directive in reStructuredText)::

    ```{derivation} softmax-cross-entropy
    :cases: part-1-diagonal, part-1-off-diagonal
    ```

The proof is checked when the page is built (through ``.derive-cache/``, like ``derive check``) and
shown as the course notes show it (:mod:`derive.render.notes`, the chains of
:mod:`derive.render.markdown`): each case's assumptions, its chain of steps as one display of
MathJax/KaTeX-ready maths with each line's reason and verdict mark, its counterexamples, notes and
mechanical check; then the claims.  Every step, derived result, claim or numeric check that does not
meet its expectation is a Sphinx warning at the directive (``-W`` turns it into an error and fails the
build), naming the proof's file and line.

Settings (``conf.py``): ``derive_root`` the course repository, holding ``proofs/`` (default: the first
of the folder of ``conf.py`` and its parents that does); ``derive_budget`` (seconds per step, 5),
``derive_max_k`` (4), ``derive_accept`` ([]: only PROVED passes; ["verified", "numeric"] to accept
more), ``derive_cache`` (True), ``derive_numeric`` (False:
the numeric checks of the conclusions are left to ``derive check``).  Not a renderer of its own: the
maths comes from the one printer behind every output.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

__all__ = ["DerivationDirective", "DerivationStore", "setup"]

logger = logging.getLogger(__name__)


class DerivationStore:
    """The checked proofs of one build, so that a proof shown on several pages is checked once."""

    def __init__(self):
        self.reports: dict[tuple[str, str], tuple] = {}

    def clear(self, app=None) -> None:
        self.reports.clear()

    def checked(self, app, proof_id: str):
        """(report, load errors) of the proof ``proof_id`` under the course repository."""
        root = course_root(app)
        key = (str(root), proof_id)
        if key not in self.reports:
            self.reports[key] = _check(app, root, proof_id)
        return self.reports[key]


def course_root(app) -> Path:
    configured = app.config.derive_root
    confdir = Path(app.confdir)
    if configured:
        return (confdir / configured).resolve()
    for folder in (confdir, *confdir.parents):
        if (folder / "proofs").is_dir() or (folder / "pyproject.toml").is_file():
            return folder
    return confdir


def _check(app, root: Path, proof_id: str):
    from .engine.checking import checker_for
    from .engine.run import check_proof
    from .engine.settings import Settings
    from .io.loader import select
    from .model.report import Report

    loaded = select(root, [proof_id])
    proofs = [proof for proof, _ in loaded.proofs if proof.id == proof_id]
    if not proofs:
        return None, loaded.errors
    settings = Settings.from_sphinx(app.config, root)
    checked = check_proof(proofs[0], settings, checker_for(settings))
    return Report((checked,), (), settings.accepted), loaded.errors


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _inline(parts) -> list[nodes.Node]:
    """Sentence parts (``("text", words)``, ``("math", latex)``, ``("mark", Mark)``) as docutils nodes;
    a verdict's mark as maths, as the Markdown notes write it."""
    from .render.markdown import math_mark

    out = []
    for kind, value in parts:
        if kind == "mark":
            value = math_mark(value)
        out.append(nodes.Text(value) if kind == "text" else nodes.math(value, value))
    return out


def _paragraph(*parts, label: str = "", classes=()) -> nodes.paragraph:
    paragraph = nodes.paragraph(classes=list(classes))
    if label:
        paragraph += nodes.strong(label, label)
        paragraph += nodes.Text(" ")
    for group in parts:
        paragraph.extend(_inline(group))
    return paragraph


def _display(case) -> nodes.math_block:
    """The case's chain as one display, written as the Markdown notes write it (``aligned``)."""
    from .render.markdown import _chain

    lines = _chain(case)
    assert lines[0] == "$$" and lines[-1] == "$$", lines
    body = "\n".join(lines[1:-1])
    # no-wrap: the display is complete (an aligned block between \[ and \]), not split into equations
    block = nodes.math_block(body, "\\[" + body + "\\]", nowrap=True, number=None, classes=["derive-chain"])
    return block


class DerivationDirective(SphinxDirective):
    """``derivation PROOF-ID`` with the option ``:cases:`` (names, comma-separated; default all)."""

    required_arguments = 1
    optional_arguments = 0
    has_content = False
    option_spec = {"cases": directives.unchanged, "class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        from .render.github import failures
        from .render.marks import LEGEND, Mark
        from .render.notes import proof_view

        proof_id = self.arguments[0]
        store: DerivationStore = self.env.app.derive_store
        report, errors = store.checked(self.env.app, proof_id)
        location = self.get_location()
        for error in errors:
            logger.warning(f"derivation {proof_id!r}: {error.text()}", location=location, type="derive",
                           subtype="load")
        if report is None:
            logger.warning(f"derivation {proof_id!r}: no such proof under {course_root(self.env.app)} "
                           "(see derive list)", location=location, type="derive", subtype="load")
            return []
        for failure in failures(report):
            where = f" ({failure.origin})" if failure.origin else ""
            logger.warning(f"derivation {proof_id!r}{where}: " + failure.message.replace("\n", "; "),
                           location=location, type="derive", subtype="expectation")
        view = proof_view(report.proofs[0])
        wanted = _names(self.options.get("cases", ""))
        known = [c.case.name for c in view.cases]
        unknown = [name for name in wanted if name not in known]
        if unknown:
            logger.warning(f"derivation {proof_id!r}: no case {', '.join(map(repr, unknown))} "
                           f"(its cases: {', '.join(known)})", location=location, type="derive", subtype="option")
        container = nodes.container(classes=["derive-derivation", *self.options.get("class", [])])
        container["ids"].append(f"derivation-{proof_id}")
        container += _paragraph(view.claim, label="Claim.")
        container += _paragraph(view.source, label="Source.")
        for case in view.cases:
            if wanted and case.case.name not in wanted:
                continue
            section = nodes.container(classes=["derive-case"])
            section += nodes.rubric("", "", *_inline(case.heading))
            if case.source:
                section += _paragraph([("text", case.source)], label="Source:")
            assumptions = []
            for position, a in enumerate(case.assumptions):
                assumptions += ([("text", "; ")] if position else []) + list(a)
            section += _paragraph(assumptions, label="Assuming:")
            section += _display(case)
            for parts in case.counterexamples:
                section += _paragraph(parts, label="Counterexample.", classes=["derive-counterexample"])
            for label, parts in case.notes:
                section += _paragraph(parts, label=label)
            if case.derived is not None:
                section += _paragraph(case.derived, label="Check.")
            container += section
        if view.claims and not wanted:
            items = nodes.bullet_list()
            for claim in view.claims:
                item = nodes.list_item()
                item += _paragraph([("mark", claim.mark), ("text", " ")], claim.statement, [("text", ": ")],
                                   claim.reason)
                items += item
            container += nodes.rubric("", "The claims, case by case")
            container += items
        if view.numeric_note:
            container += _paragraph(view.numeric_note)
        legend = []
        for position, (verdict, words) in enumerate(LEGEND):
            legend += ([("text", "; ")] if position else []) + [("mark", Mark(verdict)), ("text", " " + words)]
        container += _paragraph(legend, label="Marks:", classes=["derive-legend"])
        return [container]


STATIC = Path(__file__).resolve().parent / "sphinx_static"


def _add_static(app) -> None:
    """The stylesheet of derivations (wide chains scroll), for the HTML builders."""
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC))
        app.add_css_file("derive.css")


def setup(app) -> dict:
    store = DerivationStore()
    app.derive_store = store
    app.add_config_value("derive_root", "", "env", types=frozenset({str}))
    app.add_config_value("derive_budget", 5.0, "env", types=frozenset({float, int}))
    app.add_config_value("derive_max_k", 4, "env", types=frozenset({int}))
    app.add_config_value("derive_accept", [], "env", types=frozenset({list, tuple}))
    app.add_config_value("derive_cache", True, "env", types=frozenset({bool}))
    app.add_config_value("derive_numeric", False, "env", types=frozenset({bool}))
    app.add_directive("derivation", DerivationDirective)
    app.connect("builder-inited", store.clear)
    app.connect("builder-inited", _add_static)
    from . import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
