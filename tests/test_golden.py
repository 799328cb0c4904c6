"""What users see does not change by accident: the JSON report, the LaTeX and Markdown notes and the
numeric rows of every bundled proof are byte-identical to the reference files in tests/golden/
(written before the package was reorganised; the `seconds` of each check are set to 0)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

from generate import HERE, OUTPUTS, outputs  # noqa: E402


@pytest.fixture(scope="module")
def produced():
    return outputs()


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_output_is_byte_identical_to_the_reference(produced, name):
    expected = (HERE / name).read_text(encoding="utf-8")
    if produced[name] != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), produced[name].splitlines(True),
                                            f"tests/golden/{name}", "now", n=2))
        pytest.fail(f"derive {' '.join(OUTPUTS[name])} changed:\n{diff[:4000]}")


def test_the_normalisation_only_touches_seconds():
    from generate import normalised

    text = '{"seconds": 0.031, "max_abs_error": 1.5e-11, "k": 2}'
    assert normalised(text) == '{"seconds": 0, "max_abs_error": 1.5e-11, "k": 2}'
