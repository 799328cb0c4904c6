"""The ``derive`` command line: parse the arguments, resolve them into one
:class:`~derive.engine.settings.Settings`, and hand both to the command in :mod:`derive.commands`.

Only parsing lives here; what each command does (load, check, render) is :mod:`derive.commands`.
SymPy is imported only when a command needs it, so that ``derive --help`` is instant.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .commands import (USAGE_ERROR, check_command, fail, import_command, latex_command, list_command,
                       mutate_command, numeric_command, show_command)
from .core.defaults import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES
from .io.config import class_count
from .numeric.rows import NumericSettings

# The commands that check, and so need Settings; the others take only their arguments.
CHECKING = {"check": check_command, "show": show_command, "latex": latex_command, "numeric": numeric_command,
            "mutate": mutate_command}
OTHERS = {"list": list_command, "import": import_command}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="derive",
        description="Check hand-written derivations step by step, for any number of classes.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check proofs (default: the proofs/ folder)")
    _targets(check)
    check.add_argument("--json", action="store_true", help="print one JSON document instead of tables "
                       "(the same as --format json)")
    check.add_argument("--format", choices=("table", "json", "github"), default=None,
                       help="table (default), json, or github: GitHub Actions ::error annotations on the lines "
                       "of the steps that fail")
    _checking(check)
    _accepting(check)
    check.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="check in N worker processes (default 1); the report is the same")
    _numeric_summary(check)

    numeric = commands.add_parser("numeric", help="check the proofs' conclusions numerically, k = 2 to 2^20")
    _targets(numeric)
    numeric.set_defaults(targets_after_k=[])
    numeric.add_argument("--seed", type=int, default=None,
                         help=f"seed of the random inputs (default {NumericSettings.seed})")
    numeric.add_argument("--k", dest="classes", nargs="+", action=_CountsThenTargets, metavar="K",
                         help="numbers of classes (default 2 3 10 1000 2^20); 2^20 may be written so; "
                         "proof files or ids after them are targets")
    numeric.add_argument("--json", action="store_true", help="print one JSON document instead of tables")

    mutate = commands.add_parser("mutate", help="check deliberately wrong variants of every step (mutation testing)")
    _targets(mutate)
    mutate.add_argument("--json", action="store_true", help="print the counts as one JSON document")
    _checking(mutate, what="one mutant's check")
    mutate.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="check the mutants in N worker processes (default 1); the counts are the same")

    importing = commands.add_parser("import", help="write a document's derivation (.md, .tex) as a proof module")
    importing.add_argument("document", metavar="DOCUMENT", help="a Markdown or LaTeX document")
    importing.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")

    listing = commands.add_parser("list", help="list the proofs found")
    _targets(listing)

    show = commands.add_parser("show", help="print one proof in full")
    show.add_argument("proof", metavar="PROOF", help="a proof id (see derive list)")
    show.add_argument("--from", dest="targets", nargs="*", default=[], metavar="FILE",
                      help="where to look (default: proofs/)")
    show.add_argument("--trace", nargs="*", metavar="CASE[:STEP]",
                      help="check the proof and explain each verdict: the rules applied and the normal forms they "
                      "gave, or the instances tried and the counterexample (all steps, or the cases and steps named)")
    _checking(show, cache=False)

    notes = commands.add_parser("latex", help="write the proofs as course notes: LaTeX, a fragment, Markdown or PDF")
    _targets(notes)
    notes.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output; "
                       "with --pdf, derive.pdf)")
    form = notes.add_mutually_exclusive_group()
    form.add_argument("--fragment", action="store_true", help="only the body, to \\input into existing notes")
    form.add_argument("--preamble", action="store_true", help="print the preamble a fragment needs, and stop")
    form.add_argument("--markdown", action="store_true", help="Markdown with $$ display blocks (MathJax, KaTeX)")
    form.add_argument("--pdf", action="store_true", help="compile the standalone document with latexmk or pdflatex")
    _checking(notes)
    _accepting(notes)
    _numeric_summary(notes)
    for command in commands.choices.values():
        _common(command)
    return parser


def _accepting(parser) -> None:
    """Which verdicts besides PROVED pass for a step that should hold (default: [tool.derive] accept, or none)."""
    parser.add_argument("--accept", action="append", metavar="VERDICTS",
                        help="also pass steps, results and claims that are only VERIFIED (exact for k = 2..K) "
                             "or NUMERIC: --accept verified,numeric (default: [tool.derive] accept in "
                             "pyproject.toml, else none: only PROVED passes)")
    parser.add_argument("--strict", action="store_true", help="deprecated, the default: the same as --accept none")


def _common(parser) -> None:
    """The options every subcommand accepts, so that a script or CI job can pass them to any of them."""
    parser.add_argument("--no-progress", action="store_true",
                        help="show no progress bar (on a terminal) or progress lines (elsewhere) on stderr")
    parser.add_argument("--no-color", action="store_true",
                        help="no colours (also when the environment variable NO_COLOR is set)")


def _targets(parser) -> None:
    parser.add_argument("targets", nargs="*", metavar="FILE_OR_PROOF",
                        help="proof files, folders or proof ids (default: proofs/ under the current directory)")


def _checking(parser, what: str = "one step", cache: bool = True) -> None:
    """The options of the step checker: its time budget and instances, and the result cache."""
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help=f"time budget of {what} (default {DEFAULT_BUDGET:g})")
    parser.add_argument("--max-k", type=int, default=None, metavar="K",
                        help=f"largest number of classes for instance checks (default {DEFAULT_MAX_CLASSES})")
    if cache:
        parser.add_argument("--no-cache", action="store_true",
                            help="check every step afresh, neither reading nor writing .derive-cache/")


def _numeric_summary(parser) -> None:
    parser.add_argument("--no-numeric", action="store_true",
                        help="leave out the numeric checks of the proofs' conclusions")
    parser.add_argument("--seed", type=int, default=None,
                        help=f"seed of the numeric checks (default {NumericSettings.seed})")


def _class_count(text: str) -> int:
    """An integer, or a power written ``2^20`` / ``2**20`` (no text is evaluated)."""
    try:
        return class_count(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _looks_like_count(text: str) -> bool:
    """Whether ``text`` was meant as a number of classes (it starts with a digit), right or wrong."""
    return bool(re.match(r"\s*[-+]?\d", text))


class _CountsThenTargets(argparse.Action):
    """``--k``: the numbers of classes, then any targets after them.

    ``--k`` takes every word after it (``nargs="+"``), so ``derive numeric --k 2 3 proofs/x.py`` gives it
    the file too.  A word that is not a number of classes is a target (a file, a folder or a proof id), kept
    in ``targets_after_k`` for :func:`main` to add to the targets; :func:`derive.commands.numeric_command`
    refuses one that names nothing.  A word that starts with a digit is meant as a number of classes, and
    is refused here when it is not one.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        counts, targets = [], []
        for text in values:
            try:
                counts.append(_class_count(text))
            except argparse.ArgumentTypeError as error:
                if _looks_like_count(text) and not Path(text).exists():
                    parser.error(f"argument {option_string}: {error}")
                targets.append(text)
        if not counts:
            parser.error(f"argument {option_string}: expected at least one number of classes "
                         f"(write e.g. --k 2 1000 2^20)")
        setattr(namespace, self.dest, counts)
        namespace.targets_after_k = [*getattr(namespace, "targets_after_k", []), *targets]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return USAGE_ERROR
    if args.command == "numeric":
        args.targets = [*args.targets, *args.targets_after_k]
    settings = None
    if args.command in CHECKING:
        from .engine.settings import Settings, SettingsError

        try:
            settings = Settings.from_cli(args, Path.cwd())
        except SettingsError as error:
            return fail(str(error))
        if getattr(args, "strict", False):
            print("derive: --strict is deprecated: only PROVED passes by default; it is the same as --accept none",
                  file=sys.stderr)
    try:
        if settings is None:
            return OTHERS[args.command](args)
        return CHECKING[args.command](args, settings)
    except KeyboardInterrupt:
        return fail("interrupted")

if __name__ == "__main__":
    sys.exit(main())
