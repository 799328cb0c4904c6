"""The bundled steps decided the way a notebook would: ``sympy.simplify(lhs - rhs) == 0``, symbolic k.

For every step of every bundled case, the step before it and the step are written in plain
SymPy (the case's definitions substituted, softmax, log-softmax, cross-entropy and sums that
skip an index unfolded into exponentials and sums, its index equalities applied, derivatives
evaluated with ``doit``) and ``sympy.simplify`` is asked for their difference, within a time
budget per step. A step is *decided* when the difference simplifies to 0; nothing else can be
concluded (a nonzero result may still be 0).

Beside it, `derive check --no-cache --no-numeric` of the same proofs is timed in a fresh
process, so that the two can be compared: seconds, and steps decided.

    .venv/bin/python bench/naive.py [--budget SECONDS] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from speed import ROOT, run


def plain(expr, ctx):
    """``expr`` in plain SymPy: definitions substituted, the vocabulary unfolded, index equalities applied."""
    import sympy as sp

    from derive.core.objects import CrossEntropy, LogSoftmax, Softmax, SumExcept

    vocabulary = (Softmax, LogSoftmax, CrossEntropy, SumExcept)
    for _ in range(20):   # definitions may use one another; each pass unfolds one level
        before = expr
        expr = expr.xreplace(ctx.substitution)
        for d in ctx.definitions:
            if isinstance(d.name, sp.IndexedBase):
                expr = expr.replace(lambda e, d=d: isinstance(e, sp.Indexed) and e.base == d.name,
                                    lambda e, d=d: d.entry(e.indices[0]))
            else:
                expr = expr.xreplace({d.name: d.body})
        expr = expr.replace(lambda e: isinstance(e, vocabulary), lambda e: e.unfold())
        if expr == before:
            break
    return expr


def decide(left, right, ctx, seconds: float) -> str:
    """'decided', 'not decided' or 'out of time' for simplify(left - right) == 0."""
    from derive.core.checker import OutOfTime, budget

    try:
        with budget(seconds):
            difference = plain(left, ctx).doit() - plain(right, ctx).doit()
            return "decided" if difference.simplify() == 0 else "not decided"
    except OutOfTime:
        return "out of time"
    except Exception:  # SymPy failing on an input decides nothing
        return "not decided"


def naive(seconds: float) -> tuple[float, dict[str, int]]:
    from derive.core.context import as_expression
    from derive.io.loader import load_paths

    loaded = load_paths([ROOT / "proofs"])
    counts = {"decided": 0, "not decided": 0, "out of time": 0}
    started = time.perf_counter()
    for proof, _ in loaded.proofs:
        for case in proof.cases:
            ctx = case.context()
            previous = as_expression(case.start)
            for s in case.steps:
                expr = as_expression(s.expr)
                counts[decide(previous, expr, ctx, seconds)] += 1
                previous = expr
    return time.perf_counter() - started, counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per step for simplify (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="runs of derive check (default 3)")
    args = parser.parse_args(argv)

    seconds, counts = naive(args.budget)
    total = sum(counts.values())
    print(f"sympy.simplify(lhs - rhs), symbolic k: {seconds:.2f} s for {total} steps: {counts['decided']} "
          f"decided, {counts['not decided']} not, {counts['out of time']} out of time ({args.budget:g} s each)")
    walls, report = [], None
    for _ in range(args.runs):
        wall, _, result = run(["check", "--json", "--no-progress", "--no-cache", "--no-numeric"], ROOT)
        walls.append(wall)
        report = json.loads(result.stdout)
    verdicts = [s["verdict"] for p in report["proofs"] for c in p["cases"] for s in c["steps"]]
    proved = sum(v == "PROVED" for v in verdicts)
    refuted = sum(v == "REFUTED" for v in verdicts)
    median = statistics.median(walls)
    print(f"derive check --no-cache --no-numeric: median {median:.2f} s of {args.runs} (whole process) for "
          f"{len(verdicts)} steps: {proved} PROVED, {refuted} REFUTED (errata), "
          f"{len(verdicts) - proved - refuted} other")
    print(f"simplify / derive: {seconds / median:.1f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
