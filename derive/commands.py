"""What each ``derive`` command does, once :mod:`derive.cli` has parsed its arguments into a
:class:`~derive.engine.settings.Settings`: load the proofs, ask the engine, hand the results to a renderer,
and answer with an exit code (0 passed, 1 failed, 2 a usage or input error).

Not the place for parsing options (that is :mod:`derive.cli`), for checking (the engine) or for
formatting (the renderers).  SymPy and the rest are imported inside each command, so that
``derive --help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["USAGE_ERROR", "fail", "check_command", "numeric_command", "mutate_command", "latex_command",
           "show_command", "list_command", "import_command"]

USAGE_ERROR = 2


def fail(message: str) -> int:
    """Print ``derive: message`` on stderr and answer with the exit code of a usage error."""
    print(f"derive: {message}", file=sys.stderr)
    return USAGE_ERROR


def _console(args):
    """The console of the report: colours off with --no-color or NO_COLOR, the width of the terminal (or COLUMNS)."""
    from rich.console import Console

    return Console(no_color=True if args.no_color else None, markup=False)  # user text is never markup


def _load(targets):
    from .io.loader import select

    loaded = select(Path.cwd(), list(targets))
    for error in loaded.errors:
        print(f"derive: {error.text()}", file=sys.stderr)
    return loaded


def check_command(args, settings) -> int:
    """``derive check``: check the proofs and print the report (a table, JSON or GitHub annotations); a warm
    run with nothing changed is replayed."""
    if args.format is not None:
        if args.json and args.format != "json":
            return fail(f"--json and --format {args.format} ask for two formats: give one")
        args.json = args.format == "json"
    warm = None if settings.cache is None else _warm_key(args, settings)
    if warm is not None:
        from .cache import runs

        replayed = runs.replay(settings.cache, warm)
        if replayed is not None:
            stdout, stderr, code = replayed
            sys.stdout.write(stdout)
            sys.stderr.write(stderr)
            return code
        before = set(sys.modules)
    from .engine.checking import checker_for
    from .engine.parallel import check_proofs
    from .model.report import Report
    from .render.progress import progress_for

    loaded = _load(args.targets)
    if not loaded.proofs and not loaded.errors:
        return fail("no proofs found (looked in proofs/ under the current directory)")
    if not loaded.proofs and args.format == "github":
        from .render.github import render_github

        sys.stdout.write(render_github(Report((), loaded.errors)))
        return USAGE_ERROR
    if not loaded.proofs and not args.json:
        return USAGE_ERROR   # nothing loaded: the errors above are the whole answer
    checker = checker_for(settings)
    progress = progress_for(enabled=not args.no_progress)
    checked = check_proofs([proof for proof, _ in loaded.proofs], settings, checker, progress=progress)
    report = Report(checked, loaded.errors, settings.accepted)
    from .cache.runs import Tee

    out, err = Tee(sys.stdout), Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        _print_check(args, loaded, report)
    finally:
        sys.stdout, sys.stderr = out._stream, err._stream
    _cache_warnings(checker)
    if warm is not None and not loaded.errors and not checker.warnings:
        _record_warm(args, settings.cache, warm, loaded, report, before, out.text(), err.text())
    return report.exit_code


def _print_check(args, loaded, report) -> None:
    """What ``derive check`` prints of a checked report (recorded as it is for the warm path)."""
    from .render.json import render_json
    from .render.terminal import render_report

    if args.json:
        sys.stdout.write(render_json(report))
    elif args.format == "github":
        from .render.github import render_github

        sys.stdout.write(render_github(report))
    else:
        render_report(report, _console(args))
    _document_lines(loaded, sys.stderr if args.json else sys.stdout)
    for line in report.ill_formed():
        print(f"derive: {line}", file=sys.stderr)
    _not_accepted(report)


def _warm_key(args, settings) -> str:
    """The key of this run of ``derive check`` for :mod:`derive.cache.runs`: its settings (not how many
    jobs: they do not change the output), what it prints and of what, and what is known before loading."""
    from dataclasses import replace

    from .cache.runs import question

    shown = {name: getattr(args, name) for name in ("targets", "json", "format", "no_color")}
    return question([repr(replace(settings, jobs=1)), repr(sorted(shown.items()))], Path.cwd())


def _record_warm(args, cache_dir, key, loaded, report, before, stdout, stderr) -> None:
    """Keep this run's output for the next identical run, with the digests of every file it read."""
    from .cache import runs
    from .io.loader import proof_paths

    if not runs.settled(report):
        return
    named = [Path(t) for t in args.targets if Path(t).exists()]
    folders = [p for p in named if p.is_dir()] or ([] if named else proof_paths(Path.cwd()))
    files = [Path(file) for _, file in loaded.proofs] + [p for p in named if p.is_file()]
    files += runs.project_modules(before)
    runs.record(cache_dir, key, files, folders, stdout, stderr, report.exit_code)


