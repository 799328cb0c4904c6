"""Cases that share their start and their step but not their context get each its own verdict, every way.

Each pair below has one start and one step, and differs only in a part of its context: the definition of
the loss (cross-entropy or squared error), an assumption (j ≠ m or j = m; the targets sum to one or not),
the domain of a vector.  One of each pair holds and the other does not, as the independent oracle of
``tests/oracle.py`` confirms.  Checked without the cache, with it cold and warm, in one process and in
two, every run must give each case its own correct verdict and the very same JSON apart from timings.
A cache that forgot any part of the context would hand one case's verdict to the other.
"""

from __future__ import annotations

import json
import random
import shutil
import textwrap

import mpmath

import pytest
from commands import derive, without_seconds
from oracle import Oracle

from derive.cache.store import CACHE_DIR, Cache, MemoryStore
from derive.io.loader import load_paths
from derive.engine.parallel import check_proofs
from derive.engine.checking import CachedChecker
from derive.engine.settings import Settings

HEADER = '''\
from sympy import Abs
from derive import (D, Case, Distinct, Equal, Proof, Source, SumsToOne, Vector, as_written, classes,
                    cross_entropy, indices, scalar, softmax, step, sum_over)

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p", "positive")
L = scalar("L")


def one_step(id, definitions, assumptions, start, expr):
    with as_written():
        case = Case("only", id, classes=k, definitions=definitions, assumptions=assumptions, start=start,
                    steps=[step(expr, "the step")])
    return Proof(id, id, Source("Test notes"), id, cases=[case])
'''

# file name: (proof id, its body); the pairs share start and step and differ in one part of the context
PROOFS = {
    "loss_ce.py": """
        with as_written():
            PROOF = one_step("cross-entropy-loss", {L: cross_entropy(y, p, k), p: lambda a: softmax(z, a, k)},
                             [SumsToOne(y)], D(L, z[j]), p[j] - y[j])
        """,
    "loss_se.py": """
        with as_written():
            PROOF = one_step("squared-error-loss", {L: sum_over((p[i] - y[i]) ** 2, i, k) / 2,
                                                    p: lambda a: softmax(z, a, k)},
                             [SumsToOne(y)], D(L, z[j]), p[j] - y[j])
        """,
    "indices_distinct.py": """
        PROOF = one_step("distinct-indices", {p: lambda a: softmax(z, a, k)}, [Distinct(j, m)], D(p[j], z[m]),
                         -p[j] * p[m])
        """,
    "indices_equal.py": """
        PROOF = one_step("equal-indices", {p: lambda a: softmax(z, a, k)}, [Equal(j, m)], D(p[j], z[m]),
                         -p[j] * p[m])
        """,
    "targets_sum_to_one.py": """
        PROOF = one_step("targets-sum-to-one", {}, [SumsToOne(y)], sum_over(y[i], i, k), 1)
        """,
    "targets_any.py": """
        PROOF = one_step("targets-of-any-sum", {}, [], sum_over(y[i], i, k), 1)
        """,
    "domain_positive.py": """
        w = Vector("w", "positive")
        with as_written():
            PROOF = one_step("positive-entries", {}, [], Abs(w[j]), w[j])
        """,
    "domain_real.py": """
        w = Vector("w")
        with as_written():
            PROOF = one_step("real-entries", {}, [], Abs(w[j]), w[j])
        """,
}
PAIRS = [("cross-entropy-loss", "squared-error-loss"), ("distinct-indices", "equal-indices"),
         ("targets-sum-to-one", "targets-of-any-sum"), ("positive-entries", "real-entries")]
# What holds, and how strongly the checker must decide it: a true step that the exact normaliser can reach is
# PROVED; |w| = w for positive w may be decided on instances only (VERIFIED).  A false one is REFUTED.
HOLDS = {"cross-entropy-loss": "PROVED", "distinct-indices": "PROVED", "targets-sum-to-one": "PROVED",
         "positive-entries": ("PROVED", "VERIFIED")}


def _folder(root):
    (root / "proofs").mkdir(parents=True, exist_ok=True)
    for name, body in PROOFS.items():
        (root / "proofs" / name).write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    return _folder(tmp_path_factory.mktemp("contexts"))


@pytest.fixture(scope="module")
def proofs(repository):
    loaded = load_paths([repository / "proofs"])
    assert not loaded.errors, loaded.errors
    return {proof.id: proof for proof, _ in loaded.proofs}


