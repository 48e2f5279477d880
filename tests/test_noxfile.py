"""The noxfile finds pyenv's Pythons under pyenv's own shim, and skips missing ones off CI."""

from __future__ import annotations

import os
import shutil

import noxfile
import pytest

PYENV_VERSIONS = "2.7.18\n3.9.18\n3.10.13\n3.11.7\n3.12.1\n3.13.0\n"


@pytest.fixture
def fake_pyenv(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {
        ("versions", "--bare", "--skip-aliases"): PYENV_VERSIONS,
        ("version-name",): "3.11.7\n",
    }
    monkeypatch.setattr(noxfile, "_pyenv", lambda *args: answers[args])
    monkeypatch.setattr(shutil, "which", lambda name: f"/shims/{name}")


@pytest.mark.usefixtures("fake_pyenv")
def test_pyenv_shim_selection_is_extended(monkeypatch: pytest.MonkeyPatch) -> None:
    # What pyenv's shim sets when it starts `python3 -m nox`: only python3's own version.
    monkeypatch.setenv("PYENV_VERSION", "3.11.7")
    noxfile._expose_pyenv_interpreters()
    assert os.environ["PYENV_VERSION"] == "3.11.7:3.10.13:3.12.1:3.13.0"


@pytest.mark.usefixtures("fake_pyenv")
def test_pyenv_without_a_selection_keeps_the_default_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYENV_VERSION", raising=False)
    noxfile._expose_pyenv_interpreters()
    assert os.environ["PYENV_VERSION"] == "3.11.7:3.10.13:3.12.1:3.13.0"


def test_without_pyenv_nothing_is_selected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYENV_VERSION", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    noxfile._expose_pyenv_interpreters()
    assert "PYENV_VERSION" not in os.environ


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("yes", True), ("", False), ("0", False), ("False", False)],
)
def test_ci_requires_every_python(value: str, expected: bool) -> None:
    assert noxfile._on_ci({"CI": value}) is expected
    assert noxfile._on_ci({}) is False


def test_sessions_for_one_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(noxfile, "RELEASES", {"3.11": (3, 11, 7)})
    assert noxfile._first_installed("3.12", "3.13", "3.11") == "3.11"
    assert noxfile._first_installed("3.12", "3.13", "3.11", at_least=(3, 11, 5)) == "3.11"
    # Debian 12's Python is 3.11.2: too old for the docs' pinned tools.
    monkeypatch.setattr(noxfile, "RELEASES", {"3.11": (3, 11, 2)})
    assert noxfile._first_installed("3.12", "3.13", "3.11", at_least=(3, 11, 5)) is None
    monkeypatch.setattr(noxfile, "RELEASES", {})
    assert noxfile._first_installed("3.12", "3.13", "3.11") is None


class Skipped(Exception):
    pass


class Session:
    """What the docs session uses of a nox session when it cannot run."""

    def skip(self, reason: str) -> None:
        raise Skipped(reason)

    def error(self, reason: str) -> None:
        raise AssertionError(reason)

    name = "docs"

    def log(self, message: str) -> None:
        pass


@pytest.mark.parametrize("on_ci", [False, True])
def test_docs_without_a_fit_python_skip_or_fail_on_ci(
    monkeypatch: pytest.MonkeyPatch, on_ci: bool
) -> None:
    monkeypatch.setattr(noxfile, "DOCS_PYTHON", None)
    monkeypatch.setattr(noxfile, "ON_CI", on_ci)
    expected = AssertionError if on_ci else Skipped
    with pytest.raises(expected, match=r"need Python 3\.11\.5 or newer"):
        noxfile.docs(Session())


def test_this_machine_s_releases() -> None:
    for version, release in noxfile.RELEASES.items():
        assert ".".join(map(str, release[:2])) == version


class RecordingSession:
    """What the tests and slow sessions use of a nox session, recording what they run."""

    python = "3.11"
    name = "tests-3.11"

    def __init__(self) -> None:
        self.posargs: list[str] = []
        self.runs: list[tuple[tuple[str, ...], dict[str, object]]] = []

    def install(self, *args: str) -> None:
        pass

    def log(self, message: str) -> None:
        pass

    def run(self, *args: str, **kwargs: object) -> None:
        self.runs.append((args, kwargs))


@pytest.fixture
def live_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The servers are given, so that no session starts the local model."""
    monkeypatch.setenv(noxfile.ENV_LLM_URL, "http://127.0.0.1:9/v1")
    monkeypatch.setenv(noxfile.ENV_EMBEDDINGS_URL, "http://127.0.0.1:9/v1")


@pytest.mark.usefixtures("live_servers")
def test_the_live_model_s_suites_run_once_in_the_slow_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(noxfile, "SLOW_PYTHON", "3.11")
    quick, slow = RecordingSession(), RecordingSession()
    noxfile.tests(quick)
    noxfile.slow(slow)

    [(quick_args, _)] = quick.runs
    assert quick_args[:4] == ("pytest", "-q", "-m", "(not slow or deployment) and not integration")
    assert "--ignore=tests/test_docs.py" in quick_args  # the docs session runs it
    assert quick_args[-4:] == ("-n", noxfile.XDIST[1], "--dist", "worksteal")
    assert int(noxfile.XDIST[1]) >= 4  # workers: the suites mostly wait
    [(slow_args, slow_options)] = slow.runs
    assert slow_args == ("pytest", "-q", "-m", "(slow or integration) and not deployment")
    assert slow_options["success_codes"] == [0, 5]  # a selection of nothing is no failure
    assert slow_options["env"] == {
        noxfile.ENV_LLM_URL: "http://127.0.0.1:9/v1",
        noxfile.ENV_EMBEDDINGS_URL: "http://127.0.0.1:9/v1",
    }
