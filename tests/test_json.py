"""The JSON report against its documentation (docs/json-schema.md): every field written is documented,
every documented field is written, the example is valid, and the exit codes are the documented ones."""

from __future__ import annotations

import json
import re

import pytest
from scratch_proofs import JACOBIAN, WRONG, scratch_repository
from commands import ROOT, derive_here

from derive.io.loader import load_paths
from derive.numeric.check import NumericSettings
from derive.render.json import SCHEMA_VERSION, report_data
from derive.model.report import Report
from derive.engine.run import Settings, check_proof

SCHEMA = ROOT / "docs" / "json-schema.md"

VERIFIED_AND_CLAIM = '''\
from derive import D, Case, Claim, Equal, Proof, Source, Vector, as_written, classes, indices, softmax, step, sum_over

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p")

with as_written():
    GAUSS = Case("sum", "by instances", classes=k, start=sum_over(i, i, k), steps=[step(k * (k + 1) / 2, "Gauss")])
    DIAGONAL = Case("diagonal", "The diagonal", classes=k, assumptions=[Equal(j, m)],
                    definitions={p: lambda a: softmax(z, a, k)}, start=D(p[j], z[j]),
                    steps=[step(p[j] * (1 - p[j]), "quotient rule")])
    CLAIM = Claim("diagonal", "The diagonal, in softmax's own name", D(softmax(z, j, k), z[j]),
                  softmax(z, j, k) * (1 - softmax(z, j, k)), cases=["diagonal"], note="p is softmax(z)")

PROOF = Proof("gauss-and-claim", "A sum and a claim", Source("Test notes", "https://example.org/notes"),
              "two things", cases=[GAUSS, DIAGONAL], claims=[CLAIM])
'''


def documented() -> dict[str, set[str]]:
    """The fields of each kind of object, from the tables of docs/json-schema.md."""
    tables: dict[str, set[str]] = {}
    current = None
    for line in SCHEMA.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"### (.+)", line)
        if heading:
            current = heading.group(1).strip()
            tables[current] = set()
        row = re.match(r"\| `([a-z_]+)` \|", line)
        if row and current is not None:
            tables[current].add(row.group(1))
    return tables


VERDICT = "Verdict fields"


def objects(data) -> list[tuple[tuple[str, ...], dict]]:
    """Every object of a report, with the tables that document its fields."""
    summary = data["summary"]
    found = [(("Report",), data), (("Summary",), summary), (("Claim counts",), summary["claims"]),
             (("Numeric counts",), summary["numeric"])]
    outcomes = []
    for proof in data["proofs"]:
        found += [(("Proof",), proof), (("Source",), proof["source"])]
        if proof["numeric"] is not None:
            found.append((("Numeric",), proof["numeric"]))
            found += [(("Numeric row",), row) for row in proof["numeric"]["rows"]]
        for case in proof["cases"]:
            found.append((("Case",), case))
            outcomes += [(("Step", VERDICT), s) for s in case["steps"]]
            if case["derived"] is not None:
                outcomes.append((("Derived", VERDICT), case["derived"]))
        for claim in proof["claims"]:
            found.append((("Claim",), claim))
            if "coverage" in claim:
                found.append((("Coverage",), claim["coverage"]))
                found += [(("Uncovered configuration",), gap) for gap in claim["coverage"]["uncovered"]]
            for check in claim["cases"]:
                outcomes.append((("Claim case", VERDICT), check))
                if "subject" in check:
                    outcomes.append(((VERDICT,), check["subject"]))
    found += outcomes
    found += [(("Counterexample",), o["counterexample"]) for _, o in outcomes if "counterexample" in o]
    return found


@pytest.fixture(scope="module")
def samples(bundled_report, bundled_proofs, tmp_path_factory):
    """Reports with every kind of field: the bundled proofs (with and without numeric checks), errata,
    a wrong step, VERIFIED, a claim with its subject written differently."""
    folder = scratch_repository(tmp_path_factory.mktemp("samples"), **{
        "jacobian.py": JACOBIAN, "wrong.py": WRONG, "gauss.py": VERIFIED_AND_CLAIM})
    loaded = load_paths([folder / "proofs"])
    assert not loaded.errors, loaded.errors
    report = Report(tuple(check_proof(p, Settings()) for p, _ in loaded.proofs))
    numeric = Settings(numeric=NumericSettings(seed=0, classes=(2,)))
    with_numeric = Report(tuple(check_proof(p, numeric) for p in bundled_proofs))
    return [report_data(bundled_report), report_data(report), report_data(with_numeric)]


def test_the_documentation_has_a_table_for_every_kind_of_object():
    assert set(documented()) == {"Report", "Proof", "Source", "Case", "Step", "Derived", VERDICT, "Counterexample",
                                 "Claim", "Claim case", "Numeric", "Numeric row", "Summary", "Numeric counts",
                                 "Claim counts", "Coverage", "Uncovered configuration"}


def test_every_field_written_is_documented(samples):
    tables = documented()
    for data in samples:
        for kinds, obj in objects(data):
            undocumented = set(obj) - set().union(*(tables[k] for k in kinds))
            assert not undocumented, f"{kinds[0]} fields {sorted(undocumented)} are not in docs/json-schema.md"


def test_every_documented_field_is_written(samples):
    tables = documented()
    seen: dict[str, set[str]] = {kind: set() for kind in tables}
    for data in samples:
        for kinds, obj in objects(data):
            for kind in kinds:
                seen[kind] |= set(obj) & tables[kind]
    for kind, fields in tables.items():
        assert seen[kind] == fields, f"{kind}: documented but never written: {sorted(fields - seen[kind])}"


def test_the_documented_example_is_valid_json_of_this_schema_version():
    text = SCHEMA.read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    assert example["schema_version"] == SCHEMA_VERSION == 2
    assert f"`schema_version`: {SCHEMA_VERSION}." in text
    tables = documented()
    for kinds, obj in objects(example):
        assert set(obj) <= set().union(*(tables[k] for k in kinds)), (kinds, sorted(obj))


def test_the_readme_links_the_schema_instead_of_repeating_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/json-schema.md" in readme
    assert '"schema_version"' not in readme



@pytest.mark.parametrize("files, code", [
    ({"jacobian.py": JACOBIAN}, 0),
    ({"jacobian.py": JACOBIAN, "wrong.py": WRONG}, 1),
    ({"jacobian.py": JACOBIAN, "broken.py": "from derive import classes\nk = classes('k')\nx = 1 / 0\n"}, 2),
])
def test_the_exit_code_is_the_documented_one_and_the_summary_says_it(tmp_path, files, code):
    scratch_repository(tmp_path, **files)
    result = derive_here("check", "--json", "--no-progress", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.returncode == data["summary"]["exit_code"] == code, result.stderr
    assert data["summary"]["ok"] is (code == 0)
    rows = dict(re.findall(r"^\| (\d) \| (.+) \|$", SCHEMA.read_text(encoding="utf-8"), re.M))
    assert set(rows) == {"0", "1", "2"}
