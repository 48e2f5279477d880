"""Shared fixtures: the anyio backends every async test runs on, fast retries, a fault server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.server import FaultServer


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


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry after a millisecond instead of half a second, so retry tests run fast."""
    monkeypatch.setattr("ycloud_chat._retry.INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A loopback HTTP server that answers as each test plans (see tests/faults/server.py)."""
    with FaultServer() as running:
        yield running


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures of the fault and hostile-server suites (tried, passed, leaks...)."""
    from tests.faults.server import TALLY
    from tests.hostile.server import TALLY as HOSTILE_TALLY

    for title, tally in (("fault injection", TALLY), ("hostile server", HOSTILE_TALLY)):
        if tally.tried:
            terminalreporter.section(title)
            for line in tally.lines():
                terminalreporter.write_line(line)
