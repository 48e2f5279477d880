"""What the models and a chat stream are on both faces, before any I/O.

`RemoteModel` is what every model has: its URI and what the URI says of it (name, version,
fine-tuning), its owner and its frozen config, and the configured copies. `BaseChatModel`
builds the chat body, checks a run's arguments and parses the answer, as
`BaseChatEmbeddingsModel` does for embeddings; `StreamState` is what a stream and its
generator share. The faces' `run`, `run_tools` and stream loop only send and wait. Loaded
with the first model (it needs the pydantic types), not with the SDK.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypedDict, TypeVar, cast

from ._exceptions import ConfigurationError, ConfigurationTypeError
from ._exchange import Exchange, read_timeout
from ._identity import parse_model_uri
from ._messages import coerce_messages
from ._request import build_chat_body, build_embeddings_body, coerce_texts, encode_body
from ._response import ResponseContext, decode_json, parse_completion, parse_embeddings
from ._streaming import StreamParser
from ._tracing import NO_CALL, Call, NoCall
from .types.config import (
    ChatModelConfig,
    FrozenConfig,
    ReasoningModeInput,
    ResponseFormatInput,
    ToolChoiceInput,
    ToolsInput,
)
from .types.embeddings import (
    ChatEmbeddingsModelConfig,
    ChatEmbeddingsModelResult,
    EmbeddingsInput,
    EncodingFormatInput,
)
from .types.misc import UNDEFINED, UndefinedOr
from .types.results import ChatModelResult, ParsedT, ToolCallT
from .types.tools import BaseToolCall

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._base_client import BaseTransport
    from .types.messages import MessagesInput

__all__ = [
    "BaseChatEmbeddingsModel",
    "BaseChatModel",
    "BaseChatStream",
    "ModelSettings",
    "RemoteModel",
    "StreamState",
    "check_run_tools_arguments",
]

ConfigT = TypeVar("ConfigT", bound=FrozenConfig)


class RemoteModel(Generic[ConfigT]):
    """What every model has: its URI, what the URI says of it, its owner and its settings.

    `configure()` returns a new model and leaves this one as it was, so one model can be
    shared freely.
    """

    _config_class: ClassVar[type[FrozenConfig]]

    def __init__(
        self,
        transport: BaseTransport[Any],
        uri: str,
        config: ConfigT | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        self._transport = transport
        self._uri = uri
        self._config = config or cast(ConfigT, self._config_class.default())
        self._owner = owner
        self._identity = parse_model_uri(uri)

    @property
    def uri(self) -> str:
        """The model URI sent as `model`, e.g. `gpt://<folder>/yandexgpt/latest`."""
        return self._uri

    @property
    def config(self) -> ConfigT:
        """The model's settings (frozen)."""
        return self._config

    @property
    def owner(self) -> str | None:
        """Who made the model (`owned_by` in the listing); None for a model made by name."""
        return self._owner

    @property
    def name(self) -> str | None:
        """The model's name in its URI (`yandexgpt` in `gpt://<folder>/yandexgpt/rc`).

        A plain name, as OpenAI-compatible servers use, is its own name; a URI of another
        shape gives None.
        """
        return self._identity.name

    @property
    def version(self) -> str | None:
        """The version in the URI (`rc`, `latest`, ...); None when the URI names none."""
        return self._identity.version

    @property
    def fine_tuned(self) -> bool | None:
        """Whether the URI names a fine-tuned model (`.../latest@<tuning>`); None if unknown."""
        return self._identity.fine_tuned

    def _with_config(self, config: ConfigT) -> Self:
        return type(self)(self._transport, self._uri, config, owner=self._owner)

    def __repr__(self) -> str:
        settings = "".join(
            f", {name}={value!r}" for name, value in self._config if value is not None
        )
        owner = f", owner={self._owner!r}" if self._owner is not None else ""
        return f"{type(self).__name__}(uri={self._uri!r}{owner}{settings})"


class ModelSettings(TypedDict, total=False):
    """The settings of `configure()` besides `response_format`, for the faces' typed overloads."""

    temperature: float | None
    max_tokens: int | None
    reasoning_mode: ReasoningModeInput | None
    tools: ToolsInput | None
    parallel_tool_calls: bool | None
    tool_choice: ToolChoiceInput | None
    extra_query: Mapping[str, Any] | None


