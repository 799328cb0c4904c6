"""Numeric checks of conclusions: every bundled conclusion passes at every k, wrong ones fail at every k,
the tolerances are bounds that hold, and the same seed gives the same numbers."""

from __future__ import annotations

import dataclasses
import json
import math
import textwrap
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from commands import ROOT, derive, derive_here

from derive import D, OneHot, Proof, Source, SumsToOne, Vector, classes, conclusion, indices, log, scalar, softmax
from derive.numeric import evaluate as numeric_evaluate
from derive.numeric import inputs as numeric_inputs
from derive import sigmoid, softplus, sum_over, tanh
from derive.core.objects import LogSumExp, Matrix, count, logsumexp
from derive.model.proof import ModelError
from derive.numeric.backends import EPS, FLOAT, MP
from derive.numeric.check import (CLASS_COUNTS, LOGIT_KINDS, METHOD_DIRECTIONAL, METHOD_FULL, METHOD_MP, NumericError,
                                  NumericRow, NumericSettings, check_conclusion, check_conclusions)
from derive.numeric.compare import FULL_UP_TO, MP_ALWAYS_UP_TO, MP_CLOSE, MP_WORKING_DIGITS
from derive.numeric.compiled import Evaluator
from derive.numeric.conclusions import is_general, prepare_general
from derive.cache.store import CACHE_DIR, Cache
from derive.engine.checking import CachedChecker

n = classes("n")
j, k, i, m = indices("j k i m")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p")
q = Vector("q", "positive")
L = scalar("L")
SOFTMAX = {p: lambda a: softmax(z, a, n)}
LOSS = {L: -sum_over(y[i] * log(p[i]), i, n)}
LOSS_FREE = {L: -sum_over(y[i] * log(q[i]), i, n)}


def gradient(formula, **kw):
    return conclusion("gradient", formula, of=L, wrt=z[k], classes=n, definitions={**SOFTMAX, **LOSS},
                      assumptions=(SumsToOne(y),), **kw)


def jacobian(formula):
    return conclusion("jacobian", formula, of=p[j], wrt=z[k], classes=n, definitions=SOFTMAX)


def loss_wrt_free(formula):
    return conclusion("loss-wrt-q", formula, of=L, wrt=q[k], classes=n, definitions=LOSS_FREE)


DELTA = sp.KroneckerDelta(j, k)


# --- the bundled proofs ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundled_rows(bundled_proofs, bundled_course):
    """Every bundled conclusion's rows at the default class counts, as ``derive check`` found them: read from
    the cache that a cold ``derive check`` of this checkout filled (tests/conftest.py), else computed here."""
    checker = CachedChecker(Cache(bundled_course / CACHE_DIR))
    return {proof.id: list(checker.numeric(proof.conclusions, NumericSettings(seed=0))) for proof in bundled_proofs}


def test_both_source_documents_declare_conclusions(source_proofs):
    assert len(source_proofs) == 2
    for proof in source_proofs:
        assert proof.conclusions, f"{proof.id} declares no conclusions"


def test_every_bundled_conclusion_passes_at_every_k_and_input(bundled_proofs, bundled_rows):
    for proof in bundled_proofs:
        rows = bundled_rows[proof.id]
        failed = [r for r in rows if not r.passed]
        assert not failed, failed
        for c in proof.conclusions:
            mine = [r for r in rows if r.conclusion == c.name]
            ks = CLASS_COUNTS if c.classes is not None else CLASS_COUNTS[:1]  # without classes: checked once
            assert {r.k for r in mine} == set(ks)
            for kk in ks:
                kinds = {r.input_kind.split(",")[0] for r in mine if r.k == kk}
                assert kinds == set(LOGIT_KINDS), (c.name, kk, kinds)
                methods = {r.method for r in mine if r.k == kk}
                expected = {METHOD_DIRECTIONAL, METHOD_FULL} if kk <= FULL_UP_TO else {METHOD_DIRECTIONAL}
                assert methods - {METHOD_MP} == expected, (c.name, kk, methods)
                # 50 digits at small k, and up to FULL_UP_TO where float64 came close; never at vocabulary sizes
                due = kk <= MP_ALWAYS_UP_TO or (kk <= FULL_UP_TO and _float64_close(mine, kk))
                assert (METHOD_MP in methods) == due, (c.name, kk)


def _float64_close(rows, kk) -> bool:
    """Whether a float64 row at k failed or came within MP_CLOSE of its tolerance (50 digits are then due)."""
    return any(not (r.passed and r.max_abs_error <= MP_CLOSE * r.tolerance)
               for r in rows if r.k == kk and r.method != METHOD_MP)


def test_50_digit_rows_are_at_small_k_and_wherever_float64_is_close_to_its_tolerance():
    for kk in (2, 3, 10):
        for wrong in (gradient(y[k] - p[k]), jacobian(DELTA * p[j])):
            rows = check_conclusion(wrong, NumericSettings(classes=(kk,)))
            for kind in {r.input_kind for r in rows}:
                at = [r for r in rows if r.input_kind == kind]
                has_mp = any(r.method == METHOD_MP for r in at)
                assert has_mp == (kk <= MP_ALWAYS_UP_TO or _float64_close(at, kk)), (wrong.name, kk, kind)
                if has_mp and not all(r.passed for r in at if r.method != METHOD_MP):
                    assert not [r for r in at if r.method == METHOD_MP][0].passed, (wrong.name, kk, kind)


def test_bundled_errors_are_far_below_one_and_tolerances_far_below_the_values(bundled_rows):
    """A tolerance that let anything through would show as a tolerance near the size of the values."""
    for rows in bundled_rows.values():
        for r in rows:
            if r.method == METHOD_MP:   # 50 digits of the largest derivative entry, at every input
                assert r.max_rel_error <= 1e-50, r
            else:
                assert r.tolerance < 1e-4, r


