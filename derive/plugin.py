"""The pytest plugin: every step of every proof in ``proofs/`` is a test item.

Registered through the ``pytest11`` entry point, so with ``derive`` installed a
plain ``pytest`` collects the proof modules in the configured proof folders
(``[tool.derive] proofs`` in ``pyproject.toml``, default ``proofs/``) of the
project, when pytest walks them (a ``testpaths`` that leaves them out leaves
them out; ``pytest proofs`` asks for them).  The node ids are

    proofs/softmax_jacobian.py::diagonal::step3      a step
    proofs/softmax_jacobian.py::diagonal::derived    the case's result, derived mechanically
    proofs/softmax_jacobian.py::claims::gradient     a claim that recombines cases
    proofs/softmax_jacobian.py::numeric::jacobian    the numeric checks of a conclusion

with the proof's id inserted after the file name when a file holds more than
one proof.  The conclusions are checked numerically as ``derive check`` checks
them (``--derive-no-numeric`` leaves them out, ``--derive-seed`` sets the seed);
a conclusion outside its tolerance fails its item.  An erratum is a strict xfail: it must come out REFUTED, and fails
the run if it starts to hold.  A failure is reported in a few lines (the step,
its verdict, the counterexample), not as a traceback.  A step, result or
claim that should hold passes only when PROVED, unless the run accepts weaker
verdicts: ``--derive-accept=verified,numeric``, else the ini setting
``derive_accept``, else ``[tool.derive] accept`` in ``pyproject.toml``
(``--derive-strict`` is a deprecated spelling of ``--derive-accept=none``).
The settings are resolved once, by :meth:`derive.engine.settings.Settings.from_pytest`,
with the same defaults, project root and cache folder as ``derive check``.

SymPy is imported only once a proof file is collected.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from .io.config import Accepted, proof_folders

__all__ = ["ProofFailure", "ErratumRefuted", "DeriveCacheWarning", "DeriveDeprecationWarning"]

_FOLDERS = pytest.StashKey[tuple]()
_SETTINGS = pytest.StashKey[object]()  # the run's derive.engine.settings.Settings
_CHECKER = pytest.StashKey[object]()  # the run's derive.engine.checking.Checker, made at the first proof checked


class ProofFailure(Exception):
    """A step, result or claim that does not meet its expectation; the message says how, in a few lines."""


class ErratumRefuted(Exception):
    """An erratum came out REFUTED, as it must: the item is an expected failure."""


class DeriveCacheWarning(UserWarning):
    """A cache entry that was ignored, or a cache that could not be written."""


class DeriveDeprecationWarning(DeprecationWarning):
    """An option of the plugin that will go away; the message names its replacement."""


def pytest_addoption(parser):
    group = parser.getgroup("derive", "derivation checks (derive)")
    group.addoption("--derive-accept", action="append", default=None, metavar="VERDICTS",
                    help="also pass steps, results and claims that are only VERIFIED or NUMERIC, e.g. "
                         "--derive-accept=verified,numeric (default: the derive_accept ini setting, else "
                         "[tool.derive] accept, else none: only PROVED passes)")
    group.addoption("--derive-strict", action="store_true", default=False,
                    help="deprecated, the default: the same as --derive-accept=none")
    parser.addini("derive_accept", type="args", default=None,
                  help="verdicts besides PROVED that pass for a step that should hold: verified, numeric")
    group.addoption("--derive-no-cache", action="store_true", default=False,
                    help="check every step afresh, neither reading nor writing .derive-cache/")
    group.addoption("--derive-budget", type=float, default=None, metavar="SECONDS",
                    help="time budget of one step (default: derive check's)")
    group.addoption("--derive-max-k", type=int, default=None, metavar="K",
                    help="largest number of classes for instance checks (default: derive check's)")
    group.addoption("--derive-no-numeric", action="store_true", default=False,
                    help="leave out the numeric checks of the proofs' conclusions")
    group.addoption("--derive-seed", type=int, default=None, help="seed of the numeric checks (default: derive "
                    "check's)")


def pytest_configure(config):
    """Resolve the settings once: options, then the ini setting, then ``[tool.derive]``."""
    from .engine.settings import Settings, SettingsError

    try:
        settings = Settings.from_pytest(config)
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from None
    if config.getoption("derive_strict"):
        config.issue_config_time_warning(DeriveDeprecationWarning(
            "--derive-strict is deprecated: only PROVED passes by default; it is the same as --derive-accept=none"),
            stacklevel=2)
    config.stash[_SETTINGS] = settings


def _settings(config):
    return config.stash[_SETTINGS]


def _accepted(config) -> Accepted:
    return _settings(config).accepted


def _checker(config):
    """The checker of the run, shared by its proofs (one cache, one set of keys)."""
    if _CHECKER not in config.stash:
        from .engine.checking import checker_for

        config.stash[_CHECKER] = checker_for(_settings(config))
    return config.stash[_CHECKER]


def _folders(config) -> tuple[Path, ...]:
    if _FOLDERS not in config.stash:
        roots = {Path(config.rootpath), Path(config.invocation_params.dir)}
        config.stash[_FOLDERS] = tuple(sorted({f.resolve() for root in roots for f in proof_folders(root)}))
    return config.stash[_FOLDERS]


def pytest_collect_file(file_path: Path, parent):
    if file_path.name.startswith("_") or file_path.name == "conftest.py":
        return None
    if file_path.suffix != ".py" and not _is_declared_document(file_path):
        return None
    resolved = file_path.resolve()
    if any(folder == resolved.parent or folder in resolved.parents for folder in _folders(parent.config)):
        return ProofFile.from_parent(parent, path=file_path)
    return None


def _is_declared_document(path: Path) -> bool:
    """A Markdown or LaTeX document that declares itself for derive (read only then: a README is not)."""
    from .documents import has_declarations, is_document

    return is_document(path.name) and has_declarations(path)


class _Checked:
    """One proof, checked once (at its first item) and shared by its items."""

    def __init__(self, proof, config):
        self.proof = proof
        self.config = config
        self._report = None
        self._warnings: list[str] = []

    def report(self):
        if self._report is None:
            from .engine.run import check_proof

            checker = _checker(self.config)
            before = len(checker.warnings)
            self._report = check_proof(self.proof, _settings(self.config), checker)
            self._warnings = list(checker.warnings[before:])
        for line in self._warnings:
            warnings.warn(DeriveCacheWarning(line), stacklevel=1)
        self._warnings = []
        return self._report


class ProofFile(pytest.File):
    """A proof module: its proofs' cases (and claims) as collectors."""

    def collect(self):
        from .io.loader import load_paths

        loaded = load_paths([self.path])
        if loaded.errors:
            raise ProofFailure("\n".join(error.text() for error in loaded.errors))
        several = len(loaded.proofs) > 1
        for proof, _ in loaded.proofs:
            checked = _Checked(proof, self.config)
            if several:
                yield ProofNode.from_parent(self, name=proof.id, checked=checked)
            else:
                yield from _children(self, checked)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ProofFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _children(parent, checked: _Checked):
    for case in checked.proof.cases:
        yield CaseNode.from_parent(parent, name=case.name, checked=checked, case=case)
    if checked.proof.claims:
        yield ClaimsNode.from_parent(parent, name="claims", checked=checked)
    if checked.proof.conclusions and _settings(checked.config).numeric is not None:
        yield NumericNode.from_parent(parent, name="numeric", checked=checked)


