"""The result cache: replays unchanged steps, re-checks changed ones, never turns a failing proof green."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from commands import ROOT, derive, without_seconds

from derive.cache.codec import FORMAT, CacheEntryError, Unstorable, decode, encode, expression_data, expression_from_data
from derive.cache.keys import step_key
from derive.cache.store import CACHE_DIR, Cache, MemoryStore
from derive.engine.checking import CachedChecker
from derive import __version__
from derive.core.verdict import Counterexample, Outcome, Verdict
from derive.io.loader import load_paths
from derive.engine.run import Settings, check_proof


PROOF = """
from derive import Case, Proof, Source, Vector, as_written, classes, exp, indices, softmax, step, sum_over, D, Equal

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
with as_written():
    S = sum_over(exp(z[i]), i, k)
    PROOF = Proof("tiny", "A tiny proof", Source("Test notes"), "d softmax_j / d z_j",
        cases=[Case("diagonal", "j = m", classes=k, assumptions=[Equal(j, m)],
                    start=D(softmax(z, j, k), z[j]),
                    steps=[step(exp(z[j]) / S - exp(z[j]) ** 2 / S ** 2, "quotient rule"),
                           step(softmax(z, j, k) - softmax(z, j, k) ** 2, "recognise softmax"),
                           step({third}, "factor")])])
