# GENERATED from src/ycloud_chat/_async/stream.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`ChatStream`: a streamed run, iterated for cumulative results and closed on every exit."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._compat import DRAIN_GRACE, deadline_scope
from .._exceptions import YCloudChatError
from .._response import ResponseContext, StreamAccumulator
from .._sse import SSEDecoder
from ..types.results import ChatModelResult
from ._transport import Transport
from .tool_call import ToolCall

if TYPE_CHECKING:
    import httpx

    from .._exchange import Exchange
    from ..types.config import ChatModelConfig

__all__ = ["ChatStream"]

Result = ChatModelResult[ToolCall]


class ChatStream:
    """The partial results of one streamed run, in order; each one is cumulative.

    Iterate it directly, or use it as a context manager to be sure the connection is
    released even when you stop early. The request is sent when iteration (or the
    context) starts. Iterating again goes on where the last loop stopped.
    """

    def __init__(
        self,
        transport: Transport,
        body: dict[str, Any],
        timeout: float | None,
        config: ChatModelConfig | None = None,
    ) -> None:
        self._state = _StreamState(transport, body, timeout, config)
        self._iterator: Generator[Result, None] | None = None

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

    def __enter__(self) -> ChatStream:
        self._state.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[Result]:
        if self._iterator is None:
            self._iterator = _generate(self._state)
        return self._iterator

    def close(self) -> None:
        """Stop the stream and release its connection; safe to call more than once.

        It may be called from another task (or thread, on the sync face) while a loop is
        waiting for the next chunk: that loop then ends quietly.
        """
        try:
            if self._iterator is not None:
                self._iterator.close()
        except (RuntimeError, ValueError):
            pass  # the generator is running in another task or thread: releasing stops it
        finally:
            self._state.release()

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
        transport: Transport,
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
        self.accumulator: StreamAccumulator[ToolCall] | None = None
        self.closed = False

    def open(self) -> httpx.Response:
        if self.closed:
            raise RuntimeError("this stream is closed; start a new run_stream()")
        if self.response is None:
            self.response, self.exchange = self.transport.open_stream(
                "/chat/completions", json=self.body, timeout=self.timeout
            )
        return self.response

    def release(self) -> None:
        self.closed = True
        if self.response is not None:
            self.transport.close_response(self.response)

    def describe(self) -> str:
        if self.closed:
            return "closed"
        return "open" if self.response is not None else "not started"


def _generate(state: _StreamState) -> Generator[Result, None]:
    try:
        response = state.open()
        assert state.exchange is not None
        exchange = state.exchange
        context = ResponseContext(
            ToolCall, exchange.request_id, exchange.server_request_id, state.config
        )
        accumulator = state.accumulator = StreamAccumulator(context)
        decoder = SSEDecoder()
        body = state.transport.iter_body(response, exchange)
        try:
            for chunk in body:
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
                _drain(body)
        except YCloudChatError:
            if not state.closed:
                raise
            # The read broke because the stream was closed meanwhile (from another task or
            # thread): the loop that was waiting just ends.
        finally:
            body.close()
    finally:
        state.release()


def _drain(body: Generator[bytes, None]) -> None:
    """Read what follows `[DONE]`, normally just the end of the body, within a short grace.

    Reading to the end lets the connection go back to the pool; a server that keeps it open
    (or goes on sending) is cut off when the grace runs out.
    """
    if DRAIN_GRACE <= 0:
        return
    try:
        with deadline_scope(DRAIN_GRACE):
            for _ in body:
                pass
    except (TimeoutError, YCloudChatError):
        pass  # the answer is complete; only the connection's reuse is lost
