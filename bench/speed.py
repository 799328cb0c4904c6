"""How long `derive check` takes on the bundled proofs, with a cold and with a warm cache, and `derive --help`.

Each command is run several times in a fresh process, in a scratch copy of the proofs (so the
repository's own cache is left alone); the script prints the median, the fastest and the
slowest run of each, and whether the cold and the warm runs gave the same report (apart from
timings).

    .venv/bin/python bench/speed.py [--runs N] [--proofs FOLDER]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def derive_command() -> list[str]:
    """The installed ``derive`` script next to this Python, or the module."""
    script = Path(sys.executable).parent / "derive"
    return [str(script)] if script.exists() else [sys.executable, "-m", "derive.cli"]


def run(args: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall-clock and CPU seconds (user + system) of one run, and its result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(derive_command() + args, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result


def without_seconds(value):
    if isinstance(value, dict):
        return {k: without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_seconds(v) for v in value]
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--proofs", type=Path, default=ROOT / "proofs", help="the proofs to check")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="derive-bench-") as scratch:
        work = Path(scratch)
        shutil.copytree(args.proofs, work / "proofs", ignore=shutil.ignore_patterns("__pycache__"))
        cache = work / ".derive-cache"
        check = ["check", "--json", "--no-progress"]
        names = ["derive check (cold cache)", "derive check (warm cache)", "derive --help"]
        times: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        reports = {}
        for name, command, fresh in ((names[0], check, True), (names[1], check, False), (names[2], ["--help"], False)):
            for _ in range(args.runs):
                if fresh:
                    shutil.rmtree(cache, ignore_errors=True)
                wall, used, result = run(command, work)
                times[name].append(wall)
                cpu[name].append(used)
                reports[name] = result

    cold, warm = reports[names[0]], reports[names[1]]
    steps = json.loads(cold.stdout)["summary"]["steps"]
    print(f"{steps} steps in {args.proofs}, {args.runs} runs each (seconds; cpu = user + system, "
          f"which other work on the machine disturbs less than the wall clock)")
    print(f"{'command':<28}{'median':>8}{'fastest':>9}{'slowest':>9}{'cpu median':>12}")
    for name in names:
        values = times[name]
        print(f"{name:<28}{statistics.median(values):>8.3f}{min(values):>9.3f}{max(values):>9.3f}"
              f"{statistics.median(cpu[name]):>12.3f}")
    same = cold.returncode == warm.returncode and \
        without_seconds(json.loads(cold.stdout)) == without_seconds(json.loads(warm.stdout))
    print(f"cold and warm runs: exit code {cold.returncode} and {warm.returncode}, "
          f"{'the same report' if same else 'DIFFERENT reports'} apart from timings")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
