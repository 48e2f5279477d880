"""`AsyncChatStream`: a streamed run, iterated for cumulative results and closed on every exit."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from .._base_model import BaseChatStream
from .._concurrency import async_close_generator, async_deadline_scope
from .._constants import STREAM_DRAIN_GRACE
from .._exceptions import YCloudChatError
from .._exchange import Exchange
from ._transport import AsyncTransport
from .tool_call import AsyncToolCall

__all__ = ["AsyncChatStream"]

if TYPE_CHECKING:
    from .._base_model import StreamState
    from .._streaming import StreamParser
    from ..types.results import ChatModelResult

    # A parametrized pydantic model is a new class: these are for type checkers only.
    Result = ChatModelResult[AsyncToolCall]
    State = StreamState[AsyncToolCall]
    Parser = StreamParser[AsyncToolCall]


class AsyncChatStream(BaseChatStream[AsyncToolCall]):
    """The partial results of one streamed run, in order; each one is cumulative.

    Iterate it directly, or use it as a context manager to be sure the connection is
    released even when you stop early. The request is sent when iteration (or the
    context) starts. Iterating again goes on where the last loop stopped.
    """

    _tool_call_class = AsyncToolCall
    _iterator: AsyncGenerator[Result, None] | None = None

    async def __aenter__(self) -> AsyncChatStream:
        await _open(self._state)
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
            await _release(self._state)


async def _open(state: State) -> None:
    if state.closed:
        raise RuntimeError("this stream is closed; start a new run_stream()")
    if state.response is None:
        transport: AsyncTransport = state.transport
        call = state.start_call()
        try:
            state.response, state.exchange = await transport.open_stream(
                "/chat/completions", content=state.body, timeout=state.timeout, call=call
            )
        except BaseException as exc:
            call.failed(exc)
            raise


async def _release(state: State) -> None:
    state.closed = True
    transport: AsyncTransport = state.transport
    state.end_call()
    if state.response is not None:
        await transport.close_response(state.response)
    if state.exchange is not None:  # a stream holds its place until it is closed
        used = state.parser.total_tokens if state.parser is not None else None
        transport.settle_place(state.exchange, used=used)


async def _generate(state: State) -> AsyncGenerator[Result, None]:
    try:
        await _open(state)
        assert state.response is not None
        assert state.exchange is not None
        parser = state.start_parsing(state.exchange)
        transport: AsyncTransport = state.transport
        body = transport.iter_body(state.response, state.exchange)
        first = True
        try:
            while not parser.done:
                chunk = await _next_chunk(body, parser, state.exchange)
                if chunk is None:
                    break
                for result in parser.feed(chunk):
                    if first:  # a check, not a call, on every other chunk
                        first = False
                        state.call.first_chunk()
                    yield result
            for result in parser.close():
                yield result
            if parser.done and transport.bounded_reads:
                await _drain(body)
        except YCloudChatError as error:
            if not state.closed:
                parser.attach_partial(error)
                raise
            # The read broke because the stream was closed meanwhile (from another task or
            # thread): the loop that was waiting just ends.
        finally:
            await async_close_generator(body)
    except BaseException as exc:
        state.call.failed(exc)  # a stream closed early (GeneratorExit) is no failure
        raise
    finally:
        await _release(state)


async def _next_chunk(
    body: AsyncGenerator[bytes, None], parser: Parser, exchange: Exchange
) -> bytes | None:
    """The next piece of the body (None at its end), waited for until the next result is due."""
    try:
        async with async_deadline_scope(parser.read_bound()):
            return await anext(body, None)
    except TimeoutError as exc:
        raise exchange.stalled_stream_error(exc) from exc


async def _drain(body: AsyncGenerator[bytes, None]) -> None:
    """Read what follows `[DONE]`, normally just the end of the body, within a short grace.

    Reading to the end lets the connection go back to the pool; a server that keeps it open
    (or goes on sending) is cut off when the grace runs out. Each read ends by the grace
    (a cancel scope on the async face, the network streams' bound reads on the sync face),
    and the loop stops between reads once it is over.
    """
    ends = time.monotonic() + STREAM_DRAIN_GRACE
    try:
        async with async_deadline_scope(STREAM_DRAIN_GRACE):
            async for _ in body:
                if time.monotonic() > ends:
                    return
    except (TimeoutError, YCloudChatError):
        pass  # the answer is complete; only the connection's reuse is lost
