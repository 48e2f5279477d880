"""The example site under ASGI: async views, a sync view in a thread, SSE, disconnects."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from django.test import AsyncClient

from ycloud_chat.testing import FakeChatAPI

QUESTION = "What is a platypus?"


@pytest.fixture(scope="module", autouse=True)
async def close_the_async_sdk() -> AsyncIterator[None]:
    """The site's AsyncChatSDK lives on one event loop: these tests share it, then close it."""
    yield
    import chat.llm

    await chat.llm.async_sdk.aclose()


async def test_async_view_answers(fake: FakeChatAPI) -> None:
    fake.reply("An egg-laying mammal.")
    response = await AsyncClient().get("/ask-async/", {"q": QUESTION})
    assert response.status_code == 200
    assert response.json()["answer"] == "An egg-laying mammal."
    assert fake.last_request.messages == [{"role": "user", "content": QUESTION}]


async def test_async_view_reports_an_upstream_failure(fake: FakeChatAPI) -> None:
    fake.fail(401, "bad key")
    response = await AsyncClient().get("/ask-async/", {"q": QUESTION})
    assert response.status_code == 502
    assert len(fake.requests) == 1


async def test_sync_view_runs_under_asgi_too(fake: FakeChatAPI) -> None:
    fake.reply("From a thread.")
    response = await AsyncClient().get("/ask/", {"q": QUESTION})
    assert response.json()["answer"] == "From a thread."


async def test_form_under_asgi(fake: FakeChatAPI) -> None:
    fake.reply("Platypuses lay eggs.")
    response = await AsyncClient().post("/", {"question": QUESTION})
    assert response.status_code == 200
    assert b"Platypuses lay eggs." in response.content


async def test_async_stream_relays_the_deltas(fake: FakeChatAPI) -> None:
    fake.reply_stream(["Platy", "puses"], shape="ai_studio")
    response = await AsyncClient().get("/stream-async/", {"q": QUESTION})
    assert response["Content-Type"] == "text/event-stream"
    body = b"".join([chunk async for chunk in response.streaming_content])
    blocks = [block.split("\n") for block in body.decode().split("\n\n") if block]
    assert [(name, json.loads(data[len("data: ") :])) for name, data in blocks] == [
        ("event: delta", {"text": "Platy"}),
        ("event: delta", {"text": "puses"}),
        ("event: done", {"finish_reason": "stop"}),
    ]


async def test_a_client_going_away_cancels_the_upstream_stream(fake: FakeChatAPI) -> None:
    from chatsite.asgi import application

    fake.reply_stream([f"{n} " for n in range(200)], chunk_delay=0.02)
    sent: list[dict[str, Any]] = []
    gone = anyio.Event()
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if sum(m["type"] == "http.response.body" for m in sent) == 2:
            gone.set()  # the browser leaves after two events

    with anyio.fail_after(10):
        await application(scope("/stream-async/", b"q=Count"), receive, send)
    assert sent[0]["status"] == 200
    assert b"event: delta" in sent[1]["body"]
    record = fake.last_request
    deadline = time.monotonic() + 5
    while not record.response_closed:
        assert time.monotonic() < deadline, "the upstream stream was not closed"
        await anyio.sleep(0.01)
    assert not record.response_completed


def scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
