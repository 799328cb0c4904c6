"""What a check run needs to know, resolved once into one frozen value by one constructor per front end.

:class:`Settings` holds how hard to look (the time budget of a step, the
largest k of the instance checks), what passes (the verdicts accepted besides
PROVED), whether and how the conclusions are checked numerically, where the
result cache is kept (or None for none) and how many processes check.  Its
defaults are the checker's (:mod:`derive.core.defaults`) and the numeric
checks' (:class:`derive.numeric.rows.NumericSettings`), stated there once.

The front ends build it only through :meth:`Settings.from_cli`,
:meth:`Settings.from_pytest` and :meth:`Settings.from_sphinx`; each reads
``[tool.derive]`` of the project (:mod:`derive.io.config`) where its own option
is not given.  The command line and the plugin share one rule for the project
root, and so one cache and one ``accept``: the folder of the nearest
``pyproject.toml`` upward from the current directory, else the current
directory (:func:`derive.io.config.project_root`).

Nothing here imports SymPy; nothing here checks anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..cache.store import CACHE_DIR
from ..core.defaults import DEFAULT_BUDGET, DEFAULT_MAX_CLASSES
from ..io.config import AcceptError, Accepted, ConfigError, configured_accept, configured_classes, project_root
from ..numeric.rows import CLASS_COUNTS, NumericSettings

__all__ = ["Settings", "SettingsError", "DEFAULT_JOBS"]

DEFAULT_JOBS = 1


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the option (as its front end spells it) and the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything a check run needs: see the module's docstring.

    ``numeric`` is None when the conclusions are not checked numerically;
    ``cache`` is the cache folder, or None to neither read nor write one.
    """

    seconds: float = DEFAULT_BUDGET
    max_classes: int = DEFAULT_MAX_CLASSES
    accepted: Accepted = Accepted()
    numeric: NumericSettings | None = None
    cache: Path | None = None
    jobs: int = DEFAULT_JOBS

    def __post_init__(self):
        if not isinstance(self.accepted, Accepted):
            raise TypeError(f"accepted must be a derive.io.config.Accepted, not {type(self.accepted).__name__}")
        if self.numeric is not None and not isinstance(self.numeric, NumericSettings):
            raise TypeError(f"numeric must be a derive.numeric.rows.NumericSettings or None, "
                            f"not {type(self.numeric).__name__}")
        if self.cache is not None and not isinstance(self.cache, (str, Path)):
            raise TypeError(f"cache must be the cache folder (a path) or None, not {type(self.cache).__name__}; "
                            f"a store is given to derive.engine.checking.CachedChecker")
        if self.cache is not None:
            object.__setattr__(self, "cache", Path(self.cache))
        _check_ranges(self.seconds, self.max_classes, self.jobs, _API)

    @classmethod
    def from_cli(cls, args, cwd: Path) -> "Settings":
        """From the parsed arguments of a ``derive`` command; an option the command lacks keeps its default.

        ``--accept`` (or the deprecated ``--strict``), else ``[tool.derive] accept``;
        the cache under the project root unless ``--no-cache``; the numeric checks
        for a command with ``--seed`` unless ``--no-numeric``, at ``--k`` (``derive
        numeric``), else at ``[tool.derive] numeric-k``, else at the default numbers of classes.  Raises
        :class:`SettingsError` with a one-line message.
        """
        root = project_root(cwd)
        configured = _configured(root)
        seconds = _given(args, "budget", DEFAULT_BUDGET)
        max_classes = _given(args, "max_k", DEFAULT_MAX_CLASSES)
        jobs = _given(args, "jobs", DEFAULT_JOBS)
        _check_ranges(seconds, max_classes, jobs, _CLI)
        accepted = Accepted()
        if hasattr(args, "accept"):
            if getattr(args, "strict", False) and args.accept:
                raise SettingsError("--strict and --accept cannot be combined: --strict is the same as --accept none")
            try:
                accepted = _accepted(["none"] if getattr(args, "strict", False) else args.accept, None, configured)
            except AcceptError as error:
                raise SettingsError(f"--accept: {error}") from None
        numeric = None
        if hasattr(args, "seed") and not getattr(args, "no_numeric", False):
            numeric = NumericSettings(seed=_given(args, "seed", NumericSettings.seed),
                                      classes=tuple(_given(args, "classes", _classes(root))))
        cached = hasattr(args, "no_cache") and not args.no_cache
        return cls(seconds, max_classes, accepted, numeric, root / CACHE_DIR if cached else None, jobs)

    @classmethod
    def from_pytest(cls, config) -> "Settings":
        """From pytest's ``config``: the ``--derive-*`` options, the ini setting ``derive_accept``, ``[tool.derive]``.

        The project root is found from pytest's invocation folder, as the
        command line finds it from the current directory.  Raises
        :class:`SettingsError` with a one-line message.
        """
        root = project_root(Path(config.invocation_params.dir))
        configured = _configured(root)
        seconds = _option(config, "derive_budget", DEFAULT_BUDGET)
        max_classes = _option(config, "derive_max_k", DEFAULT_MAX_CLASSES)
        _check_ranges(seconds, max_classes, DEFAULT_JOBS, _PYTEST)
        option = config.getoption("derive_accept")
        if config.getoption("derive_strict"):
            if option:
                raise SettingsError("--derive-strict and --derive-accept cannot be combined: --derive-strict is "
                                    "the same as --derive-accept=none")
            option = ["none"]
        try:
            accepted = _accepted(option, config.getini("derive_accept"), configured)
        except AcceptError as error:
            raise SettingsError(f"derive accept: {error}") from None
        numeric = None
        if not config.getoption("derive_no_numeric"):
            numeric = NumericSettings(seed=_option(config, "derive_seed", NumericSettings.seed), classes=_classes(root))
        cache = None if config.getoption("derive_no_cache") else root / CACHE_DIR
        return cls(seconds, max_classes, accepted, numeric, cache, DEFAULT_JOBS)

    @classmethod
    def from_sphinx(cls, config, root: Path) -> "Settings":
        """From a Sphinx ``config`` (``derive_budget``, ``derive_max_k``, ``derive_accept``, ``derive_cache``,
        ``derive_numeric``), for the course repository ``root``: its cache is ``root``'s."""
        seconds, max_classes = float(config.derive_budget), int(config.derive_max_k)
        _check_ranges(seconds, max_classes, DEFAULT_JOBS, _SPHINX)
        try:
            accepted = Accepted.parse(list(config.derive_accept) or ["none"])
        except AcceptError as error:
            raise SettingsError(f"derive_accept: {error}") from None
        numeric = NumericSettings(classes=_classes(Path(root))) if config.derive_numeric else None
        cache = Path(root) / CACHE_DIR if config.derive_cache else None
        return cls(seconds, max_classes, accepted, numeric, cache, DEFAULT_JOBS)


