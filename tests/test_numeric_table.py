"""The numeric table at 80 columns: no line runs past the width, no word is folded, every row keeps its numbers;
where the console is wide, one row per line as before."""

from __future__ import annotations

import os
import subprocess
import sys

from commands import ROOT
from rich.cells import cell_len
from rich.console import Console

from derive.numeric.rows import NumericRow
from derive.render.numeric_table import numeric_table

WIDTH = 80
KINDS = ("one dominating, one-hot, T = 2.052", "scale 1e3, soft, N = 3, D = 4, T = 0.5147", "all equal")
METHODS = ("directional", "full Jacobian", "full, 50 digits")
ROWS = [NumericRow("loss-wrt-logits", k, kind, method, 5.2e-313, 9.0e-307, 1.58e-106, method != METHODS[2])
        for k in (2, 2**20) for kind in KINDS for method in METHODS]


def rendered(rows, width: int) -> str:
    console = Console(width=width, record=True, color_system=None, file=open(os.devnull, "w"))
    console.print(numeric_table(rows, "A proof with a title  [a-proof]"))
    return console.export_text()


def test_at_80_columns_no_line_is_wider_and_no_word_is_folded():
    text = rendered(ROWS, WIDTH)
    assert all(cell_len(line) <= WIDTH for line in text.splitlines()), max(map(cell_len, text.splitlines()))
    words = {"directional", "Jacobian", "dominating,", "one-hot", "1048576", "loss-wrt-logits", "FAIL"}
    words |= {"5.20e-313", "9.00e-307", "1.58e-106"} | {f"{name} = {value}" for name, value in
                                                       [("T", "2.052"), ("N", "3"), ("D", "4"), ("T", "0.5147")]}
    missing = {w for w in words if w not in text}
    assert not missing, text
    # every row is there, with its three numbers on its first line
    assert sum(line.count("5.20e-313 9.00e-307 1.58e-106") for line in text.splitlines()) == len(ROWS)


def test_a_wide_console_keeps_one_row_per_line_with_the_long_headers():
    text = rendered(ROWS, 200)
    for header in ("conclusion", "input kind", "method", "max abs err", "max rel err", "tolerance", "pass"):
        assert header in text
    assert sum("one dominating, one-hot, T = 2.052" in line for line in text.splitlines()) == 2 * len(METHODS)


def test_derive_numeric_fits_80_columns():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(WIDTH)}
    result = subprocess.run([sys.executable, "-m", "derive", "numeric", "proofs/softmax_temperature.py",
                             "proofs/batch_cross_entropy.py", "--k", "2", "3"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(cell_len(line.rstrip()) <= WIDTH for line in lines), max(cell_len(line) for line in lines)
    assert "conclusion loss-wrt-logits" in result.stdout and "T = " in result.stdout and "N = 3" in result.stdout
    assert "full, 50 digits" in result.stdout and "all within tolerance" in result.stdout


def test_the_title_is_text_not_markup_so_the_proof_id_in_brackets_shows():
    for width in (WIDTH, 200):   # the narrow layout and the wide table
        assert "[a-proof]" in rendered(ROWS[:2], width)
