"""Pure response parsers: JSON to results, stream chunks to cumulative results, bodies to errors."""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel
from pydantic_core import from_json

from ._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    CallIdentity,
    IncompleteStreamError,
    StreamError,
    YCloudChatError,
    request_error,
    status_error_class,
    too_large_error,
)
from ._sse import EventTooLarge, ServerSentEvent, SSEDecoder
from .types.results import (
    _DELTA_FIELDS,
    _LAZY_TEXT,
    ChatChoice,
    ChatModelResult,
    ChatModelStatus,
    ChatUsage,
    DeltaChatChoice,
    FinishReason,
    ToolCallT,
)
from .types.tools import FunctionCall

if TYPE_CHECKING:
    from .types.config import ChatModelConfig
    from .types.embeddings import ChatEmbeddingsModelResult

__all__ = [
    "ResponseContext",
    "StreamAccumulator",
    "StreamParser",
    "error_from_response",
    "parse_completion",
    "parse_embeddings",
    "parse_model_list",
]

_MAX_ERROR_TEXT = 500

# What reading a body of the wrong shape raises; parsers turn these into
# APIResponseValidationError instead of checking every field of every chunk up front.
_SHAPE_ERRORS = (TypeError, ValueError, AttributeError, LookupError, OverflowError)


ModelT = TypeVar("ModelT", bound=BaseModel)
_new = object.__new__
# The slots of every pydantic model, set through their descriptors (the models are frozen).
_set_instance_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
# Per model class: its field names, and whether it has private attributes.
_fast_fields: dict[type[BaseModel], tuple[set[str], bool]] = {}


def construct(
    cls: type[ModelT], fields: dict[str, Any], private: dict[str, Any] | None = None
) -> ModelT:
    """`cls.model_construct(**fields)` for a complete dict of already-typed field values.

    The same object at a fraction of the cost, for the hot paths: pydantic's own version
    also fills defaults and resolves aliases, which a complete dict never needs. A dict that
    lacks a field goes the slow way, so a field added to a model later is never left unset;
    so does a model with private attributes when `private` (shared, read-only, by a call's
    results) is not given.
    """
    known = _fast_fields.get(cls)
    if known is None:
        known = _fast_fields[cls] = (set(cls.model_fields), bool(cls.__private_attributes__))
    names, has_private = known
    if len(fields) != len(names) or (private is None and has_private):
        slow = cls.model_construct(**fields)
        if private is not None:
            _set_private(slow, private)
        return slow
    return _fill(_new(cls), fields, names, private)


def _fill(
    instance: ModelT, fields: dict[str, Any], names: set[str], private: dict[str, Any] | None
) -> ModelT:
    _set_instance_dict(instance, fields)
    # One set shared by every instance of the class: the result models are frozen, and
    # pydantic copies the set before it changes one (model_copy).
    _set_fields_set(instance, names)
    _set_extra(instance, None)
    _set_private(instance, private)
    return instance


def loads(data: str | bytes) -> Any:
    """Decode JSON: pydantic-core's parser, with `json` for what it refuses but JSON allows.

    (Lone surrogate escapes, for one: `json` accepts them.) Raises ValueError or
    RecursionError for what is not JSON.
    """
    try:
        return from_json(data, cache_strings="keys")
    except ValueError:
        return json.loads(data)


