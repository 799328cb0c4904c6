"""The terminal report at 80 columns: nothing runs past the width, counterexample values are short
(the JSON keeps them in full), colours go with NO_COLOR, and every subcommand takes the common options."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from fractions import Fraction

import pytest
from commands import ROOT, derive_here
from rich.cells import cell_len
from scratch_proofs import JACOBIAN, scratch_repository

from derive.cli import _parser
from derive.render.terminal import short_value

# Two errata whose counterexamples have values that are not short decimals: 1/3 (a fraction) and e.
ROUNDED = '''\
"""Two errata with long counterexample values (a test fixture)."""
from derive import (Case, Expect, Proof, Source, Vector, as_written, classes, erratum, exp, indices, softmax,
                    sum_over)

k = classes("k")
i, j = indices("i j")
z = Vector("z")
p = Vector("p")

with as_written():
    S = sum_over(exp(z[i]), i, k)
    PROOF = Proof("rounded", "Errata with long values", Source("Test notes, section 3"), "none",
                  cases=[Case("third", "A denominator that gains one", classes=k,
                              definitions={p: lambda a: softmax(z, a, k)}, start=p[j],
                              steps=[erratum(exp(z[j]) / (1 + S), "a slip", note="the denominator gains 1")],
                              conclusion=Expect.ERRATUM),
                         Case("taylor", "A first-order Taylor expansion taken as exact", classes=k, start=exp(z[j]),
                              steps=[erratum(1 + z[j], "first order", note="exact only at 0")],
                              conclusion=Expect.ERRATUM)])
'''
WIDTH = 80


def coloured_run(*args, cwd, env: dict) -> str:
    """``derive ARGS`` with colour settings of its own (none inherited), its standard output."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    result = subprocess.run([sys.executable, "-m", "derive", *args], cwd=cwd, capture_output=True, text=True,
                            env={**base, "PYTHONPATH": str(ROOT), "COLUMNS": "100", **env}, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def counterexample_values(text: str) -> list[str]:
    """Each value after ``left =``/``right =`` (or ``≈``, kept as the value's mark), also across a line break."""
    return [sign.strip("=") + value for sign, value in
            re.findall(r"(?:left|right)\s+(=|≈)\s+(\S+?)(?:,|\s|$)", text)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = scratch_repository(tmp_path_factory.mktemp("course"), **{"jacobian.py": JACOBIAN, "rounded.py": ROUNDED})
    table = derive_here("check", "--no-progress", "--no-numeric", cwd=folder, columns=WIDTH)
    report = derive_here("check", "--json", "--no-progress", "--no-numeric", cwd=folder)
    bundled = derive_here("check", "--no-progress", cwd=ROOT, columns=WIDTH)
    return table, json.loads(report.stdout), bundled


def test_no_line_of_the_report_exceeds_80_columns(runs):
    table, _, bundled = runs
    for run in (table, bundled):
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert len(lines) > 20
        too_wide = [line for line in lines if cell_len(line) > WIDTH]
        assert not too_wide, too_wide


def test_at_80_columns_the_reason_is_under_the_expression(runs):
    table, _, _ = runs
    lines = table.stdout.splitlines()
    (row,) = [n for n, line in enumerate(lines) if "= p_j·(1 − p_j)" in line]
    assert "factor out p_j [line 3]" in lines[row + 1]
    assert "PROVED" in lines[row]


def test_counterexample_values_are_short_in_the_table_and_full_in_the_json(runs):
    table, report, _ = runs
    shown = counterexample_values(table.stdout)
    assert set(shown) >= {"0.5", "1/3", "≈2.718", "2"}, shown
    assert all(len(value) <= 8 for value in shown), shown
    rounded = next(p for p in report["proofs"] if p["id"] == "rounded")
    third, taylor = (case["steps"][0]["counterexample"] for case in rounded["cases"])
    # the JSON keeps 30 significant digits; the oracle is exact arithmetic
    assert abs(Fraction(third["right"]) - Fraction(1, 3)) < Fraction(1, 10**29)
    assert taylor["left"].startswith("2.71828182845904523536028747")


def test_short_values_are_exact_fractions_or_marked_as_rounded():
    assert short_value("0.5") == "0.5"
    assert short_value("-3") == "-3"
    assert short_value("0.333333333333333333333333333333") == "1/3"
    assert short_value("-0.666666666666666666666666666667") == "-2/3"
    assert short_value("2.71828182845904523536028747135") == "≈2.718"
    assert short_value("0.268941421369995120748840758142") == "≈0.2689"
    assert short_value("1.23456789012345678901234567890e-12") == "≈1.235e-12"
    # a value a hair away from a fraction is not shown as the fraction
    assert short_value("0.333333333333333333333333333433") == "≈0.3333"


def test_colours_are_on_when_forced_and_off_with_no_color(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    check = ("check", "--no-progress", "--no-numeric")
    coloured = coloured_run(*check, cwd=tmp_path, env={"FORCE_COLOR": "1"})
    plain = coloured_run(*check, cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    flag = coloured_run(*check, "--no-color", cwd=tmp_path, env={"FORCE_COLOR": "1"})
    colour = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-7]|9[0-7]|38;[25];[0-9;]+)m")
    assert colour.search(coloured)
    assert not colour.search(plain) and not colour.search(flag)
    strip = re.compile(r"\x1b\[[0-9;]*m")
    without_times = re.compile(r"\d+\.\d\ds")
    assert without_times.sub("", strip.sub("", plain)) == without_times.sub("", strip.sub("", coloured))


TINY = '''\
"""One step (a test fixture)."""
from derive import Case, Proof, Source, Vector, classes, exp, indices, step

k = classes("k")
(j,) = indices("j")
z = Vector("z")
PROOF = Proof("tiny", "One step", Source("Test notes"), "exp(z_j)^2 = exp(2 z_j)",
              cases=[Case("only", "The only case", classes=k, start=exp(z[j]) ** 2,
                          steps=[step(exp(2 * z[j]), "exp of a sum")])])
'''


@pytest.mark.parametrize("command", [["check"], ["numeric", "--k", "2"], ["mutate", "--max-k", "2"], ["list"],
                                     ["latex", "--markdown"], ["show", "tiny"], ["show", "tiny", "--trace"]])
def test_every_subcommand_runs_with_the_common_options(command, tmp_path):
    scratch_repository(tmp_path, **{"tiny.py": TINY})
    parsed = _parser().parse_args([*command, "--no-progress", "--no-color"])
    assert parsed.no_progress and parsed.no_color
    result = derive_here(*command, "--no-progress", "--no-color", cwd=tmp_path, columns=WIDTH)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() and not result.stderr.strip()
    assert "\x1b[" not in result.stdout


def test_derive_latex_runs_with_no_progress(tmp_path):
    scratch_repository(tmp_path, **{"jacobian.py": JACOBIAN})
    result = derive_here("latex", "--markdown", "--no-progress", "--no-numeric", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "$$" in result.stdout
