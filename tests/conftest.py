"""Shared fixtures: the bundled proofs, loaded once and checked once per test session."""

from __future__ import annotations

import fcntl
import pickle
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


# The longest tests, longest first (measured with --durations): under pytest-xdist with the README's
# `--dist loadgroup --no-loadscope-reorder`, tests are handed out one at a time (a group at a time) in the
# order of the collection, so starting the longest first lets the workers finish together instead of one
# of them running an end-to-end test alone at the end.  Only the order changes: every test runs.
LONGEST_FIRST = (
    "test_cache_runs.py::test_cold_warm_one_job_and_two_jobs_give_the_same_json[proofs]",
    "test_xdist.py",
    "test_latex_document.py",
    "test_numeric.py::test_weights_of_a_linear_layer",
    "test_numeric.py::test_a_slip_in_a_library_conclusion_fails_at_every_k",
    "test_numeric.py::test_the_library_declares_its_conclusions",
    "test_numeric.py::test_every_bundled_conclusion_passes",
    "test_mutants.py",
    "test_mutate.py::test_no_mutant_of_a_bundled_proof_survives",
    "test_mutate.py::test_every_operator_kills_on_the_bundled_proofs",
    "test_precommit.py",
    "test_library.py",
    "test_package.py",
    "test_plugin.py",
    "test_numeric.py::test_a_jacobian_with_respect_to_the_entries_of_a_matrix",
    "test_golden.py",
    "test_properties.py",
    "test_numeric.py::test_a_wrong_batch_formula_fails_at_every_k",
    "test_strict.py",
    "test_sphinx.py",
    "test_front_ends.py",
    "test_warm_path.py",
    "test_cache.py",
    "test_cache_runs.py",
    "test_numeric.py",
)


def _rank(item) -> int:
    where = item.nodeid.rsplit("/", 1)[-1]
    return next((n for n, prefix in enumerate(LONGEST_FIRST) if where.startswith(prefix)), len(LONGEST_FIRST))


def pytest_configure(config):
    # pytest-xdist declares the mark; without it (plain pytest) the mark is declared here and does nothing
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one pytest-xdist worker")


def pytest_collection_modifyitems(config, items):
    """Longest tests first (LONGEST_FIRST); the tests that share a module-scoped fixture of their own module
    form one xdist group, so that under ``--dist loadgroup`` the fixture is built once, not on every worker."""
    grouped = set()
    for item in items:
        module = item.nodeid.split("::")[0]
        info = getattr(item, "_fixtureinfo", None)
        definitions = [d for ds in (info.name2fixturedefs.values() if info else ()) for d in ds]
        if any(d.scope == "module" and d.baseid == module for d in definitions):
            item.add_marker(pytest.mark.xdist_group(module))
            grouped.add(module)
    # A module whose tests share a module-scoped fixture keeps its tests together, at the rank of its longest:
    # pytest tears a module's fixture down as soon as a test of another module runs, and builds it again for
    # the next test of the module, so interleaving them would build it once per run of consecutive tests.
    ranks = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        if module in grouped:
            ranks[module] = min(ranks.get(module, len(LONGEST_FIRST)), _rank(item))
    items.sort(key=lambda item: (ranks.get(item.nodeid.split("::")[0], _rank(item)),
                                 item.nodeid.split("::")[0] if item.nodeid.split("::")[0] in grouped else ""))


@pytest.fixture(scope="session")
def bundled_course(tmp_path_factory, request) -> Path:
    """A scratch project holding a copy of the bundled proofs, whose cache one cold ``derive check`` filled.

    Checking every bundled proof with its numeric checks takes about 20 s; the tests that read what
    ``derive check`` and ``derive latex`` make of them (the notes, the library's reports, the numeric
    rows) run in this project instead, so that they are answered from its cache, filled once per test
    session by a cold run of this checkout.  Under pytest-xdist the workers share it: the first to come
    fills it under a lock, the others wait for it.  What the cache changes (nothing, apart from the
    timings) is tests/test_cache_runs.py's subject; the cold path itself is checked there and by the
    golden outputs.
    """
    worker = getattr(request.config, "workerinput", None)
    shared = tmp_path_factory.getbasetemp().parent if worker is not None else tmp_path_factory.getbasetemp()
    course = shared / "bundled-course"
    with open(shared / "bundled-course.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (course / "filled").exists():
            shutil.rmtree(course, ignore_errors=True)
            shutil.copytree(ROOT / "proofs", course / "proofs", ignore=shutil.ignore_patterns("__pycache__"))
            (course / "pyproject.toml").write_text("[project]\nname = \"bundled-course\"\n", encoding="utf-8")
            from commands import derive

            result = derive("check", "--no-progress", cwd=course)
            assert result.returncode == 0, result.stdout + result.stderr
            (course / "filled").write_text("")
    return course


@pytest.fixture(scope="session")
def bundled_proofs():
    from derive.io.loader import load_paths

    loaded = load_paths([ROOT / "proofs"])
    assert not loaded.errors, loaded.errors
    return [proof for proof, _ in loaded.proofs]


SOURCES = ("cross-entropy-gradient", "softmax-cross-entropy")  # the two source documents' transcriptions


@pytest.fixture(scope="session")
def source_proofs(bundled_proofs):
    """The transcriptions of the two source documents (the rest of proofs/ is the course library)."""
    return [proof for proof in bundled_proofs if proof.id in SOURCES]


@pytest.fixture(scope="session")
def bundled_report(bundled_proofs):
    from derive.model.report import Report
    from derive.engine.run import Settings, check_proof

    return Report(tuple(check_proof(p, Settings()) for p in bundled_proofs))


@pytest.fixture(scope="session")
def bundled_mutation(source_proofs, tmp_path_factory, request):
    """Every mutant of every step of the two source documents that should hold, checked once per test session.

    (The course library's slips are tested in tests/test_library.py; `derive mutate` runs on all of proofs/.)

    Under pytest-xdist the workers share the work: the mutants are cut into one part per worker;
    each worker that needs them checks every part no other worker has taken, leaves what became
    of each mutant (plain data) in the session's common temporary folder, and reads the parts
    the others checked, waiting for those still being checked.
    """
    from derive.engine.mutate import check_mutants, group_by_proof, step_mutants
    from derive.model.mutation import MutantResult

    work = [item for proof in source_proofs for item in step_mutants(proof)]
    worker = getattr(request.config, "workerinput", None)
    if worker is None:   # not an xdist worker: nothing to share
        return group_by_proof(source_proofs, check_mutants(work))
    parts, shared = int(worker["workercount"]), tmp_path_factory.getbasetemp().parent
    answers = [None] * len(work)

    def check(part: int) -> None:
        found = shared / f"bundled-mutation-{part}.pickle"
        if found.exists():
            stored = pickle.loads(found.read_bytes())
            for index, (kind, outcome, evidence) in zip(range(part, len(work), parts), stored):
                answers[index] = MutantResult(work[index][0], kind, outcome, evidence)
            return
        results = check_mutants(work[part::parts])
        for index, result in zip(range(part, len(work), parts), results):
            answers[index] = result
        partial = found.with_suffix(".part")
        partial.write_bytes(pickle.dumps([(r.kind, r.outcome, r.evidence) for r in results]))
        partial.replace(found)

    waiting = []
    for part in range(parts):   # first every part nobody has taken, then those others are checking
        lock = open(shared / f"bundled-mutation-{part}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting.append((part, lock))
            continue
        with lock:
            check(part)
    for part, lock in waiting:
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            check(part)
    return group_by_proof(source_proofs, answers)
