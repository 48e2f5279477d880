"""Results of a run and of each streamed chunk: the same classes for both faces."""

from __future__ import annotations

import dataclasses
import enum
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, cast, overload

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_serializer
from typing_extensions import TypeVar  # (pydantic's own dependency) a default, before 3.13

from .._pydantic_slots import (
    SlotOrDefault,
    every_field,
    lazy_text,
    lazy_text_fields,
    no_value,
    set_instance_dict,
)
from .headers import Headers
from .tools import BaseToolCall

__all__ = [
    "ChatChoice",
    "ChatModelResult",
    "ChatModelStatus",
    "ChatUsage",
    "DeltaChatChoice",
    "FinishReason",
    "ToolRun",
]

ToolCallT = TypeVar("ToolCallT", bound=BaseToolCall)
ParsedT = TypeVar("ParsedT", default=Any)
"""What `parsed` gives: the model class of `response_format`, else Any."""
T = TypeVar("T")


class FinishReason(str, enum.Enum):
    """Why a choice finished: the server's `finish_reason`, as a string enum.

    Members equal the raw strings (`FinishReason.STOP == "stop"`). A value this SDK does not
    know is kept as it came: `FinishReason("cancelled")` is a `FinishReason` equal to
    `"cancelled"` (and its status is UNKNOWN). A choice that has not finished yet has no
    finish reason (None).
    """

    STOP = "stop"
    """Finished normally."""
    LENGTH = "length"
    """Cut short by `max_tokens` (or the context)."""
    CONTENT_FILTER = "content_filter"
    """Stopped by the content filter."""
    TOOL_CALLS = "tool_calls"
    """Finished by asking for tool calls."""
    FUNCTION_CALL = "function_call"
    """The older OpenAI name for asking for a call."""
    USAGE = "usage"
    """A stream's closing chunk that only reports token usage (no wire value: the SDK's own)."""

    @classmethod
    def _missing_(cls, value: object) -> FinishReason | None:
        if not isinstance(value, str):
            return None
        # A pseudo-member for a value the server sent that is not listed above.
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        # By value, as Python 3.12 pickles enums: 3.11's first releases pickle by name, which
        # an unknown value's pseudo-member cannot be found by when unpickled.
        return type(self), (self._value_,)


class ChatModelStatus(enum.Enum):
    """Where a choice stands, derived from the server's `finish_reason`."""

    UNKNOWN = "unknown"
    """A finish reason this SDK does not know; the raw value is in `finish_reason`."""
    PARTIAL = "partial"
    """Not finished yet (a stream chunk before the last one)."""
    TRUNCATED_FINAL = "truncated_final"
    """Finished because `max_tokens` (or the context) ran out."""
    FINAL = "final"
    """Finished normally."""
    CONTENT_FILTER = "content_filter"
    """Stopped by the content filter."""
    TOOL_CALLS = "tool_calls"
    """Finished by asking for tool calls."""
    USAGE = "usage"
    """A stream's closing chunk that only reports token usage."""

    @classmethod
    def from_finish_reason(cls, finish_reason: str | None) -> ChatModelStatus:
        """Map a `finish_reason` (a `FinishReason` or its raw string) to a status.

        None gives PARTIAL and an unknown value UNKNOWN, never an exception.
        """
        if finish_reason is None:
            return cls.PARTIAL
        return _FINISH_REASONS.get(finish_reason, cls.UNKNOWN)

    @property
    def is_final(self) -> bool:
        """True once the choice is finished (whatever the reason)."""
        return self is not ChatModelStatus.PARTIAL


# Keyed by the members, which hash and compare as their raw strings: a plain str finds its
# status too.
_FINISH_REASONS: dict[str, ChatModelStatus] = {
    FinishReason.STOP: ChatModelStatus.FINAL,
    FinishReason.LENGTH: ChatModelStatus.TRUNCATED_FINAL,
    FinishReason.CONTENT_FILTER: ChatModelStatus.CONTENT_FILTER,
    FinishReason.TOOL_CALLS: ChatModelStatus.TOOL_CALLS,
    FinishReason.FUNCTION_CALL: ChatModelStatus.TOOL_CALLS,
    FinishReason.USAGE: ChatModelStatus.USAGE,
}


