"""Pure stream parsing: a stream's body bytes to cumulative results, one per chunk with news.

`StreamParser` owns the SSE decoder and the `StreamAccumulator`, which merges each chunk
into per-choice state (`_ChoiceState`: text and reasoning as `CumulativeText`, tool calls
merged by index) and builds the chunk's result. The results are built with
`_pydantic_slots`; the common chunk (one choice, new content and nothing else) takes one
short path through `StreamAccumulator.feed_events`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, cast

from pydantic_core import from_json

from ._chunk_template import ChunkTemplate
from ._exceptions import (
    APITimeoutError,
    IncompleteStreamError,
    StreamError,
    YCloudChatError,
    request_error,
    too_large_error,
)
from ._pydantic_slots import LAZY_TEXT, construct, fields_of, new_chunk_result, new_model
from ._response import (
    _MAX_ERROR_TEXT,
    _SHAPE_ERRORS,
    ResponseContext,
    _created,
    _error_message,
    _finish_reason,
    _index,
    _malformed,
    _one_line,
    _string,
    _text,
    _usage,
)
from ._sse import EventTooLarge, ServerSentEvent, SSEDecoder
from .types.results import (
    ChatChoice,
    ChatModelResult,
    ChatModelStatus,
    ChatUsage,
    DeltaChatChoice,
    FinishReason,
    ToolCallT,
)

__all__ = ["CumulativeText", "StreamAccumulator", "StreamParser"]


class _ToolCallBuilder:
    __slots__ = ("arguments", "id", "index", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id = ""
        self.type = ""
        self.name: list[str] = []
        self.arguments: list[str] = []

    def merge(self, delta: Mapping[str, Any]) -> None:
        # gemma sends `type: ""` and later `id: ""`: the first non-empty value wins.
        if not self.id and delta.get("id"):
            self.id = delta["id"]
        if not self.type and delta.get("type"):
            self.type = delta["type"]
        function = delta.get("function")
        if function:
            name = function.get("name")
            if name:
                self.name.append(name)
            arguments = function.get("arguments")
            if arguments:
                self.arguments.append(arguments)

    def wire(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "type": self.type or "function",
            "function": {"name": "".join(self.name), "arguments": "".join(self.arguments)},
        }


_PARTIAL = ChatModelStatus.PARTIAL
_JOIN_EVERY = 32  # a stream's text holds at most this many pieces apart
_USAGE = ChatModelStatus.USAGE
_DELTA_NAMES = fields_of(DeltaChatChoice)
_RESULT_NAMES = fields_of(ChatModelResult)


class CumulativeText:
    """Text that grows piece by piece, from which any earlier prefix can still be cut.

    Appending copies nothing; the pieces are joined onto the text every `_JOIN_EVERY`
    appends, and when a prefix is read. Joining extends the text in place when nothing else
    holds it (CPython's `+=` on a str with one reference): a loop that reads the whole text
    on every chunk, and keeps none of them, does not copy it on every chunk. One appender
    (the stream's loop), readers in any thread: a join takes the text out of its box (one
    atomic `list.pop`), so that no other reference to it stays, and puts it back whole; a
    reader that finds the box empty waits for that.
    """

    __slots__ = ("_box", "_pending", "length")

    def __init__(self) -> None:
        self._box = [""]
        self._pending: list[str] = []
        self.length = 0

    def append(self, piece: str) -> None:
        """Add a piece at the end (from the stream's loop only)."""
        pending = self._pending
        pending.append(piece)
        self.length += len(piece)
        if len(pending) >= _JOIN_EVERY:
            self.prefix(self.length)

    def prefix(self, length: int) -> str:
        """The text as it stood when it was `length` characters long."""
        box = self._box
        while True:
            try:
                text = box.pop()
                break
            except IndexError:  # another thread is joining it
                time.sleep(0)
        if len(text) < length:
            pending = self._pending
            count = len(pending)  # pieces appended meanwhile stay for the next join
            text += pending[0] if count == 1 else "".join(pending[:count])
            del pending[:count]
        box.append(text)
        return text if len(text) == length else text[:length]

    @property
    def whole(self) -> str:
        """The text so far."""
        return self.prefix(self.length)


_TEMPLATES_PER_STREAM = 3  # a stream whose chunks keep changing shape stops making them


class _ChoiceState(Generic[ToolCallT]):
    __slots__ = (
        "builders",
        "cut",
        "finish_reason",
        "index",
        "reasoning",
        "role",
        "text",
        "tool_calls",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.role = "assistant"
        self.text = CumulativeText()
        self.reasoning: CumulativeText | None = None
        self.finish_reason: FinishReason | None = None
        self.builders: dict[int, _ToolCallBuilder] = {}
        self.tool_calls: tuple[ToolCallT, ...] | None = None
        self.cut = False  # the stream ended before this choice did

    def close_tool_calls(self, context: ResponseContext[ToolCallT]) -> bool:
        """Build the whole tool calls from the merged deltas, once; True if this did it."""
        if not self.builders or self.tool_calls is not None:
            return False
        self.tool_calls = tuple(
            context.tool_call(builder.wire()) for builder in self.builders.values()
        )
        return True

    @property
    def status(self) -> ChatModelStatus:
        """Its finish reason's status; TOOL_CALLS for calls `[DONE]` closed (PARTIAL if cut)."""
        if self.finish_reason is None and self.tool_calls is not None:
            return _PARTIAL if self.cut else ChatModelStatus.TOOL_CALLS
        return ChatModelStatus.from_finish_reason(self.finish_reason)

    def snapshot(
        self, status: ChatModelStatus, delta: str = "", reasoning_delta: str = ""
    ) -> DeltaChatChoice[ToolCallT]:
        """The choice as it stands; its text fields are cut from the cumulative text when read."""
        text, reasoning = self.text, self.reasoning
        fields = {
            "index": self.index,
            "role": self.role,
            "status": status,
            "finish_reason": self.finish_reason,
            "tool_calls": self.tool_calls,
            "delta": delta,
            "reasoning_delta": reasoning_delta,
            LAZY_TEXT: (
                text,
                text.length,
                reasoning,
                0 if reasoning is None else reasoning.length,
            ),
        }
        return new_model(DeltaChatChoice, fields, _DELTA_NAMES)

    @property
    def reasoning_text(self) -> str | None:
        return None if self.reasoning is None else self.reasoning.whole

    def usage_snapshot(self) -> DeltaChatChoice[ToolCallT]:
        """The choice on the usage chunk: everything so far, nothing new, no tool calls.

        The calls came whole on the chunk that finished the choice; repeating them here would
        hand a loop that collects chunks with tool calls each call twice.
        """
        return construct(
            DeltaChatChoice,
            {
                "index": self.index,
                "role": self.role,
                "text": self.text.whole,
                "status": _USAGE,
                "finish_reason": FinishReason.USAGE,
                "tool_calls": None,
                "reasoning_text": self.reasoning_text,
                "delta": "",
                "reasoning_delta": "",
            },
        )

    def whole(self) -> ChatChoice[ToolCallT]:
        """The choice as the whole answer has it: final status, finish reason and tool calls."""
        return construct(
            ChatChoice,
            {
                "index": self.index,
                "role": self.role,
                "text": self.text.whole,
                "status": self.status,
                "finish_reason": self.finish_reason,
                "tool_calls": self.tool_calls,
                "reasoning_text": self.reasoning_text,
            },
        )


class StreamAccumulator(Generic[ToolCallT]):
    """Turns decoded stream chunks into cumulative results, one per chunk that brings news.

    Text and reasoning are cumulative, `delta` holds only the new piece; tool-call deltas are
    merged by index and delivered whole, once, on the chunk that finishes their choice; a
    usage-only chunk (`choices: []`) becomes a result whose choices carry status USAGE and
    finish reason `usage`, and no tool calls. A chunk that brings nothing new (a role alone,
    a piece of a tool call, an empty delta) gives no result. After `finish()`, `last` is the
    whole answer: each choice's final status, finish reason and tool calls, and the usage.
    """

    def __init__(self, context: ResponseContext[ToolCallT]) -> None:
        self._context = context
        self._request_id = context.request_id
        self._server_request_id = context.server_request_id
        self._choices: dict[int, _ChoiceState[ToolCallT]] = {}
        self._identified = False
        self._id: str | None = None
        self._model: str | None = None
        self._created: datetime | None = None
        self.usage: ChatUsage | None = None
        self.last: ChatModelResult[ToolCallT] | None = None
        """The latest result given; after `finish()`, the whole answer."""
        self.call_pieces = 0
        """How many chunks brought pieces of tool calls (news that shows no result yet)."""
        # A result's fields but its choices, for `_build` (None: to be made again).
        self._result_fields: dict[str, Any] | None = None
        self._single: _ChoiceState[ToolCallT] | None = None
        # The common chunk's text, while it stays the common chunk (see `_chunk_template`),
        # and the tool call its piece is of (None: a piece of the one choice's content).
        self._template: ChunkTemplate | None = None
        self._template_call: _ToolCallBuilder | None = None
        self._templates_left = _TEMPLATES_PER_STREAM
        self.done = False
        """True once `[DONE]` came."""

    @property
    def finished(self) -> bool:
        """True once a choice came, and every choice got its finish reason."""
        choices = self._choices.values()
        return bool(choices) and all(state.finish_reason is not None for state in choices)

    def feed_events(
        self, events: list[ServerSentEvent] | list[ServerSentEvent | str]
    ) -> Iterator[ChatModelResult[ToolCallT]]:
        """Feed decoded SSE events and yield the results worth showing, one at a time.

        It stops at `[DONE]` and sets `done`. Yielding one by one (not a list per read)
        keeps a single cumulative result alive at a time, however many events a read held.
        """
        private = self._context.private
        for event in events:
            if type(event) is str:  # a plain message event's data (`SSEDecoder.feed_data()`)
                data = event
                template = self._template
                if template is not None:  # the common chunk, read off its text
                    text = template.piece(data)
                    if text is not None:
                        call = self._template_call
                        if call is None:
                            yield self._piece(text, private)
                        else:  # what `feed()` does with a piece of a call's arguments
                            call.arguments.append(text)
                            self.call_pieces += 1
                        continue
            else:
                sse = cast(ServerSentEvent, event)
                if sse.event == "error":
                    result = self.feed({"error": _error_payload(sse.data)})
                    if result is not None:
                        yield result
                    continue
                data = sse.data
            if data == "[DONE]":
                self.done = True
                return
            try:
                chunk = from_json(data, cache_strings="keys")
            except ValueError:
                chunk = self._decode_leniently(data)
            # The common chunk on a short path: the one choice's new content, nothing else.
            state = self._single
            if state is not None and type(chunk) is dict and self._result_fields:
                choices = chunk.get("choices")
                if (
                    type(choices) is list
                    and len(choices) == 1
                    and chunk.get("usage") is None
                    and chunk.get("error") is None
                ):
                    raw = choices[0]
                    if type(raw) is dict and raw.get("finish_reason") is None:
                        index = raw.get("index", 0)
                        delta = raw.get("delta")
                        if type(index) is int and index == state.index and type(delta) is dict:
                            text = delta.get("content")
                            if len(delta) == 1 and type(text) is str and text:
                                if self._templates_left and type(event) is str:
                                    self._make_template(data, chunk, "content", None)
                                yield self._piece(text, private)
                                continue
            result = self.feed(chunk)
            if result is not None:
                yield result
            elif self._templates_left and type(event) is str:
                call = self._arguments_call(chunk)
                if call is not None:
                    self._make_template(data, chunk, "arguments", call)

    def _make_template(
        self, data: str, chunk: dict[str, Any], key: str, call: _ToolCallBuilder | None
    ) -> None:
        """Read the chunks like this one (a piece of `key`, of `call`) off their text."""
        self._templates_left -= 1
        [choice] = chunk["choices"]
        if call is None:

            def with_piece(piece: str) -> dict[str, Any]:
                return {**chunk, "choices": [{**choice, "delta": {"content": piece}}]}

        else:
            delta = choice["delta"]
            [raw_call] = delta["tool_calls"]

            def with_piece(piece: str) -> dict[str, Any]:
                calls = [{**raw_call, "function": {"arguments": piece}}]
                return {**chunk, "choices": [{**choice, "delta": {**delta, "tool_calls": calls}}]}

        self._template = ChunkTemplate.of(data, key, with_piece)
        self._template_call = call

    def _arguments_call(self, chunk: Any) -> _ToolCallBuilder | None:
        """The call a chunk that holds only a piece of its arguments added to, else None.

        Only the one choice's, with nothing else in its delta (a null content aside) and no
        finish reason: `feed()` made such a chunk's piece one more of the call's arguments.
        """
        state = self._single
        if state is None or type(chunk) is not dict:
            return None
        choices = chunk.get("choices")
        if type(choices) is not list or len(choices) != 1 or chunk.get("usage") is not None:
            return None
        raw = choices[0]
        if type(raw) is not dict or raw.get("finish_reason") is not None:
            return None
        delta = raw.get("delta")
        if raw.get("index", 0) != state.index or type(delta) is not dict:
            return None
        calls = delta.get("tool_calls")
        if set(delta) - {"content"} != {"tool_calls"} or delta.get("content") is not None:
            return None
        if type(calls) is not list or len(calls) != 1 or type(calls[0]) is not dict:
            return None
        call = calls[0]
        function = call.get("function")
        if set(call) != {"index", "function"} or type(function) is not dict:
            return None
        if set(function) != {"arguments"} or type(function["arguments"]) is not str:
            return None
        return state.builders.get(call["index"]) if type(call["index"]) is int else None

    def _piece(self, text: str, private: dict[str, Any] | None) -> ChatModelResult[ToolCallT]:
        """The result of a common chunk: `text` added to the one choice, and nothing else.

        `feed()` for such a chunk, inlined (with `CumulativeText.append`): the stream's hot
        path, open while `_single` and `_result_fields` are set.
        """
        state = cast(_ChoiceState[ToolCallT], self._single)
        cumulative, reasoning = state.text, state.reasoning
        pending = cumulative._pending
        pending.append(text)
        cumulative.length += len(text)
        if len(pending) >= _JOIN_EVERY:
            cumulative.prefix(cumulative.length)
        choice = {
            "index": state.index,
            "role": state.role,
            "status": _PARTIAL,
            "finish_reason": state.finish_reason,
            "tool_calls": state.tool_calls,
            "delta": text,
            "reasoning_delta": "",
            LAZY_TEXT: (
                cumulative,
                cumulative.length,
                reasoning,
                0 if reasoning is None else reasoning.length,
            ),
        }
        fields = cast(dict[str, Any], self._result_fields).copy()
        self.last = result = new_chunk_result(
            ChatModelResult, fields, private, DeltaChatChoice, choice
        )
        return result

    def _decode_leniently(self, data: str) -> Any:
        """An event pydantic-core refused: `json` takes what JSON allows beyond it, else error."""
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise self._context.invalid(
                f"a stream event is not JSON: {data[:_MAX_ERROR_TEXT]!r}", body=data
            ) from None

    def feed(self, chunk: Any) -> ChatModelResult[ToolCallT] | None:
        """Feed one decoded chunk; return the result to yield, or None for a chunk with nothing."""
        self._template = None  # any other chunk may change what a common one means
        if type(chunk) is not dict and not isinstance(chunk, Mapping):
            raise self._context.invalid("a stream chunk is not a JSON object", body=chunk)
        # Any error value, even `{}` or "", is an error event; only a missing or null one is not.
        if chunk.get("error") is not None:
            raise self._stream_error(chunk)
        try:  # the body of the stream's hot path, in one call
            if not self._identified:
                self._identify(chunk)
            usage = chunk.get("usage")
            if usage is not None:
                usage = _usage(usage)
                if usage is not None:
                    self.usage = usage
                    self._result_fields = None
            raw_choices = chunk.get("choices")
            choices: tuple[DeltaChatChoice[ToolCallT], ...] | None = None
            if raw_choices:
                if type(raw_choices) is list and len(raw_choices) == 1 and len(self._choices) < 2:
                    choice = self._feed_choice(raw_choices[0], 0)
                    if choice is not None:
                        choices = (choice,)
                        if len(self._choices) > 1:  # the one choice so far had another index
                            choices = self._all_choices({choice.index: choice})
                else:
                    choices = self._feed_choices(raw_choices)
            if choices is None:
                if usage is None:
                    return None  # nothing new to show
                choices = self._usage_choices()
            return self._result(choices)
        except _SHAPE_ERRORS as exc:
            raise self._context.invalid(_malformed("a stream chunk", exc), body=chunk) from exc

    def _identify(self, chunk: Mapping[str, Any]) -> None:
        self._id = _string(chunk.get("id"), "id")
        self._model = _string(chunk.get("model"), "model")
        self._created = _created(chunk.get("created"))
        self._identified = self._id is not None
        self._result_fields = None
        self._open_short_path()

    def _open_short_path(self) -> None:
        """Open `feed_events()`'s short path: once the stream has its id, while one choice."""
        choices = self._choices
        single = self._identified and len(choices) == 1
        self._single = next(iter(choices.values())) if single else None

    def _result(
        self, choices: tuple[DeltaChatChoice[ToolCallT], ...]
    ) -> ChatModelResult[ToolCallT]:
        self.last = self._build(choices)
        return self.last

    def _build(self, choices: tuple[ChatChoice[ToolCallT], ...]) -> ChatModelResult[ToolCallT]:
        # One result per chunk: its fields but the choices are the same chunk after chunk.
        fields = self._result_fields
        if fields is None:
            fields = self._result_fields = {
                "choices": (),
                "usage": self.usage,
                "id": self._id,
                "model": self._model,
                "created": self._created,
                "request_id": self._request_id,
                "server_request_id": self._server_request_id,
            }
        fields = fields.copy()
        fields["choices"] = choices
        return new_model(ChatModelResult, fields, _RESULT_NAMES, self._context.private)

    def finish(self, *, whole: bool = True) -> ChatModelResult[ToolCallT] | None:
        """At the end of the stream: a last result for tool calls no `finish_reason` closed.

        Some servers end a stream with `[DONE]` but without a finish reason; the calls merged
        from their deltas are complete then, and come with status TOOL_CALLS. Afterwards `last`
        is the whole answer (see `whole_answer()`). A stream found incomplete (`whole=False`)
        gives its calls as they stand, with status PARTIAL.
        """
        pending = {
            index for index, state in self._choices.items() if state.close_tool_calls(self._context)
        }
        if not whole:
            for index in pending:
                self._choices[index].cut = True
        result = None
        if pending:
            result = self._result(
                tuple(
                    self._choices[index].snapshot(self._status_of(index))
                    for index in sorted(self._choices)
                )
            )
        if self.last is not None or self._choices:
            self.last = self.whole_answer()
        return result

    def whole_answer(self) -> ChatModelResult[ToolCallT]:
        """The answer so far as one result, as a non-stream run gives it.

        Each choice has its whole text and reasoning, the status and finish reason of the chunk
        that finished it and its tool calls; `usage` is the usage chunk's.
        """
        states = [self._choices[index] for index in sorted(self._choices)]
        if not states:
            states = [_ChoiceState(0)]
        return self._build(tuple(state.whole() for state in states))

    def _state(self, index: int) -> _ChoiceState[ToolCallT]:
        state = self._choices.get(index)
        if state is None:
            state = self._choices[index] = _ChoiceState(index)
            self._open_short_path()
        return state

    def _feed_choices(self, raw_choices: Any) -> tuple[DeltaChatChoice[ToolCallT], ...] | None:
        touched: dict[int, DeltaChatChoice[ToolCallT]] = {}
        for position, raw in enumerate(raw_choices):
            choice = self._feed_choice(raw, position)
            if choice is not None:
                touched[choice.index] = choice
        if not touched:
            return None
        if len(self._choices) == 1:
            return tuple(touched.values())
        return self._all_choices(touched)

    def _all_choices(
        self, touched: dict[int, DeltaChatChoice[ToolCallT]]
    ) -> tuple[DeltaChatChoice[ToolCallT], ...]:
        """Every choice seen so far, in index order: fed now, or as it stood."""
        return tuple(
            touched.get(index) or self._choices[index].snapshot(self._status_of(index))
            for index in sorted(self._choices)
        )

    def _feed_choice(self, raw: Any, position: int) -> DeltaChatChoice[ToolCallT] | None:
        """Merge one choice's delta into its state; snapshot it if the chunk brought news.

        This is the stream's hot path. News is new text, new reasoning or a finish reason;
        a role alone or a piece of a tool call is merged and shown later.
        """
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise self._context.invalid("a stream choice is not a JSON object", body=raw)
        index = raw.get("index", position)
        if type(index) is not int:
            index = _index(raw, position)
        state = self._choices.get(index) or self._state(index)
        delta = raw.get("delta") or raw.get("message") or {}
        if type(delta) is not dict and not isinstance(delta, Mapping):
            raise ValueError(f"a choice's delta is not an object: {delta!r}")
        text = delta.get("content")
        if type(text) is not str:
            text = "" if text is None else _text(text, "content")
        if text:
            state.text.append(text)
        reasoning = ""
        others = len(delta) - ("content" in delta)  # keys besides content: calls, role...
        if others:
            calls = delta.get("tool_calls")
            if calls:
                self._merge_tool_calls(state, calls)
                self.call_pieces += 1
            if others > (calls is not None):  # a role or reasoning
                role = delta.get("role")
                if role is not None and _string(role, "role"):
                    state.role = role
                raw_reasoning = delta.get("reasoning_content")  # `_reasoning()`, inlined
                if raw_reasoning is None:
                    raw_reasoning = delta.get("reasoning")
                if raw_reasoning is not None:
                    reasoning = _text(raw_reasoning, "reasoning_content")
                if reasoning:
                    if state.reasoning is None:
                        state.reasoning = CumulativeText()
                    state.reasoning.append(reasoning)
        finish_reason = raw.get("finish_reason")
        if finish_reason is None:
            if text or reasoning:
                return state.snapshot(_PARTIAL, text, reasoning)
            return None
        state.finish_reason = _finish_reason(finish_reason)
        state.close_tool_calls(self._context)
        return state.snapshot(state.status, text, reasoning)

    @staticmethod
    def _merge_tool_calls(state: _ChoiceState[ToolCallT], calls: Any) -> None:
        builders = state.builders
        for call in calls:
            call_index = call.get("index", len(builders))
            if type(call_index) is not int:
                call_index = _index(call, len(builders))
            builder = builders.get(call_index)
            if builder is None:
                builder = builders[call_index] = _ToolCallBuilder(call_index)
            builder.merge(call)

    def _status_of(self, index: int) -> ChatModelStatus:
        return self._choices[index].status

    def _usage_choices(self) -> tuple[DeltaChatChoice[ToolCallT], ...]:
        if not self._choices:
            self._state(0)
        return tuple(self._choices[index].usage_snapshot() for index in sorted(self._choices))

    def _stream_error(self, chunk: Mapping[str, Any]) -> StreamError:
        error = chunk["error"]
        message, code = _error_message(error)
        message = _one_line(message or "")
        return request_error(
            StreamError,
            message or "the server sent an error event in the stream",
            self._context,
            status_code=code,
            body=chunk,
        )


class StreamParser(Generic[ToolCallT]):
    """A stream's body bytes in, cumulative results out (no I/O).

    It owns the SSE decoder and the accumulator: the face reads the body, feeds each chunk
    of bytes and yields what comes out, then calls `close()` at the end of the body or
    once `done` (`[DONE]` came). It keeps the stream's rules:

    - A stream is whole when `[DONE]` came, or when its body ended after every choice got
      its finish reason; `close()` raises `IncompleteStreamError` for anything else (an
      empty body, one cut inside an event or before the last chunk, an answer that is not an
      event stream), carrying the last result received.
    - An event larger than `max_event_bytes` raises `ResponseTooLargeError`.
    - With a `timeout`, the first result is due at `first_due` (a `time.monotonic()` time)
      and each next one `timeout` seconds after the consumer came back for more: bytes that
      complete no result (comments, empty events, an event trickled byte by byte) do not
      count; a piece of a tool call does (it is shown whole, with its choice's finish). The
      face asks `read_bound()` before each read: how long the read may wait (None when
      `read_timeout`, httpx's own limit on each read, already ends it in time), or
      `APITimeoutError` once a result is overdue.
    """

    __slots__ = (
        "_accumulator",
        "_context",
        "_decoder",
        "_due",
        "_head",
        "_read_timeout",
        "_seen",
        "_seen_pieces",
        "_timeout",
    )

    def __init__(
        self,
        context: ResponseContext[ToolCallT],
        *,
        max_event_bytes: int | None = None,
        timeout: float | None = None,
        first_due: float | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self._decoder = SSEDecoder(max_event_bytes)
        self._accumulator = StreamAccumulator(context)
        self._context = context
        self._timeout = timeout
        self._read_timeout = read_timeout
        if timeout is not None and first_due is None:
            first_due = time.monotonic() + timeout
        self._due = None if timeout is None else first_due
        # The last result and the count of tool-call pieces when the clock last started.
        self._seen: ChatModelResult[ToolCallT] | None = None
        self._seen_pieces = 0
        # The body's first bytes, until an event comes: what the answer was, for an error.
        self._head: bytes | None = b""

    @property
    def total_tokens(self) -> int | None:
        """The stream's `usage.total_tokens`, once its usage came (None before, or never)."""
        usage = self._accumulator.usage
        return None if usage is None else usage.total_tokens

    @property
    def done(self) -> bool:
        """True once `[DONE]` came: nothing after it is parsed."""
        return self._accumulator.done

    @property
    def last(self) -> ChatModelResult[ToolCallT] | None:
        """The latest result given out (None before the first); the whole answer after `close()`."""
        return self._accumulator.last

    def read_bound(self) -> float | None:
        """How long the next read may wait: what is left until the next result is due.

        None when there is no limit, or when httpx's own `read_timeout` ends the read by
        then anyway (the usual case, right after a result: no cancel scope is needed). Called
        before each read, when the consumer is back for more: a result (or a piece of a tool
        call) since the last call makes the next one due `timeout` seconds from now. Raises
        `APITimeoutError` once a result is overdue (bytes came, but none completed one).
        """
        timeout, due = self._timeout, self._due
        if timeout is None or due is None:
            return None
        now = time.monotonic()
        accumulator = self._accumulator
        last, pieces = accumulator.last, accumulator.call_pieces
        if last is not self._seen or pieces != self._seen_pieces:
            self._seen, self._seen_pieces = last, pieces
            due = self._due = now + timeout
        elif now >= due:
            message = f"the stream stalled: no result for {timeout}s (only bytes without one)"
            raise request_error(APITimeoutError, message, self._context)
        left = due - now
        read_timeout = self._read_timeout
        return None if read_timeout is not None and read_timeout <= left else left

    def feed(self, data: bytes) -> Iterator[ChatModelResult[ToolCallT]]:
        """Feed body bytes as they arrive; yield the results they complete, one at a time."""
        try:
            events = self._decoder.feed_data(data)
        except EventTooLarge as exc:
            raise too_large_error(self._context, "max_event_bytes", exc.limit) from None
        if self._head is not None:
            self._head = None if events else (self._head + data[:_MAX_ERROR_TEXT])[:_MAX_ERROR_TEXT]
        return self._accumulator.feed_events(events)

    def close(self) -> Iterator[ChatModelResult[ToolCallT]]:
        """At the end of the body (or after `[DONE]`): the last results, or why it is incomplete."""
        accumulator = self._accumulator
        if not accumulator.done:
            events = self._decoder.close()
            if events:
                self._head = None
            yield from accumulator.feed_events(events)
        if not (accumulator.done or accumulator.finished):
            raise self._incomplete()
        last = accumulator.finish()
        if last is not None:
            yield last

    def attach_partial(self, error: YCloudChatError) -> None:
        """Give an `IncompleteStreamError` raised while reading what arrived before it."""
        if isinstance(error, IncompleteStreamError) and error.result is None:
            error.result = self._partial()

    def _incomplete(self) -> IncompleteStreamError:
        head = self._head
        if head == b"":
            reason = "the body was empty"
        elif head is not None and head.lstrip()[:1] in (b"{", b"[", b"<"):
            snippet = " ".join(head.decode("utf-8", errors="replace").split())
            reason = f"the answer is not an event stream: {snippet!r}"
        elif self._decoder.dropped:
            reason = "the body ended inside an event"
        else:
            reason = "the body ended without [DONE], before every choice got its finish reason"
        return request_error(
            IncompleteStreamError,
            f"the stream ended before the answer was complete: {reason}",
            self._context,
            result=self._partial(),
        )

    def _partial(self) -> ChatModelResult[ToolCallT] | None:
        """What arrived, as one result (its tool calls as they stand, status PARTIAL)."""
        self._accumulator.finish(whole=False)
        return self._accumulator.last


def _error_payload(data: str) -> Any:
    """The body of an `event: error` event: its JSON, else its text."""
    try:
        return json.loads(data)
    except ValueError:
        return data or "the server sent an error event"
