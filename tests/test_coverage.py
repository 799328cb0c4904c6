"""A claim holds only when the cases it recombines cover every configuration of its indices that its own
assumptions allow, and each case's assumptions on vectors follow from the claim's."""

from __future__ import annotations

import io
import itertools
import random
from fractions import Fraction

import pytest
from rich.console import Console

from derive import (D, Case, Claim, Distinct, Equal, OneHot, Proof, Source, SumsToOne, Vector, as_written, classes,
                    cross_entropy, indices, scalar, softmax, step)
from derive.core.verdict import Verdict
from derive.engine.coverage import MAX_ATOMS, claim_coverage, patterns
from derive.model.proof import ModelError
from derive.render.json import report_data
from derive.render.terminal import render_report
from derive.model.report import Report
from derive.engine.run import check_proof

k = classes("k")
j, m, l = indices("j m ℓ")
z = Vector("z")
y = Vector("y", "nonnegative")
p = Vector("p")
L = scalar("L")
DEFINITIONS = {L: cross_entropy(y, p, k), p: lambda a: softmax(z, a, k)}

with as_written():
    TRUE_CLASS = Case("true-class", "j = ℓ", classes=k, definitions=DEFINITIONS,
                      assumptions=[Equal(j, l), OneHot(y, l)], start=D(L, z[j]),
                      steps=[step(p[j] - 1, "only the term of the true class is left")])
    OTHER_CLASS = Case("other-class", "j ≠ ℓ", classes=k, definitions=DEFINITIONS,
                       assumptions=[Distinct(j, l), OneHot(y, l)], start=D(L, z[j]),
                       steps=[step(p[j], "the true class's term depends on z_j through the denominator")])


def _proof(*claims):
    return Proof("ce-cases", "Cross-entropy by cases", Source("notes"), "∂L/∂z_j = p_j − y_j",
                 cases=[TRUE_CLASS, OTHER_CLASS], claims=claims)


def _case(name, *assumptions, start=None):
    """A case for coverage alone: only its assumptions matter."""
    return Case(name, name, classes=k, assumptions=assumptions, start=start if start is not None else z[j],
                steps=[step(z[j], "unchanged")])


def _claim(*assumptions, subject=None, cases=("c",)):
    return Claim("claim", "Claim", subject if subject is not None else z[j], 0, cases, assumptions=assumptions)


def test_a_claim_for_every_j_recombining_only_the_case_j_equals_l_does_not_hold_and_names_j_ne_l():
    with as_written():
        claim = Claim("every-j", "∂L/∂z_j = p_j − 1 for every j", D(L, z[j]), p[j] - 1, ("true-class",),
                      assumptions=(OneHot(y, l),))
    report = check_proof(_proof(claim))
    (found,) = report.claims
    # The one case it recombines agrees: the failure is coverage alone.
    assert [c.outcome.verdict for c in found.checks] == [Verdict.PROVED]
    assert not found.holds and not found.ok and not report.ok
    assert found.coverage.configurations == 2
    assert [g.text() for g in found.coverage.gaps] == ["j ≠ ℓ: covered by no case"]
    assert found.reason == "j ≠ ℓ: covered by no case; agrees with true-class"
    whole = Report((report,))
    assert whole.exit_code == 1
    data = report_data(whole)["proofs"][0]["claims"][0]
    assert data["assumptions"] == ["y is one-hot at ℓ"]
    assert data["coverage"] == {"covered": False, "indices": ["j", "ℓ"], "configurations": 2,
                                "uncovered": [{"configuration": "j ≠ ℓ", "reason": "covered by no case"}],
                                "error": None}
    out = io.StringIO()
    render_report(whole, Console(file=out, width=400, color_system=None))
    assert ("✗ does not hold — not as expected  ∂L/∂z_j = p_j − 1 for every j: ∂L/∂z_j = p_j − 1 — "
            "j ≠ ℓ: covered by no case; agrees with true-class") in out.getvalue()


def test_the_full_recombination_holds_and_says_how_it_is_covered():
    claim = Claim("gradient", "Both cases", D(L, z[j]), p[j] - y[j], ("true-class", "other-class"),
                  assumptions=(OneHot(y, l),))
    report = check_proof(_proof(claim))
    (found,) = report.claims
    assert found.holds and found.ok and report.ok
    assert found.coverage.covered and found.coverage.configurations == 2
    assert found.reason.endswith("; the cases cover all 2 configurations of j, ℓ (the claim assumes y is one-hot "
                                 "at ℓ)")


