"""The async face under load and cancellation, against the live server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from tests.integration.conftest import MODEL
from ycloud_chat import AsyncChatSDK, ChatModelStatus

pytestmark = pytest.mark.integration


@pytest.fixture
async def sdk(llm_url: str) -> AsyncIterator[AsyncChatSDK]:
    async with AsyncChatSDK(base_url=llm_url) as sdk:
        yield sdk


async def test_eight_concurrent_streams_each_finish_whole(sdk: AsyncChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=12)
    texts: dict[int, str] = {}
    finals: dict[int, ChatModelStatus] = {}

    async def stream_one(number: int) -> None:
        async with model.run_stream(f"Say the number {number} in words.") as stream:
            pieces = []
            async for partial in stream:
                pieces.append(partial.delta)
                if partial.status.is_final and partial.status is not ChatModelStatus.USAGE:
                    finals[number] = partial.status
            assert stream.result is not None
            texts[number] = stream.result.text
            assert "".join(pieces) == texts[number]

    async with anyio.create_task_group() as group:
        for number in range(8):
            group.start_soon(stream_one, number)

    assert sorted(texts) == list(range(8))
    assert all(texts.values())
    assert set(finals.values()) <= {ChatModelStatus.FINAL, ChatModelStatus.TRUNCATED_FINAL}
    assert len(finals) == 8


async def test_a_stream_cancelled_midway_leaves_the_sdk_working(sdk: AsyncChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=300)
    received = []
    with anyio.CancelScope() as scope:
        async with model.run_stream("Count from one to two hundred in words.") as stream:
            async for partial in stream:
                received.append(partial)
                if len(received) == 5:
                    scope.cancel()  # as a timeout or a closed client connection would
    assert scope.cancelled_caught
    assert len(received) == 5
    assert received[-1].status is ChatModelStatus.PARTIAL
    assert "closed" in repr(stream)

    result = await model.configure(max_tokens=8).run("Say yes.")
    assert result.status.is_final
    assert result.text
