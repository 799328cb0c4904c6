"""The course library in proofs/: every step proved, every typical slip refuted, notes a course can print.

Each library derivation is checked as a user checks it (``derive check`` in a
subprocess, strict by default), and must come out with every step, derived
result and claim PROVED.  Then, for each derivation, a typical slip (a
forgotten 1/T or 1/N, a dropped sign, ε/k written for Σ ε/k, a wrong index)
replaces one of its steps and must come back REFUTED, with a counterexample
that gives a value to every parameter the step uses.  The value of each side
at that counterexample is recomputed here by hand, from the formula a course
states (plain arithmetic with mpmath), never taken from the checker.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest
from commands import ROOT, derive

from derive.core.verdict import Verdict
from derive.engine.run import Settings, check_case

LIBRARY = {
    "binary_logistic_regression.py": "binary-logistic-regression",
    "softmax_temperature.py": "softmax-temperature",
    "label_smoothing.py": "label-smoothing",
    "log_softmax_gradient.py": "log-softmax-gradient",
    "batch_cross_entropy.py": "batch-cross-entropy",
    "linear_softmax_cross_entropy.py": "linear-softmax-cross-entropy",
    "softmax_jacobian.py": "softmax-jacobian",
    "sigmoid_two_class_softmax.py": "sigmoid-two-class-softmax",
    "softmax_shift_invariance.py": "softmax-shift-invariance",
}
FILES = [f"proofs/{name}" for name in LIBRARY]
# The derivations with no classes: a scalar logit, or a vector of a fixed size (they give no classes=).
CLASS_FREE = {"binary-logistic-regression", "sigmoid-two-class-softmax"}

mpmath.mp.dps = 50
AGREE = mpmath.mpf("1e-20")


def _module(file_name: str):
    """A library module, loaded from its file as ``derive`` loads it."""
    path = ROOT / "proofs" / file_name
    spec = importlib.util.spec_from_file_location(f"library_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- every library proof checks with every step PROVED ----------------------------------------------


@pytest.fixture(scope="module")
def checked(bundled_course):
    # in a copy of the bundled proofs whose cache a cold run of this checkout filled (tests/conftest.py)
    result = derive("check", *FILES, "--json", "--no-progress", cwd=bundled_course)
    return result, json.loads(result.stdout)


def test_the_library_is_every_bundled_derivation_named_here():
    assert all((ROOT / f).is_file() for f in FILES)
    for name, proof_id in LIBRARY.items():
        module = _module(name)
        assert module.PROOF.id == proof_id
        assert module.PROOF.source.title.startswith("Course library: ")


def test_every_library_proof_checks_with_exit_0(checked):
    result, report = checked
    assert result.returncode == 0, result.stderr
    assert report["summary"]["exit_code"] == 0 and report["summary"]["ok"]
    assert report["summary"]["accepted"] == ["PROVED"], "checked strictly, as by default"
    assert sorted(p["id"] for p in report["proofs"]) == sorted(LIBRARY.values())


def test_every_step_derived_result_and_claim_of_the_library_is_proved(checked):
    _, report = checked
    for proof in report["proofs"]:
        for case in proof["cases"]:
            where = f"{proof['id']}/{case['name']}"
            assert case["steps"], where
            for s in case["steps"]:
                assert s["verdict"] == "PROVED", f"{where}, step {s['index']}: {s['verdict']} {s.get('evidence')}"
            assert case["derived"]["verdict"] == "PROVED", where
        for claim in proof["claims"]:
            assert claim["holds"] and claim["ok"], claim["reason"]
            assert all(c["verdict"] == "PROVED" for c in claim["cases"]), claim["reason"]
            assert "cover all" in claim["reason"], claim["reason"]
    counts = report["summary"]["verdicts"]
    assert counts["PROVED"] == report["summary"]["steps"] and counts["PROVED"] >= 70


def test_the_numeric_conclusions_of_the_library_pass(checked):
    _, report = checked
    numeric = {p["id"]: p["numeric"] for p in report["proofs"] if p["numeric"]["checks"]}
    assert set(numeric) >= {"log-softmax-gradient", "softmax-jacobian"}
    for proof_id, rows in numeric.items():
        assert rows["error"] is None and rows["passed"] == rows["checks"], proof_id
        if proof_id in CLASS_FREE:  # nothing depends on k: each check is made once, not again at every k
            checks = [(row["conclusion"], row["input_kind"], row["method"]) for row in rows["rows"]]
            assert len({row["k"] for row in rows["rows"]}) == 1 and len(checks) == len(set(checks)), proof_id
        else:
            assert max(row["k"] for row in rows["rows"]) == 2 ** 20


def test_the_derivations_without_classes_give_no_count_of_classes():
    for name, proof_id in LIBRARY.items():
        proof = _module(name).PROOF
        given = {c.classes for c in proof.cases} | {c.classes for c in proof.conclusions}
        assert (given == {None}) == (proof_id in CLASS_FREE), proof_id


# --- a typical slip in each derivation is refuted, with a value for every parameter ------------------


def _slipped(file_name: str, case: str, index: int, expr):
    """The outcome of the library case ``case`` with its step ``index`` replaced by ``expr``, checked as
    ``derive check`` checks it."""
    module = _module(file_name)
    original = module.PROOF.case(case)
    steps = list(original.steps)
    steps[index - 1] = dataclasses.replace(steps[index - 1], expr=expr)
    report = check_case(dataclasses.replace(original, steps=tuple(steps)), Settings())
    for earlier in report.steps[:index - 1]:
        assert earlier.outcome.verdict is Verdict.PROVED
    outcome = report.steps[index - 1].outcome
    assert outcome.verdict is Verdict.REFUTED, outcome.evidence()
    return outcome.counterexample


def _number(text: str):
    return mpmath.mpf(Fraction(text).numerator) / Fraction(text).denominator


def _values(point, scalars=()) -> dict:
    """The counterexample's inputs as numbers: a scalar (named in ``scalars``), a vector (a list) or a matrix
    (a list of rows)."""
    out = {}
    for name, values in point.inputs:
        if name in scalars:
            (value,) = values
            out[name] = _number(value)
        elif values[0].startswith("("):
            out[name] = [[_number(v) for v in row.strip("()").split(", ")] for row in values]
        else:
            out[name] = [_number(v) for v in values]
    return out


def _softmax(z):
    total = sum(mpmath.exp(v) for v in z)
    return [mpmath.exp(v) / total for v in z]


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _agrees(point, left, right):
    """The two sides the counterexample reports are the ones computed here, and they differ."""
    assert abs(mpmath.mpf(point.left) - left) < AGREE, (point.left, left)
    assert abs(mpmath.mpf(point.right) - right) < AGREE, (point.right, right)
    assert abs(left - right) > AGREE


def _names(point) -> set[str]:
    return {name for name, _ in point.indices} | {name for name, _ in point.inputs}


def test_a_dropped_sign_in_the_logistic_gradient_is_refuted_with_z_and_y():
    module = _module("binary_logistic_regression.py")
    point = _slipped("binary_logistic_regression.py", "gradient", 5, module.y - module.sigmoid(module.z))
    assert {"z", "y"} <= _names(point)
    values = _values(point, scalars=("z", "y"))
    z, y = values["z"], values["y"]
    _agrees(point, _sigmoid(z) - y, y - _sigmoid(z))


def test_a_wrong_sign_in_the_sigmoid_derivative_is_refuted_with_z():
    module = _module("binary_logistic_regression.py")
    s = module.sigmoid(module.z)
    point = _slipped("binary_logistic_regression.py", "sigmoid-derivative", 5, s * (1 + s))
    assert "z" in _names(point)
    z = _values(point, scalars=("z",))["z"]
    _agrees(point, _sigmoid(z) * (1 - _sigmoid(z)), _sigmoid(z) * (1 + _sigmoid(z)))


def test_a_forgotten_one_over_t_is_refuted_with_the_temperature():
    module = _module("softmax_temperature.py")
    p, y, j = module.p, module.y, module.j
    point = _slipped("softmax_temperature.py", "gradient", 5, p[j] - y[j])
    assert {"T", "z", "y", "j"} <= _names(point)
    values, at = _values(point, scalars=("T",)), dict(point.indices)["j"] - 1
    T = values["T"]
    assert T > 0 and T != 1, "at T = 1 the slip agrees"
    probabilities = _softmax([v / T for v in values["z"]])
    _agrees(point, (probabilities[at] - values["y"][at]) / T, probabilities[at] - values["y"][at])
    assert sum(values["y"]) == 1


def test_eps_over_k_written_for_the_sum_of_eps_over_k_is_refuted_with_eps_and_k():
    module = _module("label_smoothing.py")
    eps, k = module.eps, module.k
    point = _slipped("label_smoothing.py", "smoothed-target-sums-to-one", 3, (1 - eps) + eps / k)
    assert "ε" in _names(point) and point.classes >= 2
    values = _values(point, scalars=("ε",))
    e = values["ε"]
    assert 0 < e <= 1, "ε is taken in its domain [0, 1], and at ε = 0 the slip agrees"
    _agrees(point, (1 - e) * sum(values["y"]) + point.classes * e / point.classes, 1 - e + e / point.classes)


def test_a_forgotten_smoothing_in_the_gradient_is_refuted_with_eps():
    module = _module("label_smoothing.py")
    p, y, j = module.p, module.y, module.j
    point = _slipped("label_smoothing.py", "gradient", 5, p[j] - y[j])
    assert {"ε", "y", "z", "j"} <= _names(point)
    values, at = _values(point, scalars=("ε",)), dict(point.indices)["j"] - 1
    e, n = values["ε"], point.classes
    assert 0 <= e <= 1, "ε is taken in its domain [0, 1]"
    probability = _softmax(values["z"])[at]
    _agrees(point, probability - ((1 - e) * values["y"][at] + e / n), probability - values["y"][at])


def test_a_wrong_index_in_the_log_softmax_gradient_is_refuted_with_both_indices():
    module = _module("log_softmax_gradient.py")
    point = _slipped("log_softmax_gradient.py", "other-component", 3, -module.p[module.j])
    indices = dict(point.indices)
    assert {"j", "m", "z"} <= _names(point) and indices["j"] != indices["m"]
    probabilities = _softmax(_values(point)["z"])
    _agrees(point, -probabilities[indices["m"] - 1], -probabilities[indices["j"] - 1])


def test_a_forgotten_one_over_n_is_refuted_with_the_batch_size_and_the_sample():
    module = _module("batch_cross_entropy.py")
    P, Y, c, j = module.P, module.Y, module.c, module.j
    point = _slipped("batch_cross_entropy.py", "gradient", 7, P[c, j] - Y[c, j])
    indices = dict(point.indices)
    assert {"N", "c", "j", "Z", "Y"} <= _names(point)
    assert indices["N"] >= 2, "at N = 1 the slip agrees"
    values = _values(point)
    assert len(values["Z"]) == indices["N"] and all(sum(row) == 1 for row in values["Y"])
    row, column = indices["c"] - 1, indices["j"] - 1
    probability = _softmax(values["Z"][row])[column]
    target = values["Y"][row][column]
    _agrees(point, (probability - target) / indices["N"], probability - target)


def test_a_forgotten_input_in_the_weight_gradient_is_refuted_with_the_input():
    module = _module("linear_softmax_cross_entropy.py")
    p, y, j = module.p, module.y, module.j
    point = _slipped("linear_softmax_cross_entropy.py", "weights", 4, p[j] - y[j])
    indices = dict(point.indices)
    assert {"D", "d", "j", "W", "x", "b", "y"} <= _names(point)
    values = _values(point)
    W, x, bias = values["W"], values["x"], values["b"]
    logits = [sum(W[i][e] * x[e] for e in range(indices["D"])) + bias[i] for i in range(point.classes)]
    at = indices["j"] - 1
    gradient = _softmax(logits)[at] - values["y"][at]
    _agrees(point, gradient * x[indices["d"] - 1], gradient)


def test_a_dropped_sign_in_the_bias_gradient_is_refuted():
    module = _module("linear_softmax_cross_entropy.py")
    p, y, j = module.p, module.y, module.j
    point = _slipped("linear_softmax_cross_entropy.py", "bias", 3, y[j] - p[j])
    assert {"j", "W", "x", "b", "y"} <= _names(point)
    values, indices = _values(point), dict(point.indices)
    W, x, bias = values["W"], values["x"], values["b"]
    logits = [sum(W[i][e] * x[e] for e in range(indices["D"])) + bias[i] for i in range(point.classes)]
    at = indices["j"] - 1
    gradient = _softmax(logits)[at] - values["y"][at]
    _agrees(point, gradient, -gradient)


def test_a_dropped_sign_off_the_diagonal_of_the_jacobian_is_refuted():
    module = _module("softmax_jacobian.py")
    p, j, m = module.p, module.j, module.m
    point = _slipped("softmax_jacobian.py", "off-diagonal", 4, p[j] * p[m])
    indices = dict(point.indices)
    assert {"j", "m", "z"} <= _names(point) and indices["j"] != indices["m"]
    probabilities = _softmax(_values(point)["z"])
    product = probabilities[indices["j"] - 1] * probabilities[indices["m"] - 1]
    _agrees(point, -product, product)


def test_a_forgotten_delta_in_the_matrix_form_is_refuted():
    module = _module("softmax_jacobian.py")
    p, j, m = module.p, module.j, module.m
    point = _slipped("softmax_jacobian.py", "matrix-form", 1, p[j] - p[j] * p[m])
    indices = dict(point.indices)
    assert {"j", "m", "z"} <= _names(point), "p is softmax(z) here: the point gives the logits"
    assert indices["j"] != indices["m"], "on the diagonal the slip agrees"
    probabilities = _softmax(_values(point)["z"])
    pj, pm = probabilities[indices["j"] - 1], probabilities[indices["m"] - 1]
    _agrees(point, -pj * pm, pj - pj * pm)


def test_logits_in_the_wrong_order_in_the_two_class_sigmoid_are_refuted():
    module = _module("sigmoid_two_class_softmax.py")
    z = module.z
    point = _slipped("sigmoid_two_class_softmax.py", "first-class", 4, module.sigmoid(z[2] - z[1]))
    assert "z" in _names(point)
    z1, z2 = _values(point)["z"]
    assert z1 != z2, "with equal logits the slip agrees"
    _agrees(point, _sigmoid(z1 - z2), _sigmoid(z2 - z1))


def test_a_forgotten_term_of_the_quotient_rule_under_a_shift_is_refuted_with_the_shift():
    module = _module("softmax_shift_invariance.py")
    z, c, j = module.z, module.c, module.j
    point = _slipped("softmax_shift_invariance.py", "softmax", 2, module.exp(z[j] + c) / module.S)
    assert {"c", "z", "j"} <= _names(point)
    values = _values(point, scalars=("c",))
    shifted = [v + values["c"] for v in values["z"]]
    _agrees(point, 0, _softmax(shifted)[dict(point.indices)["j"] - 1])


def test_a_forgotten_minus_c_in_the_log_sum_exp_shift_is_refuted():
    module = _module("softmax_shift_invariance.py")
    point = _slipped("softmax_shift_invariance.py", "logsumexp", 2, module.S / module.S)
    assert {"c", "z"} <= _names(point)
    _agrees(point, 0, 1)


# --- notes a course can print ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library-notes")
    output = folder / "library.tex"
    # The notes' text is what these tests read; the numeric rows are checked by `checked` above.
    result = derive("latex", *FILES, "--no-progress", "--no-numeric", "-o", str(output))
    assert result.returncode == 0, result.stderr
    return output.read_text(encoding="utf-8")


def _section(notes: str, proof_id: str) -> str:
    start = notes.index(f"\\label{{derive:{proof_id}}}")
    end = notes.find("\\section{", start)
    return notes[start:end if end > 0 else len(notes)]


def test_the_notes_write_matrix_entries_and_their_definitions_as_courses_do(notes):
    batch = _section(notes, "batch-cross-entropy")
    assert "Z_{cj}" in batch and "Y_{bi}" in batch and "Z_{c,j}" not in batch
    assert re.search(r"P_\{ij\} = \\frac\{e\^\{Z_\{ij\}\}\}", batch)
    assert r"\frac{1}{N} \sum_{b=1}^{N} \sum_{i=1}^{k}" in batch, "the mean over the batch, the outer sum first"
    assert "each row of $Y$ sums to one" in batch
    linear = _section(notes, "linear-softmax-cross-entropy")
    assert r"\partial W_{jd}" in linear and "W_{ie}" in linear


def test_the_notes_name_only_the_sizes_and_parameters_a_case_uses(notes):
    logistic = _section(notes, "binary-logistic-regression")
    assert "number of classes" not in logistic
    assert "any real $z$" in logistic and r"$y \ge 0$" in logistic
    assert "$T > 0$" in _section(notes, "softmax-temperature")
    assert r"$0 \le \epsilon \le 1$" in _section(notes, "label-smoothing")
    assert r"any $N \ge 1$" in _section(notes, "batch-cross-entropy")
    assert r"any $D \ge 1$" in _section(notes, "linear-softmax-cross-entropy")
    assert "number of classes" not in _section(notes, "sigmoid-two-class-softmax")


def test_maths_in_the_claims_and_reasons_of_the_library_is_typeset_as_maths(notes):
    assert r"$\partial L/\partial z_j = (p_j - y_j)/T$" in _section(notes, "softmax-temperature")
    assert r"$\partial L/\partial Z_{cj} = (P_{cj} - Y_{cj})/N$" in _section(notes, "batch-cross-entropy")
    assert r"$e^{-z}/(1 + e^{-z}) = 1 - 1/(1 + e^{-z})$" in _section(notes, "binary-logistic-regression")
    jacobian = _section(notes, "softmax-jacobian")
    assert r"$J = \operatorname{diag}(p) - p p^{\top}$" in jacobian and r"\delta_{jm}" in jacobian
    assert "y\\_" not in notes and "ᵀ" not in notes, "no subscript or transpose left as text"


def test_a_counterexample_in_a_case_without_classes_names_only_its_scalars():
    from derive.render.document import proof_latex
    from derive.render.notes import proof_view
    from derive.model.report import ProofReport

    module = _module("binary_logistic_regression.py")
    case = module.PROOF.case("gradient")
    steps = list(case.steps)
    steps[-1] = dataclasses.replace(steps[-1], expr=module.y - module.sigmoid(module.z))
    slipped = dataclasses.replace(case, steps=tuple(steps))
    proof = dataclasses.replace(module.PROOF, cases=(slipped,))
    tex = "\n".join(proof_latex(proof_view(ProofReport(proof, (check_case(slipped, Settings()),)))))
    sentence = next(line for line in tex.splitlines() if "does not hold. Take" in line)
    assert "classes" not in sentence and "$z = 0$" in sentence and "$y = 0$" in sentence, sentence
    assert r"y \ge 0" in tex and "number of classes" not in tex
