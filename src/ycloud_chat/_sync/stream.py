# GENERATED from src/ycloud_chat/_async/stream.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`ChatStream`: a streamed run, iterated for cumulative results and closed on every exit."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from types import TracebackType
from typing import Any, cast

import httpx

from .._compat import cancel_shield, hold_iterator
from .._exchange import Exchange
from .._response import ResponseContext, StreamAccumulator
from .._sse import ServerSentEvent, SSEDecoder
from ..types.results import ChatModelResult
from ._transport import Transport
from .tool_call import ToolCall

__all__ = ["ChatStream"]

Result = ChatModelResult[ToolCall]


class ChatStream:
    """The partial results of one streamed run, in order; each one is cumulative.

    Iterate it directly, or use it as a context manager to be sure the connection is
    released even when you stop early. The request is sent when iteration (or the
    context) starts; it can be iterated once.
    """

    def __init__(self, transport: Transport, body: dict[str, Any], timeout: float | None) -> None:
        self._transport = transport
        self._body = body
        self._timeout = timeout
        self._response: httpx.Response | None = None
        self._exchange: Exchange | None = None
        self._iterator: Callable[[], Generator[Result, None] | None] | None = None
        self._accumulator: StreamAccumulator[ToolCall] | None = None
        self._closed = False

    @property
    def request_id(self) -> str | None:
        """The `x-client-request-id` sent for this stream (None before it starts)."""
        return self._exchange.request_id if self._exchange else None

    @property
    def result(self) -> Result | None:
        """The latest cumulative result received so far (the final one once iteration ends)."""
        return self._accumulator.last if self._accumulator else None

    def _open(self) -> httpx.Response:
        if self._closed:
            raise RuntimeError("this stream is closed; start a new run_stream()")
        if self._response is None:
            self._response, self._exchange = self._transport.open_stream(
                "/chat/completions", json=self._body, timeout=self._timeout
            )
        return self._response

    def __enter__(self) -> ChatStream:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[Result]:
        if self._iterator is not None:
            raise RuntimeError("a stream can be iterated only once")
        iterator = self._iterate()
        self._iterator = hold_iterator(iterator)
        return iterator

    def close(self) -> None:
        """Stop the stream and release its connection; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        with cancel_shield():
            iterator = self._iterator() if self._iterator is not None else None
            if iterator is not None:
                iterator.close()
            self._release()

    def _release(self) -> None:
        self._closed = True
        if self._response is not None:
            with cancel_shield():
                self._response.close()

    def _iterate(self) -> Generator[Result, None]:
        try:
            response = self._open()
            assert self._exchange is not None
            exchange = self._exchange
            context = ResponseContext(ToolCall, exchange.request_id, exchange.server_request_id)
            accumulator = self._accumulator = StreamAccumulator(context)
            decoder = SSEDecoder()
            try:
                # Closing the body iterator explicitly matters when the caller stops early.
                with closing(_byte_chunks(response)) as chunks:
                    for chunk in chunks:
                        for result in _results(decoder.feed(chunk), accumulator):
                            yield result
                for result in _results(decoder.close(), accumulator):
                    yield result
            except httpx.TimeoutException as exc:
                raise exchange.stalled_stream_error(self._timeout, exc) from exc
            except httpx.TransportError as exc:
                raise exchange.broken_stream_error(response.status_code, exc) from exc
        finally:
            self._release()

    def __repr__(self) -> str:
        state = (
            "closed" if self._closed else "open" if self._response is not None else "not started"
        )
        return f"<{type(self).__name__} {state} request_id={self.request_id}>"


def _byte_chunks(response: httpx.Response) -> Generator[bytes, None]:
    """The decoded body as a generator (httpx's own is one; its annotation says iterator)."""
    return cast(Generator[bytes, None], response.iter_bytes())


def _results(
    events: list[ServerSentEvent], accumulator: StreamAccumulator[ToolCall]
) -> list[Result]:
    """Feed the events to the accumulator; return the results worth yielding."""
    results = []
    for event in events:
        if event.event == "error":
            result = accumulator.feed({"error": _error_payload(event.data)})
        else:
            result = accumulator.feed_data(event.data)
        if result is not None:
            results.append(result)
    return results


def _error_payload(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data