class ChatUsage(BaseModel):
    """Token counts the server reported for a call."""

    # Every model here builds its pydantic schema on first validation, not at import: results
    # are built without validation, so a plain run never pays for the schemas.
    model_config = ConfigDict(defer_build=True, frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int | None = None
    """Completion tokens spent on reasoning, when the server reports them."""

    @property
    def input_text_tokens(self) -> int:
        """Alias of `prompt_tokens`, the reference SDK's name."""
        return self.prompt_tokens


class ChatChoice(BaseModel, Generic[ToolCallT]):
    """One alternative answer of a run: its text, status and tool calls."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    index: int = 0
    role: str = "assistant"
    text: str = ""
    status: ChatModelStatus = ChatModelStatus.UNKNOWN
    finish_reason: FinishReason | None = None
    """The `finish_reason` the server sent (equal to its raw string); None until finished."""
    tool_calls: tuple[ToolCallT, ...] | None = None
    reasoning_text: str | None = None

    @property
    def content(self) -> str:
        """Alias of `text`, the chat API's name (and the reference SDK's)."""
        return self.text

    @property
    def reasoning_content(self) -> str | None:
        """Alias of `reasoning_text`, the chat API's name (and the reference SDK's)."""
        return self.reasoning_text

    # `model_dump()` gives plain JSON values, so that `json.dumps(result.model_dump())` works.
    @field_serializer("status")
    def _status_value(self, status: ChatModelStatus) -> str:
        return status.value


class DeltaChatChoice(ChatChoice[ToolCallT]):
    """A streamed choice: `text` is cumulative, `delta` is what this chunk added."""

    delta: str = ""
    reasoning_delta: str = ""

    if not TYPE_CHECKING:
        # Unset on a stream's choices (see `_pydantic_slots.new_chunk_result`).
        __pydantic_fields_set__ = SlotOrDefault("__pydantic_fields_set__", every_field)
        __pydantic_extra__ = SlotOrDefault("__pydantic_extra__", no_value)
        __pydantic_private__ = SlotOrDefault("__pydantic_private__", no_value)

        # A stream makes one choice per chunk. Its cumulative `text` and `reasoning_text`
        # are cut from the stream's growing text when first read (most loops read only
        # `delta`), so a long stream does not copy its whole text on every chunk. Every
        # way of reading the fields (attributes, `model_dump`, `==`, `repr`, `copy`,
        # pickling) goes through `__getattr__` or `__dict__`: see `_pydantic_slots`.

        @property
        def __dict__(self) -> dict[str, Any]:
            return lazy_text_fields(self)

        @__dict__.setter
        def __dict__(self, fields: dict[str, Any]) -> None:
            set_instance_dict(self, fields)

        def __getattr__(self, name: str) -> Any:
            if name == "text":
                return lazy_text(self)
            if name == "reasoning_text":
                fields = lazy_text_fields(self)
                if name in fields:
                    return fields[name]
            return super().__getattr__(name)


class ChatModelResult(BaseModel, Sequence[ChatChoice[ToolCallT]], Generic[ToolCallT, ParsedT]):
    """The result of a run, or one chunk of a stream: a sequence of choices with shortcuts.

    Its second type parameter is what `parsed` gives: a model configured with
    `response_format=Trip` runs to `ChatModelResult[ToolCall, Trip]`, so that type checkers
    know `result.parsed` is a `Trip`; it is Any otherwise.

    It is a `collections.abc.Sequence` of its choices (`len`, indexing, `in`, `reversed`,
    `index`, `count`); iterating it yields the choices, not pydantic's field pairs.

    The shortcuts (`text`, `role`, `status`, `finish_reason`, `tool_calls`, `reasoning_text`,
    `delta`, `reasoning_delta`, and the aliases `content` and `reasoning_content`) read the
    first choice, which is the only one unless the server was asked for several.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    choices: tuple[ChatChoice[ToolCallT], ...]
    usage: ChatUsage | None = None
    id: str | None = None
    model: str | None = None
    created: datetime | None = None
    """When the server made the answer, as an aware UTC datetime."""
    request_id: str | None = None
    """The `x-client-request-id` this SDK sent for the call."""
    server_request_id: str | None = None
    """The server's `x-request-id`, when it sent one."""

    if not TYPE_CHECKING:
        # Unset on a stream's results (see `_pydantic_slots.new_chunk_result`).
        __pydantic_fields_set__ = SlotOrDefault("__pydantic_fields_set__", every_field)
        __pydantic_extra__ = SlotOrDefault("__pydantic_extra__", no_value)

    _response_format: Any = PrivateAttr(default=None)
    _max_tokens: int | None = PrivateAttr(default=None)
    _headers: Any = PrivateAttr(default=None)

    @field_serializer("created")
    def _created_text(self, created: datetime | None) -> str | None:
        return None if created is None else created.isoformat()

    # The sequence protocol over choices. pydantic's metaclass derives from ABCMeta, so
    # Sequence is a real base (its mixin supplies `__reversed__`).
    def __len__(self) -> int:
        return len(self.choices)

    @overload
    def __getitem__(self, index: int) -> ChatChoice[ToolCallT]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ChatChoice[ToolCallT]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> ChatChoice[ToolCallT] | Sequence[ChatChoice[ToolCallT]]:
        return self.choices[index]

    def __iter__(self) -> Iterator[ChatChoice[ToolCallT]]:  # type: ignore[override]
        # BaseModel's own __iter__ yields (field, value) pairs; a result yields its choices.
        return iter(self.choices)

    def __contains__(self, item: object) -> bool:
        return item in self.choices

    def index(self, value: Any, start: int = 0, stop: int = sys.maxsize) -> int:
        """The position of a choice (`ValueError` if it is not there)."""
        return self.choices.index(value, start, stop)

    def count(self, value: Any) -> int:
        """How many of the choices equal `value`."""
        return self.choices.count(value)

    @property
    def headers(self) -> Headers:
        """The HTTP headers of the server's answer, read-only and case-insensitive.

        Rate-limit headers, for one: `result.headers.get("x-ratelimit-remaining-tokens")`.
        Every chunk of a stream carries the headers the stream's answer began with. Empty for
        a result that was not received from a server.
        """
        return Headers((self.__pydantic_private__ or {}).get("_headers") or ())

    @property
    def alternatives(self) -> tuple[ChatChoice[ToolCallT], ...]:
        """All choices (the reference SDK's name for them)."""
        return self.choices

    @property
    def _first(self) -> ChatChoice[ToolCallT]:
        if not self.choices:
            raise IndexError("this result has no choices")
        return self.choices[0]

    @property
    def text(self) -> str:
        """The first choice's text (cumulative, for a stream chunk)."""
        choices = self.choices  # `_first`, inlined: read on every chunk
        if not choices:
            raise IndexError("this result has no choices")
        first = choices[0]
        # A streamed choice's text is cut from the stream's text, not kept: what a loop
        # reading `text` on every chunk does not hold on to, the next chunk extends in place.
        if type(first) is DeltaChatChoice or isinstance(first, DeltaChatChoice):
            return lazy_text(first)
        return first.text

    @property
    def role(self) -> str:
        """The first choice's role, normally `assistant`."""
        return self._first.role

    @property
    def status(self) -> ChatModelStatus:
        """The first choice's status."""
        return self._first.status

    @property
    def finish_reason(self) -> FinishReason | None:
        """The first choice's `finish_reason` (equal to the raw string the server sent)."""
        return self._first.finish_reason

    @property
    def tool_calls(self) -> tuple[ToolCallT, ...] | None:
        """The first choice's tool calls, or None when the model asked for none."""
        return self._first.tool_calls

    @property
    def reasoning_text(self) -> str | None:
        """The first choice's reasoning, when the model reports it."""
        return self._first.reasoning_text

    @property
    def content(self) -> str:
        """Alias of `text`, the chat API's name (and the reference SDK's)."""
        return self._first.text

    @property
    def reasoning_content(self) -> str | None:
        """Alias of `reasoning_text`, the chat API's name (and the reference SDK's)."""
        return self._first.reasoning_text

    @property
    def delta(self) -> str:
        """What this stream chunk added to the first choice's text ("" for a plain run)."""
        choices = self.choices  # `_first`, inlined: read on every chunk
        if not choices:
            raise IndexError("this result has no choices")
        first = choices[0]
        if type(first) is DeltaChatChoice or isinstance(first, DeltaChatChoice):
            return first.delta
        return ""

    @property
    def reasoning_delta(self) -> str:
        """What this stream chunk added to the first choice's reasoning."""
        first = self._first
        return first.reasoning_delta if isinstance(first, DeltaChatChoice) else ""

    @property
    def parsed(self) -> ParsedT:
        """The answer checked against the model's `response_format`.

        A pydantic model class or dataclass gives a validated instance; `"json"` and schema
        dicts give the decoded JSON. An answer that does not match raises
        `StructuredOutputError`, which carries the raw `text` and pydantic's `errors`.
        It is None when there is nothing to parse: without a `response_format`, on a stream
        chunk before the answer is finished, and on a turn that only asks for tool calls.
        Each access validates the text again.

        Type checkers see the configured class: a model configured with `response_format=Trip`
        gives results whose `parsed` is a `Trip` (the None of a tool-calls turn aside).
        """
        response_format = (self.__pydantic_private__ or {}).get("_response_format")
        first = self._first
        if response_format is None or first.status is ChatModelStatus.PARTIAL:
            return cast(ParsedT, None)
        if first.tool_calls and not first.text:
            return cast(ParsedT, None)
        parsed: ParsedT = self.parse(response_format)
        return parsed

    @overload
    def parse(self, response_format: type[T]) -> T: ...
    @overload
    def parse(self, response_format: Literal["json"] | Mapping[str, Any]) -> Any: ...
    def parse(self, response_format: Any) -> Any:
        """Check the first choice's text against `response_format` (as `parsed` does).

        Useful with a class for a typed result: `result.parse(Weather)` is a `Weather`.
        """
        from .._structured import parse_structured, truncation_cause

        cut_short_by = None
        if self._first.status is ChatModelStatus.TRUNCATED_FINAL:
            max_tokens = (self.__pydantic_private__ or {}).get("_max_tokens")
            used = self.usage.completion_tokens if self.usage is not None else None
            cut_short_by = truncation_cause(max_tokens, used)
        return parse_structured(self.text, response_format, cut_short_by=cut_short_by)

    def to_message(self) -> dict[str, Any]:
        """Return the first choice as an assistant message for the next call's history."""
        from .._messages import choice_to_wire

        return choice_to_wire(self._first)


@dataclasses.dataclass(frozen=True)
class ToolRun(Generic[ToolCallT]):
    """What `run_tools()` gives: the final answer and the whole conversation.

    `messages` holds wire dicts (the messages given, then each assistant turn and the tool
    answers), ready to continue the chat: `model.run([*run.messages, "And tomorrow?"])`.
    """

    result: ChatModelResult[ToolCallT]
    """The model's final result, the first one that asked for no tools."""
    messages: list[dict[str, Any]]
    """The conversation: the messages given, every assistant turn and tool answer."""
    rounds: int
    """How many times the model was run."""

    @property
    def text(self) -> str:
        """The final answer's text."""
        return self.result.text