class ProofNode(pytest.Collector):
    def __init__(self, *, checked: _Checked, **kwargs):
        super().__init__(**kwargs)
        self.checked = checked

    def collect(self):
        yield from _children(self, self.checked)


class CaseNode(pytest.Collector):
    def __init__(self, *, checked: _Checked, case, **kwargs):
        super().__init__(**kwargs)
        self.checked = checked
        self.case = case

    def collect(self):
        for index, step in enumerate(self.case.steps, 1):
            yield StepItem.from_parent(self, name=f"step{index}", checked=self.checked, case=self.case,
                                       index=index)
        yield DerivedItem.from_parent(self, name="derived", checked=self.checked, case=self.case)


class ClaimsNode(pytest.Collector):
    def __init__(self, *, checked: _Checked, **kwargs):
        super().__init__(**kwargs)
        self.checked = checked

    def collect(self):
        for claim in self.checked.proof.claims:
            yield ClaimItem.from_parent(self, name=claim.name, checked=self.checked, claim=claim)


class NumericNode(pytest.Collector):
    def __init__(self, *, checked: _Checked, **kwargs):
        super().__init__(**kwargs)
        self.checked = checked

    def collect(self):
        for conclusion in self.checked.proof.conclusions:
            yield ConclusionItem.from_parent(self, name=conclusion.name, checked=self.checked, conclusion=conclusion)