def test_soft_and_one_hot_targets_are_both_checked_where_the_conclusion_allows(bundled_rows):
    rows = bundled_rows["softmax-cross-entropy"]
    kinds = {r.input_kind for r in rows if r.conclusion == "loss-wrt-logits"}
    assert "random, soft" in kinds and "random, one-hot" in kinds


# --- wrong conclusions fail at every k ------------------------------------------------------------

WRONG = [
    pytest.param(gradient(y[k] - p[k]), id="gradient-sign-swapped"),
    pytest.param(gradient(p[k]), id="gradient-target-dropped"),
    pytest.param(gradient(-y[k]), id="gradient-prediction-dropped"),
    pytest.param(jacobian(p[j] * p[k] - DELTA * p[j]), id="jacobian-sign-swapped"),
    pytest.param(jacobian(DELTA * p[j]), id="jacobian-outer-product-dropped"),
    pytest.param(jacobian(DELTA * p[j] + p[j] * p[k]), id="jacobian-term-sign-swapped"),
    pytest.param(loss_wrt_free(y[k] / q[k]), id="loss-wrt-prediction-sign-swapped"),
    pytest.param(loss_wrt_free(-y[k] / q[k] ** 2), id="loss-wrt-prediction-wrong-power"),
]


@pytest.mark.parametrize("wrong", WRONG)
def test_a_wrong_conclusion_fails_at_every_k(wrong):
    rows = check_conclusion(wrong, NumericSettings(seed=0))
    for kk in CLASS_COUNTS:
        at_k = [r for r in rows if r.k == kk]
        assert at_k and any(not r.passed for r in at_k), f"{wrong.name} passes every check at k = {kk}"
    # and the random logits catch it with every method at every k
    for r in rows:
        if r.input_kind.startswith("random"):
            assert not r.passed, r


def test_the_right_conclusions_of_the_same_shapes_pass():
    for right in (gradient(p[k] - y[k]), jacobian(DELTA * p[j] - p[j] * p[k]), loss_wrt_free(-y[k] / q[k])):
        rows = check_conclusion(right, NumericSettings(classes=(2, 10, 1000)))
        assert all(r.passed for r in rows), [r for r in rows if not r.passed]


def test_the_formula_is_read_from_its_expression_in_any_equal_form():
    factored = jacobian(p[j] * (DELTA - p[k]))
    with_softmax = gradient(softmax(z, k, n) - y[k])
    for c in (factored, with_softmax):
        rows = check_conclusion(c, NumericSettings(classes=(3, 1000)))
        assert all(r.passed for r in rows), [r for r in rows if not r.passed]


def test_a_conclusion_claimed_only_for_one_hot_targets_is_checked_only_with_them():
    one_hot = conclusion("gradient", p[k] - y[k], of=L, wrt=z[k], classes=n, definitions={**SOFTMAX, **LOSS},
                         assumptions=(OneHot(y),))
    rows = check_conclusion(one_hot, NumericSettings(classes=(3,)))
    assert {r.input_kind.split(", ")[1] for r in rows} == {"one-hot"}


def test_a_true_class_index_takes_the_one_hot_position():
    l = indices("l")[0]
    delta_form = conclusion("gradient", p[k] - sp.KroneckerDelta(k, l), of=L, wrt=z[k], classes=n,
                            definitions={**SOFTMAX, **LOSS}, assumptions=(OneHot(y, l),))
    rows = check_conclusion(delta_form, NumericSettings(classes=(2, 10, 1000)))
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    wrong = dataclasses.replace(delta_form, formula=p[k])
    assert not all(r.passed for r in check_conclusion(wrong, NumericSettings(classes=(10,))))


# --- reproducibility -------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_numbers_and_another_seed_others():
    settings = NumericSettings(seed=7, classes=(3, 1000))
    first = check_conclusion(gradient(p[k] - y[k]), settings)
    again = check_conclusion(gradient(p[k] - y[k]), settings)
    assert first == again
    other = check_conclusion(gradient(p[k] - y[k]), NumericSettings(seed=8, classes=(3, 1000)))
    assert [r.max_abs_error for r in other] != [r.max_abs_error for r in first]


def test_a_row_does_not_depend_on_which_other_rows_run():
    alone = check_conclusion(gradient(p[k] - y[k]), NumericSettings(classes=(1000,)))
    together = check_conclusions([jacobian(DELTA * p[j] - p[j] * p[k]), gradient(p[k] - y[k])],
                                 NumericSettings(classes=(3, 1000)))
    assert alone == [r for r in together if r.conclusion == "gradient" and r.k == 1000]