"""
RIGHT = "softmax(z, j, k) * (1 - softmax(z, j, k))"
WRONG = "softmax(z, j, k) * (1 + softmax(z, j, k))"


class CountingStore(MemoryStore):
    """A store that counts the outcomes replayed and the outcomes that had to be checked."""

    def __init__(self, entries=None):
        super().__init__(entries)
        self.hits = self.misses = 0

    def get(self, kind, key):
        found = super().get(kind, key)
        if kind == "outcome":
            self.hits += found is not None
            self.misses += found is None
        return found


def _load(folder: Path, third: str):
    (folder / "proofs").mkdir(exist_ok=True)
    (folder / "proofs" / "tiny.py").write_text(textwrap.dedent(PROOF.format(third=third)))
    loaded = load_paths([folder / "proofs"])
    assert not loaded.errors, loaded.errors
    return loaded.proofs[0][0]


def _verdicts(report):
    return [(s.outcome.verdict, s.ok) for s in report.step_reports()] + \
        [(c.derived.outcome.verdict, c.derived.ok) for c in report.cases]


def test_an_outcome_survives_the_round_trip_through_plain_data(bundled_report):
    refuted = Outcome(Verdict.REFUTED, ("definition",), (), 0,
                      Counterexample(2, (("j", 1), ("m", 2)), (("z", ("0", "1/2")),), "-0.25", "0.25"),
                      "", 0.125)
    verified = Outcome(Verdict.VERIFIED, ("rational",), (2, 3, 4), 9, None, "", 1.5)
    unknown = Outcome(Verdict.UNKNOWN, (), (), 0, None, "nothing conclusive within the budget of 5 s", 5.0)
    outcomes = [s.outcome for p in bundled_report.proofs for s in p.step_reports()] + [refuted, verified, unknown]
    for outcome in outcomes:
        data = json.loads(json.dumps(encode("outcome", outcome)))
        back = decode("outcome", data)
        assert back == outcome and back.seconds == outcome.seconds
        assert back.evidence() == outcome.evidence()


def test_the_key_of_a_step_is_the_same_when_the_proof_is_loaded_again(tmp_path):
    first, second = _load(tmp_path, RIGHT), _load(tmp_path, RIGHT)
    # each load builds new dummy symbols: the key must not depend on them
    keys = []
    for proof in (first, second):
        case = proof.cases[0]
        ctx = case.context()
        keys.append([step_key(case.start, s.expr, ctx, seconds=5.0, max_classes=4, known=frozenset({"z", "k"}))
                     for s in case.steps])
    assert keys[0] == keys[1]
    assert len(set(keys[0])) == 3


def test_the_key_of_a_step_is_the_same_in_another_process_with_another_hash_seed(tmp_path):
    _load(tmp_path, RIGHT)
    script = textwrap.dedent("""
        from pathlib import Path
        from derive.cache.keys import step_key
        from derive.io.loader import load_paths
        for proof, _ in load_paths([Path("proofs")]).proofs:
            for case in proof.cases:
                ctx = case.context()
                for s in case.steps:
                    print(step_key(case.start, s.expr, ctx, seconds=5.0, max_classes=4, known=frozenset()))
        """)
    keys = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        keys.append(result.stdout.split())
    assert len(keys[0]) == 3 and keys[0] == keys[1]


def test_the_key_changes_with_the_budget_the_largest_k_and_the_known_names(tmp_path):
    case = _load(tmp_path, RIGHT).cases[0]
    ctx = case.context()
    expr = case.steps[0].expr
    base = step_key(case.start, expr, ctx, seconds=5.0, max_classes=4, known=frozenset())
    assert step_key(case.start, expr, ctx, seconds=6.0, max_classes=4, known=frozenset()) != base
    assert step_key(case.start, expr, ctx, seconds=5.0, max_classes=5, known=frozenset()) != base
    assert step_key(case.start, expr, ctx, seconds=5.0, max_classes=4, known=frozenset({"w"})) != base
    assert step_key(expr, case.start, ctx, seconds=5.0, max_classes=4, known=frozenset()) != base


def test_a_warm_cache_replays_every_check_with_the_same_verdicts(tmp_path):
    proof = _load(tmp_path, WRONG)
    cold_cache = Cache(tmp_path / CACHE_DIR)
    cold = check_proof(proof, Settings(), CachedChecker(cold_cache))
    # three steps, the comparison of the start with the last line, and the derived result
    assert (cold_cache.hits, cold_cache.misses) == (0, 5)
    warm_cache = Cache(tmp_path / CACHE_DIR)
    warm = check_proof(_load(tmp_path, WRONG), Settings(), CachedChecker(warm_cache))
    assert (warm_cache.hits, warm_cache.misses) == (5, 0)
    assert not warm_cache.warnings
    assert _verdicts(warm) == _verdicts(cold) == _verdicts(check_proof(proof, Settings()))
    assert [s.outcome for s in warm.step_reports()] == [s.outcome for s in cold.step_reports()]
    assert [c.derived.expr for c in warm.cases] == [c.derived.expr for c in cold.cases]


def test_a_changed_step_rechecks_only_what_changed(tmp_path):
    store = CountingStore()
    check_proof(_load(tmp_path, RIGHT), Settings(), CachedChecker(store))
    assert (store.hits, store.misses) == (0, 4)
    store.hits = store.misses = 0
    report = check_proof(_load(tmp_path, WRONG), Settings(), CachedChecker(store))
    # steps 1 and 2 are replayed; step 3 and the comparison of the derived result with it are new
    assert (store.hits, store.misses) == (2, 2)
    assert [s.outcome.verdict for s in report.step_reports()] == [Verdict.PROVED, Verdict.PROVED, Verdict.REFUTED]


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_a_corrupted_cache_entry_is_ignored_with_a_warning(tmp_path):
    proof = _load(tmp_path, WRONG)
    folder = tmp_path / CACHE_DIR
    expected = _verdicts(check_proof(proof, Settings(), CachedChecker(Cache(folder))))
    entries = _entries(folder)
    assert len(entries) == 5
    for path in entries:
        path.write_text(path.read_text()[: len(path.read_text()) // 2])  # a truncated write
    cache = Cache(folder)
    assert _verdicts(check_proof(proof, Settings(), CachedChecker(cache))) == expected
    assert cache.hits == 0 and len(cache.warnings) == 5
    assert all("not valid JSON" in w and CACHE_DIR in w for w in cache.warnings)
    # the entries were written afresh
    again = Cache(folder)
    check_proof(proof, Settings(), CachedChecker(again))
    assert again.hits == 5 and not again.warnings


def test_an_edited_entry_cannot_turn_a_refuted_step_green(tmp_path):
    proof = _load(tmp_path, WRONG)
    folder = tmp_path / CACHE_DIR
    check_proof(proof, Settings(), CachedChecker(Cache(folder)))
    forged = 0
    for path in _entries(folder):
        entry = json.loads(path.read_text())
        if entry["kind"] == "outcome" and entry["data"]["verdict"] == "REFUTED":
            entry["data"].update(verdict="PROVED", counterexample=None, rules=["rational"])
            path.write_text(json.dumps(entry))
            forged += 1
    assert forged == 2  # step 3, and the derived result compared with it
    cache = Cache(folder)
    report = check_proof(proof, Settings(), CachedChecker(cache))
    assert not report.ok
    assert report.cases[0].steps[2].outcome.verdict is Verdict.REFUTED
    assert len(cache.warnings) == 2 and all("digest" in w for w in cache.warnings)


def test_a_foreign_entry_is_ignored_with_a_warning(tmp_path):
    """An entry copied under another step's name, or written by another version, is not used."""
    proof = _load(tmp_path, WRONG)
    folder = tmp_path / CACHE_DIR
    check_proof(proof, Settings(), CachedChecker(Cache(folder)))
    entries = {json.loads(p.read_text())["data"]["verdict"]: p for p in _entries(folder)
               if json.loads(p.read_text())["kind"] == "outcome"}
    proved, refuted = entries["PROVED"], entries["REFUTED"]
    refuted.write_text(proved.read_text())  # a PROVED outcome under the refuted step's key
    other = json.loads(proved.read_text())
    other["derive"] = "0.0.0"
    proved.write_text(json.dumps(other))
    cache = Cache(folder)
    report = check_proof(proof, Settings(), CachedChecker(cache))
    assert not report.ok and cache.hits == 3  # a step, the other refuted check, the derived result
    assert sorted(w.split(": ", 1)[1].split(";")[0] for w in cache.warnings) == [
        f"written by another version (format {FORMAT}, derive '0.0.0')",
        "written for another result (its key does not match its name)"]