class BaseChatModel(RemoteModel[ChatModelConfig], Generic[ToolCallT, ParsedT]):
    """A chat model: its URI and config, and the calls that run it.

    Made by `sdk.chat.completions("name")`. `configure()` returns a new model and leaves
    this one as it was, so one model can be shared freely. The second type parameter is what
    a result's `parsed` gives: the class given as `response_format`, else Any.
    """

    _config_class = ChatModelConfig
    _tool_call_class: type[ToolCallT]

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
    ) -> Self:
        """Return a new model with some settings changed.

        An argument left out keeps its value; `None` resets it, so it is no longer sent.
        Every value is checked here: a bad one raises `ConfigurationError` naming it.

        Args:
            temperature: sampling temperature, 0 to 2.
            max_tokens: the most tokens the answer may have (a positive integer).
            reasoning_mode: `"low"`, `"medium"`, `"high"` (any case) or a `ReasoningMode`.
            response_format: `"json"`, a JSON-schema dict with a name, a pydantic model
                class or a dataclass (plain or pydantic). With a class, type checkers
                know the results' `parsed` is an instance of it.
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
        return self._with_config(config)

    def _body(self, messages: MessagesInput, *, stream: bool) -> bytes:
        """The encoded request body: bad messages and unsendable text fail here, before I/O."""
        # AI Studio sends no usage chunk and is not asked for one (as the recordings show).
        body = build_chat_body(
            self._uri,
            coerce_messages(messages),
            self._config,
            stream=stream,
            stream_usage=not self._transport.settings.ai_studio,
        )
        return encode_body(body, extra_keys=self._config.extra_query or ())

    def _trace(self, body: bytes, *, stream: bool) -> Call | NoCall:
        """What traces one call of this model (`NO_CALL` when nothing does)."""
        return self._transport.settings.tracing.chat(self._uri, self._config, body, stream=stream)

    def _parse(self, content: bytes, exchange: Exchange) -> ChatModelResult[ToolCallT, ParsedT]:
        context = ResponseContext.for_call(self._tool_call_class, exchange, self._config)
        return parse_completion(decode_json(content, context), context)

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


class BaseChatEmbeddingsModel(RemoteModel[ChatEmbeddingsModelConfig]):
    """A text embeddings model: its URI and config, and the call that runs it.

    Made by `sdk.chat.text_embeddings("name")`. `configure()` returns a new model and
    leaves this one as it was, so one model can be shared freely.
    """

    _config_class = ChatEmbeddingsModelConfig

    def configure(
        self,
        *,
        dimensions: UndefinedOr[int | None] = UNDEFINED,
        encoding_format: UndefinedOr[EncodingFormatInput | None] = UNDEFINED,
        extra_query: UndefinedOr[Mapping[str, Any] | None] = UNDEFINED,
    ) -> Self:
        """Return a new model with some settings changed.

        An argument left out keeps its value; `None` resets it, so it is no longer sent.
        Every value is checked here: a bad one raises `ConfigurationError` naming it.

        Args:
            dimensions: how many numbers each vector should have, for models that can
                shorten theirs (a positive integer).
            encoding_format: `"float"` or `"base64"`: how the vectors travel (base64 is
                smaller); the results hold floats either way.
            extra_query: extra body keys the server understands.
        """
        config = self._config.replace(
            dimensions=dimensions, encoding_format=encoding_format, extra_query=extra_query
        )
        return self._with_config(config)

    def _body(self, texts: EmbeddingsInput) -> tuple[bytes, int]:
        """The encoded request body and how many texts it holds, checked before any I/O."""
        items = coerce_texts(texts)
        body = build_embeddings_body(self._uri, items, self._config)
        return encode_body(body, extra_keys=self._config.extra_query or ()), len(items)

    def _trace(self) -> Call | NoCall:
        """What traces one call of this model (`NO_CALL` when nothing does)."""
        return self._transport.settings.tracing.embeddings(self._uri, self._config)

    def _parse(self, content: bytes, exchange: Exchange, count: int) -> ChatEmbeddingsModelResult:
        context = ResponseContext.for_call(BaseToolCall, exchange)
        return parse_embeddings(decode_json(content, context), context, count)


def check_run_tools_arguments(max_rounds: object, tool_errors: object) -> None:
    """Check `run_tools()`'s own arguments before the first request."""
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int):
        raise ConfigurationTypeError(f"max_rounds must be a positive integer, got {max_rounds!r}")
    if max_rounds < 1:
        raise ConfigurationError(f"max_rounds must be a positive integer, got {max_rounds!r}")
    if tool_errors not in ("raise", "send"):
        error = ConfigurationError if isinstance(tool_errors, str) else ConfigurationTypeError
        raise error(f'tool_errors must be "raise" or "send", got {tool_errors!r}')


