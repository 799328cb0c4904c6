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


def run(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(derive_command() + args, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - started, result


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
        times: dict[str, list[float]] = {"derive check (cold cache)": [], "derive check (warm cache)": [],
                                          "derive --help": []}
        reports = {}
        for _ in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            seconds, result = run(check, work)
            times["derive check (cold cache)"].append(seconds)
            reports["cold"] = result
        for _ in range(args.runs):
            seconds, result = run(check, work)
            times["derive check (warm cache)"].append(seconds)
            reports["warm"] = result
        for _ in range(args.runs):
            seconds, _ = run(["--help"], work)
            times["derive --help"].append(seconds)

    cold, warm = reports["cold"], reports["warm"]
    steps = json.loads(cold.stdout)["summary"]["steps"]
    print(f"{steps} steps in {args.proofs}, {args.runs} runs each (seconds)")
    print(f"{'command':<28}{'median':>8}{'fastest':>9}{'slowest':>9}")
    for name, values in times.items():
        print(f"{name:<28}{statistics.median(values):>8.3f}{min(values):>9.3f}{max(values):>9.3f}")
    same = cold.returncode == warm.returncode and \
        without_seconds(json.loads(cold.stdout)) == without_seconds(json.loads(warm.stdout))
    print(f"cold and warm runs: exit code {cold.returncode} and {warm.returncode}, "
          f"{'the same report' if same else 'DIFFERENT reports'} apart from timings")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