# How each front end spells the settings checked by _check_ranges, for its error messages.
_API = {"seconds": "seconds", "max_classes": "max_classes", "jobs": "jobs"}
_CLI = {"seconds": "--budget", "max_classes": "--max-k", "jobs": "--jobs"}
_PYTEST = {"seconds": "--derive-budget", "max_classes": "--derive-max-k", "jobs": "jobs"}
_SPHINX = {"seconds": "derive_budget", "max_classes": "derive_max_k", "jobs": "jobs"}


def _check_ranges(seconds, max_classes, jobs, spelled: dict[str, str]) -> None:
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not seconds > 0:
        raise SettingsError(f"{spelled['seconds']} must be a positive number of seconds")
    if not isinstance(max_classes, int) or isinstance(max_classes, bool) or max_classes < 2:
        raise SettingsError(f"{spelled['max_classes']} must be at least 2")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise SettingsError(f"{spelled['jobs']} must be at least 1")


def _given(args, name: str, default):
    """``args.name``, or ``default`` when the command has no such option or it was not given."""
    value = getattr(args, name, None)
    return default if value is None else value


def _option(config, name: str, default):
    value = config.getoption(name)
    return default if value is None else value


def _configured(root: Path) -> Accepted | None:
    """``[tool.derive] accept`` of the project, read (and its keys checked) whatever the options say."""
    try:
        return configured_accept(root)
    except ConfigError as error:
        raise SettingsError(str(error)) from None


def _classes(root: Path) -> tuple[int, ...]:
    """``[tool.derive] numeric-k`` of the project, else the default numbers of classes of the numeric checks."""
    try:
        return configured_classes(root) or CLASS_COUNTS
    except ConfigError as error:
        raise SettingsError(str(error)) from None


def _accepted(option, ini, configured: Accepted | None) -> Accepted:
    """The option if given, else the ini setting (pytest only), else ``[tool.derive] accept``, else PROVED alone.

    Raises :class:`AcceptError` for a name that is not a verdict to accept.
    """
    if option:
        return Accepted.parse(option)
    if ini:
        return Accepted.parse(ini)
    return configured or Accepted()