class StreamState(Generic[ToolCallT]):
    """What a stream and its generator share.

    It refers to neither of them, so no reference cycle forms: a sync stream dropped after a
    `break` is released at once, by reference counting, not later by the garbage collector.
    """

    __slots__ = (
        "__weakref__",
        "body",
        "call",
        "closed",
        "config",
        "exchange",
        "model",
        "parser",
        "response",
        "timeout",
        "tool_call_class",
        "transport",
    )

    def __init__(
        self,
        transport: Any,
        body: bytes,
        timeout: float | None,
        config: ChatModelConfig | None,
        tool_call_class: type[ToolCallT],
        model: str = "",
    ) -> None:
        self.transport = transport
        self.model = model
        self.call: Call | NoCall = NO_CALL
        self.config = config
        self.body = body
        self.timeout = timeout
        self.tool_call_class = tool_call_class
        self.response: Any = None  # the face's open response (`_backends`' interface)
        self.exchange: Exchange | None = None
        self.parser: StreamParser[ToolCallT] | None = None
        self.closed = False

    def start_parsing(self, exchange: Exchange) -> StreamParser[ToolCallT]:
        """The parser of this stream's body, made once its answer came.

        The first result is due by the end of the opening's deadline, each next one
        `timeout` seconds after the one before (see `StreamParser`).
        """
        context = ResponseContext.for_call(self.tool_call_class, exchange, self.config)
        remaining = exchange.deadline.remaining()
        self.parser = StreamParser(
            context,
            max_event_bytes=self.transport.settings.max_event_bytes,
            timeout=self.timeout,
            first_due=None if remaining is None else time.monotonic() + remaining,
            read_timeout=None if self.response is None else read_timeout(self.response),
        )
        return self.parser

    def start_call(self) -> Call | NoCall:
        """Start tracing the stream's request; its span ends however the stream ends."""
        self.call = self.transport.settings.tracing.chat(
            self.model, self.config, self.body, stream=True
        )
        self.call.watch(self)  # dropped unclosed: ended when collected
        return self.call

    def end_call(self) -> None:
        """End the stream's span (once) with the answer so far."""
        self.call.end(self.parser.last if self.parser else None)

    def describe(self) -> str:
        """Its state in a word, for reprs."""
        if self.closed:
            return "closed"
        return "open" if self.response is not None else "not started"


class BaseChatStream(Generic[ToolCallT]):
    """The partial results of one streamed run, in order; each one is cumulative.

    Iterate it directly, or use it as a context manager to be sure the connection is
    released even when you stop early. The request is sent when iteration (or the
    context) starts. Iterating again goes on where the last loop stopped.
    """

    _tool_call_class: type[ToolCallT]

    def __init__(
        self,
        transport: BaseTransport[Any],
        body: bytes,
        timeout: float | None,
        config: ChatModelConfig | None = None,
        *,
        model: str = "",
    ) -> None:
        self._state = StreamState(
            transport, body, timeout, config, self._tool_call_class, model=model
        )

    @property
    def request_id(self) -> str | None:
        """The `x-client-request-id` sent for this stream (None before it starts)."""
        exchange = self._state.exchange
        return exchange.request_id if exchange else None

    @property
    def result(self) -> ChatModelResult[ToolCallT] | None:
        """The latest cumulative result while the loop runs; the whole answer once it ends.

        The whole answer is what `run()` would give: each choice's final status, finish
        reason and tool calls, and the usage (not the usage chunk's status and finish reason).
        """
        parser = self._state.parser
        return parser.last if parser else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state.describe()} request_id={self.request_id}>"
