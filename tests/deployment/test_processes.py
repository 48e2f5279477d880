"""The SDK in the process models a service runs in: fork, pools, event loops, gevent, exit.

Each test runs a script of `scripts/` in a process of its own against the echo server, and
asserts every answer and a quiet stderr (no `Unclosed`, `Exception ignored`,
`ResourceWarning`, run under `-W error::ResourceWarning`).
"""

from __future__ import annotations

import pytest

from .conftest import run_script
from .echo_server import EchoServer

pytestmark = [pytest.mark.slow, pytest.mark.deployment]

FACES = [("sync", "httpx"), ("async", "httpx"), ("async", "aiohttp")]
FACE_IDS = ["sync", "async-httpx", "async-aiohttp"]
ROUNDS = 100


@pytest.mark.parametrize(("face", "backend"), FACES, ids=FACE_IDS)
def test_fork_parent_and_child_call_at_once_and_each_gets_its_own_answer(
    echo: EchoServer, face: str, backend: str
) -> None:
    counts = run_script("fork_race.py", face, backend, ROUNDS, url=echo.url, timeout=150)
    assert counts["wrong"] == []
    assert (counts["parent_ok"], counts["child_ok"]) == (ROUNDS, ROUNDS)


POOLS = [("fork", *FACES[0]), ("fork", *FACES[2]), ("spawn", *FACES[0]), ("executor", *FACES[2])]


@pytest.mark.parametrize(
    ("method", "face", "backend"), POOLS, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in POOLS]
)
def test_a_process_pool_uses_an_inherited_or_pickled_sdk(
    echo: EchoServer, method: str, face: str, backend: str
) -> None:
    counts = run_script("pools.py", method, face, backend, url=echo.url)
    assert (counts["right"], counts["tasks"]) == (24, 24)
    assert counts["parent"] == ["echo:warm", "echo:after"]


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_twenty_successive_asyncio_runs_on_one_sdk(echo: EchoServer, backend: str) -> None:
    counts = run_script("loops.py", "runs", backend, 20, url=echo.url)
    assert counts["errors"] == []
    assert (counts["right"], counts["calls"]) == (60, 60)


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_eight_threads_each_with_its_own_loop_on_one_sdk(echo: EchoServer, backend: str) -> None:
    counts = run_script("loops.py", "threads", backend, 8, url=echo.url)
    assert counts["errors"] == []
    assert (counts["right"], counts["calls"]) == (24, 24)


def test_gevent_greenlets_share_one_sync_sdk(echo: EchoServer) -> None:
    counts = run_script("greenlets.py", 50, url=echo.url)
    assert counts["errors"] == []
    assert counts["right"] == 50
    # 50 answers of 0.5 s each take 25 s one after the other: concurrent, they take about 1.
    assert counts["seconds"] < 12


EXITS = [(*face, ["-W", "error::ResourceWarning"]) for face in FACES] + [(*FACES[2], [])]


@pytest.mark.parametrize(
    ("face", "backend", "flags"), EXITS, ids=[*(f"{i}-strict" for i in FACE_IDS), "aiohttp-default"]
)
def test_exit_without_close_prints_nothing(
    echo: EchoServer, face: str, backend: str, flags: list[str]
) -> None:
    counts = run_script("exit_unclosed.py", face, backend, url=echo.url, flags=flags)
    assert counts["right"] is True
