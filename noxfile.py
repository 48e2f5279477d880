"""Developer tasks: `nox` runs lint, typecheck and tests; `nox -s unasync` regenerates sync code."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _expose_pyenv_interpreters() -> None:
    """Let `python3.X` resolve to pyenv's interpreters when no version is selected."""
    if "PYENV_VERSION" in os.environ or shutil.which("pyenv") is None:
        return
    result = subprocess.run(
        ["pyenv", "versions", "--bare", "--skip-aliases"], capture_output=True, text=True
    )
    wanted = tuple(f"{version}." for version in PYTHONS)
    versions = [v for v in result.stdout.split() if v.startswith(wanted)]
    if versions:
        os.environ["PYENV_VERSION"] = ":".join(versions)


_expose_pyenv_interpreters()
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def group(name: str) -> tuple[str, ...]:
    """The requirements of one [dependency-groups] entry of pyproject.toml."""
    requirements: tuple[str, ...] = nox.project.dependency_groups(PYPROJECT, name)
    return requirements


@nox.session
def unasync(session: nox.Session) -> None:
    """Regenerate src/ycloud_chat/_sync and tests/_sync from their async sources."""
    session.install(*group("lint"))
    session.run("python", "build_tools/unasync.py")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint and format) and the generated-code check."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "build_tools/unasync.py", "--check")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and the build tools."""
    session.install("-e", ".", *group("typecheck"))
    session.run("mypy")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite on every supported Python, against the installed package."""
    session.install(".", *group("test"))
    session.run("pytest", *(session.posargs or ["-q"]))


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmark against raw httpx and the openai SDK; writes bench/results/.

    A few minutes on two cores. Arguments after `--` go to `python -m bench.run`.
    """
    session.install(".", *group("bench"))
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel into dist/ and check the wheel carries both faces."""
    session.install("build")
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist")
    wheel = next((ROOT / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = ["py.typed", "_sync/client.py", "_async/client.py", "types/results.py"]
    missing = [name for name in needed if f"ycloud_chat/{name}" not in names]
    if missing:
        session.error(f"{wheel.name} lacks {missing}")
