"""Proof files for tests that build a scratch repository: one correct proof (with a documented
erratum), one with a wrong step."""

from __future__ import annotations

from pathlib import Path

JACOBIAN = '''\
"""The softmax Jacobian, both cases (a test fixture)."""
from derive import (D, Case, Distinct, Equal, Expect, Proof, Source, Vector, as_written, classes, erratum, exp,
                    indices, softmax, step, sum_over)

k = classes("k")
i, j, m = indices("i j m")
z = Vector("z")
p = Vector("p")

with as_written():
    S = sum_over(exp(z[i]), i, k)
    DIAGONAL = Case(
        "diagonal", "The diagonal entries", classes=k, assumptions=[Equal(j, m)],
        definitions={p: lambda a: softmax(z, a, k)}, start=D(p[j], z[j]),
        steps=[step((exp(z[j]) * S - exp(z[j]) * exp(z[j])) / S**2, "quotient rule", ref="line 1"),
               step(p[j] - p[j] * p[j], "recognise p_j", ref="line 2"),
               step(p[j] * (1 - p[j]), "factor out p_j", ref="line 3")])
    OFF_DIAGONAL = Case(
        "off-diagonal", "The entries off the diagonal", classes=k, assumptions=[Distinct(j, m)],
        definitions={p: lambda a: softmax(z, a, k)}, start=D(p[j], z[m]),
        steps=[step(-exp(z[j]) * exp(z[m]) / S**2, "quotient rule", ref="line 4"),
               step(-p[j] * p[m], "recognise p_j and p_m", ref="line 5")])
    SLIP = Case(
        "sign-slip", "The off-diagonal entries as the notes first wrote them", classes=k,
        assumptions=[Distinct(j, m)], definitions={p: lambda a: softmax(z, a, k)}, start=D(p[j], z[m]),
        steps=[step(-exp(z[j]) * exp(z[m]) / S**2, "quotient rule", ref="line 6"),
               erratum(p[j] * p[m], "recognise p_j and p_m", ref="line 7", note="the minus sign is lost")],
        conclusion=Expect.ERRATUM)

PROOF = Proof("softmax-jacobian", "The softmax Jacobian", Source("Test notes, section 1"),
              "∂p_j/∂z_m = p_j(δ_jm − p_m)", cases=[DIAGONAL, OFF_DIAGONAL, SLIP])
'''

WRONG = '''\
"""A proof with a wrong step (a test fixture)."""
from derive import D, Case, Equal, Proof, Source, Vector, as_written, classes, exp, indices, softmax, step, sum_over

k = classes("k")
i, j = indices("i j")
z = Vector("z")
p = Vector("p")

with as_written():
    S = sum_over(exp(z[i]), i, k)
    PROOF = Proof("wrong-diagonal", "A diagonal with a slip", Source("Test notes, section 2"), "∂p_j/∂z_j",
                  cases=[Case("diagonal", "The diagonal entries", classes=k,
                              definitions={p: lambda a: softmax(z, a, k)}, start=D(p[j], z[j]),
                              steps=[step(p[j] - p[j] * p[j], "quotient rule, simplified", ref="line 1"),
                                     step(p[j] * (1 + p[j]), "factor out p_j", ref="line 2")])])
'''


def scratch_repository(root: Path, **files: str) -> Path:
    """A folder holding only ``proofs/`` with the given files (default: the correct and the wrong proof)."""
    files = files or {"jacobian.py": JACOBIAN, "wrong.py": WRONG}
    (root / "proofs").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / "proofs" / name).write_text(text, encoding="utf-8")
    return root