def _line(origin: str) -> int | None:
    """The 0-based line of a ``file:line`` origin."""
    _, _, line = origin.rpartition(":")
    return int(line) - 1 if line.isdigit() else None


class _DeriveItem(pytest.Item):
    """An item that passes when its verdict meets its expectation; an erratum is a strict xfail."""

    def __init__(self, *, checked: _Checked, origin: str, erratum: bool, note: str = "", **kwargs):
        super().__init__(**kwargs)
        self.checked = checked
        self.origin = origin
        if erratum:
            self.add_marker(pytest.mark.xfail(
                strict=True, raises=ErratumRefuted,
                reason=f"erratum, must be refuted: {note}" if note else "erratum, must be refuted"))

    def reportinfo(self):
        return self.path, _line(self.origin), self.nodeid.split("::", 1)[-1]

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ProofFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def where(self) -> str:
        proof = self.checked.proof.id
        return f"{self.origin}: proof {proof!r}" if self.origin else f"proof {proof!r}"


def _expected(expect, accepted: Accepted) -> str:
    from .model.proof import Expect

    if expect is Expect.ERRATUM:
        return "REFUTED (an erratum)"
    names = [v.value for v in accepted.verdicts]
    return "PROVED" if len(names) == 1 else f"{' or '.join(names)} (accepted)"


def _judge(what: str, outcome, expect, ok: bool, accepted: Accepted, lines: list[str]) -> None:
    """Pass, or raise: ErratumRefuted for an erratum refuted as it must be, ProofFailure for a miss."""
    from .core.verdict import Verdict
    from .model.proof import Expect
    from .model.report import HOLDING, NOT_PROVED_FOR_EVERY_K

    evidence = outcome.evidence()
    if expect is Expect.ERRATUM and outcome.verdict is Verdict.REFUTED:
        raise ErratumRefuted("\n".join([f"{what}: REFUTED, as the erratum says", *lines, f"  {evidence}"]))
    if ok or (expect is Expect.ERRATUM and outcome.verdict in HOLDING):
        return  # an erratum that holds passes, which its strict xfail turns into a failure
    detail = [f"{what}: expected {_expected(expect, accepted)}, got {outcome.verdict.value}", *lines]
    if evidence:
        detail.append(f"  {evidence}")
    if expect is Expect.HOLDS and outcome.verdict in NOT_PROVED_FOR_EVERY_K:
        detail.append(f"  not proved for every k; --derive-accept={outcome.verdict.value.lower()} "
                      f"(or [tool.derive] accept) accepts it")
    raise ProofFailure("\n".join(detail))