def test_an_unknown_outcome_is_not_stored(tmp_path):
    case = _load(tmp_path, RIGHT).cases[0]
    folder = tmp_path / CACHE_DIR
    slow = CachedChecker(Cache(folder)).equal(case.start, case.steps[2].expr, case.context(), seconds=1e-6, max_classes=4)
    assert slow.verdict is Verdict.UNKNOWN
    assert not _entries(folder)


def test_an_unwritable_cache_folder_gives_one_warning_and_the_same_verdicts(tmp_path):
    proof = _load(tmp_path, WRONG)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = Cache(blocker / CACHE_DIR)
    assert _verdicts(check_proof(proof, Settings(), CachedChecker(cache))) == _verdicts(check_proof(proof, Settings()))
    assert len(cache.warnings) == 1 and "results are not cached" in cache.warnings[0]




def test_derive_check_cold_and_warm_give_the_same_json_and_no_cache_writes_nothing(tmp_path):
    _load(tmp_path, WRONG)
    uncached = derive("check", "--json", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / CACHE_DIR).exists()
    cold = derive("check", "--json", cwd=tmp_path)
    assert len(_entries(tmp_path / CACHE_DIR)) == 5
    assert (tmp_path / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    warm = derive("check", "--json", cwd=tmp_path)
    assert uncached.returncode == cold.returncode == warm.returncode == 1
    assert "warning" not in cold.stderr + warm.stderr
    documents = [without_seconds(json.loads(r.stdout)) for r in (uncached, cold, warm)]
    assert documents[0] == documents[1] == documents[2]


def test_derive_check_warns_on_one_line_about_a_corrupted_entry(tmp_path):
    _load(tmp_path, WRONG)
    derive("check", cwd=tmp_path)
    victim = _entries(tmp_path / CACHE_DIR)[0]
    victim.write_bytes(b"\xff\xfe garbage")
    # The whole run was recorded too (.derive-cache/runs/) and would be replayed, nothing having
    # changed that it read: set it aside, so that this run reads the step entries.
    shutil.rmtree(tmp_path / CACHE_DIR / "runs")
    result = derive("check", cwd=tmp_path)
    assert result.returncode == 1
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("derive: warning: ignoring cache entry ")
    assert victim.name in warnings[0] and "Traceback" not in result.stderr


def test_every_derived_result_of_the_bundled_proofs_is_kept_and_rebuilt_exactly(bundled_report):
    import sympy as sp

    derived = [c.derived.expr for p in bundled_report.proofs for c in p.cases if c.derived is not None]
    assert len(derived) >= 13
    for expr in derived:
        rebuilt = expression_from_data(json.loads(json.dumps(expression_data(expr))))
        assert rebuilt == expr and sp.srepr(rebuilt) == sp.srepr(expr)


def test_an_expression_is_rebuilt_only_from_known_classes():
    import sympy as sp

    with pytest.raises(CacheEntryError, match="unknown expression class 'system'"):
        expression_from_data(["system", ["Rational", 1, 1]])
    with pytest.raises(CacheEntryError):
        expression_from_data(["Symbol", "x", {"real": "yes"}])
    with pytest.raises(Unstorable):
        expression_data(sp.Dummy("i") + 1)  # a dummy would collide with another process's dummies
    with pytest.raises(Unstorable):
        expression_data(sp.sin(sp.Symbol("x")))  # not among the classes derived results are made of


def test_a_derived_result_is_replayed_from_the_cache(tmp_path):
    case = _load(tmp_path, RIGHT).cases[0]
    store = MemoryStore()
    first = CachedChecker(store).derived(case.start, case.context())
    assert [kind for kind, _ in store.entries] == ["derived"]
    again = CachedChecker(store).derived(_load(tmp_path, RIGHT).cases[0].start, _load(tmp_path, RIGHT).cases[0].context())
    assert again == first


def test_numeric_rows_are_replayed_from_the_cache_exactly(bundled_proofs, tmp_path):
    from derive.numeric.check import NumericRow, NumericSettings

    proof = next(p for p in bundled_proofs if p.conclusions)
    settings = NumericSettings(seed=3, classes=(2, 3))
    folder = tmp_path / CACHE_DIR
    cold = CachedChecker(Cache(folder)).numeric(proof.conclusions, settings)
    warm_cache = Cache(folder)
    warm = CachedChecker(warm_cache).numeric(proof.conclusions, settings)
    assert warm_cache.hits == 1 and warm == cold and len(cold) > 0
    other = Cache(folder)
    CachedChecker(other).numeric(proof.conclusions, NumericSettings(seed=4, classes=(2, 3)))
    assert other.hits == 0  # another seed is another entry
    odd = (NumericRow("c", 2, "random", "directional", float("inf"), float("nan"), 1e-9, False),)
    back = decode("numeric", json.loads(json.dumps(encode("numeric", odd))))
    assert back[0].max_abs_error == float("inf") and back[0].max_rel_error != back[0].max_rel_error


def test_entries_of_the_previous_format_are_not_used(tmp_path):
    """Format 2 keyed steps by edited srepr text, which could confuse two steps: none of its entries is read."""
    proof = _load(tmp_path, WRONG)
    folder = tmp_path / CACHE_DIR
    check_proof(proof, Settings(), CachedChecker(Cache(folder)))
    for path in _entries(folder):
        entry = json.loads(path.read_text())
        entry["format"] = 2
        path.write_text(json.dumps(entry))
    cache = Cache(folder)
    assert _verdicts(check_proof(proof, Settings(), CachedChecker(cache))) == _verdicts(check_proof(proof, Settings()))
    assert cache.hits == 0 and len(cache.warnings) == 5
    assert all(f"written by another version (format 2, derive '{__version__}')" in w for w in cache.warnings)