def test_rows_are_plain_immutable_records():
    row = check_conclusion(gradient(p[k] - y[k]), NumericSettings(classes=(2,)))[0]
    assert isinstance(row, NumericRow)
    assert [f.name for f in dataclasses.fields(row)] == [
        "conclusion", "k", "input_kind", "method", "max_abs_error", "max_rel_error", "tolerance", "passed"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.passed = False


# --- the evaluator and its error bounds --------------------------------------------------------------

def _logits(kind, size, seed=3):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal(size)
    return {"random": base, "scale 1e3": 1e3 * base, "one dominating": np.where(np.arange(size) == 1, 100.0, base),
            "all equal": np.full(size, 0.3)}[kind]


@pytest.mark.parametrize("kind", LOGIT_KINDS)
@pytest.mark.parametrize("size", [2, 10, 300])
def test_the_rounding_bound_holds_against_110_digits(kind, size):
    """|float64 value - exact value| <= EPS * bound, for softmax entries and the loss."""
    logits = _logits(kind, size)
    targets = np.random.default_rng(5).random(size)
    inputs = {z: logits, y: targets}
    ev = Evaluator(inputs, conclusion("x", 0, of=L, wrt=z[k], classes=n, definitions={**SOFTMAX, **LOSS})
                   .definitions, n, size)
    with mpmath.workdps(MP_WORKING_DIGITS):
        exact = Evaluator({v: MP.array(x) for v, x in inputs.items()}, ev.definitions.values(), n, size,
                          backend=MP)
        for expr, axis in ((p[j], j), (L, None), (softmax(z, j, n), j)):
            value, bound = ev.value(expr, axis)
            truth, _ = exact.value(expr, axis)
            error = np.array([float(abs(mpmath.mpf(float(a)) - b)) for a, b in
                              zip(np.atleast_1d(value), np.atleast_1d(truth))])
            assert np.all(np.isfinite(np.atleast_1d(value)))
            assert np.all(error <= EPS * np.atleast_1d(bound)), (expr, kind, size, error.max())


def test_softmax_and_log_softmax_are_stable_at_extreme_logits():
    logits = np.array([1000.0, -1000.0, 999.0, 0.0])
    ev = Evaluator({z: logits, y: np.array([0.0, 1.0, 0.0, 0.0])}, gradient(0).definitions, n, 4)
    probabilities, _ = ev.value(p[j], j)
    assert np.all(np.isfinite(probabilities)) and math.isclose(probabilities.sum(), 1.0)
    loss, _ = ev.value(L)
    assert math.isclose(loss, 2000.0 + math.log1p(math.exp(-1.0)), rel_tol=1e-15)


# --- errors ----------------------------------------------------------------------------------------

def test_a_formula_that_mixes_the_indices_is_a_clear_error():
    with pytest.raises(NumericError, match=r"conclusion 'jacobian'.*mixes j and k"):
        check_conclusion(jacobian(p[j] / (p[j] + p[k])), NumericSettings(classes=(2,)))


def test_differentiating_by_a_defined_vector_is_a_clear_error():
    c = conclusion("bad", -y[k] / p[k], of=L, wrt=p[k], classes=n, definitions={**SOFTMAX, **LOSS})
    with pytest.raises(NumericError, match="defined vector"):
        check_conclusion(c, NumericSettings(classes=(2,)))


def test_a_class_count_below_two_is_refused():
    with pytest.raises(NumericError, match="at least 2"):
        check_conclusion(gradient(p[k] - y[k]), NumericSettings(classes=(1,)))


def test_conclusions_are_data_with_their_origin_and_unique_names():
    c = gradient(p[k] - y[k])
    assert c.origin.endswith(".py:" + c.origin.rsplit(":", 1)[1]) and "test_numeric.py" in c.origin
    with pytest.raises(ModelError, match="two conclusions are named 'gradient'"):
        from derive import Case, step

        case = Case("one", "one", classes=n, start=D(z[j], z[j]), steps=[step(1, "d/dz")])
        Proof("p", "t", Source("s"), "c", cases=[case], conclusions=[c, c])


# --- the commands ----------------------------------------------------------------------------------


TINY = """
from sympy import KroneckerDelta
from derive import (Case, D, Equal, Proof, Source, Vector, as_written, classes, conclusion, exp, indices,
                    softmax, step, sum_over)

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p")
with as_written():
    S = sum_over(exp(z[i]), i, k)
    PROOF = Proof("tiny", "A tiny proof", Source("Test notes"), "d softmax_j / d z_m",
        cases=[Case("diagonal", "j = m", classes=k, assumptions=[Equal(j, m)],
                    start=D(softmax(z, j, k), z[j]),
                    steps=[step(exp(z[j]) / S - exp(z[j]) ** 2 / S ** 2, "quotient rule")])],
        conclusions=[conclusion("jacobian", {formula}, of=p[j], wrt=z[m], classes=k,
                                definitions={{p: lambda a: softmax(z, a, k)}})])
"""



def tiny(tmp_path, formula):
    folder = tmp_path / "proofs"
    folder.mkdir(exist_ok=True)
    (folder / "tiny.py").write_text(textwrap.dedent(TINY.format(formula=formula)))
    return tmp_path


RIGHT_JACOBIAN = "KroneckerDelta(j, m) * p[j] - p[j] * p[m]"
WRONG_JACOBIAN = "KroneckerDelta(j, m) * p[j] + p[j] * p[m]"


def test_numeric_command_prints_the_table_and_exits_0(tmp_path):
    result = derive_here("numeric", "--k", "2", "1000", cwd=tiny(tmp_path, RIGHT_JACOBIAN))
    assert result.returncode == 0, result.stdout + result.stderr
    for header in ("conclusion", "input kind", "method", "max abs err", "max rel err", "tolerance", "pass"):
        assert header in result.stdout
    assert "jacobian" in result.stdout and "one dominating" in result.stdout
    assert "16 numeric checks (seed 0): all within tolerance" in result.stdout


def test_numeric_command_json_is_byte_identical_for_a_seed_and_differs_across_seeds(tmp_path):
    folder = tiny(tmp_path, RIGHT_JACOBIAN)
    first = derive("numeric", "--k", "3", "2^10", "--seed", "5", "--json", cwd=folder)
    again = derive("numeric", "--k", "3", "2^10", "--seed", "5", "--json", cwd=folder)
    other = derive("numeric", "--k", "3", "2^10", "--seed", "6", "--json", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout and first.stdout != other.stdout
    data = json.loads(first.stdout)
    assert data["seed"] == 5 and data["classes"] == [3, 1024]
    rows = data["proofs"][0]["rows"]
    assert len(rows) == 4 * 3 + 4 and all(r["passed"] for r in rows)
    assert set(rows[0]) == {"conclusion", "k", "input_kind", "method", "max_abs_error", "max_rel_error",
                            "tolerance", "passed"}


def test_numeric_command_fails_with_exit_1_on_a_wrong_conclusion(tmp_path):
    result = derive_here("numeric", "--k", "2", "1000", cwd=tiny(tmp_path, WRONG_JACOBIAN))
    assert result.returncode == 1
    assert "FAIL" in result.stdout


def test_numeric_command_refuses_a_bad_class_count_in_one_line(tmp_path):
    result = derive_here("numeric", "--k", "1", cwd=tiny(tmp_path, RIGHT_JACOBIAN))
    assert result.returncode == 2 and "at least 2" in result.stderr
    result = derive_here("numeric", "--k", "2+2", cwd=tiny(tmp_path, RIGHT_JACOBIAN))
    assert result.returncode == 2 and "not a number of classes" in result.stderr


def test_numeric_command_names_the_conclusion_it_cannot_check(tmp_path):
    result = derive_here("numeric", "--k", "2", cwd=tiny(tmp_path, "p[j] / (p[j] + p[m])"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "conclusion 'jacobian'" in lines[0] and "tiny.py:" in lines[0], result.stderr


def test_check_includes_the_numeric_summary_and_counts_it_towards_the_exit_code(tmp_path):
    good = derive_here("check", cwd=tiny(tmp_path, RIGHT_JACOBIAN))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "numeric: 1 conclusion, " in good.stdout and "all within tolerance" in good.stdout
    bad = derive_here("check", "--json", cwd=tiny(tmp_path, WRONG_JACOBIAN))
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    proof = data["proofs"][0]
    assert all(s["ok"] for c in proof["cases"] for s in c["steps"])   # every step holds ...
    assert proof["numeric"]["checks"] > proof["numeric"]["passed"]    # ... but the conclusion is wrong
    assert proof["ok"] is False and data["summary"]["numeric"]["failed"] > 0
    skipped = derive_here("check", "--json", "--no-numeric", cwd=tiny(tmp_path, WRONG_JACOBIAN))
    assert skipped.returncode == 0 and json.loads(skipped.stdout)["proofs"][0]["numeric"] is None


def test_the_readme_numeric_example_passes_as_written(tmp_path):
    import re

    readme = (ROOT / "README.md").read_text()
    code = re.search(r"copy this into\s+`proofs/softmax_gradient.py`.*?```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "softmax_gradient.py").write_text(code)
    result = derive_here("numeric", "--k", "2", "1000", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "32 numeric checks (seed 0): all within tolerance" in result.stdout


def test_the_notes_show_the_numeric_checks_unless_told_not_to(tmp_path):
    folder = tiny(tmp_path, RIGHT_JACOBIAN)
    shown = derive_here("latex", "--markdown", "--no-cache", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    assert "Numeric checks of the conclusions" in shown.stdout and "jacobian" in shown.stdout
    left_out = derive_here("latex", "--markdown", "--no-cache", "--no-numeric", cwd=folder)
    assert left_out.returncode == 0 and "Numeric checks of the conclusions" not in left_out.stdout


def test_one_check_by_any_method_at_any_k():
    from derive.numeric.check import check_one

    right = check_one(gradient(p[k] - y[k]), 64, "scale 1e3", "soft", METHOD_FULL)
    wrong = check_one(gradient(y[k] - p[k]), 64, "scale 1e3", "soft", METHOD_FULL)
    assert (right.k, right.method, right.input_kind) == (64, METHOD_FULL, "scale 1e3, soft")
    assert right.passed and not wrong.passed


# --- scalars with a domain, the vocabulary of sigmoid, softplus, log-sum-exp and tanh ---------------


T = scalar("T", "positive")
eps = scalar("ε", "nonnegative")
u = Vector("u")                     # logits over a temperature, u = z/T
TEMPERATURE = {u: lambda a: z[a] / T, p: lambda a: softmax(u, a, n), **LOSS}


def temperature(formula):
    return conclusion("temperature", formula, of=L, wrt=z[k], classes=n, definitions=TEMPERATURE,
                      assumptions=(SumsToOne(y),))


def _parameters(row) -> dict:
    """The named values of a row's input description: 'random, soft, T = 1.5, N = 3' -> {'T': 1.5, 'N': 3.0}."""
    return {name.strip(): float(value) for name, value in
            (part.split(" = ") for part in row.input_kind.split(", ") if " = " in part)}


def test_a_positive_scalar_takes_values_in_its_domain_at_every_input_and_the_rows_name_them():
    rows = check_conclusion(temperature((p[k] - y[k]) / T), NumericSettings(classes=(2, 10, 2**20)))
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    values = {r.input_kind.split(",")[0]: _parameters(r)["T"] for r in rows if r.k == 10}
    assert set(values) == set(LOGIT_KINDS)
    low, high = numeric_inputs.POSITIVE_SCALARS
    assert all(low < t < high for t in values.values()), values
    assert len(set(values.values())) == len(LOGIT_KINDS)   # drawn at every input, not one value for all


def test_a_nonnegative_scalar_takes_values_in_0_1_and_0_at_an_end_of_its_domain():
    smoothed = Vector("q")
    definitions = {smoothed: lambda a: (1 - eps) * y[a] + eps / n, **SOFTMAX,
                   L: -sum_over(smoothed[i] * log(p[i]), i, n)}
    right = conclusion("smoothing", p[k] - (1 - eps) * y[k] - eps / n, of=L, wrt=z[k], classes=n,
                       definitions=definitions, assumptions=(SumsToOne(y),))
    rows = check_conclusion(right, NumericSettings(classes=(3, 1000)))
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    values = [_parameters(r)["ε"] for r in rows]
    assert all(0 <= e < 1 for e in values) and 0 in values and any(e > 0 for e in values)
    assert all(_parameters(r)["ε"] == 0 for r in rows if r.input_kind.startswith("all equal"))


@pytest.mark.parametrize("wrong", [
    pytest.param(temperature(p[k] - y[k]), id="temperature-dropped"),
    pytest.param(temperature((y[k] - p[k]) / T), id="temperature-sign-swapped"),
    pytest.param(temperature((p[k] - y[k]) * T), id="temperature-multiplied"),
])
def test_a_wrong_formula_with_a_scalar_parameter_fails_at_every_k(wrong):
    rows = check_conclusion(wrong, NumericSettings(classes=CLASS_COUNTS))
    for kk in CLASS_COUNTS:
        assert any(not r.passed for r in rows if r.k == kk), f"{wrong.name} passes every check at k = {kk}"
    assert not [r for r in rows if r.input_kind.startswith("random") and r.passed]


def _general_value(expr, inputs, backend=FLOAT):
    ev = numeric_evaluate.Evaluator(inputs, {}, {n: len(next(v for v in inputs.values() if np.ndim(v)))}
                                   if any(np.ndim(v) for v in inputs.values()) else {n: 2}, n, backend=backend)
    value, bound = ev.value(expr)
    return value, bound


@pytest.mark.parametrize("x", [-1000.0, -40.0, -1.5, 0.0, 0.25, 3.0, 40.0, 1000.0])
def test_sigmoid_softplus_and_tanh_agree_with_110_digits_and_stay_finite(x):
    s = scalar("s")
    with mpmath.workdps(110):
        mx = mpmath.mpf(x)
        truths = {sigmoid(s): 1 / (1 + mpmath.exp(-mx)), softplus(s): mpmath.log(1 + mpmath.exp(mx)),
                  tanh(s): mpmath.tanh(mx), log(sigmoid(s)): -mpmath.log(1 + mpmath.exp(-mx)),
                  log(1 - sigmoid(s)): -mpmath.log(1 + mpmath.exp(mx))}
        for expr, truth in truths.items():
            value, bound = _general_value(expr, {s: x})
            assert np.isfinite(value), (expr, x)
            assert abs(mpmath.mpf(float(value)) - truth) <= EPS * float(bound) + 1e-300, (expr, x, value, truth)
            exact, _ = _general_value(expr, {s: mpmath.mpf(x)}, MP)
            assert abs(exact - truth) <= mpmath.mpf(10) ** -100 * max(1, abs(truth)), (expr, x)


@pytest.mark.parametrize("kind", LOGIT_KINDS)
def test_log_sum_exp_is_shifted_by_the_largest_logit_and_bounded(kind):
    logits = _logits(kind, 50)
    value, bound = _general_value(logsumexp(z, n), {z: logits})
    written = _general_value(log(sum_over(sp.exp(z[i]), i, n)), {z: logits})[0]
    with mpmath.workdps(110):
        truth = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in logits))
        assert np.isfinite(value) and value == written
        assert abs(mpmath.mpf(float(value)) - truth) <= EPS * float(bound), (kind, value, truth)


# --- differentiating with respect to a scalar --------------------------------------------------------

logit = scalar("x")
target = scalar("t", "nonnegative")
BINARY = {L: -(target * log(sigmoid(logit)) + (1 - target) * log(1 - sigmoid(logit)))}


def binary(formula, of=L):
    return conclusion("binary", formula, of=of, wrt=logit, classes=n, definitions=BINARY)


def test_a_derivative_with_respect_to_a_scalar_logit_passes_and_a_wrong_one_fails_at_every_input():
    for right in (binary(sigmoid(logit) - target), binary(sigmoid(logit) * (1 - sigmoid(logit)), sigmoid(logit)),
                  binary(1 - tanh(logit) ** 2, tanh(logit)), binary(sigmoid(logit), softplus(logit))):
        rows = check_conclusion(right, NumericSettings(classes=(2, 1000)))
        assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    for wrong in (binary(target - sigmoid(logit)), binary(sigmoid(logit)),
                  binary(sigmoid(logit) * (1 + sigmoid(logit)), sigmoid(logit))):
        rows = check_conclusion(wrong, NumericSettings(classes=(2, 1000)))
        at_random = [r for r in rows if r.input_kind.startswith("random")]
        assert at_random and not any(r.passed for r in at_random), at_random


def test_the_derivative_with_respect_to_a_shift_of_every_logit_is_one():
    c = scalar("c")
    shifted = Vector("w")
    definitions = {shifted: lambda a: z[a] + c}
    right = conclusion("shift", 1, of=LogSumExp(shifted, n), wrt=c, classes=n, definitions=definitions)
    wrong = conclusion("shift", 0, of=LogSumExp(shifted, n), wrt=c, classes=n, definitions=definitions)
    settings = NumericSettings(classes=(2, 10, 2**20))
    assert all(r.passed for r in check_conclusion(right, settings))
    assert not any(r.passed for r in check_conclusion(wrong, settings))


# --- matrix entries, vectors of other sizes and counts ------------------------------------------------

N = count("N")
b_, c_ = indices("b c", over=N)
Z = Matrix("Z", rows=N, cols=n)
P = Matrix("P", rows=N, cols=n)
Y = Matrix("Y", "nonnegative", rows=N, cols=n)
BATCH = {P: lambda r, col: sp.exp(Z[r, col]) / sum_over(sp.exp(Z[r, m]), m, n),
         L: -sum_over(sum_over(Y[b_, i] * log(P[b_, i]), i, n), b_, N) / N}


def batch(formula):
    return conclusion("batch", formula, of=L, wrt=Z[c_, k], classes=n, definitions=BATCH,
                      assumptions=(SumsToOne(Y),))


def test_a_matrix_entry_is_checked_with_counts_that_reach_2_to_the_20_entries():
    rows = check_conclusion(batch((P[c_, k] - Y[c_, k]) / N), NumericSettings(classes=(3, 2**20)))
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    for r in rows:
        size = _parameters(r)["N"]
        assert size == numeric_inputs.count_values([N], r.k)[N] and size >= 2 and size != r.k
    assert max(_parameters(r)["N"] * r.k for r in rows) >= 2**20
    assert {r.input_kind.split(", ")[1] for r in rows} == {"one-hot", "soft"}


@pytest.mark.parametrize("wrong", [
    pytest.param(batch(P[c_, k] - Y[c_, k]), id="batch-size-dropped"),
    pytest.param(batch((Y[c_, k] - P[c_, k]) / N), id="batch-sign-swapped"),
    pytest.param(batch((P[c_, k] - Y[c_, k]) / n), id="batch-over-classes"),
])
def test_a_wrong_batch_formula_fails_at_every_k(wrong):
    rows = check_conclusion(wrong, NumericSettings(classes=CLASS_COUNTS))
    for kk in CLASS_COUNTS:
        assert any(not r.passed for r in rows if r.k == kk), f"{wrong.name} passes every check at k = {kk}"
    assert not [r for r in rows if r.input_kind.startswith("random") and r.passed]


D_ = count("D")
d_, e_ = indices("d e", over=D_)
x = Vector("x", size=D_)
W = Matrix("W", rows=n, cols=D_)
bias = Vector("b")


def linear(formula, wrt):
    logits = Vector("a")
    definitions = {logits: lambda r: sum_over(W[r, e_] * x[e_], e_, D_) + bias[r],
                   p: lambda r: softmax(logits, r, n), **LOSS}
    return conclusion("linear", formula, of=L, wrt=wrt, classes=n, definitions=definitions,
                      assumptions=(SumsToOne(y),))


def test_weights_of_a_linear_layer_and_an_input_of_another_size():
    settings = NumericSettings(classes=(2, 10, 1000))
    for right in (linear((p[k] - y[k]) * x[d_], W[k, d_]), linear(p[k] - y[k], bias[k]),
                  linear(sum_over((p[i] - y[i]) * W[i, d_], i, n), x[d_])):
        rows = check_conclusion(right, settings)
        assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
        assert all(_parameters(r)["D"] == numeric_inputs.count_values([D_], r.k)[D_] for r in rows)
    for wrong in (linear((y[k] - p[k]) * x[d_], W[k, d_]), linear(p[k] - y[k], W[k, d_]),
                  linear(sum_over((p[i] - y[i]) * W[i, d_], i, n) * x[d_], x[d_])):
        rows = check_conclusion(wrong, settings)
        assert not [r for r in rows if r.input_kind.startswith("random") and r.passed], wrong.formula


def test_an_entry_with_a_number_as_index_moves_only_that_entry():
    pair = Vector("v", size=2)
    q2 = Vector("r", size=2)
    definitions = {q2: lambda a: softmax(pair, a, 2), L: -(target * log(q2[1]) + (1 - target) * log(q2[2]))}
    right = conclusion("first", q2[1] - target, of=L, wrt=pair[1], classes=n, definitions=definitions)
    wrong = conclusion("first", q2[2] - target, of=L, wrt=pair[1], classes=n, definitions=definitions)
    settings = NumericSettings(classes=(2, 3))
    assert all(r.passed for r in check_conclusion(right, settings))
    assert not [r for r in check_conclusion(wrong, settings) if r.input_kind.startswith("random") and r.passed]


def test_a_formula_with_an_index_that_wrt_does_not_have_is_a_clear_error():
    with pytest.raises(NumericError, match=r"conclusion 'linear'.*index d.*not an index of wrt"):
        check_conclusion(linear((p[k] - y[k]) * x[d_], bias[k]), NumericSettings(classes=(2,)))


# --- the course library's conclusions ----------------------------------------------------------------

LIBRARY_CONCLUSIONS = {
    "binary-logistic-regression": {"sigmoid-derivative", "loss-wrt-logit"},
    "softmax-temperature": {"loss-wrt-logits"},
    "label-smoothing": {"loss-wrt-logits"},
    "batch-cross-entropy": {"loss-wrt-logits"},
    "linear-softmax-cross-entropy": {"loss-wrt-weights", "loss-wrt-bias"},
    "sigmoid-two-class-softmax": {"loss-wrt-first-logit"},
}


def _library_conclusion(bundled_proofs, proof_id, name):
    proof = next(p for p in bundled_proofs if p.id == proof_id)
    return next(c for c in proof.conclusions if c.name == name)


def _named(expr, name):
    """The symbol or vector called ``name`` in an expression (the library's own objects, not copies)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Symbol, sp.IndexedBase)) and str(node) == name:
            return node
    raise LookupError(name)


def test_the_library_declares_its_conclusions_and_they_pass_at_every_k(bundled_proofs, bundled_rows):
    for proof_id, names in LIBRARY_CONCLUSIONS.items():
        proof = next(p for p in bundled_proofs if p.id == proof_id)
        assert {c.name for c in proof.conclusions} >= names, proof_id
        rows = bundled_rows[proof_id]
        for name in names:
            mine = [r for r in rows if r.conclusion == name]
            classes = next(c for c in proof.conclusions if c.name == name).classes
            ks = CLASS_COUNTS if classes is not None else CLASS_COUNTS[:1]  # without classes: checked once
            assert {r.k for r in mine} == set(ks), (proof_id, name)
            assert mine and all(r.passed for r in mine), [r for r in mine if not r.passed]
    batch_rows = [r for r in bundled_rows["batch-cross-entropy"] if r.k == max(CLASS_COUNTS)]
    assert batch_rows and all(_parameters(r)["N"] * r.k >= 2**20 for r in batch_rows)
    temperature_rows = bundled_rows["softmax-temperature"]
    assert all(0.5 < _parameters(r)["T"] < 3 for r in temperature_rows)


def _entry(expr, name):
    """The entry of the vector called ``name`` in an expression (x[d])."""
    return next(e for e in sp.preorder_traversal(expr) if isinstance(e, sp.Indexed) and str(e.base) == name)


def _times(name):
    return lambda f: f * _named(f, name)


def _negated(f):
    return -f


WRONG_LIBRARY = [   # (proof, conclusion, the slip, the wrong formula made from the right one)
    ("binary-logistic-regression", "sigmoid-derivative", "sign", _negated),
    ("binary-logistic-regression", "sigmoid-derivative", "1 + σ for 1 − σ",
     lambda f: sigmoid(_named(f, "z")) * (1 + sigmoid(_named(f, "z")))),
    ("binary-logistic-regression", "loss-wrt-logit", "sign", _negated),
    ("softmax-temperature", "loss-wrt-logits", "1/T dropped", _times("T")),
    ("softmax-temperature", "loss-wrt-logits", "sign", _negated),
    ("label-smoothing", "loss-wrt-logits", "ε written for ε/k",
     lambda f: f + _named(f, "ε") / _named(f, "k") - _named(f, "ε")),
    ("label-smoothing", "loss-wrt-logits", "sign", _negated),
    ("batch-cross-entropy", "loss-wrt-logits", "1/N dropped", _times("N")),
    ("batch-cross-entropy", "loss-wrt-logits", "sign", _negated),
    ("linear-softmax-cross-entropy", "loss-wrt-weights", "x_d dropped", lambda f: f / _entry(f, "x")),
    ("linear-softmax-cross-entropy", "loss-wrt-weights", "sign", _negated),
    ("linear-softmax-cross-entropy", "loss-wrt-bias", "sign", _negated),
    ("sigmoid-two-class-softmax", "loss-wrt-first-logit", "sign", _negated),
]


@pytest.mark.parametrize("proof_id, name, slip, wrong", WRONG_LIBRARY,
                         ids=[f"{p}-{c}-{s}" for p, c, s, _ in WRONG_LIBRARY])
def test_a_slip_in_a_library_conclusion_fails_at_every_k(bundled_proofs, proof_id, name, slip, wrong):
    right = _library_conclusion(bundled_proofs, proof_id, name)
    slipped = dataclasses.replace(right, formula=wrong(right.formula))
    assert sp.simplify(slipped.formula - right.formula) != 0, slip
    rows = check_conclusion(slipped, NumericSettings(seed=0))
    for kk in CLASS_COUNTS if right.classes is not None else CLASS_COUNTS[:1]:  # without classes: checked once
        assert any(not r.passed for r in rows if r.k == kk), f"{proof_id} {name} ({slip}) passes at k = {kk}"
    assert not [r for r in rows if r.input_kind.startswith("random") and r.passed], (proof_id, name, slip)


# --- soundness: exact targets, no overflow, no traceback ---------------------------------------------



def test_soft_targets_of_every_row_sum_to_exactly_one():
    weights = np.random.default_rng(1).random((4, 1000)) + 1e-3
    for row in numeric_inputs.exact_distributions(weights):
        assert sum(Fraction(float(v)) for v in row) == 1 and np.all(row > 0)
    point = numeric_inputs.point(prepare_general(batch((P[c_, k] - Y[c_, k]) / N)), 0, 10,
                                   "random", "soft")
    for row in point.values[Y]:
        assert sum(Fraction(float(v)) for v in row) == 1


def kl(formula, target):
    return conclusion("kl", formula, of=L, wrt=z[k], classes=n,
                      definitions={**SOFTMAX, L: sum_over(target[i] * log(target[i] / p[i]), i, n)},
                      assumptions=(SumsToOne(target),))


def test_a_positive_soft_target_assumed_to_sum_to_one_is_drawn_so_that_it_does():
    positive = Vector("y", "positive")
    rows = check_conclusion(kl(p[k] - positive[k], positive), NumericSettings(classes=(2, 3, 10, 1000)))
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    wrong = check_conclusion(kl(positive[k] - p[k], positive), NumericSettings(classes=(2, 3, 10, 1000)))
    assert not [r for r in wrong if r.input_kind.startswith("random") and r.passed]


def test_log_sum_exp_written_out_gives_no_nan_at_logits_of_scale_1e3():
    written = {**SOFTMAX, L: -sum_over(y[i] * (z[i] - log(sum_over(sp.exp(z[m]), m, n))), i, n)}
    right = conclusion("written", p[k] - y[k], of=L, wrt=z[k], classes=n, definitions=written,
                       assumptions=(SumsToOne(y),))
    rows = check_conclusion(right, NumericSettings(classes=(2, 10, 2**20)))
    at_scale = [r for r in rows if r.input_kind.startswith("scale 1e3")]
    assert at_scale and all(math.isfinite(r.max_abs_error) and math.isfinite(r.tolerance) for r in rows)
    assert all(r.passed for r in rows), [r for r in rows if not r.passed]
    wrong = check_conclusion(dataclasses.replace(right, formula=y[k] - p[k]), NumericSettings(classes=(2, 10)))
    assert not [r for r in wrong if r.input_kind.startswith("random") and r.passed]


def test_a_log_of_a_zero_target_entry_is_a_one_line_error_naming_the_conclusion_and_the_fix():
    with pytest.raises(NumericError) as raised:
        check_conclusion(kl(p[k] - y[k], y), NumericSettings(classes=(2,)))
    message = str(raised.value)
    assert "\n" not in message and message.startswith("conclusion 'kl'") and "k = 2" in message
    assert "positive target with SumsToOne" in message


KL_FILE = """
from derive import Proof, Source, Case, D, SumsToOne, Vector, classes, conclusion, indices, log, scalar, softmax
from derive import step, sum_over

n = classes("n")
i, k = indices("i k")
z, p, y = Vector("z"), Vector("p"), Vector("y", "nonnegative")
L = scalar("L")
PROOF = Proof("kl", "KL", Source("Test notes"), "d z / d z",
    cases=[Case("one", "one", classes=n, start=D(z[k], z[k]), steps=[step(1, "d/dz")])],
    conclusions=[conclusion("kl", p[k] - y[k], of=L, wrt=z[k], classes=n,
                            definitions={p: lambda a: softmax(z, a, n), L: sum_over(y[i] * log(y[i] / p[i]), i, n)},
                            assumptions=(SumsToOne(y),))])
"""


def test_numeric_command_with_a_nonnegative_soft_target_under_a_log_exits_2_in_one_line(tmp_path):
    (tmp_path / "proofs").mkdir()
    (tmp_path / "proofs" / "kl.py").write_text(KL_FILE)
    result = derive_here("numeric", "--k", "2", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "conclusion 'kl'" in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert "kl.py:" in lines[0] and "k = 2" in lines[0], lines[0]


def test_one_check_of_a_conclusion_with_a_parameter():
    from derive.numeric.check import check_one

    right = check_one(temperature((p[k] - y[k]) / T), 64, "scale 1e3", "soft", METHOD_DIRECTIONAL)
    wrong = check_one(temperature(p[k] - y[k]), 64, "random", "soft", METHOD_DIRECTIONAL)
    assert right.k == 64 and right.input_kind.startswith("scale 1e3, soft, T = ")
    assert right.passed and not wrong.passed


@pytest.mark.parametrize("kind", LOGIT_KINDS)
def test_the_general_rounding_bound_holds_against_110_digits_for_a_batch_and_a_temperature(kind):
    """|float64 value − exact value| ≤ EPS · bound for the batch loss, its softmax entries and a tempered loss."""
    logits = _logits(kind, 3 * 40).reshape(3, 40)
    weights = np.random.default_rng(5).random((3, 40)) + 1e-3
    targets = numeric_inputs.exact_distributions(weights)
    inputs = {Z: logits, Y: targets, z: logits[0], y: targets[0], T: 0.7}
    sizes = {n: 40, N: 3}
    for definitions, checked in (({d.name: d for d in batch(0).definitions}, ((P[c_, k], (c_, k)), (L, ()))),
                                 ({d.name: d for d in temperature(0).definitions}, ((p[k], (k,)), (L, ())))):
        ev = numeric_evaluate.Evaluator(inputs, definitions, sizes, n)
        with mpmath.workdps(110):
            exact = numeric_evaluate.Evaluator({v: (MP.array(x) if np.ndim(x) else mpmath.mpf(x))
                                               for v, x in inputs.items()}, definitions, sizes, n,
                                              backend=MP)
            for expr, axes in checked:
                value, bound = ev.value(expr, axes)
                truth, _ = exact.value(expr, axes)
                error = np.array([float(abs(mpmath.mpf(float(a)) - b)) for a, b in
                                  zip(np.ravel(value), np.ravel(truth))])
                assert np.all(np.isfinite(np.ravel(value))), (expr, kind)
                assert np.all(error <= EPS * np.ravel(bound)), (expr, kind, error.max())


def test_the_source_documents_conclusions_keep_the_term_by_term_method(source_proofs):
    """Their rows stay what they were: only conclusions beyond vectors over the classes go the general way."""

    for proof in source_proofs:
        for c in proof.conclusions:
            assert not is_general(c), (proof.id, c.name)
    assert is_general(temperature((p[k] - y[k]) / T)) and is_general(batch((P[c_, k] - Y[c_, k]) / N))


def tempered_jacobian(formula):
    """∂p_j/∂z_k for p = softmax(z/T): (p_j δ_jk − p_j p_k)/T."""
    return conclusion("tempered-jacobian", formula, of=p[j], wrt=z[k], classes=n, definitions=TEMPERATURE)


def _fails_at_every_k(rows, ks):
    for kk in ks:
        assert any(not r.passed for r in rows if r.k == kk), f"passes every check at k = {kk}"


def test_a_jacobian_with_a_temperature_passes_at_every_k_and_a_forgotten_1_over_t_fails_at_every_k():
    settings = NumericSettings(classes=CLASS_COUNTS)
    rows = check_conclusion(tempered_jacobian((DELTA * p[j] - p[j] * p[k]) / T), settings)
    assert {r.k for r in rows} == set(CLASS_COUNTS)
    assert all(r.passed for r in rows), [r for r in rows if not r.passed]
    assert all(low <= _parameters(r)["T"] <= high for r in rows for low, high in [numeric_inputs.POSITIVE_SCALARS])
    _fails_at_every_k(check_conclusion(tempered_jacobian(DELTA * p[j] - p[j] * p[k]), settings), CLASS_COUNTS)
    _fails_at_every_k(check_conclusion(tempered_jacobian((DELTA * p[j] - p[j] * p[j]) / T), settings), CLASS_COUNTS)


def test_a_jacobian_with_respect_to_the_entries_of_a_matrix_is_checked():
    """A linear layer a = W x + b followed by softmax: ∂a_j/∂W_kd = δ_jk x_d and ∂p_j/∂W_kd = (p_j δ_jk − p_j p_k) x_d."""
    a = Vector("a")
    layer = {a: lambda r: sum_over(W[r, e_] * x[e_], e_, D_) + bias[r], p: lambda r: softmax(a, r, n)}
    ks = (2, 3, 10, 1000)
    settings = NumericSettings(classes=ks)

    def jacobian(formula, of=p[j]):
        return conclusion("layer-jacobian", formula, of=of, wrt=W[k, d_], classes=n, definitions=layer)

    for right in (jacobian(DELTA * x[d_], of=a[j]), jacobian((DELTA * p[j] - p[j] * p[k]) * x[d_])):
        rows = check_conclusion(right, settings)
        assert {r.k for r in rows} == set(ks) and all(r.passed for r in rows), [r for r in rows if not r.passed]
        assert all(_parameters(r)["D"] == numeric_inputs.count_values([D_], r.k)[D_] for r in rows)
    for wrong in (jacobian(DELTA, of=a[j]), jacobian(DELTA * p[j] - p[j] * p[k]),
                  jacobian((DELTA * p[j] - p[j] * p[k]) * x[d_] / n)):
        _fails_at_every_k(check_conclusion(wrong, settings), ks)


def test_a_jacobian_whose_of_and_wrt_share_an_index_is_a_clear_error():
    with pytest.raises(NumericError, match=r"conclusion 'tempered-jacobian'.*share the index k.*different indices"):
        check_conclusion(conclusion("tempered-jacobian", (1 - p[k]) * p[k] / T, of=p[k], wrt=z[k], classes=n,
                                    definitions=TEMPERATURE), NumericSettings(classes=(2,)))


def test_an_entry_indexed_over_the_wrong_count_is_a_clear_error():
    wrong_count = conclusion("wrong-count", (P[c_, k] - Y[c_, k]) / N * y[c_], of=L, wrt=Z[c_, k], classes=n,
                             definitions=BATCH, assumptions=(SumsToOne(Y),))
    with pytest.raises(NumericError, match=r"conclusion 'wrong-count'.*y\[c\].*index c takes 3 values.*own count"):
        check_conclusion(wrong_count, NumericSettings(classes=(10,)))