def _is_mapping(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


class ResponseContext(Generic[ToolCallT]):
    """What every parser needs besides the JSON.

    That is the tool-call class, the call's ids, and the model's tools and `response_format`
    (tool calls and results are bound to them).
    """

    __slots__ = (
        "attempts",
        "headers",
        "private",
        "request_id",
        "server_request_id",
        "tool_call_type",
        "tools",
    )

    def __init__(
        self,
        tool_call_type: type[ToolCallT],
        request_id: str | None = None,
        server_request_id: str | None = None,
        config: ChatModelConfig | None = None,
        attempts: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.tool_call_type = tool_call_type
        self.request_id = request_id
        self.server_request_id = server_request_id
        self.attempts = attempts
        self.headers = headers
        tools = config.tools if config is not None else None
        self.tools = {tool.name: tool for tool in tools or ()}
        response_format = config.response_format if config is not None else None
        max_tokens = config.max_tokens if config is not None else None
        # One dict shared by every result of the call: results never change it.
        self.private: dict[str, Any] = {
            "_response_format": response_format,
            "_max_tokens": max_tokens,
            "_headers": headers,
        }

    @classmethod
    def for_call(
        cls,
        tool_call_type: type[ToolCallT],
        call: CallIdentity,
        config: ChatModelConfig | None = None,
    ) -> ResponseContext[ToolCallT]:
        """The context of one call's answer: its ids, attempts, headers and the model's config."""
        return cls(
            tool_call_type,
            call.request_id,
            call.server_request_id,
            config,
            call.attempts,
            call.headers,
        )

    def invalid(
        self, message: str, body: Any = None, status_code: int = 200
    ) -> APIResponseValidationError:
        """An error for a body that is not what the chat API sends."""
        return request_error(
            APIResponseValidationError, message, self, status_code=status_code, body=body
        )

    def tool_call(self, raw: Mapping[str, Any]) -> ToolCallT:
        """Build the face's tool-call object from a complete wire call."""
        function = raw.get("function") or {}
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            arguments = "" if arguments is None else json.dumps(arguments)
        call = self.tool_call_type.model_construct(
            id=str(raw.get("id") or function.get("name") or ""),
            type=raw.get("type") or "function",
            function=FunctionCall.model_construct(
                name=str(function.get("name") or ""), raw_arguments=arguments
            ),
            raw=dict(raw),
        )
        tool = self.tools.get(call.function.name)
        if tool is not None:
            call._tool = tool
        return cast(ToolCallT, call)


def _created(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"created is not a usable unix time: {value!r}") from None
    return None


def _usage(value: Any) -> ChatUsage | None:
    if not _is_mapping(value):
        return None
    details = value.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if _is_mapping(details) else None
    return construct(
        ChatUsage,
        {
            "prompt_tokens": _count(value, "prompt_tokens"),
            "completion_tokens": _count(value, "completion_tokens"),
            "total_tokens": _count(value, "total_tokens"),
            "reasoning_tokens": reasoning if isinstance(reasoning, int) else None,
        },
    )


def _count(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key) or 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"usage.{key} is not a number of tokens: {value!r}") from None


def _index(raw: Mapping[str, Any], default: int) -> int:
    value = raw.get("index", default)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"an index is not an integer: {value!r}")


