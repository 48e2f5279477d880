"""Async-only: cancelling a task in the middle of a call releases the connection."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable

import anyio
import httpx
import pytest

from tests.faults.server import FaultServer, checked_out, first_chunk_then_wait
from tests.helpers import chunk, sse
from ycloud_chat import AsyncChatSDK


class SlowStream(httpx.AsyncByteStream):
    """Sends one event, then waits for ever (until cancelled); records that it was closed."""

    def __init__(self) -> None:
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in sse(chunk("first")):
            yield event
        await anyio.sleep_forever()

    async def aclose(self) -> None:
        self.closed = True


async def test_cancelling_a_stream_midway_closes_the_response() -> None:
    body = SlowStream()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    seen = []
    async with AsyncChatSDK("f", "k", http_client=httpx.AsyncClient(transport=transport)) as sdk:
        with anyio.move_on_after(1.0) as scope:
            async with sdk.chat.completions("m").run_stream("hi") as stream:
                async for partial in stream:
                    seen.append(partial.text)
        assert scope.cancelled_caught
        assert seen == ["first"]
        assert body.closed


async def test_cancelling_a_run_midway_closes_the_response() -> None:
    body = SlowStream()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    async with AsyncChatSDK("f", "k", http_client=httpx.AsyncClient(transport=transport)) as sdk:
        with anyio.move_on_after(0.2) as scope:
            await sdk.chat.completions("m").run("hi")
        assert scope.cancelled_caught
        assert body.closed


class SocketLikeStream(httpx.AsyncByteStream):
    """Sends one event, then waits; closing it wakes the reader with an error, as a socket's."""

    def __init__(self) -> None:
        self.closed = anyio.Event()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in sse(chunk("first")):
            yield event
        await self.closed.wait()
        raise httpx.ReadError("connection closed")

    async def aclose(self) -> None:
        self.closed.set()


async def test_closing_a_stream_from_another_task_ends_the_waiting_loop() -> None:
    body = SocketLikeStream()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    seen = []
    async with AsyncChatSDK("f", "k", http_client=httpx.AsyncClient(transport=transport)) as sdk:
        stream = sdk.chat.completions("m").run_stream("hi")

        async def consume() -> None:
            async for partial in stream:
                seen.append(partial.text)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(consume)
                await wait_until(lambda: bool(seen))
                await stream.aclose()
    assert seen == ["first"]
    assert body.closed.is_set()


async def wait_until(condition: Callable[[], bool]) -> None:
    while not condition():  # noqa: ASYNC110 - polling a plain list another task appends to
        await anyio.sleep(0.01)


@pytest.mark.usefixtures("http_backend")
async def test_cancelling_a_stream_over_a_socket_leaves_nothing_behind(
    server: FaultServer,
) -> None:
    server.plan(first_chunk_then_wait(30))
    seen = []
    async with AsyncChatSDK(auth="k", base_url=server.base_url) as sdk:
        for _ in range(2):
            with anyio.CancelScope() as scope:
                async with sdk.chat.completions("m").run_stream("hi") as stream:
                    async for partial in stream:
                        seen.append(partial.text)
                        # Cancelled while waiting for the next chunk (30 s away).
                        scope.deadline = anyio.current_time() + 0.2
            assert scope.cancelled_caught
            gc.collect()  # an unfinished generator or an open response would be reported here
        assert checked_out(sdk._transport.client) == 0
    assert seen == ["Hel", "Hel"]