def test_a_case_assuming_one_hot_does_not_cover_a_claim_that_assumes_only_sums_to_one():
    claim = Claim("gradient", "Both cases", D(L, z[j]), p[j] - y[j], ("true-class", "other-class"),
                  assumptions=(SumsToOne(y),))
    report = check_proof(_proof(claim))
    (found,) = report.claims
    assert not found.holds and not found.ok
    assert [g.text() for g in found.coverage.gaps] == [
        "j = ℓ: covered by no case (true-class assumes y is one-hot at ℓ, which the claim does not assume)",
        "j ≠ ℓ: covered by no case (other-class assumes y is one-hot at ℓ, which the claim does not assume)"]
    # Without assumptions of its own the claim is for every y: not covered either.
    bare = Claim("bare", "Both cases", D(L, z[j]), p[j] - y[j], ("true-class", "other-class"))
    assert not check_proof(_proof(bare)).claims[0].holds


def test_what_one_hot_implies_covers_weaker_assumptions_of_a_case():
    for case_assumption in (SumsToOne(y), OneHot(y), OneHot(y, l)):
        coverage = claim_coverage(_claim(OneHot(y, l)), [_case("c", case_assumption)])
        assert coverage.covered, case_assumption
    # One-hot somewhere does not say where: a case at ℓ does not follow from it; sums to one does.
    assert not claim_coverage(_claim(OneHot(y)), [_case("c", OneHot(y, l))]).covered
    assert claim_coverage(_claim(OneHot(y)), [_case("c", SumsToOne(y))]).covered
    assert not claim_coverage(_claim(SumsToOne(y)), [_case("c", OneHot(y))]).covered
    # One-hot at ℓ follows from one-hot at j only where j = ℓ.
    coverage = claim_coverage(_claim(OneHot(y, j)), [_case("c", OneHot(y, l))])
    assert [g.configuration for g in coverage.gaps] == ["j ≠ ℓ"]
    assert claim_coverage(_claim(OneHot(y, j)), [_case("c", Equal(j, l), OneHot(y, l)),
                                                 _case("d", Distinct(j, l), OneHot(y, j))]).covered


def test_three_indices_have_five_equality_patterns_and_each_must_be_covered():
    subject = z[j] * z[m] * z[l]
    five = [_case("all-equal", Equal(j, m), Equal(m, l)),
            _case("j-is-m", Equal(j, m), Distinct(m, l)),
            _case("j-is-l", Distinct(j, m), Equal(j, l)),
            _case("m-is-l", Distinct(j, m), Equal(m, l)),
            _case("all-distinct", Distinct(j, m), Distinct(j, l), Distinct(m, l))]
    names = tuple(c.name for c in five)
    coverage = claim_coverage(_claim(subject=subject, cases=names), five)
    assert coverage.covered and coverage.configurations == 5 and coverage.indices == ("j", "m", "ℓ")
    for left_out in range(5):
        rest = five[:left_out] + five[left_out + 1:]
        gaps = claim_coverage(_claim(subject=subject, cases=tuple(c.name for c in rest)), rest).gaps
        assert len(gaps) == 1
    gaps = claim_coverage(_claim(subject=subject), five[:4]).gaps
    assert [g.text() for g in gaps] == ["j ≠ m, j ≠ ℓ, m ≠ ℓ: covered by no case"]
    # The claim's own assumptions remove patterns: with j ≠ m, three are left.
    coverage = claim_coverage(_claim(Distinct(j, m), subject=subject), five[2:])
    assert coverage.covered and coverage.configurations == 3


def test_literal_indices_are_configurations_of_their_own():
    assert [g.text() for g in claim_coverage(_claim(), [_case("c", Equal(j, 1))]).gaps] == \
        ["j ≠ 1: covered by no case"]
    assert claim_coverage(_claim(), [_case("c", Equal(j, 1)), _case("d", Distinct(j, 1))]).covered
    split = [_case("one", Equal(j, 1)), _case("two", Equal(j, 2)), _case("rest", Distinct(j, 1), Distinct(j, 2))]
    coverage = claim_coverage(_claim(), split)
    assert coverage.covered and coverage.configurations == 3  # j = 1, j = 2, neither: never 1 = 2
    assert [g.configuration for g in claim_coverage(_claim(), split[:2]).gaps] == ["j ≠ 1, j ≠ 2"]
    # A claim stated only for j = 1 is covered by the case j = 1 alone.
    assert claim_coverage(_claim(Equal(j, 1)), split[:1]).covered


