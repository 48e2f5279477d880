"""Pure response parsers: JSON bodies to results, error answers to errors.

Streams are parsed in `_streaming`, with the shared helpers of this module.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import struct
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Generic, cast

from pydantic_core import from_json

from ._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    CallIdentity,
    request_error,
    status_error_class,
)
from ._pydantic_slots import construct
from .types.results import (
    ChatChoice,
    ChatModelResult,
    ChatModelStatus,
    ChatUsage,
    FinishReason,
    ToolCallT,
)
from .types.tools import FunctionCall

if TYPE_CHECKING:
    from .types.config import ChatModelConfig
    from .types.embeddings import ChatEmbeddingsModelResult

__all__ = [
    "ResponseContext",
    "error_from_response",
    "parse_completion",
    "parse_embeddings",
    "parse_model_list",
]

_MAX_ERROR_TEXT = 500

# What reading a body of the wrong shape raises; parsers turn these into
# APIResponseValidationError instead of checking every field of every chunk up front.
_SHAPE_ERRORS = (TypeError, ValueError, AttributeError, LookupError, OverflowError)


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
