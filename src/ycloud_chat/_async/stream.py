"""`AsyncChatStream`: a streamed run, iterated for cumulative results and closed on every exit."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType

from .._base_model import BaseChatStream, StreamState
from .._concurrency import async_drain
from .._exceptions import YCloudChatError
from ..types.results import ChatModelResult
from ._transport import AsyncTransport
from .tool_call import AsyncToolCall

__all__ = ["AsyncChatStream"]

Result = ChatModelResult[AsyncToolCall]
State = StreamState[AsyncToolCall]


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
        state.response, state.exchange = await transport.open_stream(
            "/chat/completions", json=state.body, timeout=state.timeout
        )


async def _release(state: State) -> None:
    state.closed = True
    if state.response is not None:
        transport: AsyncTransport = state.transport
        await transport.close_response(state.response)


async def _generate(state: State) -> AsyncGenerator[Result, None]:
    try:
        await _open(state)
        assert state.response is not None
        assert state.exchange is not None
        parser = state.start_parsing(state.exchange)
        transport: AsyncTransport = state.transport
        body = transport.iter_body(state.response, state.exchange)
        try:
            async for chunk in body:
                for result in parser.feed(chunk):
                    yield result
                if parser.done:
                    break
            for result in parser.close():
                yield result
            if parser.done:
                await async_drain(body)
        except YCloudChatError:
            if not state.closed:
                raise
            # The read broke because the stream was closed meanwhile (from another task or
            # thread): the loop that was waiting just ends.
        finally:
            await body.aclose()
    finally:
        await _release(state)
