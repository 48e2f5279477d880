"""Developer tasks: `nox` runs lint, typecheck and tests; `nox -s unasync` regenerates sync code.

`nox -s demo` runs the examples against a local model; `nox -s llm` serves that model.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "docs", "tests", "slow"]

ROOT = Path(__file__).parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")

sys.path.insert(0, str(ROOT / "build_tools"))
import local_llm  # noqa: E402  (build_tools/ is no package; the demo and tests need it in-process)

ENV_LLM_URL = "YCLOUD_CHAT_LLM_URL"  # a running server for the integration tests
ENV_EMBEDDINGS_URL = "YCLOUD_CHAT_EMBEDDINGS_URL"  # and one that answers /v1/embeddings
EXTRAS = sorted(PYPROJECT["project"]["optional-dependencies"])  # the slow suites test them all
EXAMPLES = [
    "sync_basic.py",
    "async_service.py",
    "streaming.py",
    "multi_turn.py",
    "structured_output.py",
    "tools.py",
    "cli.py",
]


def _expose_pyenv_interpreters() -> None:
    """Let `python3.X` resolve to each of pyenv's 3.10 to 3.13, whichever version is selected.

    pyenv's shim starts nox with PYENV_VERSION set to the one version `python3` is, under which
    `python3.12` finds nothing: every installed version wanted here is added to the selection,
    after the selected ones, so that `python3` stays what it was.
    """
    if shutil.which("pyenv") is None:
        return
    installed = _pyenv("versions", "--bare", "--skip-aliases").split()
    wanted = tuple(f"{version}." for version in PYTHONS)
    selected = os.environ.get("PYENV_VERSION") or _pyenv("version-name").strip()
    versions = [v for v in selected.split(":") if v]
    versions += [v for v in installed if v.startswith(wanted) and v not in versions]
    if versions:
        os.environ["PYENV_VERSION"] = ":".join(versions)


def _pyenv(*args: str) -> str:
    result = subprocess.run(["pyenv", *args], capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else ""


def _release(version: str) -> tuple[int, ...] | None:
    """The release of `python<version>` on PATH (3, 11, 2), or None when it is not there.

    It must start: a pyenv shim may be on PATH for a version pyenv has not selected.
    """
    if shutil.which(f"python{version}") is None:
        return None
    command = [f"python{version}", "-c", "import sys; print(*sys.version_info[:3])"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return tuple(int(part) for part in result.stdout.split())


def _on_ci(environ: Mapping[str, str]) -> bool:
    """Whether this is a CI run (CI set to anything but empty, 0 or false)."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false")


_expose_pyenv_interpreters()
RELEASES = {version: release for version in PYTHONS if (release := _release(version))}
INSTALLED = list(RELEASES)
MISSING = [version for version in PYTHONS if version not in INSTALLED]
# CI must test every supported Python; elsewhere the suite runs on those installed, and nox
# reports each missing one as skipped.
ON_CI = _on_ci(os.environ)
nox.options.error_on_missing_interpreters = ON_CI


def _first_installed(*preferred: str, at_least: tuple[int, ...] = ()) -> str | None:
    """The first of `preferred` installed here (of release `at_least` or newer), else None."""
    fit = [version for version in preferred if RELEASES.get(version, ()) >= (at_least or (0,))]
    return fit[0] if fit else None


# mkdocs-material and the pinned pymdown-extensions need Python 3.11.5 or newer.
DOCS_PYTHON = _first_installed("3.12", "3.13", "3.11", at_least=(3, 11, 5))


