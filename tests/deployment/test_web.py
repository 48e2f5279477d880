"""The example sites under real servers: Django under gunicorn and uvicorn, FastAPI under uvicorn.

Each test starts the server in processes of its own (warnings as errors), asks it many
questions at once, stops it as a deployment does (SIGTERM), and asserts every answer and a
quiet stderr.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, STRICT, WebServer, assert_quiet, child_env
from .echo_server import EchoServer

pytestmark = [pytest.mark.slow, pytest.mark.deployment]

DJANGO = ROOT / "examples" / "django_app"
FASTAPI = ROOT / "examples" / "fastapi_app"
QUESTIONS = 8


def ask_site(base: str, path: str, question: str) -> str:
    """The site's answer to one question, from a JSON view or an event-stream view."""
    url = f"{base}{path}"
    if "stream" not in path:
        if path == "/ask":  # the FastAPI example takes a JSON body
            response = httpx.post(url, json={"text": question}, timeout=30)
        else:
            response = httpx.get(url, params={"q": question}, timeout=30)
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        answer = response.json()
        return str(answer.get("text", answer.get("answer")))
    text = ""
    with httpx.stream("GET", url, params={"q": question}, timeout=30) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                text += json.loads(line[6:]).get("text", "")
    return text


def ask_all(base: str, paths: list[str]) -> tuple[int, list[str]]:
    """Ask every path QUESTIONS questions, 8 at a time: the right answers and the wrong ones."""
    asked = [(path, f"{path.strip('/')} {n}") for path in paths for n in range(QUESTIONS)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda pair: ask_site(base, *pair), asked))
    wrong = [f"{p}: {a!r}" for (p, q), a in zip(asked, answers, strict=True) if a != f"echo:{q}"]
    return len(asked) - len(wrong), wrong


# The example site's settings, with the errors of a request logged to stderr (Django only
# mails them by default): a view that fails shows its traceback in the test's report.
LOGGED_SETTINGS = """
from chatsite.settings import *  # noqa: F403

LOGGING = {
    "version": 1,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
"""


def serve(command: list[str], cwd: Path, echo: EchoServer, tmp_path: Path) -> WebServer:
    (tmp_path / "logged_settings.py").write_text(LOGGED_SETTINGS)
    env = child_env(echo.url, CHAT_MODEL="m", DJANGO_SETTINGS_MODULE="logged_settings")
    env["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{cwd}{os.pathsep}{env['PYTHONPATH']}"
    return WebServer([sys.executable, *STRICT, *command], cwd=cwd, env=env, log=tmp_path / "log")


def _has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


@pytest.mark.parametrize("preload", [False, True], ids=["fork-then-import", "preload"])
def test_django_under_gunicorn_gthread(echo: EchoServer, tmp_path: Path, preload: bool) -> None:
    command = ["-m", "gunicorn", "chatsite.wsgi:application", "-b", "127.0.0.1:{port}"]
    command += ["-k", "gthread", "--threads", "4", "-w", "2", "--graceful-timeout", "10"]
    command += ["--no-control-socket"] * _has_control_socket()  # a shared path in $HOME
    server = serve(command + ["--preload"] * preload, DJANGO, echo, tmp_path)
    try:
        server.wait_ready("/ask/?q=ready")
        right, wrong = ask_all(server.url, ["/ask/", "/ask-async/", "/stream/"])
    finally:
        stderr = server.stop()
    assert wrong == [], stderr[-3000:]
    assert right == 3 * QUESTIONS
    assert_quiet(stderr)


def test_django_under_uvicorn(echo: EchoServer, tmp_path: Path) -> None:
    command = ["-m", "uvicorn", "chatsite.asgi:application", "--port", "{port}"]
    server = serve(command, DJANGO, echo, tmp_path)
    try:
        server.wait_ready("/ask/?q=ready")
        right, wrong = ask_all(server.url, ["/ask/", "/ask-async/", "/stream-async/"])
    finally:
        stderr = server.stop()
    assert wrong == [], stderr[-3000:]
    assert right == 3 * QUESTIONS
    assert_quiet(stderr)


@pytest.fixture
def slow_streams(echo: EchoServer) -> object:
    echo.chunk_delay = 0.1
    yield echo
    echo.chunk_delay = 0.0


def test_fastapi_under_uvicorn_and_disconnects_close_the_upstream_stream(
    echo: EchoServer, tmp_path: Path, slow_streams: object
) -> None:
    command = ["-m", "uvicorn", "chat_api:app", "--port", "{port}"]
    server = serve(command, FASTAPI, echo, tmp_path)
    disconnects = 3
    try:
        server.wait_ready("/stream?q=ready")
        echo.chunk_delay = 0.0
        right, wrong = ask_all(server.url, ["/ask", "/stream"])
        echo.chunk_delay = 0.1  # 60 words: a 6 s stream, left after its first pieces
        aborted = echo.aborted
        long_question = " ".join(f"w{n}" for n in range(60))
        for _ in range(disconnects):
            with httpx.stream("GET", f"{server.url}/stream", params={"q": long_question}) as r:
                pieces: list[str] = []
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        pieces.append(line)
                    if len(pieces) == 2:
                        break
        ends = time.monotonic() + 5  # the server notices at its next write, 0.1 s later
        while echo.aborted < aborted + disconnects and time.monotonic() < ends:
            time.sleep(0.05)
        closed_upstream = echo.aborted - aborted
    finally:
        stderr = server.stop()
    assert wrong == [], stderr[-3000:]
    assert right == 2 * QUESTIONS
    assert closed_upstream == disconnects
    assert_quiet(stderr)
