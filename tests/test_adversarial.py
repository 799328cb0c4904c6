"""The adversarial suite: small proofs a careful user can write, each judged against its mathematical truth.

``tests/adversarial/`` holds proof modules written with the public API only
(see its README.md).  Each module records the truth of its steps in a literal
``EXPECTED`` dict (and of its claims in ``CLAIMS``), read here with ``ast``
so that a module which fails to load still says what it expected:

* ``true``: the step must come out PROVED;
* ``false``: never PROVED, VERIFIED or NUMERIC, and the run must not pass;
  a counterexample, when one is given, must satisfy every assumption of its
  case, and the two sides must differ there;
* ``ill-formed``: an ERROR (of the step, or of the module when it is
  loaded) with a one-line message holding one phrase of each group in
  ``PHRASES``.

Truth is decided by the independent oracle (``PreciseOracle`` in
``tests/oracle.py``), never by the checker: a true statement agrees at every
k from 2 to 8 and every index assignment, a false one differs (or has a value
on one side only) at some point that satisfies its case's assumptions.

The verdicts are those of ``derive check --json``, run as a user runs it, on
each folder: ``sound/`` (true steps and refutable errata: the run passes),
``rejected/`` (claims without coverage, false steps no counterexample can
show: the run fails) and ``ill_formed/`` (every proof an error: exit code 2).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from derive.core.context import Distinct, Equal, OneHot
from derive.model.proof import Case, Expect, step
from oracle import PreciseOracle, Point

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "adversarial"
FOLDERS = {"sound": 0, "rejected": 1, "ill_formed": 2}   # each folder and the exit code its run should have
HOLDING = {"PROVED", "VERIFIED", "NUMERIC"}
TRUE_CLASSES = range(2, 9)        # a true statement agrees at every k here ...
FALSE_CLASSES = range(2, 11)      # ... a false one differs at some k here
EVERY_ASSIGNMENT_UP_TO = 4        # every index assignment for k <= 4, an even spread of them above
SPREAD = 12


@dataclass(frozen=True)
class Record:
    """One recorded truth: of a step (``case``, ``step``) or of a claim (``claim``)."""

    folder: str
    file: Path
    proof: str
    truth: str
    case: str = ""
    step: int = 0
    claim: str = ""
    phrases: tuple = ()

    @property
    def id(self) -> str:
        what = f"claim {self.claim}" if self.claim else f"{self.case}/{self.step}"
        return f"{self.folder}/{self.proof}/{what}"


def _literal(tree: ast.Module, name: str) -> dict:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def _records() -> list[Record]:
    found = []
    for folder in FOLDERS:
        for file in sorted((SUITE / folder).glob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            phrases = _literal(tree, "PHRASES")
            for (proof, case, position), truth in _literal(tree, "EXPECTED").items():
                found.append(Record(folder, file, proof, truth, case=case, step=position,
                                    phrases=phrases.get((proof, case, position), ())))
            for (proof, claim), truth in _literal(tree, "CLAIMS").items():
                found.append(Record(folder, file, proof, truth, claim=claim))
    return found


RECORDS = _records()
STEPS = [r for r in RECORDS if not r.claim]
CLAIMS = [r for r in RECORDS if r.claim]


def _of(truth):
    return [pytest.param(r, id=r.id) for r in STEPS if r.truth == truth]


# --- running derive check on each folder, once -------------------------------------------------------


@pytest.fixture(scope="module")
def runs():
    """``derive check FOLDER --json`` for each folder, run side by side: folder -> (exit code, JSON, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160"}
    started = {folder: subprocess.Popen(
        [sys.executable, "-m", "derive.cli", "check", str(SUITE / folder), "--json", "--no-cache", "--no-numeric",
         "--no-progress"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for folder in FOLDERS}
    found = {}
    for folder, process in started.items():
        out, err = process.communicate(timeout=600)
        assert out.strip(), f"derive check {folder} wrote no JSON: {err}"
        found[folder] = (process.returncode, json.loads(out), err)
    return found


def _step_json(report, record: Record):
    for proof in report["proofs"]:
        if proof["id"] == record.proof:
            for case in proof["cases"]:
                if case["name"] == record.case:
                    for s in case["steps"]:
                        if s["index"] == record.step:
                            return s
    return None


def _proof_json(report, proof_id):
    return next((p for p in report["proofs"] if p["id"] == proof_id), None)


# --- the proofs themselves, for the oracle ---------------------------------------------------------------


@pytest.fixture(scope="module")
def proofs():
    """Every proof of ``sound/`` and ``rejected/`` by id (these load; ``ill_formed/`` need not)."""
    from derive.io.loader import load_paths

    loaded = load_paths([SUITE / "sound", SUITE / "rejected"])
    assert not loaded.errors, [e.text() for e in loaded.errors]
    return {proof.id: proof for proof, _ in loaded.proofs}


def _statement(proofs, record: Record):
    """(case, left, right): the step and the expression before it."""
    case = proofs[record.proof].case(record.case)
    previous = case.start
    for position, s in enumerate(case.steps, 1):
        if position == record.step:
            return case, previous, s.expr
        previous = s.expr
    raise AssertionError(f"{record.id}: no step {record.step}")


def _true_points(oracle, exprs):
    for k in TRUE_CLASSES:
        yield from oracle.points(exprs, ks=[k], per_assignment=2 if k <= EVERY_ASSIGNMENT_UP_TO else 1,
                                 seed=k, limit=None if k <= EVERY_ASSIGNMENT_UP_TO else SPREAD)


def assert_true_by_the_oracle(case, left, right, where):
    oracle = PreciseOracle(case)
    compared = set()
    for point in _true_points(oracle, [left, right]):
        outcome = oracle.compare(left, right, point)
        assert outcome in ("equal", "undefined"), f"{where}: recorded true, but the sides {outcome} at " \
                                                  f"{point.describe(str(oracle.n))}"
        if outcome == "equal":
            compared.add(point.k)
    # every k from the smallest the assumptions allow (3 for j = 3, say) up to 8
    assert compared and compared == set(range(min(compared), TRUE_CLASSES[-1] + 1)), \
        f"{where}: the oracle compared the sides only at k in {sorted(compared)}"
    assert min(compared) <= 3, f"{where}: the oracle compared the sides only from k = {min(compared)} on"


def a_point_where_they_differ(case, left, right, both_defined: bool):
    """A point satisfying the case's assumptions where the sides differ (or only one has a value), or None."""
    oracle = PreciseOracle(case)
    for k in FALSE_CLASSES:
        for point in oracle.points([left, right], ks=[k], per_assignment=2, seed=k):
            outcome = oracle.compare(left, right, point)
            if outcome == "differ" or (outcome == "one-sided" and not both_defined):
                return point
    return None


def assert_counterexample_is_real(case, left, right, counterexample, where):
    """The reported point satisfies every assumption of the case, and there the oracle sees the sides differ."""
    oracle = PreciseOracle(case)
    point = _counterexample_point(case, [left, right], counterexample)
    assert oracle.satisfies(point), f"{where}: the counterexample {counterexample} violates the case's assumptions " \
                                    f"{[a.text() for a in case.assumptions]}"
    assert oracle.compare(left, right, point) == "differ", \
        f"{where}: at the counterexample {counterexample} the oracle finds the sides " \
        f"{oracle.compare(left, right, point)}"
    with mpmath.workdps(oracle.DIGITS):
        for side, reported in ((left, counterexample["left"]), (right, counterexample["right"])):
            value = oracle.value(side, point)
            assert abs(value - mpmath.mpf(reported)) <= mpmath.mpf("1e-25") * max(1, abs(value)), \
                f"{where}: a side was reported as {reported}, the oracle computes {mpmath.nstr(value, 30)}"


def _counterexample_point(case, exprs, counterexample) -> Point:
    ctx = case.context()
    symbols = {s.name: s for e in [case.start, *exprs] for s in sp.sympify(e).free_symbols
               if isinstance(s, sp.Symbol) and s.is_integer}
    for a in ctx.assumptions:
        for side in vars(a).values():
            if isinstance(side, sp.Symbol):
                symbols[side.name] = side
    indices = {symbols.get(name, sp.Symbol(name, integer=True, positive=True)): value
               for name, value in counterexample["indices"].items()}
    # an index an equality replaced takes the value of the index that represents it
    for replaced, representative in ctx.substitution.items():
        if replaced not in indices:
            indices[replaced] = int(representative) if representative.is_Integer else indices.get(representative)
    indices = {s: v for s, v in indices.items() if v is not None}
    bases = {str(x.base.label): x.base for e in [case.start, *exprs] for x in sp.sympify(e).atoms(sp.Indexed)}
    bases |= {str(a.vector.label): a.vector for a in ctx.assumptions if isinstance(a, OneHot)}
    for d in ctx.definitions:
        bases |= {str(x.base.label): x.base for x in d.body.atoms(sp.Indexed)}
        bases |= {str(b.label): b for b in d.body.atoms(sp.IndexedBase)}
    with mpmath.workdps(PreciseOracle.DIGITS):
        vectors = {bases[name]: [mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in values]
                   for name, values in counterexample["inputs"].items()}
        k = counterexample["k"]
        for a in ctx.assumptions:  # a one-hot target that cancelled out of both sides is not reported
            if isinstance(a, OneHot) and a.vector not in vectors and a.at is not None:
                hot = int(a.at) if a.at.is_Integer else indices.get(a.at)
                if hot is not None:
                    vectors[a.vector] = [mpmath.mpf(1 if c == hot else 0) for c in range(1, k + 1)]
    return Point(k, indices, vectors)


# --- the suite itself ----------------------------------------------------------------------------------


def test_the_suite_has_at_least_45_proofs_and_records_the_truth_of_every_step(proofs):
    ill_formed = {r.proof for r in STEPS if r.folder == "ill_formed"}
    assert len(set(proofs) | ill_formed) >= 45
    recorded = {(r.proof, r.case, r.step) for r in STEPS}
    written = {(p.id, c.name, n) for p in proofs.values() for c in p.cases for n in range(1, len(c.steps) + 1)}
    assert written - recorded == set(), "steps without a recorded truth"
    assert {key for key in recorded if key[0] in proofs} - written == set(), "records of steps that do not exist"
    claims = {(p.id, c.name) for p in proofs.values() for c in p.claims}
    assert claims == {(r.proof, r.claim) for r in CLAIMS}, "every claim, and only those, has a recorded truth"
    assert {r.truth for r in STEPS} == {"true", "false", "ill-formed"}
    assert all(r.phrases for r in STEPS if r.truth == "ill-formed"), "every ill-formed record names its phrases"


def test_in_the_sound_folder_false_steps_are_errata_and_true_steps_are_not(proofs):
    """So that the run of ``sound/`` passes exactly when every false step is REFUTED and every true one PROVED."""
    false_cases = set()
    for r in STEPS:
        if r.folder != "sound":
            continue
        case = proofs[r.proof].case(r.case)
        expect = case.steps[r.step - 1].expect
        assert expect is (Expect.ERRATUM if r.truth == "false" else Expect.HOLDS), r.id
        assert r.truth != "ill-formed", r.id
        if r.truth == "false":
            false_cases.add((r.proof, r.case))
    # a case with a false step concludes wrongly: its start differs from its last line
    for proof in proofs.values():
        if any(r.proof == proof.id and r.folder == "sound" for r in STEPS):
            for case in proof.cases:
                wrong = (proof.id, case.name) in false_cases
                assert case.conclusion is (Expect.ERRATUM if wrong else Expect.HOLDS), f"{proof.id}/{case.name}"


@pytest.mark.parametrize("record", _of("true"))
def test_a_true_step_is_proved(record, proofs, runs):
    case, left, right = _statement(proofs, record)
    assert_true_by_the_oracle(case, left, right, record.id)
    s = _step_json(runs[record.folder][1], record)
    assert s is not None, f"{record.id}: not in the report"
    assert s["verdict"] == "PROVED", f"{record.id}: true, but {s['verdict']}: {s['evidence']}"


@pytest.mark.parametrize("record", _of("false"))
def test_a_false_step_is_never_accepted(record, proofs, runs):
    case, left, right = _statement(proofs, record)
    refutable = record.folder == "sound"
    point = a_point_where_they_differ(case, left, right, both_defined=refutable)
    assert point is not None, f"{record.id}: recorded false, but the oracle finds no point where the sides differ"
    assert PreciseOracle(case).satisfies(point), f"{record.id}: the oracle's own point violates the assumptions"
    code, report, _ = runs[record.folder]
    s = _step_json(report, record)
    assert s is not None, f"{record.id}: not in the report"
    assert s["verdict"] not in HOLDING, f"{record.id}: false (the oracle: the sides differ at " \
                                        f"{point.describe(str(case.classes))}), but {s['verdict']}: {s['evidence']}"
    proof = _proof_json(report, record.proof)
    if s["verdict"] == "REFUTED":
        assert_counterexample_is_real(case, left, right, s["counterexample"], record.id)
    elif refutable:
        pytest.fail(f"{record.id}: false, and the sides differ at {point.describe(str(case.classes))} where both "
                    f"are defined, but {s['verdict']}: {s['evidence']}")
    else:
        assert not proof["ok"], f"{record.id}: false and not refuted, yet its proof passes"
    assert code != 0 or refutable, f"{record.id}: the run of {record.folder}/ passes"


@pytest.mark.parametrize("record", _of("ill-formed"))
def test_an_ill_formed_step_is_an_error_with_a_one_line_message(record, runs):
    code, report, _ = runs[record.folder]
    file = str(record.file.relative_to(ROOT))
    s = _step_json(report, record)
    if s is not None:
        assert s["verdict"] == "ERROR", f"{record.id}: ill-formed, but {s['verdict']}: {s['evidence']}"
        message = s["evidence"]
    else:
        loading = [e for e in report["errors"] if e.startswith(file + ":") or e.startswith(file + " ")]
        assert loading, f"{record.id}: neither in the report nor a load error of {file}"
        message = loading[0].split(": ", 1)[1]
    assert "\n" not in message and message.strip(), f"{record.id}: not a one-line message: {message!r}"
    for group in record.phrases:
        assert any(phrase.lower() in message.lower() for phrase in group), \
            f"{record.id}: the message {message!r} holds none of {group}"
    assert any(file in e for e in report["errors"]), f"{record.id}: no error line names {file}"


@pytest.mark.parametrize("record", [pytest.param(r, id=r.id) for r in CLAIMS])
def test_a_claim_holds_exactly_when_it_is_true(record, proofs, runs):
    proof = proofs[record.proof]
    claim = next(c for c in proof.claims if c.name == record.claim)
    cases = [proof.case(name) for name in claim.cases]
    # The claim is a statement for every configuration of its indices: the cases' equalities and
    # distinctions are dropped, what they assume of vectors (one-hot, sums to one) is kept.
    vector_assumptions = tuple(dict.fromkeys(a for c in cases for a in c.assumptions
                                             if not isinstance(a, (Equal, Distinct))))
    statement = Case("claim", claim.title, classes=cases[0].classes, start=claim.subject,
                     steps=[step(claim.expr, "the claim")], assumptions=vector_assumptions,
                     definitions=cases[0].definitions)
    code, report, _ = runs[record.folder]
    found = next(c for c in _proof_json(report, record.proof)["claims"] if c["name"] == record.claim)
    if record.truth == "true":
        assert_true_by_the_oracle(statement, claim.subject, claim.expr, record.id)
        assert found["holds"], f"{record.id}: true, but does not hold: {found['reason']}"
    else:
        point = a_point_where_they_differ(statement, claim.subject, claim.expr, both_defined=True)
        assert point is not None, f"{record.id}: recorded false, but the oracle finds no point where it fails"
        assert not found["holds"], f"{record.id}: false (at {point.describe(str(statement.classes))}), " \
                                   f"but holds: {found['reason']}"
        assert not _proof_json(report, record.proof)["ok"]


def test_the_sound_folder_passes(runs):
    code, report, err = runs["sound"]
    failing = [f"{p['id']}/{c['name']}/{s['index']}: {s['verdict']}" for p in report["proofs"] for c in p["cases"]
               for s in c["steps"] if not s["ok"]]
    assert report["errors"] == [], report["errors"]
    assert code == FOLDERS["sound"], f"exit code {code}; steps not meeting their expectation: {failing}"


def test_every_proof_of_the_rejected_folder_fails(runs):
    code, report, _ = runs["rejected"]
    rejected = {r.proof for r in RECORDS if r.folder == "rejected"}
    assert rejected <= {p["id"] for p in report["proofs"]}, "every rejected proof is checked"
    assert [p["id"] for p in report["proofs"] if p["ok"]] == []
    # 1: some verdict is not what its step expects; 2 if the checker also calls a step ill-formed
    # (the log of a real that may be negative, say), which fails the run just as well
    assert code in (FOLDERS["rejected"], 2)


def test_every_module_of_the_ill_formed_folder_is_an_error(runs):
    code, report, err = runs["ill_formed"]
    assert code == FOLDERS["ill_formed"]
    for file in sorted((SUITE / "ill_formed").glob("*.py")):
        name = str(file.relative_to(ROOT))
        assert any(name in line for line in report["errors"]), f"no error names {name}"
        assert any(name in line for line in err.splitlines()), f"standard error names no error of {name}"


# --- the oracle itself: the instrument that decides truth here ----------------------------------------


def _one_step(start, expr, assumptions=()):
    from derive import classes

    return Case("oracle", "oracle", classes=classes("k"), start=start, steps=[step(expr, "compare")],
                assumptions=assumptions)


def test_the_oracle_sees_an_exact_difference_of_ten_to_the_minus_thirty_and_of_e_to_the_minus_sixty():
    from derive import Vector, exp, indices

    z, (j,) = Vector("z"), indices("j")
    for left, right in ((z[j], z[j] + sp.Rational(1, 10 ** 30)), (z[j] * exp(-60), sp.Integer(0))):
        assert a_point_where_they_differ(_one_step(left, right), left, right, both_defined=True) is not None
    case = _one_step(z[j], z[j] + sp.Rational(1, 10 ** 30) - sp.Rational(1, 10 ** 30))
    assert_true_by_the_oracle(case, z[j], z[j], "z_j = z_j")


def test_the_oracle_reads_log_as_a_real_function():
    from derive import log, scalar

    x = scalar("x")
    case = _one_step(log(x ** 2), 2 * log(x))
    oracle = PreciseOracle(case)
    outcomes = {oracle.compare(log(x ** 2), 2 * log(x), p) for p in oracle.points([log(x ** 2)], ks=[2],
                                                                                   per_assignment=20)}
    assert outcomes == {"equal", "one-sided"}   # equal for x > 0, undefined on the right for x < 0


def test_the_oracle_gives_points_that_satisfy_exactly_the_assumptions():
    from derive import Vector, indices

    p, (j,) = Vector("p", "positive"), indices("j")
    case = _one_step(p[j], p[j], assumptions=[Equal(j, 3)])
    oracle = PreciseOracle(case)
    points = list(oracle.points([p[j]], ks=range(2, 6)))
    assert points and min(point.k for point in points) == 3 and {point.indices[j] for point in points} == {3}
    assert all(oracle.satisfies(point) for point in points)
    # a positive vector is not normalised: nothing says that it sums to 1
    with mpmath.workdps(50):
        assert any(abs(mpmath.fsum(point.vectors[p]) - 1) > mpmath.mpf("0.01") for point in points)
