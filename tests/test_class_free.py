"""Cases and conclusions without classes: a scalar logit z and a label y, a sigmoid, a softplus.

A case that gives no ``classes=`` is checked over its scalars (and any counts
and sized vectors) alone: its steps are PROVED as any other, a slip is REFUTED
with a counterexample that names only the inputs it has, its notes describe
only the objects it has, and a case that does use something over the classes
without giving them is a one-line error naming the proof and the case.
The values of each side at a counterexample are recomputed here with mpmath
from the formulas, never taken from the checker.
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest
from commands import derive

from derive import (D, Case, Proof, Source, Vector, as_written, classes, conclusion, exp, indices, log, scalar,
                    sigmoid, softplus, step)
from derive.core.checker import check_equal
from derive.core.context import Context
from derive.core.verdict import Verdict
from derive.engine.run import Settings, check_case
from derive.model.proof import ModelError
from derive.model.report import ProofReport
from derive.numeric.check import check_conclusions
from derive.numeric.rows import NumericSettings
from derive.render.markdown import proof_markdown
from derive.render.notes import proof_view

mpmath.mp.dps = 50

z = scalar("z")
y = scalar("y", "nonnegative")
L = scalar("L")
SOURCE = Source("Test: a scalar logit")

with as_written():
    LOSS = {L: -(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))}


def _case(*steps, start=None, definitions=LOSS, **kwargs):
    with as_written():
        return Case("gradient", "The gradient", start=D(L, z) if start is None else start, definitions=definitions,
                    steps=steps, **kwargs)


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _inputs(counterexample) -> dict:
    return {name: mpmath.mpf(Fraction(value).numerator) / Fraction(value).denominator
            for name, (value,) in counterexample.inputs}


# --- checking ---------------------------------------------------------------------------------------


def test_a_case_without_classes_proves_the_logistic_gradient():
    with as_written():
        case = _case(step(-(y * (1 - sigmoid(z)) - (1 - y) * sigmoid(z)), "the derivative of log σ"),
                     step(sigmoid(z) - y, "expand"))
    assert case.classes is None and not case.context().has_classes
    report = check_case(case, Settings())
    assert [s.outcome.verdict for s in report.steps] == [Verdict.PROVED, Verdict.PROVED]
    assert report.derived.outcome.verdict is Verdict.PROVED


def test_a_slip_without_classes_is_refuted_at_a_point_that_names_only_the_scalars():
    with as_written():
        case = _case(step(y - sigmoid(z), "a dropped sign"))
    outcome = check_case(case, Settings()).steps[0].outcome
    assert outcome.verdict is Verdict.REFUTED
    point = outcome.counterexample
    assert point.classes is None and point.classes_name == "" and point.indices == ()
    assert {name for name, _ in point.inputs} == {"y", "z"}
    assert "k=" not in point.text() and point.text().startswith("y=")
    values = _inputs(point)
    left, right = _sigmoid(values["z"]) - values["y"], values["y"] - _sigmoid(values["z"])
    assert abs(mpmath.mpf(point.left) - left) < mpmath.mpf("1e-25")
    assert abs(mpmath.mpf(point.right) - right) < mpmath.mpf("1e-25")
    assert left != right


def test_a_softplus_identity_without_classes_is_proved_and_its_slip_refuted():
    ctx = Context(None)
    assert check_equal(D(softplus(z), z), sigmoid(z), ctx).verdict is Verdict.PROVED
    assert check_equal(sigmoid(z) + sigmoid(-z), 1, ctx).verdict is Verdict.PROVED
    wrong = check_equal(D(softplus(z), z), sigmoid(-z), ctx)  # the two agree at z = 0 only
    assert wrong.verdict is Verdict.REFUTED and wrong.counterexample.classes is None
    (name, (value,)), = wrong.counterexample.inputs
    assert name == "z" and Fraction(value) != 0


def test_a_verified_step_without_classes_names_no_k():
    # evidence below PROVED for a case without classes counts instances, not class counts
    from derive.core.verdict import Outcome

    outcome = Outcome(Verdict.VERIFIED, instances=3)
    assert outcome.evidence() == "exactly on 3 instances"


def test_the_json_counterexample_of_a_case_without_classes_has_no_k(tmp_path):
    proof_file = tmp_path / "slip.py"
    proof_file.write_text(
        "from derive import D, Case, Proof, Source, as_written, log, scalar, sigmoid, step\n"
        "z, y, L = scalar('z'), scalar('y', 'nonnegative'), scalar('L')\n"
        "with as_written():\n"
        "    C = Case('gradient', 'slip', definitions={L: -(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))},\n"
        "             start=D(L, z), steps=(step(y - sigmoid(z), 'a dropped sign'),))\n"
        "PROOF = Proof(id='slip', title='Slip', source=Source('test'), claim='c', cases=[C])\n",
        encoding="utf-8")
    result = derive("check", str(proof_file), "--json", "--no-cache", "--no-progress", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (s,) = json.loads(result.stdout)["proofs"][0]["cases"][0]["steps"]
    assert s["verdict"] == "REFUTED" and set(s["counterexample"]["inputs"]) == {"y", "z"}
    assert "k" not in s["counterexample"] and "classes_name" not in s["counterexample"]
    assert "k=" not in s["evidence"]


# --- what the notes say -------------------------------------------------------------------------------


def test_the_notes_of_a_case_without_classes_do_not_mention_classes():
    with as_written():
        case = _case(step(sigmoid(z) - y, "the logistic gradient"), step(y - sigmoid(z), "a dropped sign"))
    proof = Proof(id="logistic", title="Logistic", source=SOURCE, claim="dL/dz = σ(z) − y", cases=[case])
    view = proof_view(ProofReport(proof, (check_case(case, Settings()),)))
    (case_view,) = view.cases
    text = repr(case_view.assumptions) + repr(case_view.counterexamples) + repr(case_view.notes)
    assert "class" not in text and "k =" not in text and "k \\ge" not in text
    markdown = "\n".join(proof_markdown(view))
    section = markdown[markdown.index("### The gradient"):]
    assert "class" not in section and "Take $y = 0$, $z = 0$" in section, section


# --- errors ---------------------------------------------------------------------------------------------


def test_a_case_that_uses_a_vector_but_gives_no_classes_is_a_one_line_error_naming_proof_and_case():
    v = Vector("v")
    (j,) = indices("j")
    with as_written():
        case = Case("entry", "An entry of a vector", start=D(exp(v[j]), v[j]), steps=(step(exp(v[j]), "e^x"),))
        with pytest.raises(ModelError) as error:
            Proof(id="vector-without-classes", title="t", source=SOURCE, claim="c", cases=[case])
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("proof 'vector-without-classes', case 'entry': ")
    assert "pass classes=classes('k')" in message and "v is a vector with one entry per class" in message


def test_an_index_over_the_classes_without_classes_is_an_error_naming_the_index():
    (j,) = indices("j")
    w = Vector("w", size=3)
    with as_written():
        case = Case("entry", "An entry", start=D(exp(w[j]), w[j]), steps=(step(exp(w[j]), "e^x"),))
        with pytest.raises(ModelError, match=r"^proof 'p', case 'entry': j is an index over the classes .*"
                                             r"pass classes=classes\('k'\)"):
            Proof(id="p", title="t", source=SOURCE, claim="c", cases=[case])


def test_a_conclusion_that_uses_a_vector_but_gives_no_classes_is_an_error_naming_it():
    v = Vector("v")
    (j,) = indices("j")
    with as_written():
        case = _case(step(sigmoid(z) - y, "the logistic gradient"))
        wrong = conclusion("entry", exp(v[j]), of=exp(v[j]), wrt=v[j])
        with pytest.raises(ModelError, match=r"^proof 'p', conclusion 'entry': v is a vector .* the conclusion "
                                             r"has no classes: pass classes=classes\('k'\)"):
            Proof(id="p", title="t", source=SOURCE, claim="c", cases=[case], conclusions=[wrong])


def test_the_error_reaches_the_command_line_as_one_line_with_the_place(tmp_path):
    proof_file = tmp_path / "vector.py"
    proof_file.write_text(
        "from derive import D, Case, Proof, Source, Vector, as_written, exp, indices, step\n"
        "v = Vector('v')\n"
        "j, = indices('j')\n"
        "with as_written():\n"
        "    C = Case('entry', 'e', start=D(exp(v[j]), v[j]), steps=(step(exp(v[j]), 'e^x'),))\n"
        "PROOF = Proof(id='vector-without-classes', title='t', source=Source('test'), claim='c', cases=[C])\n",
        encoding="utf-8")
    result = derive("check", str(proof_file), "--no-cache", "--no-progress", cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "vector.py:6: proof 'vector-without-classes', case 'entry': v is a vector" in lines[0]
    assert "pass classes=classes('k')" in lines[0]


def test_the_core_refuses_a_step_over_the_classes_in_a_context_without_them():
    v = Vector("v")
    (j,) = indices("j")
    outcome = check_equal(exp(v[j]), exp(v[j]), Context(None))
    assert outcome.verdict is Verdict.ERROR and "pass classes=classes('k')" in outcome.message


def test_a_case_with_classes_still_may_use_only_scalars():
    k = classes("k")
    with as_written():
        case = _case(step(sigmoid(z) - y, "the logistic gradient"), classes=k)
    assert case.context().has_classes
    assert check_case(case, Settings()).steps[0].outcome.verdict is Verdict.PROVED


# --- numeric checks -------------------------------------------------------------------------------------


def test_a_conclusion_without_classes_is_checked_once_not_at_every_k():
    with as_written():
        gradient = conclusion("loss-wrt-logit", sigmoid(z) - y, of=L, wrt=z, definitions=LOSS)
    rows = check_conclusions([gradient], NumericSettings(seed=0, classes=(2, 3, 10)))
    assert rows and all(r.passed for r in rows)
    assert {r.k for r in rows} == {2}
    checks = [(r.input_kind, r.method) for r in rows]
    assert len(checks) == len(set(checks))
    with as_written():
        wrong = conclusion("loss-wrt-logit", y - sigmoid(z), of=L, wrt=z, definitions=LOSS)
    assert not any(r.passed for r in check_conclusions([wrong], NumericSettings(seed=0, classes=(2, 3))))
