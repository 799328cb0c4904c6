"""How `derive check` grows with the number of proofs: 1, 4, 16, 64 copies of one proof.

Each copy is the proof of "Math - derivative combining Softmax and Cross-Entropy Loss"
(`proofs/softmax_cross_entropy.py`) with its own id and its own name for the number of classes
(N1, N2, ...), so that every copy is new work: no copy is answered from the cache, nor from the
memory of the process, by an earlier identical one. For each number of copies, in a scratch
folder, the runs are interleaved:

* cold: `derive check --no-cache` (every step worked out);
* cold, -j 2: the same with two worker processes;
* warm: `derive check` again after a run that filled the cache (nothing changed).

The script prints the median, fastest and slowest wall-clock seconds and the median CPU seconds
of each, and the cost per added proof (the slope between the fewest and the most copies).
Numeric checks are left out unless `--numeric` is given (they are timed by bench/numeric.py and,
for the bundled proofs, by bench/speed.py).

    .venv/bin/python bench/scaling.py [--runs N] [--copies 1 4 16 64] [--jobs 2] [--numeric]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from speed import ROOT, run

PROOF = ROOT / "proofs" / "softmax_cross_entropy.py"


def copies(folder: Path, count: int) -> None:
    """``count`` renamed copies of the proof in ``folder/proofs``."""
    text = PROOF.read_text(encoding="utf-8")
    proofs = folder / "proofs"
    proofs.mkdir(parents=True)
    for n in range(1, count + 1):
        renamed = text.replace('id="softmax-cross-entropy"', f'id="softmax-cross-entropy-{n}"')
        renamed = re.sub(r'classes\("N"\)', f'classes("N{n}")', renamed)
        if renamed.count(f"-{n}\"") != 1 or f'classes("N{n}")' not in renamed:
            raise SystemExit(f"{PROOF} no longer has the id and the classes('N') this benchmark renames")
        (proofs / f"copy_{n:03d}.py").write_text(renamed, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 4, 16, 64], help="numbers of copies")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the parallel run (default 2)")
    parser.add_argument("--numeric", action="store_true", help="include the numeric checks of the conclusions")
    args = parser.parse_args(argv)

    base = ["check", "--json", "--no-progress"] + ([] if args.numeric else ["--no-numeric"])
    kinds = {"cold": base + ["--no-cache"], f"cold, -j {args.jobs}": base + ["--no-cache", "-j", str(args.jobs)],
             "warm": base}
    print(f"copies of {PROOF.relative_to(ROOT)}; {args.runs} runs each, interleaved; seconds "
          f"(cpu = user + system of the process and its workers); numeric checks "
          f"{'included' if args.numeric else 'left out'}")
    print(f"{'copies':>6}  {'run':<12}{'median':>9}{'fastest':>9}{'slowest':>9}{'cpu median':>12}  exit")
    medians: dict[str, dict[int, float]] = {kind: {} for kind in kinds}
    for count in args.copies:
        with tempfile.TemporaryDirectory(prefix="derive-scaling-") as scratch:
            work = Path(scratch)
            copies(work, count)
            wall: dict[str, list[float]] = {kind: [] for kind in kinds}
            cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
            codes: dict[str, set[int]] = {kind: set() for kind in kinds}
            for _ in range(args.runs):
                for kind, command in kinds.items():
                    if kind == "warm":
                        shutil.rmtree(work / ".derive-cache", ignore_errors=True)
                        run(command, work)   # fills the cache
                    seconds, used, result = run(command, work)
                    wall[kind].append(seconds)
                    cpu[kind].append(used)
                    codes[kind].add(result.returncode)
            for kind in kinds:
                medians[kind][count] = statistics.median(wall[kind])
                print(f"{count:>6}  {kind:<12}{medians[kind][count]:>9.2f}{min(wall[kind]):>9.2f}"
                      f"{max(wall[kind]):>9.2f}{statistics.median(cpu[kind]):>12.2f}  "
                      f"{','.join(map(str, sorted(codes[kind])))}")
    fewest, most = min(args.copies), max(args.copies)
    if most > fewest:
        print("cost per added proof (median slope between "
              f"{fewest} and {most} copies): " + ", ".join(
                  f"{kind} {(medians[kind][most] - medians[kind][fewest]) / (most - fewest):.3f} s"
                  for kind in kinds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