def _string(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{name} is not a string: {value!r}")


def _text(value: Any, name: str) -> str:
    """Message text: a string, null, or a list of parts whose text parts are joined."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        return "".join(_part_text(part, name) for part in value)
    raise ValueError(f"{name} is neither a string nor a list of parts: {value!r}")


def _part_text(part: Any, name: str) -> str:
    if isinstance(part, Mapping):
        kind = part.get("type", "text")
        if kind != "text":
            return ""  # an image or another part with no text to show
        text = part.get("text")
        if isinstance(text, str):
            return text
    raise ValueError(f"{name} has a part that is not a content part: {part!r}")


def _finish_reason(value: Any) -> FinishReason | None:
    """The wire `finish_reason` as a `FinishReason` (an unknown string is kept as it came)."""
    if value is None:
        return None
    if isinstance(value, str):
        return FinishReason(value)
    raise ValueError(f"finish_reason is not a string: {value!r}")


def _reasoning(message: Mapping[str, Any]) -> Any:
    """The reasoning text: `reasoning_content` (vLLM, llama.cpp, DeepSeek) or `reasoning`."""
    reasoning = message.get("reasoning_content")
    return message.get("reasoning") if reasoning is None else reasoning


def _malformed(what: str, error: Exception) -> str:
    return _one_line(f"{what} does not have the expected shape: {error}")


def parse_completion(data: Any, context: ResponseContext[ToolCallT]) -> ChatModelResult[ToolCallT]:
    """Parse a non-stream chat completion body."""
    if not isinstance(data, Mapping) or not isinstance(data.get("choices"), list):
        raise context.invalid("the chat completion has no choices list", body=data)
    if not data["choices"]:
        raise context.invalid("the chat completion has no choices", body=data)
    try:
        return _parse_completion(data, context)
    except _SHAPE_ERRORS as exc:
        raise context.invalid(_malformed("the chat completion", exc), body=data) from exc


def _parse_completion(
    data: Mapping[str, Any], context: ResponseContext[ToolCallT]
) -> ChatModelResult[ToolCallT]:
    choices: list[ChatChoice[ToolCallT]] = []
    for raw in data["choices"]:
        message = raw.get("message") if isinstance(raw, Mapping) else None
        if not isinstance(message, Mapping):
            raise context.invalid("a chat completion choice has no message", body=data)
        finish_reason = _finish_reason(raw.get("finish_reason"))
        raw_calls = message.get("tool_calls")
        tool_calls = tuple(context.tool_call(call) for call in raw_calls) if raw_calls else None
        reasoning = _reasoning(message)
        fields = {
            "index": _index(raw, len(choices)),
            "role": _string(message.get("role"), "role") or "assistant",
            "text": _text(message.get("content"), "content"),
            "status": ChatModelStatus.from_finish_reason(finish_reason),
            "finish_reason": finish_reason,
            "tool_calls": tool_calls,
            "reasoning_text": None if reasoning is None else _text(reasoning, "reasoning_content"),
        }
        choices.append(construct(ChatChoice, fields))
    return construct(
        ChatModelResult,
        {
            "choices": tuple(choices),
            "usage": _usage(data.get("usage")),
            "id": _string(data.get("id"), "id"),
            "model": _string(data.get("model"), "model"),
            "created": _created(data.get("created")),
            "request_id": context.request_id,
            "server_request_id": context.server_request_id,
        },
        context.private,
    )


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
_USAGE = ChatModelStatus.USAGE
_DELTA_FIELDS_SET = set(_DELTA_FIELDS)
_RESULT_FIELDS_SET = set(ChatModelResult.model_fields)


class CumulativeText:
    """Text that grows piece by piece, from which any earlier prefix can still be cut.

    Appending costs no copy of the text so far; the pieces are joined every
    `_JOIN_EVERY` appends, and when a prefix is read. `(joined, pending)` is replaced as a
    whole, so a reader in another thread always sees every piece appended before it.
    """

    __slots__ = ("_parts", "length")

    _JOIN_EVERY = 32  # a stream holds at most this many pieces apart

    def __init__(self) -> None:
        self._parts: tuple[str, list[str]] = ("", [])
        self.length = 0

    def append(self, piece: str) -> None:
        """Add a piece at the end."""
        joined, pending = self._parts
        pending.append(piece)
        self.length += len(piece)
        if len(pending) >= self._JOIN_EVERY:
            self._parts = (joined + "".join(pending), [])

    def prefix(self, length: int) -> str:
        """The text as it stood when it was `length` characters long."""
        joined, pending = self._parts
        if len(joined) < length:
            joined += "".join(pending)
        return joined if len(joined) == length else joined[:length]

    @property
    def whole(self) -> str:
        """The text so far."""
        return self.prefix(self.length)


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
            _LAZY_TEXT: (
                text,
                text.length,
                reasoning,
                0 if reasoning is None else reasoning.length,
            ),
        }
        choice: DeltaChatChoice[ToolCallT] = _new(DeltaChatChoice)
        _set_instance_dict(choice, fields)  # `_fill()`, inlined: one choice per chunk
        _set_fields_set(choice, _DELTA_FIELDS_SET)
        _set_extra(choice, None)
        _set_private(choice, None)
        return choice

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
        self.done = False
        """True once `[DONE]` came."""

    @property
    def finished(self) -> bool:
        """True once a choice came, and every choice got its finish reason."""
        choices = self._choices.values()
        return bool(choices) and all(state.finish_reason is not None for state in choices)

    def feed_events(self, events: list[ServerSentEvent]) -> Iterator[ChatModelResult[ToolCallT]]:
        """Feed decoded SSE events and yield the results worth showing, one at a time.

        It stops at `[DONE]` and sets `done`. Yielding one by one (not a list per read)
        keeps a single cumulative result alive at a time, however many events a read held.
        """
        for event in events:
            data = event.data
            if event.event == "error":
                result = self.feed({"error": _error_payload(data)})
            elif data == "[DONE]":
                self.done = True
                return
            else:
                try:
                    chunk = from_json(data, cache_strings="keys")
                except ValueError:
                    chunk = self._decode_leniently(data)
                result = self.feed(chunk)
            if result is not None:
                yield result

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
        result: ChatModelResult[ToolCallT] = _new(ChatModelResult)
        _set_instance_dict(result, fields)  # `_fill()`, inlined: one result per chunk
        _set_fields_set(result, _RESULT_FIELDS_SET)
        _set_extra(result, None)
        _set_private(result, self._context.private)
        return result

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
            events = self._decoder.feed(data)
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


def _one_line(text: str) -> str:
    """Collapse whitespace and cap the length, so an error prints as one short log line."""
    return " ".join(text.split())[:_MAX_ERROR_TEXT]


def _error_message(error: Any) -> tuple[str | None, int | None]:
    """Find the human message (and a numeric code) in the usual error body shapes."""
    if isinstance(error, str):
        return error, None
    if not isinstance(error, Mapping):
        return None, None
    inner = error.get("error")
    if inner is not None:
        message, code = _error_message(inner)
        if message:
            return message, code
    code = error.get("code") if isinstance(error.get("code"), int) else None
    for key in ("message", "detail", "error_message", "description"):
        value = error.get(key)
        if isinstance(value, str) and value:
            return value, code
    return None, code


def error_from_response(status_code: int, content: bytes, call: CallIdentity) -> APIStatusError:
    """Build the status error for an HTTP error answer, keeping the server's message and body."""
    text = content.decode("utf-8", errors="replace")
    body: Any
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = text
    message, _ = _error_message(body)
    message = _one_line(message or text) or "no error message in the body"
    return request_error(
        status_error_class(status_code), message, call, status_code=status_code, body=body
    )


def decode_json(content: bytes, context: ResponseContext[Any], status_code: int = 200) -> Any:
    """Decode a JSON body, or raise the error that says it is not JSON."""
    try:
        return loads(content)
    except (ValueError, RecursionError):
        snippet = content[:_MAX_ERROR_TEXT].decode("utf-8", errors="replace")
        raise context.invalid(
            f"the server answered with a body that is not JSON: {snippet!r}",
            body=snippet,
            status_code=status_code,
        ) from None


def parse_model_list(
    data: Any, context: ResponseContext[Any], scheme: str
) -> list[tuple[str, str | None]]:
    """The models of one kind in a `/models` answer: (id, owner) pairs, in the listed order.

    AI Studio lists every kind of model, each with its URI scheme (`gpt://` chat models,
    `emb://` embedding models): those of `scheme` are kept. An OpenAI-compatible server lists
    plain names, which are kept too: it does not say what kind of model each one is.
    """
    items = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise context.invalid("the model list has no data array", body=data)
    prefix = f"{scheme}://"
    models = []
    for item in items:
        model_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(model_id, str) and (model_id.startswith(prefix) or "://" not in model_id):
            owner = item.get("owned_by")
            models.append((model_id, owner if isinstance(owner, str) else None))
    return models


def parse_embeddings(
    data: Any, context: ResponseContext[Any], count: int
) -> ChatEmbeddingsModelResult:
    """Parse an embeddings answer for `count` texts: every vector, in the order of the texts.

    The vectors are ordered by their `index`; each one is a list of numbers or, when the
    server was asked for `base64`, the base64 of little-endian float32 values, decoded here.
    """
    from .types.embeddings import ChatEmbeddingsModelResult, EmbeddingsUsage

    items = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise context.invalid("the embeddings answer has no data array", body=data)
    if len(items) != count:
        raise context.invalid(
            f"the embeddings answer has {len(items)} vectors for {count} texts", body=data
        )
    try:
        vectors: dict[int, tuple[float, ...]] = {}
        for position, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise ValueError(f"data[{position}] is not an object")
            index = _index(item, position)
            if not 0 <= index < count or index in vectors:
                raise ValueError(f"data[{position}] has index {index} (texts: {count})")
            vectors[index] = _finite(_vector(item.get("embedding"), position), index)
        _check_lengths(vectors)
        usage = data.get("usage")
        if _is_mapping(usage):
            counts = {key: _count(usage, key) for key in ("prompt_tokens", "total_tokens")}
            usage = construct(EmbeddingsUsage, counts)
        return construct(
            ChatEmbeddingsModelResult,
            {
                "embeddings": tuple(vectors[index] for index in range(count)),
                "model": _string(data.get("model"), "model"),
                "usage": usage if isinstance(usage, EmbeddingsUsage) else None,
                "request_id": context.request_id,
                "server_request_id": context.server_request_id,
            },
        )
    except _SHAPE_ERRORS as exc:
        raise context.invalid(_malformed("the embeddings answer", exc), body=data) from exc


def _finite(vector: tuple[float, ...], index: int) -> tuple[float, ...]:
    """The vector, unless it holds a NaN or an infinity (a broken model, not a meaning)."""
    if math.isfinite(sum(vector)):  # one pass over the usual vector; an overflow looks below
        return vector
    for place, number in enumerate(vector):
        if not math.isfinite(number):
            raise ValueError(f"the vector of text {index} holds {number} at position {place}")
    return vector


def _check_lengths(vectors: Mapping[int, tuple[float, ...]]) -> None:
    """Every vector of one answer has the same length: the model's dimensions."""
    lengths = {index: len(vector) for index, vector in sorted(vectors.items())}
    expected = lengths.get(0)
    for index, length in lengths.items():
        if length != expected:
            raise ValueError(
                f"the vector of text {index} has {length} numbers, that of text 0 has {expected}"
            )


def _vector(value: Any, position: int) -> tuple[float, ...]:
    """One vector: JSON numbers, or base64 of little-endian float32 values."""
    if isinstance(value, str):
        try:
            packed = base64.b64decode(value, validate=True)
        except binascii.Error:
            raise ValueError(f"data[{position}].embedding is a str but not base64") from None
        if not packed or len(packed) % 4:
            raise ValueError(f"data[{position}].embedding is not a whole number of float32s")
        return struct.unpack(f"<{len(packed) // 4}f", packed)
    if not isinstance(value, list) or not value:
        raise ValueError(f"data[{position}].embedding is not a list of numbers")
    for number in value:
        if type(number) is not float and (type(number) is not int):
            raise ValueError(f"data[{position}].embedding holds {number!r}, not a number")
    return tuple(map(float, value))
