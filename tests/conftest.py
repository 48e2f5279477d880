"""Shared fixtures: the anyio backends every async test runs on."""

from __future__ import annotations

import pytest


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault suite's figures (faults tried and passed, retries, leaks)."""
    from tests.faults.server import TALLY

    if TALLY.tried:
        terminalreporter.section("fault injection")
        for line in TALLY.lines():
            terminalreporter.write_line(line)
