"""`AsyncChatModel`: one model URI with an immutable config; runs or streams messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._messages import coerce_messages
from .._request import build_chat_body
from .._response import ResponseContext, decode_json, parse_completion
from ..types.config import (
    ChatModelConfig,
    ReasoningModeInput,
    ResponseFormatInput,
    ToolChoiceInput,
    ToolsInput,
)
from ..types.messages import MessagesInput
from ..types.misc import UNDEFINED, UndefinedOr
from ..types.results import ChatModelResult
from .stream import AsyncChatStream
from .tool_call import AsyncToolCall

if TYPE_CHECKING:
    from .client import AsyncChatSDK

__all__ = ["AsyncChatModel"]


class AsyncChatModel:
    """A chat model: its URI and config, and the calls that run it.

    Made by `sdk.chat.completions("name")`. `configure()` returns a new model and leaves
    this one as it was, so one model can be shared freely.
    """

    def __init__(self, sdk: AsyncChatSDK, uri: str, config: ChatModelConfig | None = None) -> None:
        self._sdk = sdk
        self._uri = uri
        self._config = config or ChatModelConfig()

    @property
    def uri(self) -> str:
        """The model URI sent as `model`, e.g. `gpt://<folder>/yandexgpt/latest`."""
        return self._uri

    @property
    def config(self) -> ChatModelConfig:
        """The model's settings (frozen)."""
        return self._config

    def configure(
        self,
        *,
        temperature: UndefinedOr[float | None] = UNDEFINED,
        max_tokens: UndefinedOr[int | None] = UNDEFINED,
        reasoning_mode: UndefinedOr[ReasoningModeInput | None] = UNDEFINED,
        response_format: UndefinedOr[ResponseFormatInput | None] = UNDEFINED,
        tools: UndefinedOr[ToolsInput | None] = UNDEFINED,
        parallel_tool_calls: UndefinedOr[bool | None] = UNDEFINED,
        tool_choice: UndefinedOr[ToolChoiceInput | None] = UNDEFINED,
        extra_query: UndefinedOr[Mapping[str, Any] | None] = UNDEFINED,
    ) -> AsyncChatModel:
        """Return a new model with some settings changed.

        An argument left out keeps its value; `None` resets it, so it is no longer sent.
        Every value is checked here: a bad one raises `ConfigurationError` naming it.

        Args:
            temperature: sampling temperature, 0 to 2.
            max_tokens: the most tokens the answer may have (a positive integer).
            reasoning_mode: `"low"`, `"medium"`, `"high"` (any case) or a `ReasoningMode`.
            response_format: `"json"`, a JSON-schema dict with a name, a pydantic model
                class or a pydantic dataclass.
            tools: a `FunctionTool` (or tool dict), or a sequence of them.
            parallel_tool_calls: whether several tool calls may come in one turn.
            tool_choice: `"none"`, `"auto"`, `"required"`, a tool, a configured tool's
                name, or `{"type": "function", "function": {"name": ...}}`.
            extra_query: extra body keys such as `top_p`, `seed` or `stop`.
        """
        config = self._config.replace(
            temperature=temperature,
            max_tokens=max_tokens,
            reasoning_mode=reasoning_mode,
            response_format=response_format,
            tools=tools,
            parallel_tool_calls=parallel_tool_calls,
            tool_choice=tool_choice,
            extra_query=extra_query,
        )
        return type(self)(self._sdk, self._uri, config)

    def _body(self, messages: MessagesInput, *, stream: bool) -> dict[str, Any]:
        return build_chat_body(self._uri, coerce_messages(messages), self._config, stream=stream)

    async def run(
        self, messages: MessagesInput, *, timeout: UndefinedOr[float | None] = UNDEFINED
    ) -> ChatModelResult[AsyncToolCall]:
        """Send the messages and return the model's whole answer.

        Args:
            messages: one message or many, in any accepted shape (a str, a `TextMessage`,
                a previous result, a dict...).
            timeout: a total deadline in seconds over every attempt and wait (default: the
                SDK's `timeout`, else 180); `None` for no deadline.
        """
        body = self._body(messages, stream=False)
        transport = self._sdk._transport
        content, exchange = await transport.request(
            "POST",
            "/chat/completions",
            json=body,
            timeout=self._sdk._timeout_for(timeout, run=True),
        )
        context = ResponseContext(AsyncToolCall, exchange.request_id, exchange.server_request_id)
        return parse_completion(decode_json(content, context), context)

    def run_stream(
        self, messages: MessagesInput, *, timeout: UndefinedOr[float | None] = UNDEFINED
    ) -> AsyncChatStream:
        """Stream the answer: iterate the returned stream for cumulative partial results.

        Each result's `text` is everything so far and `delta` what that chunk added; the
        last ones carry the finish status and the usage. Use the stream as a context
        manager to release the connection when you stop early. The messages are checked
        now; the request is sent when iteration starts.

        Args:
            messages: one message or many, in any accepted shape.
            timeout: seconds to wait for the first chunk and for each later one (default:
                the SDK's `timeout`, else 180); `None` to wait for ever.
        """
        body = self._body(messages, stream=True)
        return AsyncChatStream(
            self._sdk._transport, body, self._sdk._timeout_for(timeout, run=True)
        )

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{name}={value!r}" for name, value in self._config if value is not None
        )
        return f"{type(self).__name__}(uri={self._uri!r}{', ' if settings else ''}{settings})"
