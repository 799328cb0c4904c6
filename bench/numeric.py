"""Time the numeric checks at k = 2^20, and beside them a full finite-difference Jacobian check.

Run from the repository root:  .venv/bin/python bench/numeric.py [--seed N] [--repeat N] [--per-proof]

With --per-proof it first times, in CPU seconds (user + system, so that other work on a shared
machine counts less than in wall-clock time), every numeric check of each bundled proof at the
default class counts, one proof at a time as `derive check` runs them; the first run of a process
is the cold one (nothing compiled, no memory yet touched), the later ones warm.

Part 1 times, at k = 2^20, the directional check of every bundled conclusion (one check: one
conclusion, one input kind, one target kind, O(k) work) and then every check of every
conclusion at that k (all input kinds and targets), as `derive numeric --k 2^20` runs them.

Part 2 times, in the same run and side by side, the directional check and the full
finite-difference Jacobian check (one central difference per coordinate, O(k^2): what a
generic gradient checker does) of one conclusion, at k = 2, 4, 8, ... until the full check
takes a second.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from derive.io.loader import load_paths
from derive.numeric.check import METHOD_DIRECTIONAL, METHOD_FULL, NumericSettings, check_conclusions, check_one

ROOT = Path(__file__).resolve().parent.parent
BIG = 2**20


def timed(work, repeat: int):
    """(best, median) seconds of ``repeat`` runs, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds), result


def per_proof(loaded, seed: int, repeat: int) -> None:
    """CPU seconds of each proof's numeric checks at the default class counts: the cold run, then the median."""
    print(f"Per proof: every numeric check at k = 2, 3, 10, 1000, 2^20 (seed {seed}), CPU seconds; the first "
          f"run cold, then the median of {repeat} more\n")
    print(f"{'proof':<32} {'rows':>5} {'cold s':>8} {'warm s':>8}")
    settings = NumericSettings(seed=seed)
    cold_total = warm_total = 0.0
    for proof, _ in loaded.proofs:
        if not proof.conclusions:
            continue
        seconds = []
        for _ in range(1 + repeat):
            started = time.process_time()
            rows = check_conclusions(proof.conclusions, settings)
            seconds.append(time.process_time() - started)
        warm = statistics.median(seconds[1:]) if repeat else seconds[0]
        cold_total, warm_total = cold_total + seconds[0], warm_total + warm
        print(f"{proof.id:<32} {len(rows):>5} {seconds[0]:>8.2f} {warm:>8.2f}")
    print(f"{'every proof':<32} {'':>5} {cold_total:>8.2f} {warm_total:>8.2f}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each timing (best and median shown)")
    parser.add_argument("--conclusion", default="loss-wrt-logits", help="the conclusion of part 2")
    parser.add_argument("--per-proof", action="store_true", help="first time each proof's checks (CPU seconds)")
    args = parser.parse_args()
    loaded = load_paths([ROOT / "proofs"])
    conclusions = [c for proof, _ in loaded.proofs for c in proof.conclusions]
    if args.per_proof:
        per_proof(loaded, args.seed, args.repeat)

    print(f"Part 1: the numeric check at k = 2^20 = {BIG} (seed {args.seed}, best and median of {args.repeat})\n")
    print(f"{'conclusion':<24} {'input':<18} {'best ms':>9} {'median ms':>10}  pass")
    for c in conclusions:
        best, median, row = timed(lambda: check_one(c, BIG, "random", "soft", METHOD_DIRECTIONAL, args.seed),
                                  args.repeat)
        print(f"{c.name:<24} {row.input_kind:<18} {best * 1e3:>9.1f} {median * 1e3:>10.1f}  {row.passed}")
    settings = NumericSettings(seed=args.seed, classes=(BIG,))
    best, median, rows = timed(lambda: check_conclusions(conclusions, settings), args.repeat)
    print(f"{'every check at 2^20':<24} {str(len(rows)) + ' checks':<18} {best * 1e3:>9.1f} {median * 1e3:>10.1f}"
          f"  {all(r.passed for r in rows)}")

    chosen = next(c for c in conclusions if c.name == args.conclusion)
    print(f"\nPart 2: {chosen.name}, directional check against the full finite-difference Jacobian check "
          f"(best of {args.repeat})\n")
    print(f"{'k':>8} {'directional ms':>15} {'full Jacobian ms':>17} {'full / directional':>19}")
    k = 2
    while True:
        directional, _, row_d = timed(lambda: check_one(chosen, k, "random", "soft", METHOD_DIRECTIONAL,
                                                        args.seed), args.repeat)
        full, _, row_f = timed(lambda: check_one(chosen, k, "random", "soft", METHOD_FULL, args.seed),
                               1 if k >= 256 else args.repeat)
        assert row_d.passed and row_f.passed, (row_d, row_f)
        print(f"{k:>8} {directional * 1e3:>15.2f} {full * 1e3:>17.1f} {full / directional:>19.0f}")
        if full >= 1.0:
            break
        k *= 2
    best, _, row = timed(lambda: check_one(chosen, BIG, "random", "soft", METHOD_DIRECTIONAL, args.seed),
                         args.repeat)
    print(f"{BIG:>8} {best * 1e3:>15.2f} {'—':>17}")


if __name__ == "__main__":
    main()