def _cache_warnings(checker) -> None:
    for line in checker.warnings:
        print(f"derive: warning: {line}", file=sys.stderr)


def _not_accepted(report) -> None:
    """One line on stderr when checks fail only for not being proved for every k, naming the option."""
    verdicts = report.not_accepted()
    if verdicts:
        names = ",".join(v.value.lower() for v in verdicts)
        print(f"derive: {report.not_accepted_count()} checks are not proved for every k "
              f"({' or '.join(v.value for v in verdicts)}) and fail the run; --accept {names} or "
              f"[tool.derive] accept = [...] accepts them", file=sys.stderr)


def _document_lines(loaded, stream) -> None:
    """One line per document read: how many of its equation lines were read (and which were skipped)."""
    for file, summary in loaded.documents:
        print(summary.text(file), file=stream)


def import_command(args) -> int:
    """``derive import``: write a document's derivation as a proof module."""
    from .documents import is_document

    path = Path(args.document)
    if not path.is_file():
        return fail(f"{args.document}: no such file")
    if not is_document(path.name):
        return fail(f"{args.document}: not a document (derive import reads .md and .tex files)")
    from .documents.importer import ImportError_, import_document

    try:
        text, problems = import_document(path, args.document)
    except ImportError_ as error:
        return fail(str(error))
    for where, message in problems:
        print(f"derive: {where}: {message}", file=sys.stderr)
    status = _write(text, args.output)
    if status == 0 and args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return status or (USAGE_ERROR if problems else 0)


def numeric_command(args, settings) -> int:
    """``derive numeric``: the numeric checks of the proofs' conclusions, as tables or JSON."""
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .numeric.check import NumericError, check_conclusions, plan
    from .render.numeric_table import numeric_table, row_data

    loaded = _load(args.targets)
    if not loaded.proofs and not loaded.errors:
        return fail("no proofs found (looked in proofs/ under the current directory)")
    found = {proof.id for proof, _ in loaded.proofs}
    for target in getattr(args, "targets_after_k", ()):
        if not Path(target).exists() and target not in found:
            return fail(f"--k {target!r}: neither a number of classes (write e.g. 1000 or 2^20) nor a proof "
                        f"file or id")
    settings = settings.numeric
    proofs = [proof for proof, _ in loaded.proofs]
    try:
        total = sum(plan(p.conclusions, settings) for p in proofs)
    except NumericError as error:
        return fail(str(error))
    console = Console(stderr=True)
    results = []
    with Progress(TextColumn("numeric checks"), BarColumn(), MofNCompleteColumn(), TextColumn("k = {task.fields[k]}"),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=args.json or args.no_progress or not console.is_terminal) as progress:
        task = progress.add_task("numeric", total=total, k="")
        for proof in proofs:
            try:
                rows = check_conclusions(proof.conclusions, settings,
                                         lambda k: progress.update(task, advance=1, k=k))
            except NumericError as error:
                return fail(f"proof {proof.id!r}: {error}")
            results.append((proof, rows))
    failed = sum(not r.passed for _, rows in results for r in rows)
    code = 2 if loaded.errors else (1 if failed else 0)
    if args.json:
        data = {
            "schema_version": 1,
            "seed": settings.seed,
            "classes": list(settings.classes),
            "proofs": [{"id": p.id, "rows": [row_data(r) for r in rows]} for p, rows in results],
            "summary": {"checks": sum(len(rows) for _, rows in results), "failed": failed, "exit_code": code},
        }
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return code
    out = _console(args)
    for proof, rows in results:
        if rows:
            out.print(numeric_table(rows, f"{proof.title}  [{proof.id}]"))
        else:
            out.print(f"{proof.title}  [{proof.id}]: no conclusions declared", markup=False)
    checks = sum(len(rows) for _, rows in results)
    out.print(f"{checks} numeric checks (seed {settings.seed}): "
              + ("all within tolerance" if not failed else f"{failed} FAILED"))
    return code


