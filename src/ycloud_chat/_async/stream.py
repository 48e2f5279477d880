"""`AsyncChatStream`: a streamed run, iterated for cumulative results and closed on every exit."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._compat import ASYNC_DRAIN_GRACE, async_deadline_scope
from .._exceptions import YCloudChatError
from .._response import ResponseContext, StreamAccumulator
from .._sse import SSEDecoder
from ..types.results import ChatModelResult
from ._transport import AsyncTransport
from .tool_call import AsyncToolCall

if TYPE_CHECKING:
    import httpx

    from .._exchange import Exchange
    from ..types.config import ChatModelConfig

__all__ = ["AsyncChatStream"]

Result = ChatModelResult[AsyncToolCall]


class AsyncChatStream:
    """The partial results of one streamed run, in order; each one is cumulative.

    Iterate it directly, or use it as a context manager to be sure the connection is
    released even when you stop early. The request is sent when iteration (or the
    context) starts. Iterating again goes on where the last loop stopped.
    """

    def __init__(
        self,
        transport: AsyncTransport,
        body: dict[str, Any],
        timeout: float | None,
        config: ChatModelConfig | None = None,
    ) -> None:
        self._state = _StreamState(transport, body, timeout, config)
        self._iterator: AsyncGenerator[Result, None] | None = None

    @property
    def request_id(self) -> str | None:
        """The `x-client-request-id` sent for this stream (None before it starts)."""
        exchange = self._state.exchange
        return exchange.request_id if exchange else None

    @property
    def result(self) -> Result | None:
        """The latest cumulative result received so far (the final one once iteration ends)."""
        accumulator = self._state.accumulator
        return accumulator.last if accumulator else None

    async def __aenter__(self) -> AsyncChatStream:
        await self._state.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[Result]:
        if self._iterator is None:
            self._iterator = _generate(self._state)
        return self._iterator

    async def aclose(self) -> None:
        """Stop the stream and release its connection; safe to call more than once.

        It may be called from another task (or thread, on the sync face) while a loop is
        waiting for the next chunk: that loop then ends quietly.
        """
        try:
            if self._iterator is not None:
                await self._iterator.aclose()
        except (RuntimeError, ValueError):
            pass  # the generator is running in another task or thread: releasing stops it
        finally:
            await self._state.release()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state.describe()} request_id={self.request_id}>"


class _StreamState:
    """What a stream and its generator share.

    It refers to neither of them, so no reference cycle forms: a sync stream dropped after a
    `break` is released at once, by reference counting, not later by the garbage collector.
    """

    __slots__ = (
        "accumulator",
        "body",
        "closed",
        "config",
        "exchange",
        "response",
        "timeout",
        "transport",
    )

    def __init__(
        self,
        transport: AsyncTransport,
        body: dict[str, Any],
        timeout: float | None,
        config: ChatModelConfig | None,
    ) -> None:
        self.transport = transport
        self.config = config
        self.body = body
        self.timeout = timeout
        self.response: httpx.Response | None = None
        self.exchange: Exchange | None = None
        self.accumulator: StreamAccumulator[AsyncToolCall] | None = None
        self.closed = False

    async def open(self) -> httpx.Response:
        if self.closed:
            raise RuntimeError("this stream is closed; start a new run_stream()")
        if self.response is None:
            self.response, self.exchange = await self.transport.open_stream(
                "/chat/completions", json=self.body, timeout=self.timeout
            )
        return self.response

    async def release(self) -> None:
        self.closed = True
        if self.response is not None:
            await self.transport.close_response(self.response)

    def describe(self) -> str:
        if self.closed:
            return "closed"
        return "open" if self.response is not None else "not started"


async def _generate(state: _StreamState) -> AsyncGenerator[Result, None]:
    try:
        response = await state.open()
        assert state.exchange is not None
        exchange = state.exchange
        context = ResponseContext(
            AsyncToolCall, exchange.request_id, exchange.server_request_id, state.config
        )
        accumulator = state.accumulator = StreamAccumulator(context)
        decoder = SSEDecoder()
        body = state.transport.iter_body(response, exchange)
        try:
            async for chunk in body:
                for result in accumulator.feed_events(decoder.feed(chunk)):
                    yield result
                if accumulator.done:
                    break
            else:
                for result in accumulator.feed_events(decoder.close()):
                    yield result
            last = accumulator.finish()
            if last is not None:
                yield last
            if accumulator.done:
                await _drain(body)
        except YCloudChatError:
            if not state.closed:
                raise
            # The read broke because the stream was closed meanwhile (from another task or
            # thread): the loop that was waiting just ends.
        finally:
            await body.aclose()
    finally:
        await state.release()


async def _drain(body: AsyncGenerator[bytes, None]) -> None:
    """Read what follows `[DONE]`, normally just the end of the body, within a short grace.

    Reading to the end lets the connection go back to the pool; a server that keeps it open
    (or goes on sending) is cut off when the grace runs out.
    """
    if ASYNC_DRAIN_GRACE <= 0:
        return
    try:
        with async_deadline_scope(ASYNC_DRAIN_GRACE):
            async for _ in body:
                pass
    except (TimeoutError, YCloudChatError):
        pass  # the answer is complete; only the connection's reuse is lost
