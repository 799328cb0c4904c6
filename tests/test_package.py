"""The distribution: its metadata, and a wheel that installs on its own.

The wheel is built with ``python -m build``, installed with its dependencies into a fresh virtual
environment that cannot see this environment's packages, and its ``derive`` command (and
``python -m derive``) checks a scratch course repository.  An install that prints a warning fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from scratch_proofs import JACOBIAN, WRONG, scratch_repository

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NAME = PROJECT["project"]["name"]


def _missing(why: str) -> None:
    """Skip for a missing tool, except under CI, where .ci/run provides it and a skip would hide a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} under CI")
    pytest.skip(why)


def _pip_environment() -> dict:
    """The environment for pip: no user or site configuration (extra indexes, constraints) to warn about."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    for kept in ("PIP_CERT", "PIP_INDEX_URL", "PIP_DEFAULT_TIMEOUT"):
        if kept in os.environ:
            env[kept] = os.environ[kept]
    return env


def test_the_distribution_name_is_not_the_unrelated_derive_and_the_command_stays_derive():
    assert NAME == "derive-verifier"
    assert PROJECT["project"]["scripts"] == {"derive": "derive.cli:main"}
    assert PROJECT["project"]["entry-points"]["pytest11"] == {"derive": "derive.plugin"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install {NAME}" in readme


def test_the_licence_is_an_spdx_expression_with_a_build_backend_that_reads_it():
    assert PROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").is_file() and "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    # a licence classifier beside an SPDX expression is an error for setuptools >= 77
    assert not any(c.startswith("License ::") for c in PROJECT["project"]["classifiers"])
    (requirement,) = PROJECT["build-system"]["requires"]
    major = int(re.fullmatch(r"setuptools>=(\d+)", requirement).group(1))
    assert major >= 77


def test_python_minus_m_derive_is_the_derive_command():
    result = subprocess.run([sys.executable, "-m", "derive", "--help"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: derive ")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    if importlib.util.find_spec("build") is None:
        _missing("the build package is not installed (pip install build)")
    out = tmp_path_factory.mktemp("dist")
    # build from a copy: the build writes derive_verifier.egg-info into its source folder
    source = tmp_path_factory.mktemp("source") / "derive"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                                                 "__pycache__", ".derive-cache", ".pytest_cache"))
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
                           capture_output=True, text=True, timeout=300, env=_pip_environment())
    if built.returncode != 0 and "Could not find a version that satisfies" in built.stdout + built.stderr:
        _missing("the package index is not reachable to build the wheel")
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = out.glob("*.whl")
    return found, built.stdout + built.stderr


def test_the_build_prints_no_deprecation_warning(wheel):
    _, log = wheel
    assert not re.search(r"deprecat", log, re.I), log


def test_the_wheel_carries_every_module_of_the_package(wheel):
    import zipfile

    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    modules = {str(p.relative_to(ROOT)).replace(os.sep, "/") for p in (ROOT / "derive").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert "derive/sphinx_static/derive.css" in names  # the Sphinx extension's stylesheet
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_a_fresh_environment_installs_the_wheel_without_warnings_and_checks_a_course(wheel, tmp_path):
    path, _ = wheel
    venv = tmp_path / "venv"
    env = _pip_environment()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120, env=env)
    python = venv / "bin" / "python"
    # pip from this environment installs into the fresh one; the fresh one sees none of our packages
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", str(path)],
                               capture_output=True, text=True, timeout=300, env=env)
    if installed.returncode != 0 and "Could not find a version that satisfies" in installed.stdout + installed.stderr:
        _missing("the package index is not reachable to install the wheel's dependencies")
    output = installed.stdout + installed.stderr
    assert installed.returncode == 0, output
    assert not re.search(r"warning|deprecat", output, re.I), output
    isolated = subprocess.run([str(python), "-c", "import sys; print(sys.flags.no_site, sys.path)"],
                              capture_output=True, text=True, env=env, timeout=60)
    assert str(ROOT) not in isolated.stdout and "/work/main/.venv" not in isolated.stdout
    course = scratch_repository(tmp_path / "course", **{"jacobian.py": JACOBIAN, "wrong.py": WRONG})
    command = venv / "bin" / "derive"
    good = subprocess.run([str(command), "check", "--no-progress", "proofs/jacobian.py"], cwd=course,
                          capture_output=True, text=True, env=env, timeout=300)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "7 steps" in good.stdout and "ok" in good.stdout
    wrong = subprocess.run([str(python), "-m", "derive", "check", "--no-progress", "--json"], cwd=course,
                           capture_output=True, text=True, env=env, timeout=300)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert '"REFUTED"' in wrong.stdout
    where = subprocess.run([str(python), "-c", "import derive, sys; print(derive.__file__)"], cwd=course,
                           capture_output=True, text=True, env=env, timeout=60)
    assert where.stdout.strip().startswith(str(venv)), where.stdout