class StepItem(_DeriveItem):
    def __init__(self, *, checked: _Checked, case, index: int, **kwargs):
        from .model.proof import Expect

        step = case.steps[index - 1]
        super().__init__(checked=checked, origin=step.origin, erratum=step.expect is Expect.ERRATUM,
                         note=step.note, **kwargs)
        self.case = case
        self.index = index

    def runtest(self):
        from .render.unicode import unicode

        report = self.checked.report()
        case_report = next(c for c in report.cases if c.case.name == self.case.name)
        s = case_report.steps[self.index - 1]
        reason = s.step.reason + (f" [{s.step.source_ref}]" if s.step.source_ref else "")
        lines = [f"  = {unicode(s.expr)}", f"  because: {reason}"]
        if s.step.note:
            lines.append(f"  note: {s.step.note}")
        _judge(f"{self.where()}, case {self.case.name!r}, step {self.index}", s.outcome, s.step.expect, s.ok,
               _accepted(self.config), lines)


class DerivedItem(_DeriveItem):
    def __init__(self, *, checked: _Checked, case, **kwargs):
        from .model.proof import Expect

        super().__init__(checked=checked, origin=case.origin, erratum=case.conclusion is Expect.ERRATUM,
                         note=case.note, **kwargs)
        self.case = case

    def runtest(self):
        from .render.unicode import unicode

        report = self.checked.report()
        case_report = next(c for c in report.cases if c.case.name == self.case.name)
        derived = case_report.derived
        what = f"{self.where()}, case {self.case.name!r}, derived result"
        if derived is None:
            raise ProofFailure(f"{what}: no step of the case could be evaluated")
        shown = unicode(derived.expr) if derived.expr is not None else "(not derived within the budget)"
        lines = [f"  derived:   {shown}", f"  last line: {unicode(case_report.steps[-1].expr)}"]
        _judge(what, derived.outcome, derived.expect, derived.ok, _accepted(self.config), lines)


class ClaimItem(_DeriveItem):
    def __init__(self, *, checked: _Checked, claim, **kwargs):
        from .model.proof import Expect

        super().__init__(checked=checked, origin=claim.origin, erratum=claim.expect is Expect.ERRATUM,
                         note=claim.note, **kwargs)
        self.claim = claim

    def runtest(self):
        from .model.proof import Expect

        report = self.checked.report()
        claim = next(c for c in report.claims if c.claim.name == self.claim.name)
        what = f"{self.where()}, claim {self.claim.name!r}"
        lines = [f"  {claim.text}", f"  {claim.reason}"]
        if self.claim.expect is Expect.ERRATUM:
            if claim.ok:
                raise ErratumRefuted("\n".join([f"{what}: contradicted, as the erratum says", *lines]))
            if claim.holds:
                return  # an erratum that holds passes, which its strict xfail turns into a failure
        if not claim.ok:
            expected = "to be contradicted (an erratum)" if self.claim.expect is Expect.ERRATUM else "to hold"
            found = "does not hold" if not claim.holds else \
                "holds, but not proved for every k (--derive-accept or [tool.derive] accept decides what passes)"
            raise ProofFailure("\n".join([f"{what}: expected {expected}, but it {found}", *lines]))



class ConclusionItem(_DeriveItem):
    """The numeric checks of one conclusion: it passes when every one is within its tolerance."""

    def __init__(self, *, checked: _Checked, conclusion, **kwargs):
        super().__init__(checked=checked, origin=conclusion.origin, erratum=False, **kwargs)
        self.conclusion = conclusion

    def runtest(self):
        report = self.checked.report()
        what = f"{self.where()}, conclusion {self.conclusion.name!r}, numeric checks (seed {report.numeric_seed})"
        if report.numeric_error:
            raise ProofFailure(f"{what}: could not be run: {report.numeric_error}")
        rows = [r for r in report.numeric if r.conclusion == self.conclusion.name]
        if not rows:
            raise ProofFailure(f"{what}: no numeric check was run")
        failed = [r for r in rows if not r.passed]
        if failed:
            raise ProofFailure("\n".join([f"{what}: {len(failed)} of {len(rows)} outside their tolerance"] + [
                f"  k={r.k}, {r.input_kind}, {r.method}: error {r.max_abs_error:.3g} > tolerance {r.tolerance:.3g}"
                for r in failed]))
