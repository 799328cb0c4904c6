"""A project's settings from ``[tool.derive]`` in ``pyproject.toml``, and the verdicts a run accepts.

``proofs`` says where a project keeps its proofs (default ``proofs/``);
``accept`` says which verdicts weaker than PROVED pass for a step that should
hold (default: none, so only PROVED passes); ``numeric-k`` gives the numbers of
classes of the numeric checks (default 2, 3, 10, 1000 and 2^20); any other key
is an error.  A
run's project root (:func:`project_root`) is the folder of the nearest
``pyproject.toml`` upward from the current directory: its settings are read
there, and the result cache is kept there.  Everything here is read without
SymPy, so that the pytest plugin and ``derive --help`` stay cheap.  It does
not decide anything about a step: :func:`derive.model.report.meets` does, with the
:class:`~derive.model.accepted.Accepted` value resolved here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..model.accepted import ACCEPTABLE, AcceptError, Accepted

__all__ = ["DEFAULT_FOLDERS", "ACCEPTABLE", "SETTINGS", "Accepted", "AcceptError", "ConfigError", "proof_folders",
           "class_count", "configured_accept", "configured_classes", "resolve_accepted", "project_root"]

DEFAULT_FOLDERS = ("proofs",)
SETTINGS = ("proofs", "accept", "numeric-k")  # the keys of [tool.derive]
_LARGEST_POWER = 64   # 2^64 classes is already far beyond any array; a larger exponent is a typo


class ConfigError(ValueError):
    """A ``[tool.derive]`` setting that cannot be used; the message names the file and the setting."""


def _tool_settings(root: Path, strict: bool) -> dict:
    """``[tool.derive]`` of ``root/pyproject.toml`` (empty without one); an unreadable file raises only if strict."""
    config = root / "pyproject.toml"
    if not config.is_file():
        return {}
    try:
        settings = tomllib.loads(config.read_text(encoding="utf-8")).get("tool", {}).get("derive", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        if strict:
            raise ConfigError(f"{config}: cannot be read ({error})") from None
        return {}
    unknown = sorted(set(settings) - set(SETTINGS)) if isinstance(settings, dict) else []
    if strict and unknown:
        raise ConfigError(f"{config}: [tool.derive] has no setting {unknown[0]!r}: "
                          f"the settings are {', '.join(SETTINGS)}")
    return settings if isinstance(settings, dict) else {}


def project_root(start: Path) -> Path:
    """The folder of the nearest ``pyproject.toml`` from ``start`` upward, else ``start`` itself."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def proof_folders(root: Path) -> list[Path]:
    """The configured proof folders under ``root`` (default: ``proofs/``)."""
    settings = _tool_settings(root, strict=False)
    folders = list(DEFAULT_FOLDERS)
    configured = settings.get("proofs")
    if isinstance(configured, str):
        folders = [configured]
    elif isinstance(configured, list) and all(isinstance(f, str) for f in configured):
        folders = configured
    return [root / folder for folder in folders]


def configured_accept(root: Path) -> Accepted | None:
    """``[tool.derive] accept`` of ``root/pyproject.toml``, or None when it is not set.

    A value that is not a list of allowed names raises :class:`ConfigError`
    naming the file and the allowed values: a typo must not make a run
    quietly stricter or more lenient than the project meant.
    """
    settings = _tool_settings(root, strict=True)
    if "accept" not in settings:
        return None
    value = settings["accept"]
    where = f"{root / 'pyproject.toml'}: [tool.derive] accept"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of verdict names, e.g. accept = [\"verified\", \"numeric\"]")
    try:
        return Accepted.parse(value)
    except AcceptError as error:
        raise ConfigError(f"{where}: {error}") from None


def class_count(text) -> int:
    """A number of classes: an integer of at least 2, or the text of one, ``1000`` or a power ``2^20`` / ``2**20``.

    Raises :class:`ValueError` with the reason.  The text is read digit by digit: nothing is evaluated.
    """
    if isinstance(text, bool):
        raise ValueError(f"not a number of classes: {text!r} (write e.g. 1000 or 2^20)")
    if isinstance(text, int):
        value = text
    else:
        words = str(text).replace("**", "^").split("^")
        words = [w.strip() for w in words]
        if len(words) > 2 or not all(w.isascii() and w.isdigit() for w in words) \
                or (len(words) == 2 and int(words[1]) > _LARGEST_POWER):
            raise ValueError(f"not a number of classes: {text!r} (write e.g. 1000 or 2^20)")
        value = int(words[0]) ** (int(words[1]) if len(words) == 2 else 1)
    if value < 2:
        raise ValueError(f"a number of classes must be at least 2, not {text!r}")
    return value


def configured_classes(root: Path) -> tuple[int, ...] | None:
    """``[tool.derive] numeric-k`` of ``root/pyproject.toml``: the numbers of classes of the numeric checks,
    or None when it is not set.  A value that is not a non-empty list of numbers of classes raises
    :class:`ConfigError` naming the file and the setting."""
    settings = _tool_settings(root, strict=True)
    if "numeric-k" not in settings:
        return None
    value = settings["numeric-k"]
    where = f"{root / 'pyproject.toml'}: [tool.derive] numeric-k"
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where} must be a list of numbers of classes, e.g. numeric-k = [2, 3, 10, 1000, \"2^20\"]")
    try:
        return tuple(class_count(v) for v in value)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None


def resolve_accepted(option, root: Path) -> Accepted:
    """The verdicts a run accepts: the command-line ``option`` if given, else the project's, else PROVED alone.

    ``option`` is a list of ``--accept`` values or None.  Raises
    :class:`AcceptError` or :class:`ConfigError` with a one-line message.
    """
    if option:
        return Accepted.parse(option)
    return configured_accept(root) or Accepted()