def test_each_pair_shares_its_start_and_its_step_and_the_oracle_tells_them_apart(proofs):
    for one, other in PAIRS:
        a, b = proofs[one].cases[0], proofs[other].cases[0]
        if one == "positive-entries":  # the same text, and vectors that differ only in their domain
            assert str(a.start) == str(b.start) and str(a.steps[0].expr) == str(b.steps[0].expr)
            assert a.start != b.start and a.context() == b.context()
            continue
        assert a.start == b.start and [s.expr for s in a.steps] == [s.expr for s in b.steps]
        assert a.context() != b.context()
    for proof_id, proof in proofs.items():
        case = proof.cases[0]
        if proof_id in ("positive-entries", "real-entries"):
            # |w| = w, read with mpmath's own absolute value at entries drawn from the vector's domain
            w = case.start.args[0].base
            rng = random.Random(0)
            entries = [mpmath.mpf(rng.uniform(0.05, 3) if w.domain == "positive" else rng.uniform(-3, 3))
                       for _ in range(40)]
            assert all(mpmath.fabs(x) == x for x in entries) == (proof_id in HOLDS), proof_id
            continue
        oracle = Oracle(case)
        start, expr = case.start, case.steps[0].expr
        points = [point for point in oracle.points([start, expr], ks=(2, 3), per_assignment=3)
                  if oracle.defined(start, point) and oracle.defined(expr, point)]
        assert points, proof_id
        holds = all(oracle.agree(start, expr, point) for point in points)
        assert holds == (proof_id in HOLDS), proof_id


def _verdicts(document) -> dict[str, str]:
    return {proof["id"]: proof["cases"][0]["steps"][0]["verdict"] for proof in document["proofs"]}


def _assert_correct(verdicts: dict[str, str], how: str) -> None:
    assert set(verdicts) == {proof_id for pair in PAIRS for proof_id in pair}
    for proof_id, verdict in verdicts.items():
        wanted = HOLDS.get(proof_id, "REFUTED")
        assert verdict in (wanted if isinstance(wanted, tuple) else (wanted,)), f"{how}: {proof_id} is {verdict}"


RUNS = [  # (what the run is, its options, whether the cache is emptied before it)
    ("without the cache, one process", ("--no-cache",), False),
    ("without the cache, two processes", ("--no-cache", "-j", "2"), False),
    ("cold, one process", (), True),
    ("warm, one process", (), False),
    ("warm, two processes", ("-j", "2"), False),
    ("cold, two processes", ("-j", "2"), True),
    ("warm after two processes, one process", ("-j", "1"), False),
]


def test_every_case_gets_its_own_correct_verdict_cold_warm_with_one_job_and_with_two(tmp_path):
    _folder(tmp_path)
    documents = []
    for how, options, empty in RUNS:
        if empty:
            shutil.rmtree(tmp_path / CACHE_DIR, ignore_errors=True)
        result = derive("check", "--json", "--no-progress", *options, cwd=tmp_path)
        assert result.returncode == 1, f"{how}: {result.stderr}"  # the false steps are not errata: they fail
        assert "warning" not in result.stderr, f"{how}: {result.stderr}"
        document = json.loads(result.stdout)
        _assert_correct(_verdicts(document), how)
        documents.append((how, without_seconds(document)))
    reference = documents[0][1]
    for how, document in documents[1:]:
        assert document == reference, how


class Lookups:
    """A store that passes everything to another and records, by kind, whether each lookup found a result."""

    def __init__(self, inner):
        self.inner = inner
        self.found: dict[str, list[bool]] = {"outcome": [], "derived": [], "numeric": []}

    @property
    def warnings(self):
        return self.inner.warnings

    def get(self, kind, key):
        data = self.inner.get(kind, key)
        self.found[kind].append(data is not None)
        return data

    def put(self, kind, key, data):
        self.inner.put(kind, key, data)


def test_a_warm_cache_replays_each_case_under_its_own_key(proofs, tmp_path):
    folder = tmp_path / CACHE_DIR
    ordered = [proofs[proof_id] for pair in PAIRS for proof_id in pair]
    cold = check_proofs(ordered, Settings(), CachedChecker(Cache(folder)))
    warm_cache = Lookups(Cache(folder))
    warm = check_proofs(ordered, Settings(), CachedChecker(warm_cache))
    # every outcome is replayed (a derived result that cannot be kept exactly is derived again)
    assert warm_cache.found["outcome"] == [True] * 2 * len(ordered)
    assert not warm_cache.inner.warnings
    for how, reports in (("cold", cold), ("warm", warm)):
        _assert_correct({r.proof.id: r.cases[0].steps[0].outcome.verdict.value for r in reports}, how)
        for report in reports:  # the case's start against its last line: one step, so the same verdict
            assert report.cases[0].derived.outcome.verdict == report.cases[0].steps[0].outcome.verdict


def test_two_worker_processes_give_each_case_its_own_verdict_in_either_order(proofs):
    for ordered in ([proofs[i] for pair in PAIRS for i in pair], [proofs[i] for pair in PAIRS for i in pair[::-1]]):
        for store in (None, MemoryStore()):
            reports = check_proofs(ordered, Settings(jobs=2), CachedChecker(store) if store is not None else None)
            _assert_correct({r.proof.id: r.cases[0].steps[0].outcome.verdict.value for r in reports},
                            f"two jobs, store {store!r}")