def test_a_vector_one_hot_at_two_indices_makes_them_equal():
    coverage = claim_coverage(_claim(OneHot(y, j), OneHot(y, l)), [_case("c", Equal(j, l))])
    assert coverage.covered and coverage.configurations == 1


def test_a_claim_whose_cases_assume_nothing_is_covered_by_any_one_of_them():
    coverage = claim_coverage(_claim(), [_case("c")])
    assert coverage.covered and coverage.configurations == 1 and coverage.indices == ("j",)


def test_contradictory_or_ill_formed_claim_assumptions_are_errors_naming_the_claim():
    with as_written():
        claim = Claim("odd", "Contradiction", D(L, z[j]), p[j] - y[j], ("true-class", "other-class"),
                      assumptions=(Equal(j, l), Distinct(j, l)))
    report = Report((check_proof(_proof(claim)),))
    (found,) = report.proofs[0].claims
    assert not found.holds and not found.ok
    assert found.coverage.error == "claim 'odd': the assumptions of the claim contradict: j = ℓ; j ≠ ℓ"
    assert report.exit_code == 2
    (line,) = report.ill_formed()
    assert "proof 'ce-cases', claim 'odd': the assumptions of the claim contradict" in line
    assert "test_coverage.py:" in line
    with pytest.raises(ModelError, match="claim 'x': unknown assumption 'j != l'"):
        Claim("x", "X", z[j], 0, ("c",), assumptions=("j != l",))
    assert "is not an index symbol" in claim_coverage(_claim(Equal(j, z[m])), [_case("c")]).error
    assert claim_coverage(_claim(Equal(j, 0)), [_case("c")]).error == \
        "claim 'claim': assumption j = 0: no index is 0; indices run from 1 to the number of classes"


def test_more_indices_than_the_check_enumerates_are_refused_not_guessed():
    many = indices(" ".join(f"i{n}" for n in range(MAX_ATOMS + 1)))
    subject = 1
    for index in many:
        subject = subject * z[index]
    coverage = claim_coverage(_claim(subject=subject), [_case("c")])
    assert not coverage.covered and "split the claim" in coverage.error


def test_set_partitions_are_counted_by_the_bell_numbers():
    assert [len(patterns(list(range(n)))) for n in range(8)] == [1, 1, 2, 5, 15, 52, 203, 877]


def test_the_bundled_claims_keep_their_results(bundled_report):
    claims = {c.claim.name: c for p in bundled_report.proofs for c in p.claims}
    assert claims["gradient-corrected"].holds and claims["gradient-corrected"].ok
    assert claims["gradient-corrected"].coverage.covered
    for name in ("recombination", "gradient"):
        assert not claims[name].holds and claims[name].ok  # errata: they contradict the source's Case 1
        assert claims[name].coverage.covered  # what fails is the contradiction, not the coverage


# An independent oracle: concrete index values and concrete target vectors, for k = 2..5, which is enough for
# every equality pattern of three indices and the literals 1 and 2 to occur.
SYMBOLS = (j, m, l)
LITERALS = (1, 2)


def _holds(assumption, values, vector) -> bool:
    def value(term):
        return values[term] if term in values else int(term)

    if isinstance(assumption, Equal):
        return value(assumption.left) == value(assumption.right)
    if isinstance(assumption, Distinct):
        return value(assumption.left) != value(assumption.right)
    if isinstance(assumption, SumsToOne):
        return sum(vector) == 1
    ones = [n for n, entry in enumerate(vector, 1) if entry == 1]
    one_hot = sorted(vector) == [0] * (len(vector) - 1) + [1]
    return one_hot and (assumption.at is None or ones == [value(assumption.at)])


def _targets(n):
    """Target vectors of every kind: each one-hot vector, a soft one, a vector that does not sum to one."""
    return [tuple(int(a == b) for a in range(n)) for b in range(n)] + \
        [tuple(Fraction(1, n) for _ in range(n)), tuple(0 for _ in range(n))]


def _oracle_covered(claim_assumptions, cases) -> bool | None:
    """Covered by brute force; None when no index values and target satisfy the claim's assumptions."""
    admissible = False
    for n in range(2, 6):
        for chosen in itertools.product(range(1, n + 1), repeat=len(SYMBOLS)):
            values = dict(zip(SYMBOLS, chosen))
            if any(int(lit) > n for a in claim_assumptions for lit in _literals(a)):
                continue
            allowed = [t for t in _targets(n) if all(_holds(a, values, t) for a in claim_assumptions)]
            if not allowed:
                continue
            admissible = True
            if not any(all(_holds(a, values, t) for t in allowed for a in case) for case in cases):
                return False
    return True if admissible else None


