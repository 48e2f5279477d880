"""Shared fixtures: the anyio backends every async test runs on, fast retries, a fault server."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests import loopback
from tests.faults.server import FaultServer
from ycloud_chat._constants import ENV_HTTP_BACKEND

# Hypothesis's own clock checks (a slow draw, a slow example) fail a correct test on a busy
# machine: the properties are what is asserted, not how fast the inputs are made.
settings.register_profile(
    "wall-clock-free", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("wall-clock-free")


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Run every async test on asyncio and on trio: the async face is anyio-neutral."""
    backend: tuple[str, dict[str, object]] = request.param
    return backend


@pytest.fixture(params=["aiohttp", "httpx", "http.client"])
def http_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test on each HTTP backend of its face (aiohttp: asyncio; http.client: sync).

    The SDKs the test makes choose it from $YCLOUD_CHAT_HTTP_BACKEND; on aiohttp and
    http.client, the httpx transports `make_sdk` is given are served on loopback ports.
    """
    backend: str = request.param
    monkeypatch.setenv(ENV_HTTP_BACKEND, backend)
    if backend == "httpx":
        yield backend
        return
    with ExitStack() as servers:
        monkeypatch.setattr(loopback, "SERVERS", servers)
        yield backend


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """aiohttp runs on asyncio only, http.client on the sync face only: drop their other runs."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        on_asyncio = params.get("anyio_backend", ("",))[0] == "asyncio"
        backend = params.get("http_backend")
        if (backend == "aiohttp" and not on_asyncio) or (
            backend == "http.client" and ("anyio_backend" in params or _is_async(item))
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _is_async(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    return function is not None and inspect.iscoroutinefunction(function)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry after a millisecond instead of half a second, so retry tests run fast."""
    monkeypatch.setattr("ycloud_chat._retry.INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A loopback HTTP server that answers as each test plans (see tests/faults/server.py)."""
    with FaultServer() as running:
        yield running


def _tallies() -> dict[str, Any]:
    """The fault and hostile-server suites' figures (tried, passed, leaks...), by title."""
    from tests.faults.server import TALLY
    from tests.hostile.server import TALLY as HOSTILE_TALLY

    return {"fault injection": TALLY, "hostile server": HOSTILE_TALLY}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: send the suites' figures to the controller, which prints them."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["tallies"] = {title: tally.figures() for title, tally in _tallies().items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the pytest-xdist controller: add a finished worker's figures to the session's."""
    tallies = _tallies()
    for title, figures in getattr(node, "workeroutput", {}).get("tallies", {}).items():
        tallies[title].add(figures)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures of the fault and hostile-server suites (tried, passed, leaks...)."""
    for title, tally in _tallies().items():
        if tally.tried:
            terminalreporter.section(title)
            for line in tally.lines():
                terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def not_a_cloud_vm(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test finds the metadata service by the machine's own DMI data (it may be a cloud VM)."""
    monkeypatch.setattr(
        "ycloud_chat._credentials.DMI_DIR", str(tmp_path_factory.getbasetemp() / "no-dmi")
    )
    monkeypatch.delenv("YC_METADATA_ADDR", raising=False)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fail any connection to an address other than 127.0.0.1 or ::1; the addresses asked."""
    import socket

    asked: list[object] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address: object) -> None:
        asked.append(address)
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1") and not str(host).startswith("/"):
            raise AssertionError(f"a test tried to connect to {address!r}")

    def guarded(self: socket.socket, address: object) -> None:
        check(address)
        return connect(self, address)  # type: ignore[arg-type]

    def guarded_ex(self: socket.socket, address: object) -> int:
        check(address)
        return connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    return asked
