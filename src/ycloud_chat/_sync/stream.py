# GENERATED from src/ycloud_chat/_async/stream.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`ChatStream`: a streamed run, iterated for cumulative results and closed on every exit."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from types import TracebackType

from .._base_model import BaseChatStream, StreamState
from .._concurrency import drain
from .._exceptions import YCloudChatError
from ..types.results import ChatModelResult
from ._transport import Transport
from .tool_call import ToolCall

__all__ = ["ChatStream"]

Result = ChatModelResult[ToolCall]
State = StreamState[ToolCall]


class ChatStream(BaseChatStream[ToolCall]):
    """The partial results of one streamed run, in order; each one is cumulative.

    Iterate it directly, or use it as a context manager to be sure the connection is
    released even when you stop early. The request is sent when iteration (or the
    context) starts. Iterating again goes on where the last loop stopped.
    """

    _tool_call_class = ToolCall
    _iterator: Generator[Result, None] | None = None

    def __enter__(self) -> ChatStream:
        _open(self._state)
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
            _release(self._state)


def _open(state: State) -> None:
    if state.closed:
        raise RuntimeError("this stream is closed; start a new run_stream()")
    if state.response is None:
        transport: Transport = state.transport
        state.response, state.exchange = transport.open_stream(
            "/chat/completions", json=state.body, timeout=state.timeout
        )


def _release(state: State) -> None:
    state.closed = True
    if state.response is not None:
        transport: Transport = state.transport
        transport.close_response(state.response)


def _generate(state: State) -> Generator[Result, None]:
    try:
        _open(state)
        assert state.response is not None
        assert state.exchange is not None
        parser = state.start_parsing(state.exchange)
        transport: Transport = state.transport
        body = transport.iter_body(state.response, state.exchange)
        try:
            for chunk in body:
                for result in parser.feed(chunk):
                    yield result
                if parser.done:
                    break
            for result in parser.close():
                yield result
            if parser.done:
                drain(body)
        except YCloudChatError:
            if not state.closed:
                raise
            # The read broke because the stream was closed meanwhile (from another task or
            # thread): the loop that was waiting just ends.
        finally:
            body.close()
    finally:
        _release(state)