def mutate_command(args, settings) -> int:
    """``derive mutate``: check deliberately wrong variants of every step and count what became of them."""
    from .engine.checking import checker_for
    from .engine.mutate import mutate_proofs
    from .model.mutation import totals
    from .render.mutation_table import render_mutation, render_mutation_json

    loaded = _load(args.targets)
    if not loaded.proofs and not loaded.errors:
        return fail("no proofs found (looked in proofs/ under the current directory)")
    checker = checker_for(settings)
    mutations = mutate_proofs([proof for proof, _ in loaded.proofs], seconds=settings.seconds,
                              max_classes=settings.max_classes, checker=checker, jobs=settings.jobs)
    _cache_warnings(checker)
    if args.json:
        sys.stdout.write(render_mutation_json(mutations))
    else:
        render_mutation(mutations, _console(args))
    if loaded.errors:
        return USAGE_ERROR
    return 1 if totals(mutations)["survivors"] else 0


def list_command(args) -> int:
    """``derive list``: the proofs found."""
    from .render.terminal import render_proof_listing

    loaded = _load(args.targets)
    render_proof_listing(loaded.proofs, _console(args))
    return USAGE_ERROR if loaded.errors else 0


def show_command(args, settings) -> int:
    """``derive show``: one proof in full, or with ``--trace`` how each verdict was reached."""
    from .render.terminal import render_proof

    loaded = _load(list(args.targets) + [args.proof])
    if loaded.errors:
        return USAGE_ERROR
    console = _console(args)
    if args.trace is not None:
        from .engine.explain import ExplainError, explain_proof

        try:
            for proof, _ in loaded.proofs:
                explain_proof(proof, console, args.trace, seconds=settings.seconds, max_classes=settings.max_classes)
        except ExplainError as error:
            return fail(str(error))
        return 0
    for proof, _ in loaded.proofs:
        render_proof(proof, console)
    return 0


def latex_command(args, settings) -> int:
    """``derive latex``: the checked proofs as a LaTeX document, a fragment, Markdown or a PDF."""
    if args.preamble:
        from .render.preamble import PREAMBLE

        return _write(PREAMBLE, args.output)
    from .engine.checking import checker_for
    from .engine.run import check_proof
    from .model.report import Report

    loaded = _load(args.targets)
    if not loaded.proofs:
        return USAGE_ERROR if loaded.errors else fail("no proofs found (looked in proofs/ under the current "
                                                       "directory)")
    checker = checker_for(settings)
    report = Report(tuple(check_proof(proof, settings, checker) for proof, _ in loaded.proofs), loaded.errors,
                    settings.accepted)
    for line in report.ill_formed():
        print(f"derive: {line}", file=sys.stderr)
    _cache_warnings(checker)
    if args.markdown:
        from .render.markdown import render_markdown

        status = _write(render_markdown(report), args.output)
    elif args.pdf:
        from .render.document import render_latex
        from .render.pdf import PdfError, compile_pdf

        output = Path(args.output or "derive.pdf")
        try:
            compile_pdf(render_latex(report), output)
        except PdfError as error:
            return fail(str(error))
        except OSError as error:
            return fail(f"{output}: {error.strerror or error}")
        print(f"wrote {output}", file=sys.stderr)
        status = 0
    else:
        from .render.document import render_latex

        status = _write(render_latex(report, fragment=args.fragment), args.output)
    return status or (USAGE_ERROR if loaded.errors else 0)


def _write(text: str, output: str | None) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        return fail(f"{output}: {error.strerror or error}")
    return 0
