"""``derive show PROOF --trace``: the rules and normal forms behind a PROVED step, the instances and the
counterexample behind a REFUTED one."""

from __future__ import annotations

import re
from fractions import Fraction

from commands import derive_here
from scratch_proofs import WRONG, scratch_repository


def trace(tmp_path, *selection):
    scratch_repository(tmp_path, **{"wrong.py": WRONG})
    result = derive_here("show", "wrong-diagonal", "--trace", *selection, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout


def section(text: str, step: int) -> str:
    """The trace of one step: from its heading to the next step's."""
    return re.search(rf"  step {step}: .*?(?=\n  step \d+: |\Z)", text, re.S).group(0)


def test_the_trace_of_a_proved_step_lists_its_rules_stage_by_stage_and_the_cancellation(tmp_path):
    # step 1: ∂p_j/∂z_j = p_j − p_j·p_j, true (the oracle: the quotient rule by hand)
    text = section(trace(tmp_path, "diagonal:1"), 1)
    assert text.startswith("  step 1: PROVED")
    stages = re.findall(r"    (\d)\. (.*)\n       rules: (.*)\n       → (.*)", text)
    assert [int(n) for n, *_ in stages] == [1, 2, 3, 4, 5, 6]
    prepare_left = stages[0][2].split(", ")
    # the left side is a derivative of a defined vector: it is unfolded and differentiated
    assert {"definition", "softmax", "differentiate"} <= set(prepare_left)
    assert "differentiate" not in stages[1][2]   # the right side has no derivative
    assert stages[5][2].endswith("rational") and stages[5][3] == "0"
    assert "the difference cancels to 0" in text
    assert "instance" not in text and "counterexample" not in text


def test_the_trace_of_a_refuted_step_lists_the_instances_tried_and_the_counterexample(tmp_path):
    # step 2: p_j − p_j² = p_j(1 + p_j) is false; at k = 2, z = (0, 0): p_j = 1/2, so 1/4 against 3/4
    text = section(trace(tmp_path, "diagonal:2"), 2)
    assert text.startswith("  step 2: REFUTED")
    assert "the difference does not cancel" in text
    tried = re.findall(r"instance k=(\d+), j=(\d+): (equal exactly|the sides differ)", text)
    assert tried and tried[-1] == ("2", "1", "the sides differ")
    assert "counterexample: k=2, j=1, z=(0, 0)" in text
    left = Fraction(re.search(r"left  = (\S+)", text).group(1))
    right = Fraction(re.search(r"right = (\S+)", text).group(1))
    p = Fraction(1, 2)
    assert (left, right) == (p - p * p, p * (1 + p))


def test_the_whole_proof_is_traced_when_no_step_is_named(tmp_path):
    text = trace(tmp_path)
    assert re.findall(r"  step (\d+): (\w+)", text) == [("1", "PROVED"), ("2", "REFUTED")]


def test_an_unknown_case_or_step_is_a_one_line_error_naming_what_exists(tmp_path):
    scratch_repository(tmp_path, **{"wrong.py": WRONG})
    missing = derive_here("show", "wrong-diagonal", "--trace", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == ("derive: proof 'wrong-diagonal' has no case 'nowhere' "
                                      "(its cases: diagonal)")
    beyond = derive_here("show", "wrong-diagonal", "--trace", "diagonal:3", cwd=tmp_path)
    assert beyond.returncode == 2 and "has steps 1..2, not '3'" in beyond.stderr


def test_the_trace_fits_80_columns_and_keeps_its_indentation_where_it_wraps(tmp_path):
    from rich.cells import cell_len

    scratch_repository(tmp_path, **{"wrong.py": WRONG})
    result = derive_here("show", "wrong-diagonal", "--trace", cwd=tmp_path, columns=80)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    # every line of a stage (its title, rules, result and the wrapped rest of the result) is indented
    body = lines[lines.index(next(line for line in lines if line.startswith("  step 1:"))):]
    assert all(line.startswith("    ") or not line.strip() or line.startswith("  step ") for line in body)
