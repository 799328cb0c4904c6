"""Shared fixtures: the bundled proofs, loaded once and checked once per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


# Tests that share a costly session fixture run in one xdist worker (with --dist loadgroup, as the
# Makefile runs them), so that the fixture is worked out once, not once per worker.
SHARED_ONCE = ("bundled_mutation",)


@pytest.hookimpl(tryfirst=True)   # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in SHARED_ONCE:
            if name in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(name))


@pytest.fixture(scope="session")
def bundled_proofs():
    from derive.loader import load_paths

    loaded = load_paths([ROOT / "proofs"])
    assert not loaded.errors, loaded.errors
    return [proof for proof, _ in loaded.proofs]


@pytest.fixture(scope="session")
def bundled_report(bundled_proofs):
    from derive.report import Report
    from derive.run import Settings, check_proof

    return Report(tuple(check_proof(p, Settings()) for p in bundled_proofs))


@pytest.fixture(scope="session")
def bundled_mutation(bundled_proofs):
    """Every mutant of every bundled step that should hold, checked once per test session."""
    from derive.mutate import mutate_proof

    return [mutate_proof(proof) for proof in bundled_proofs]
