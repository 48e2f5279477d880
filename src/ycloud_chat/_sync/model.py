# GENERATED from src/ycloud_chat/_async/model.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`ChatModel`: one model URI with an immutable config; runs or streams messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from .._compat import settle_all
from .._exceptions import ConfigurationError, ToolRoundsExceededError
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
from ..types.results import ChatModelResult, ToolRun
from ..types.tools import answer_calls
from .stream import ChatStream
from .tool_call import ToolCall

if TYPE_CHECKING:
    from .client import ChatSDK

__all__ = ["ChatModel"]


class ChatModel:
    """A chat model: its URI and config, and the calls that run it.

    Made by `sdk.chat.completions("name")`. `configure()` returns a new model and leaves
    this one as it was, so one model can be shared freely.
    """

    def __init__(self, sdk: ChatSDK, uri: str, config: ChatModelConfig | None = None) -> None:
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
    ) -> ChatModel:
        """Return a new model with some settings changed.

        An argument left out keeps its value; `None` resets it, so it is no longer sent.
        Every value is checked here: a bad one raises `ConfigurationError` naming it.

        Args:
            temperature: sampling temperature, 0 to 2.
            max_tokens: the most tokens the answer may have (a positive integer).
            reasoning_mode: `"low"`, `"medium"`, `"high"` (any case) or a `ReasoningMode`.
            response_format: `"json"`, a JSON-schema dict with a name, a pydantic model
                class or a pydantic dataclass.
            tools: a tool or a sequence of them: a Python function (its hints and docstring
                give the schema; `run_tools()` and `call.run()` call it), a pydantic model
                class or dataclass, a `FunctionTool`, or a wire tool dict.
            parallel_tool_calls: whether several tool calls may come in one turn.
            tool_choice: `"none"`, `"auto"`, `"required"` (any case), a configured tool (or
                the function or class it was made from), its name, or
                `{"type": "function", "function": {"name": ...}}`.
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
        # AI Studio sends no usage chunk and is not asked for one (as the recordings show).
        return build_chat_body(
            self._uri,
            coerce_messages(messages),
            self._config,
            stream=stream,
            stream_usage=not self._sdk._ai_studio,
        )

    def run(
        self, messages: MessagesInput, *, timeout: UndefinedOr[float | None] = UNDEFINED
    ) -> ChatModelResult[ToolCall]:
        """Send the messages and return the model's whole answer.

        Args:
            messages: one message or many, in any accepted shape (a str, a `TextMessage`,
                a previous result, a dict...).
            timeout: a total deadline in seconds over every attempt and wait (default: the
                SDK's `timeout`, else 180); `None` for no deadline.
        """
        body = self._body(messages, stream=False)
        transport = self._sdk._transport
        content, exchange = transport.request(
            "POST",
            "/chat/completions",
            json=body,
            timeout=self._sdk._timeout_for(timeout, run=True),
        )
        context = ResponseContext(
            ToolCall, exchange.request_id, exchange.server_request_id, self._config
        )
        return parse_completion(decode_json(content, context), context)

    def run_tools(
        self,
        messages: MessagesInput,
        *,
        max_rounds: int = 8,
        tool_errors: Literal["raise", "send"] = "raise",
        timeout: UndefinedOr[float | None] = UNDEFINED,
    ) -> ToolRun[ToolCall]:
        """Run the model, answer its tool calls, and repeat until it answers without tools.

        Every call of a turn is run with the configured tools' Python functions
        (concurrently on the async face, blocking functions in worker threads; in order on
        the sync face), and the answers go back in call order, each matched to its call by id.

        Args:
            messages: the conversation so far, in any accepted shape.
            max_rounds: the most times the model is run (a positive integer).
            tool_errors: `"raise"` (default) stops at a call that cannot be answered;
                `"send"` sends the error's text to the model as that call's answer, so that
                it can correct itself (bad arguments, a failing function, an unknown tool).
            timeout: the deadline of each run of the model, as in `run()`.

        Returns:
            A `ToolRun`: `.result` is the final answer, `.messages` the whole conversation.

        Raises:
            ToolRunError, ToolArgumentsError, ToolError: a call could not be answered. The
                error's `messages` holds the conversation: the turn with the calls and the
                answers of the calls that worked; answer `error.tool_call_id` to go on.
            ToolRoundsExceededError: the model still asked for tools after `max_rounds` runs
                (their calls are answered in the error's `messages`).
        """
        _check_run_tools_arguments(max_rounds, tool_errors)
        self._check_runnable_tools()
        transcript = coerce_messages(messages)
        for rounds in range(1, max_rounds + 1):
            result = self.run(transcript, timeout=timeout)
            transcript.append(result.to_message())
            calls = result.tool_calls or ()
            if not calls:
                return ToolRun(result=result, messages=transcript, rounds=rounds)
            outcomes = settle_all([call.run for call in calls])
            answers, failure = answer_calls(calls, outcomes, send_errors=tool_errors == "send")
            transcript.extend(answers)
            if failure is not None:
                failure.messages = transcript
                raise failure
        names = ", ".join(call.function.name for call in calls)
        exceeded = ToolRoundsExceededError(
            f"the model still asked for tools ({names}) after {max_rounds} rounds; raise "
            "max_rounds, or go on from the error's messages",
            max_rounds=max_rounds,
            result=result,
        )
        exceeded.messages = transcript
        raise exceeded

    def _check_runnable_tools(self) -> None:
        tools = self._config.tools
        if not tools:
            raise ConfigurationError("run_tools() needs tools: configure(tools=[...]) first")
        missing = [tool.name for tool in tools if tool.function is None]
        if missing:
            raise ConfigurationError(
                f"run_tools() runs Python functions, but these tools have none: "
                f"{', '.join(missing)}; make them from functions, or answer with run()"
            )

    def run_stream(
        self, messages: MessagesInput, *, timeout: UndefinedOr[float | None] = UNDEFINED
    ) -> ChatStream:
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
        return ChatStream(
            self._sdk._transport, body, self._sdk._timeout_for(timeout, run=True), self._config
        )

    def __repr__(self) -> str:
        settings = ", ".join(
            f"{name}={value!r}" for name, value in self._config if value is not None
        )
        return f"{type(self).__name__}(uri={self._uri!r}{', ' if settings else ''}{settings})"


def _check_run_tools_arguments(max_rounds: object, tool_errors: object) -> None:
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise ConfigurationError(f"max_rounds must be a positive integer, got {max_rounds!r}")
    if tool_errors not in ("raise", "send"):
        raise ConfigurationError(f'tool_errors must be "raise" or "send", got {tool_errors!r}')
