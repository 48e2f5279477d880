"""The deployment suite's server and its way of running real processes.

Every test runs the SDK in processes of its own (scripts in `scripts/`, web servers) against
one echo server on a loopback port, and asserts both their answers and that their stderr
holds none of what a leak prints.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from .echo_server import EchoServer, serving

ROOT = Path(__file__).parents[2]
SCRIPTS = Path(__file__).parent / "scripts"
# What a leaked session, socket, generator or a failing finaliser prints.
FORBIDDEN = ("Unclosed", "Exception ignored", "ResourceWarning", "Traceback")
STRICT = ("-W", "error::ResourceWarning")


@pytest.fixture(scope="session")
def echo() -> Iterator[EchoServer]:
    """The echo server every test's processes ask."""
    with serving() as server:
        yield server


def child_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a child: this one's, without any SDK setting, and the server's URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YC_", "YCLOUD_CHAT_"))}
    env.update(YC_BASE_URL=url, PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), **extra)
    return env


def assert_quiet(stderr: str) -> None:
    """Nothing a leak prints is in a process's stderr."""
    found = [word for word in FORBIDDEN if word in stderr]
    assert not found, f"stderr holds {found}:\n{stderr[-3000:]}"


def run_script(
    name: str, *args: object, url: str, flags: Sequence[str] = STRICT, timeout: float = 90
) -> dict[str, Any]:
    """Run a script of `scripts/`; assert it succeeded quietly; return the counts it printed."""
    command = [sys.executable, *flags, str(SCRIPTS / name), *map(str, args)]
    done = subprocess.run(
        command, env=child_env(url), capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    assert done.returncode == 0, f"{name} exited with {done.returncode}:\n{done.stderr[-3000:]}"
    assert_quiet(done.stderr)
    counts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return counts


def free_port() -> int:
    """A loopback port nothing listens on (a server started next binds it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class WebServer:
    """A web server in a process of its own (gunicorn, uvicorn), its stderr kept in a file."""

    def __init__(self, command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [arg.replace("{port}", str(self.port)) for arg in command]
        with log.open("w") as stderr:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr
            )

    def wait_ready(self, path: str, deadline: float = 30) -> None:
        ends = time.monotonic() + deadline
        while time.monotonic() < ends:
            assert self.process.poll() is None, self.stderr()
            try:
                httpx.get(self.url + path, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"the server did not start in {deadline} s:\n{self.stderr()}")

    def stop(self) -> str:
        """Stop it as a deployment does (SIGTERM), and return its stderr."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.stderr()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")