def _literals(assumption):
    for name in ("left", "right", "at"):
        value = getattr(assumption, name, None)
        if value is not None and getattr(value, "is_Integer", False):
            yield value


def _random_assumption(rng, vector_too: bool):
    terms = list(SYMBOLS) + list(LITERALS)
    kind = rng.choice(["equal", "distinct", "distinct"] + (["vector"] if vector_too else []))
    if kind == "vector":
        return rng.choice([OneHot(y, rng.choice(SYMBOLS)), OneHot(y), SumsToOne(y)])
    left = rng.choice(SYMBOLS)
    right = rng.choice([t for t in terms if t != left])
    return Equal(left, right) if kind == "equal" else Distinct(left, right)


def test_coverage_agrees_with_brute_force_over_index_values_and_targets():
    rng = random.Random(11)
    subject = z[j] * z[m] * z[l]
    decided = {True: 0, False: 0}
    for trial in range(400):
        claim_assumptions = tuple(_random_assumption(rng, vector_too=True) for _ in range(rng.randint(0, 2)))
        if sum(isinstance(a, OneHot) for a in claim_assumptions) > 1:
            continue
        cases = []
        for number in range(rng.randint(1, 4)):
            assumptions = tuple(_random_assumption(rng, vector_too=True) for _ in range(rng.randint(0, 3)))
            try:
                cases.append(_case(f"c{number}", *assumptions))
            except ModelError:
                continue  # assumptions the model refuses on their own (j ≠ j, 1 = 2): not a case
        if not cases:
            continue
        claim = Claim("claim", "Claim", subject, 0, tuple(c.name for c in cases), assumptions=claim_assumptions)
        coverage = claim_coverage(claim, cases)
        truth = _oracle_covered(claim_assumptions, [c.assumptions for c in cases])
        if truth is None:
            assert coverage.error and "contradict" in coverage.error, (claim_assumptions, coverage)
            continue
        assert not coverage.error, coverage.error
        assert coverage.covered is truth, (trial, claim_assumptions, [c.assumptions for c in cases], coverage)
        decided[truth] += 1
    # Both answers occur often enough for the comparison to mean something.
    assert decided[True] >= 40 and decided[False] >= 40, decided


def test_a_claim_over_cases_that_define_its_names_differently_is_an_error():
    # Each case agrees with the claim under its own definitions, but L means cross-entropy in one case and a
    # different loss in the other: the recombination would prove neither.
    other_loss = {L: cross_entropy(y, p, k) + z[1], p: lambda a: softmax(z, a, k)}
    with as_written():
        odd = Case("other-class", "j ≠ ℓ", classes=k, definitions=other_loss,
                   assumptions=[Distinct(j, l), OneHot(y, l)], start=D(L, z[j]),
                   steps=[step(D(cross_entropy(y, p, k), z[j]) + D(z[1], z[j]), "the other loss")])
        claim = Claim("gradient", "Both cases", D(L, z[j]), D(L, z[j]), ("true-class", "other-class"),
                      assumptions=(OneHot(y, l),))
    proof = Proof("mixed", "Mixed", Source("notes"), "c", cases=[TRUE_CLASS, odd], claims=[claim])
    report = Report((check_proof(proof),))
    (found,) = report.proofs[0].claims
    assert not found.holds and not found.ok
    assert found.error.startswith("claim 'gradient' reads L differently in the cases it recombines (in true-class "
                                  "L := ")
    assert found.reason.startswith("ill-formed: claim 'gradient' reads L differently")
    assert report.exit_code == 2
    assert any("claim 'gradient' reads L differently" in line for line in report.ill_formed())
    # A name free in one case and defined in another is read differently too.
    with as_written():
        free = Case("free", "p free", classes=k, assumptions=[Distinct(j, l)], start=D(p[j], z[j]),
                    steps=[step(0, "p is free")])
        bound = Case("bound", "p = softmax", classes=k, assumptions=[Equal(j, l)], definitions=DEFINITIONS,
                     start=D(p[j], z[j]), steps=[step(p[j] * (1 - p[j]), "quotient rule")])
    claim = Claim("c", "C", D(p[j], z[j]), 0, ("free", "bound"))
    proof = Proof("mixed", "Mixed", Source("notes"), "c", cases=[free, bound], claims=[claim])
    assert "in free p is free; in bound p := " in check_proof(proof).claims[0].error
