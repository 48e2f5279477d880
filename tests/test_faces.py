"""What only makes sense across the two faces: each refuses the other's HTTP client."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import TrackedStream, chunk, sse
from ycloud_chat import AsyncChatSDK, ChatChoice, ChatModelResult, ChatSDK, ConfigurationError


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