os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def timed(function: Callable[[nox.Session], None]) -> Callable[[nox.Session], None]:
    """Make the session log its wall time to the second (nox's own summary rounds to minutes)."""

    @functools.wraps(function)
    def session_function(session: nox.Session) -> None:
        started = time.monotonic()
        try:
            function(session)
        finally:
            session.log(f"{session.name}: wall time {time.monotonic() - started:.0f} s")

    return session_function


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
@timed
def lint(session: nox.Session) -> None:
    """Ruff (lint and format) and the generated-code check."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", "build_tools/unasync.py", "--check")


@nox.session
@timed
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and the build tools."""
    session.install("-e", ".", *group("typecheck"))
    session.run("mypy")
    session.chdir(ROOT / "examples" / "django_app")  # its modules are named from there
    session.run("mypy", ".")


@nox.session(python=DOCS_PYTHON or False)
@timed
def docs(session: nox.Session) -> None:
    """Run every example of the docs against the testing kit, then build the site strictly."""
    if DOCS_PYTHON is None:
        reason = "the docs' tools need Python 3.11.5 or newer (3.11 to 3.13); none is installed"
        if ON_CI:
            session.error(reason)
        session.skip(reason)
    session.install(".", *group("docs"))
    session.run("pytest", "-q", "tests/test_docs.py")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(ROOT / "site"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
    broken = _broken_links_of_404(ROOT / "site")
    if broken:
        session.error(f"site/404.html links to pages and files the site lacks: {broken}")


def _broken_links_of_404(site: Path) -> list[str]:
    """The site's own links in 404.html (absolute, from `site_url`'s path) that lead nowhere."""
    base = urlsplit(os.environ.get("YCLOUD_CHAT_DOCS_URL", "http://127.0.0.1:8000/")).path
    links = re.findall(r'(?:href|src)="(/[^"#?]*)', (site / "404.html").read_text("utf-8"))
    broken = []
    for link in links:
        target = site / link.removeprefix(base)
        if (
            not link.startswith(base)
            or not (target / "index.html" if target.is_dir() else target).is_file()
        ):
            broken.append(link)
    return broken


# pytest-xdist's workers for the unit suites: they wait on sockets, servers and processes far
# more than they compute, so twice as many workers as cores (four at least) keep the cores busy.
XDIST = ["-n", str(max(4, 2 * (os.cpu_count() or 1))), "--dist", "worksteal"]


@nox.session(python=PYTHONS)
@timed
def tests(session: nox.Session) -> None:
    """The test suite on every supported Python, against the installed package."""
    if MISSING and session.python == INSTALLED[0]:
        session.log(
            f"not installed here, so skipped: Python {', '.join(MISSING)} "
            f"(the suite runs on {', '.join(INSTALLED)}; CI requires all of {', '.join(PYTHONS)})"
        )
    session.install(".[aiohttp]", *group("deployment"))
    # The live model's suites (marker integration) run once, in the slow session, and the
    # docs' examples (fresh processes, mypy) once, in the docs session; the deployment suite
    # (fork, loops, servers) runs on every Python, as the process models differ between them.
    args = session.posargs or [
        "-q",
        "-m",
        "(not slow or deployment) and not integration",
        "--ignore=tests/test_docs.py",
        *XDIST,
    ]
    with _integration_servers(session, args) as urls:
        session.run("pytest", *args, env=urls)


PYTEST_NO_TESTS = 5  # pytest's exit code when the selection collects nothing
SLOW_PYTHON = _first_installed("3.12", "3.11", "3.13", "3.10")


@nox.session(python=SLOW_PYTHON or False)
@timed
def slow(session: nox.Session) -> None:
    """The slow suites (real processes and servers, the live model's) once, with every extra.

    On one Python. A selection that collects no test passes: pytest's exit code 5.
    """
    if SLOW_PYTHON is None:
        session.skip("no Python of 3.10 to 3.13 is installed")
    session.install(f".[{','.join(EXTRAS)}]", *group("slow"))
    args = session.posargs or ["-q", "-m", "(slow or integration) and not deployment"]
    with _integration_servers(session, args) as urls:
        session.run("pytest", *args, env=urls, success_codes=[0, PYTEST_NO_TESTS])


@contextmanager
def _integration_servers(session: nox.Session, pytest_args: list[str]) -> Iterator[dict[str, str]]:
    """The servers the integration tests ask, as the variables that name them.

    $YCLOUD_CHAT_LLM_URL (chat) and $YCLOUD_CHAT_EMBEDDINGS_URL (embeddings) when set, else
    local ones run here. Deselecting the tests (`-- -m "not integration"`) skips the local
    servers and their first build.
    """
    urls = {name: os.environ.get(name, "") for name in (ENV_LLM_URL, ENV_EMBEDDINGS_URL)}
    if all(urls.values()) or any("not integration" in arg for arg in pytest_args):
        yield urls
        return
    session.log("starting the local model for the integration tests (built on first use)")
    with contextlib.ExitStack() as servers:
        for name, embeddings in ((ENV_LLM_URL, False), (ENV_EMBEDDINGS_URL, True)):
            if not urls[name]:
                urls[name] = servers.enter_context(_local_model(session, embeddings=embeddings))
        yield urls


@contextmanager
def _local_model(session: nox.Session, *, embeddings: bool = False) -> Iterator[str]:
    """The local model's base URL while it runs; a build problem ends the session clearly."""
    try:
        server = local_llm.start_server(embeddings=embeddings)
    except local_llm.LocalLLMError as exc:
        session.error(f"the local model is not available: {exc}")
    alias = local_llm.EMBEDDINGS_ALIAS if embeddings else local_llm.MODEL_ALIAS
    session.log(f"serving {alias} at {server.base_url}")
    try:
        yield server.base_url
    finally:
        server.stop()
        session.log(f"stopped the local model, {alias} (llama-server, pid {server.process.pid})")


@nox.session
def demo(session: nox.Session) -> None:
    """Install the package, bring up a local model (building it once) and run every example."""
    session.install(".")
    with _local_model(session) as url:
        for example in EXAMPLES:
            session.log(f"example: {example}")
            session.run("python", f"examples/{example}", url)


@nox.session(venv_backend="none")
def llm(session: nox.Session) -> None:
    """Serve the local model until Ctrl-C (`nox -s llm -- build` only builds it).

    `nox -s llm -- --port 8080` serves on that port; `nox -s llm -- serve --embeddings` serves
    the model for `/v1/embeddings` instead.
    """
    args = session.posargs
    if not args or args[0].startswith("-"):
        args = ["serve", *args]
    if local_llm.main(args) != 0:
        session.error("the local model is not available (see the error above)")


@nox.session(python=_first_installed("3.11", "3.12", "3.13", "3.10") or "3.11")
def bench(session: nox.Session) -> None:
    """The benchmark against raw httpx, aiohttp, http.client and openai; writes bench/results/.

    A few minutes on two cores. Arguments after `--` go to `python -m bench.run`.
    """
    session.install(".[aiohttp]", *group("bench"))
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel into dist/, check they carry what they must, `twine check` them."""
    session.install("build", "twine")
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", "dist")
    wheel = next((ROOT / "dist").glob("*.whl"))
    sdist = next((ROOT / "dist").glob("*.tar.gz"))
    missing = _missing_from_distributions(wheel, sdist)
    if missing:
        session.error(f"the distributions lack {missing}")
    session.run("twine", "check", "--strict", str(wheel), str(sdist))


def _missing_from_distributions(wheel: Path, sdist: Path) -> list[str]:
    """What the wheel (both faces, the types, LICENSE) and the sdist (LICENSE) lack."""
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    needed = ["py.typed", "_sync/client.py", "_async/client.py", "types/results.py"]
    missing = [name for name in needed if f"ycloud_chat/{name}" not in in_wheel]
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in in_wheel):
        missing.append(f"{wheel.name}: LICENSE")
    with tarfile.open(sdist) as archive:
        if not any(name.endswith("/LICENSE") for name in archive.getnames()):
            missing.append(f"{sdist.name}: LICENSE")
    return missing
