"""A cold `derive check` of the bundled proofs, this checkout against another one, runs interleaved.

Each run is `derive check --json --no-progress --no-cache` (numeric checks included unless
`--no-numeric`) in a fresh process, from a scratch copy of this checkout's proofs, with
PYTHONPATH pointing at one checkout or the other; the two alternate, so that other work on the
machine disturbs both alike. Prints the median, fastest and slowest wall-clock seconds and the
median CPU seconds of each, their ratio, and whether the two reports are the same apart from
timings (and, with numeric checks, whether the numeric rows are identical).

    git worktree add --detach /tmp/base <commit>
    .venv/bin/python bench/compare.py /tmp/base [--runs N] [--no-numeric]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from speed import ROOT, run, without_seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (its derive package is used)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--no-numeric", action="store_true", help="leave the numeric checks out")
    args = parser.parse_args(argv)

    command = ["check", "--json", "--no-progress", "--no-cache"] + (["--no-numeric"] if args.no_numeric else [])
    trees = {"this checkout": ROOT, str(args.other): args.other.resolve()}
    wall = {name: [] for name in trees}
    cpu = {name: [] for name in trees}
    reports = {}
    with tempfile.TemporaryDirectory(prefix="derive-compare-") as scratch:
        work = Path(scratch)
        shutil.copytree(ROOT / "proofs", work / "proofs", ignore=shutil.ignore_patterns("__pycache__"))
        saved = os.environ.get("PYTHONPATH")
        try:
            for _ in range(args.runs):
                for name, tree in trees.items():
                    os.environ["PYTHONPATH"] = str(tree)
                    seconds, used, result = run(command, work)
                    wall[name].append(seconds)
                    cpu[name].append(used)
                    reports[name] = result
        finally:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved

    print(f"derive {' '.join(command)} on the bundled proofs, {args.runs} runs each, interleaved (seconds)")
    print(f"{'checkout':<28}{'median':>8}{'fastest':>9}{'slowest':>9}{'cpu median':>12}")
    for name in trees:
        print(f"{name:<28}{statistics.median(wall[name]):>8.3f}{min(wall[name]):>9.3f}{max(wall[name]):>9.3f}"
              f"{statistics.median(cpu[name]):>12.3f}")
    this, other = trees
    print(f"this / other: {statistics.median(wall[this]) / statistics.median(wall[other]):.2f} (wall), "
          f"{statistics.median(cpu[this]) / statistics.median(cpu[other]):.2f} (cpu)")
    new, old = (json.loads(reports[name].stdout) for name in trees)
    same = without_seconds(new) == without_seconds(old)
    print(f"reports: {'the same' if same else 'DIFFERENT'} apart from timings")
    if not args.no_numeric:
        rows = [[p.get("numeric") for p in report["proofs"]] for report in (new, old)]
        print(f"numeric rows: {'identical' if rows[0] == rows[1] else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
