"""Tests of the FastAPI example, served by uvicorn on a loopback port, against `fake_chat_api`.

The app makes its own `AsyncChatSDK()` in its lifespan, as in production: the fixture answers
it with no change to the app.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from chat_api import app

from ycloud_chat.testing import FakeChatAPI


@pytest.fixture
def server(fake_chat_api: FakeChatAPI) -> Iterator[str]:
    """The app under uvicorn, lifespan included, on a free loopback port: its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join()
    sock.close()


def events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent-event stream, as a browser's EventSource reads."""
    event, data = "message", ""
    for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = line.removeprefix("data: ")
        elif not line:
            yield event, data
            event, data = "message", ""


def test_ask(fake_chat_api: FakeChatAPI, server: str) -> None:
    fake_chat_api.reply("An egg-laying mammal.")
    response = httpx.post(f"{server}/ask", json={"text": "What is a platypus?"})
    assert response.status_code == 200
    assert response.json()["text"] == "An egg-laying mammal."
    request = fake_chat_api.last_request
    assert request.messages == [{"role": "user", "content": "What is a platypus?"}]
    assert request.json["temperature"] == 0.3
    assert request.headers["x-client-request-id"] == response.json()["request_id"]


def test_ask_when_the_model_fails(fake_chat_api: FakeChatAPI, server: str) -> None:
    fake_chat_api.fail(401, "The API key is not valid")
    response = httpx.post(f"{server}/ask", json={"text": "Hi"})
    assert response.status_code == 502
    request_id = fake_chat_api.last_request.headers["x-client-request-id"]
    assert response.json() == {"detail": f"the model failed (request {request_id})"}


def test_stream(fake_chat_api: FakeChatAPI, server: str) -> None:
    fake_chat_api.reply_stream(["Platypuses ", "lay ", "eggs."])
    with httpx.stream("GET", f"{server}/stream", params={"q": "Tell me"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        received = list(events(response.iter_lines()))
    assert received == [
        ("message", '{"text": "Platypuses "}'),
        ("message", '{"text": "lay "}'),
        ("message", '{"text": "eggs."}'),
        ("done", "{}"),
    ]
    assert fake_chat_api.last_request.response_completed


def test_stream_error(fake_chat_api: FakeChatAPI, server: str) -> None:
    fake_chat_api.fail_stream("The model is overloaded", after=["Platy"])
    with httpx.stream("GET", f"{server}/stream", params={"q": "Tell me"}) as response:
        received = list(events(response.iter_lines()))
    assert received == [("message", '{"text": "Platy"}'), ("error", "{}")]


# --8<-- [start:disconnect]
def test_a_browser_going_away_closes_the_upstream_stream(
    fake_chat_api: FakeChatAPI, server: str
) -> None:
    fake_chat_api.reply_stream([f"{n} " for n in range(100)], chunk_delay=0.05)
    with httpx.stream("GET", f"{server}/stream", params={"q": "Count"}) as response:
        first = next(events(response.iter_lines()))
    assert first == ("message", '{"text": "0 "}')
    upstream = fake_chat_api.last_request
    deadline = time.monotonic() + 5
    while not upstream.response_closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert upstream.response_closed  # the app closed its stream to the model...
    assert not upstream.response_completed  # ...long before the model finished
    # --8<-- [end:disconnect]
