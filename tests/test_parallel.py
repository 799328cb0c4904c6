"""Checking in worker processes gives the same report as checking in one, in the same order."""

from __future__ import annotations

import json

from scratch_proofs import scratch_repository
from commands import derive

from derive.cache.store import CACHE_DIR, Cache, MemoryStore
from derive.io.loader import load_paths
from derive.engine.parallel import check_proofs, checks_in
from derive.engine.checking import CachedChecker
from derive.engine.settings import Settings





def _seconds_only(one: str, other: str) -> None:
    """The two JSON texts differ, line by line, only in their ``seconds`` values."""
    first, second = one.splitlines(), other.splitlines()
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert a == b or ('"seconds":' in a and a.split('"seconds":')[0] == b.split('"seconds":')[0]), (a, b)


def test_two_jobs_give_the_same_json_as_one_on_failing_proofs_with_an_erratum(tmp_path):
    scratch_repository(tmp_path)
    one = derive("check", "--json", "--no-cache", "-j", "1", cwd=tmp_path)
    two = derive("check", "--json", "--no-cache", "--jobs", "2", cwd=tmp_path)
    three = derive("check", "--json", "--jobs", "3", cwd=tmp_path)  # through the cache, cold
    warm = derive("check", "--json", "--jobs", "2", cwd=tmp_path)  # through the cache, warm
    assert one.returncode == two.returncode == three.returncode == warm.returncode == 1
    for other in (two, three, warm):
        _seconds_only(one.stdout, other.stdout)
    data = json.loads(one.stdout)
    assert [p["id"] for p in data["proofs"]] == ["softmax-jacobian", "wrong-diagonal"]
    assert data["summary"]["verdicts"]["REFUTED"] == 2


def test_reports_from_workers_equal_reports_from_one_process(tmp_path):
    scratch_repository(tmp_path)
    proofs = [p for p, _ in load_paths([tmp_path / "proofs"]).proofs]
    one = check_proofs(proofs, Settings(jobs=1))
    two = check_proofs(proofs, Settings(jobs=2))
    assert [r.proof.id for r in two] == [r.proof.id for r in one]
    for a, b in zip(one, two):
        assert [(c.case.name, [(s.index, s.expr, s.outcome, s.ok) for s in c.steps]) for c in a.cases] == \
               [(c.case.name, [(s.index, s.expr, s.outcome, s.ok) for s in c.steps]) for c in b.cases]
        assert [(c.derived.expr, c.derived.outcome, c.derived.ok) for c in a.cases] == \
               [(c.derived.expr, c.derived.outcome, c.derived.ok) for c in b.cases]


class Counting:
    def __init__(self):
        self.total, self.done, self.proofs, self.stopped = None, 0, [], False

    def start(self, total):
        self.total = total

    def advance(self, amount=1):
        self.done += amount

    def proof_done(self, report, seconds):
        self.proofs.append(report.proof.id)

    def stop(self):
        self.stopped = True


def test_progress_is_told_of_every_check_with_one_job_or_two(tmp_path):
    scratch_repository(tmp_path)
    proofs = [p for p, _ in load_paths([tmp_path / "proofs"]).proofs]
    assert checks_in(proofs) == 9 + 4  # nine steps, four derived results
    for jobs in (1, 2):
        progress = Counting()
        check_proofs(proofs, Settings(jobs=jobs), progress=progress)
        assert (progress.total, progress.done, progress.stopped) == (13, 13, True)
        assert progress.proofs == ["softmax-jacobian", "wrong-diagonal"]


def test_warnings_of_the_cache_in_workers_reach_the_report(tmp_path):
    scratch_repository(tmp_path)
    proofs = [p for p, _ in load_paths([tmp_path / "proofs"]).proofs]
    folder = tmp_path / CACHE_DIR
    check_proofs(proofs, Settings(), CachedChecker(Cache(folder)))
    for entry in folder.glob("*.json"):
        entry.write_text("{")
    cache = Cache(folder)
    reports = check_proofs(proofs, Settings(jobs=2), CachedChecker(cache))
    # twelve outcomes and three derived results: the two off-diagonal cases share their start and first step
    assert len(list(folder.glob("*.json"))) == 15
    assert len(cache.warnings) == 15 and all("not valid JSON" in w for w in cache.warnings)
    assert [r.ok for r in reports] == [True, False]


def test_jobs_must_be_at_least_one(tmp_path):
    scratch_repository(tmp_path)
    result = derive("check", "-j", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "derive: --jobs must be at least 1"


def test_a_key_two_workers_answered_differently_is_not_replayed():
    from derive.engine.parallel import _merge

    proved = {"verdict": "PROVED", "seconds": 0.5, "message": ""}
    again = {"verdict": "PROVED", "seconds": 0.7, "message": ""}  # the same result, another timing
    refuted = {"verdict": "REFUTED", "seconds": 0.5, "message": ""}
    replayed, disputed = MemoryStore(), set()
    _merge(replayed, {("outcome", "a"): proved, ("outcome", "b"): proved}, disputed)
    _merge(replayed, {("outcome", "a"): again, ("outcome", "b"): refuted, ("outcome", "c"): refuted}, disputed)
    _merge(replayed, {("outcome", "b"): proved}, disputed)  # a third answer does not settle a dispute
    assert replayed.get("outcome", "a") == proved
    assert replayed.get("outcome", "b") is None and disputed == {("outcome", "b")}
    assert replayed.get("outcome", "c") == refuted


def test_a_key_one_worker_met_twice_with_different_results_is_not_replayed():
    from derive.engine.parallel import _Through

    proved = {"verdict": "PROVED", "seconds": 0.5, "message": ""}
    refuted = {"verdict": "REFUTED", "seconds": 0.5, "message": ""}
    record = MemoryStore()
    through = _Through(None, None, record)
    through.put("outcome", "a", proved)
    through.put("outcome", "a", dict(proved, seconds=0.9))  # met again: the same result
    through.put("outcome", "b", proved)
    through.put("outcome", "b", refuted)
    assert record.entries == {("outcome", "a"): proved}
    assert through.disputed == {("outcome", "b")}
