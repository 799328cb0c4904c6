"""How long mutation testing takes on the bundled proofs, and what it finds.

For each proof: the mutants made, killed, equivalent, unknown, ill-formed and surviving, the
kill rate, the wall-clock and CPU seconds, and the mean time per mutant; then the mean time
per mutant of each operator.  Everything runs in this process, each mutant with the default
budget and instance range of ``derive mutate``.

    .venv/bin/python bench/mutate.py [PROOF_FOLDER]
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from derive.io.loader import load_paths
    from derive.engine.mutate import mutate_proof
    from derive.model.mutation import kill_rate, totals

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "proofs"
    loaded = load_paths([folder])
    for error in loaded.errors:
        print(f"error: {error.text()}", file=sys.stderr)
    seconds_by_operator = defaultdict(list)
    mutations = []
    print(f"{'proof':<26}{'made':>6}{'killed':>8}{'equiv':>7}{'unknown':>9}{'ill':>5}{'surv':>6}{'kill %':>8}"
          f"{'wall s':>8}{'cpu s':>8}{'ms/mutant':>11}")
    for proof, _ in loaded.proofs:
        wall, cpu = time.perf_counter(), time.process_time()
        mutation = mutate_proof(proof)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        mutations.append(mutation)
        for r in mutation.results:
            seconds_by_operator[r.mutant.operator].append(r.outcome.seconds)
        c = mutation.counts()
        print(f"{proof.id:<26}{c['made']:>6}{c['killed']:>8}{c['equivalent']:>7}{c['unknown']:>9}"
              f"{c['ill_formed']:>5}{c['survivors']:>6}{100 * kill_rate(c):>8.1f}{wall:>8.1f}{cpu:>8.1f}"
              f"{1000 * wall / max(c['made'], 1):>11.0f}")
    c = totals(mutations)
    print(f"{'total':<26}{c['made']:>6}{c['killed']:>8}{c['equivalent']:>7}{c['unknown']:>9}"
          f"{c['ill_formed']:>5}{c['survivors']:>6}{100 * kill_rate(c):>8.1f}")
    print("\nmean check against the step before, per operator (ms):")
    for operator, seconds in sorted(seconds_by_operator.items()):
        print(f"  {operator:<18}{len(seconds):>5} mutants {1000 * sum(seconds) / len(seconds):>8.0f}")
    return 1 if c["survivors"] else 0


if __name__ == "__main__":
    sys.exit(main())
