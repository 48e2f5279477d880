"""What only makes sense across the two faces: each refuses the other's HTTP client."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import TrackedStream, chunk, sse
from ycloud_chat import (
    APIStatusError,
    AsyncChatSDK,
    ChatChoice,
    ChatModelResult,
    ChatSDK,
    ConfigurationError,
)


def test_async_sdk_refuses_a_sync_client() -> None:
    with httpx.Client() as client, pytest.raises(ConfigurationError, match=r"httpx\.AsyncClient"):
        AsyncChatSDK(folder_id="f", auth="k", http_client=client)  # type: ignore[arg-type]


async def test_sync_sdk_refuses_an_async_client() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigurationError, match=r"httpx\.Client"):
            ChatSDK(folder_id="f", auth="k", http_client=client)  # type: ignore[arg-type]


async def test_both_faces_return_the_same_result_class() -> None:
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "x"}}]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    with ChatSDK("f", "k", http_client=httpx.Client(transport=transport)) as sdk:
        sync_result = sdk.chat.completions("m").run("hi")
    async with AsyncChatSDK("f", "k", http_client=httpx.AsyncClient(transport=transport)) as asdk:
        async_result = await asdk.chat.completions("m").run("hi")
    assert type(sync_result) is ChatModelResult
    assert type(async_result) is ChatModelResult
    assert sync_result.text == async_result.text == "x"
    assert type(sync_result[0]) is ChatChoice
    assert type(async_result[0]) is ChatChoice


def test_breaking_out_of_a_sync_stream_closes_it_at_once() -> None:
    body = TrackedStream(sse(chunk("a"), chunk("b"), chunk("c", finish_reason="stop")))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    with ChatSDK("f", "k", http_client=httpx.Client(transport=transport)) as sdk:
        for partial in sdk.chat.completions("m").run_stream("hi"):
            assert partial.text == "a"
            break
        # No gc.collect(): the stream must not sit in a reference cycle.
        assert body.closed
        assert body.sent == 1


class BlockingStream(httpx.SyncByteStream):
    """Sends one event, then blocks until closed, when the read fails as a socket's would."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        yield from sse(chunk("first"))
        self.closed.wait(10)
        raise httpx.ReadError("connection closed")

    def close(self) -> None:
        self.closed.set()


def test_closing_a_sync_stream_from_another_thread_ends_the_waiting_loop() -> None:
    body = BlockingStream()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    seen: list[str] = []
    with ChatSDK("f", "k", http_client=httpx.Client(transport=transport)) as sdk:
        stream = sdk.chat.completions("m").run_stream("hi")

        def consume() -> None:
            seen.extend(partial.text for partial in stream)

        consumer = threading.Thread(target=consume)
        consumer.start()
        while not seen:
            time.sleep(0.01)
        stream.close()
        consumer.join(5)
    assert not consumer.is_alive()
    assert seen == ["first"]
    assert body.closed.is_set()


def test_a_caller_client_that_follows_redirects_does_not_follow_ours() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(307, headers={"location": "https://other.example/v1/x"})

    client = httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)
    sdk = ChatSDK("f", "k", http_client=client, default_headers={"X-Tenant": "t"})
    with pytest.raises(APIStatusError, match=r"other\.example"):
        sdk.chat.completions("m").run("hi")
    assert [r.url.host for r in requests] == ["llm.api.cloud.yandex.net"]


@pytest.mark.parametrize("folder", ["папка", "with space", "", 42])
def test_folder_id_is_checked_at_construction(folder: object) -> None:
    with pytest.raises(ConfigurationError, match="folder_id"):
        ChatSDK(folder, "k")  # type: ignore[arg-type]


def test_event_stream_content_type_is_case_insensitive() -> None:
    body = TrackedStream(sse(chunk("a", finish_reason="stop")))
    headers = {"content-type": "Text/Event-Stream; charset=utf-8"}
    transport = httpx.MockTransport(lambda r: httpx.Response(200, headers=headers, stream=body))
    with ChatSDK("f", "k", http_client=httpx.Client(transport=transport)) as sdk:
        assert [p.text for p in sdk.chat.completions("m").run_stream("hi")] == ["a"]
