"""`ChatYCloud`: a LangChain chat model that runs on the SDK's models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import Field, PrivateAttr

from .._exceptions import ConfigurationError
from ..types.results import ChatModelResult
from ._convert import last_chunk, message_from_result, messages_to_wire, tool_choice_to_wire
from ._settings import SDKSettings

if TYPE_CHECKING:
    from .._async.model import AsyncChatModel
    from .._sync.model import ChatModel

__all__ = ["ChatYCloud"]

# What a call may add to the model's settings: LangChain's bindings and the standard ones.
_CALL_SETTINGS = frozenset(
    {"tools", "tool_choice", "parallel_tool_calls", "response_format", "temperature", "max_tokens"}
)
StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]


class ChatYCloud(SDKSettings, BaseChatModel):
    """A LangChain chat model over ycloud-chat: AI Studio or any OpenAI-compatible server.

    Made from settings, it makes its own SDKs (one per face) on first use:

    ```python
    from ycloud_chat.langchain import ChatYCloud

    chat = ChatYCloud(model="yandexgpt", folder_id="b1g...", temperature=0.3)
    ```

    or from a model of yours, which keeps its SDK (pool, credentials, retries) and its
    configuration: `sdk.chat.completions("yandexgpt").configure(...).langchain()`. A model
    of the async face answers `ainvoke`, `astream` and `abatch`; one of the sync face answers
    everything (the async calls in worker threads).

    Requests, retries, deadlines and errors are the SDK's: a failure raises its exception
    (with the request id), after its own retries.
    """

    model: str
    """The model: a name (`"yandexgpt"`, expanded with the folder on AI Studio) or a URI."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2."""
    max_tokens: int | None = None
    """The most tokens an answer may have."""
    stop: list[str] | None = None
    """Stop sequences, for servers that take them."""
    reasoning_mode: str | None = None
    """`"low"`, `"medium"` or `"high"`, for models that reason."""
    streaming: bool = False
    """Stream the answer even on `invoke` (callbacks then get each token)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body keys the server understands, such as `top_p` or `seed`."""

    _model: ChatModel[Any] | None = PrivateAttr(default=None)
    _async_model: AsyncChatModel[Any] | None = PrivateAttr(default=None)
    _completions: Callable[[str], Any] | None = PrivateAttr(default=None)

    @classmethod
    def from_model(
        cls,
        model: ChatModel[Any] | AsyncChatModel[Any],
        completions: Callable[[str], Any],
        **settings: Any,
    ) -> ChatYCloud:
        """Wrap a model of yours (what `model.langchain()` does); `settings` add to it.

        `completions` makes another model by name on the same SDK, for a per-call `model=`.
        """
        from .._sync.model import ChatModel

        config = model.config
        chat = cls(
            model=model.name or model.uri,
            **{"temperature": config.temperature, "max_tokens": config.max_tokens, **settings},
        )
        if isinstance(model, ChatModel):
            chat._model = model
        else:
            chat._async_model = model
        chat._completions = completions
        return chat

    @property
    def _llm_type(self) -> str:
        return "ycloud-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_name": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": self.stop,
            "base_url": self.base_url,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="ycloud",
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop or self.stop:
            params["ls_stop"] = list(stop or self.stop or ())
        return params

    # -- the calls ------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        model = self._configured(self._sync_model(kwargs), stop, kwargs)
        return _chat_result(model.run(messages_to_wire(messages)))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._sync_only:  # a sync model of yours: run it in a worker thread
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        model = self._configured(self._async_chat_model(kwargs), stop, kwargs)
        return _chat_result(await model.run(messages_to_wire(messages)))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model = self._configured(self._sync_model(kwargs), stop, kwargs)
        with model.run_stream(messages_to_wire(messages)) as stream:
            for result in stream:
                piece = _delta_chunk(result)
                if piece is not None:
                    if run_manager is not None:
                        run_manager.on_llm_new_token(result.delta, chunk=piece)
                    yield piece
            whole = stream.result  # the whole answer: its tool calls, usage, finish reason
        if whole is not None:
            yield ChatGenerationChunk(message=last_chunk(whole))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._sync_only:  # a sync model of yours: its stream is read in a worker thread
            async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                yield chunk
            return
        model = self._configured(self._async_chat_model(kwargs), stop, kwargs)
        async with model.run_stream(messages_to_wire(messages)) as stream:
            async for result in stream:
                piece = _delta_chunk(result)
                if piece is not None:
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(result.delta, chunk=piece)
                    yield piece
            whole = stream.result  # the whole answer: its tool calls, usage, finish reason
        if whole is not None:
            yield ChatGenerationChunk(message=last_chunk(whole))

    # -- which model, configured how --------------------------------------------------------

    @property
    def _sync_only(self) -> bool:
        return self._model is not None and self._async_model is None

    def _sync_model(self, kwargs: dict[str, Any]) -> ChatModel[Any]:
        if self._async_model is not None:
            raise ConfigurationError(
                "this ChatYCloud was made from an async model: use ainvoke, astream or "
                "abatch, or make it from a sync model (or from settings)"
            )
        name = kwargs.pop("model", None)
        if self._model is not None:
            return self._model if name in (None, self.model) else self._other(name, self._model)
        return self._sync_sdk().chat.completions(name or self.model)

    def _async_chat_model(self, kwargs: dict[str, Any]) -> AsyncChatModel[Any]:
        name = kwargs.pop("model", None)
        if self._async_model is not None:
            if name in (None, self.model):
                return self._async_model
            other: AsyncChatModel[Any] = self._other(name, self._async_model)
            return other
        return self._asynchronous_sdk().chat.completions(name or self.model)

    def _other(self, name: str, model: Any) -> Any:
        """Another model of the same SDK, with the settings of the carried one."""
        assert self._completions is not None
        config = model.config
        return self._completions(name).configure(
            **{field: getattr(config, field) for field in type(config).model_fields}
        )

    def _configured(self, model: Any, stop: list[str] | None, kwargs: dict[str, Any]) -> Any:
        """The model with this instance's settings and the call's bindings applied."""
        kwargs.pop("ls_structured_output_format", None)
        unknown = sorted(set(kwargs) - _CALL_SETTINGS)
        if unknown:
            raise ConfigurationError(
                f"ChatYCloud does not take {', '.join(unknown)}: extra body keys go in model_kwargs"
            )
        settings: dict[str, Any] = {}
        for name in ("temperature", "max_tokens", "reasoning_mode"):
            value = kwargs.get(name, getattr(self, name))
            if value is not None:
                settings[name] = value
        extra = {**(model.config.extra_query or {}), **self.model_kwargs}
        stop = stop if stop is not None else self.stop
        if stop:
            extra["stop"] = list(stop)
        if extra:
            settings["extra_query"] = extra
        tools = kwargs.get("tools")
        if tools:
            settings["tools"] = tools
            settings["tool_choice"] = tool_choice_to_wire(kwargs.get("tool_choice"), tools)
            if kwargs.get("parallel_tool_calls") is not None:
                settings["parallel_tool_calls"] = kwargs["parallel_tool_calls"]
        if kwargs.get("response_format") is not None:
            settings["response_format"] = kwargs["response_format"]
        return model.configure(**settings) if settings else model

    # -- tools and structured output ------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[Mapping[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: functions, LangChain tools, pydantic models, TypedDicts or JSON schemas.

        Args:
            tools: the tools the model may call.
            tool_choice: `"auto"`, `"none"`, `"any"` (or `"required"`: some tool must be
                called), a tool's name (that one must be), or True (the only tool must be).
            parallel_tool_calls: whether several calls may come in one turn.
            strict: ask the server to keep to the schemas exactly, where it can.
            **kwargs: bound to the model as well.
        """
        wire = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=wire, **kwargs)

    def with_structured_output(
        self,
        schema: Mapping[str, Any] | type,
        *,
        method: StructuredMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Answer with an instance of `schema` (a pydantic model) or a dict (others).

        Args:
            schema: a pydantic model class, a TypedDict or a JSON schema.
            method: `"json_schema"` (the server's structured output), `"function_calling"`
                (a forced tool call) or `"json_mode"` (any JSON; say in the prompt which).
            include_raw: answer `{"raw": AIMessage, "parsed": ..., "parsing_error": ...}`,
                so that a bad answer does not raise.
            strict: ask the server to keep to the schema exactly, where it can.
        """
        if kwargs:
            raise ValueError(f"with_structured_output() got unexpected arguments {sorted(kwargs)}")
        pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        plain = dict(schema) if isinstance(schema, Mapping) else schema
        traced = {"kwargs": {"method": method}, "schema": convert_to_json_schema(plain)}
        if method == "function_calling":
            name = convert_to_openai_tool(schema)["function"]["name"]
            llm = self.bind_tools(
                [schema], tool_choice=name, strict=strict, ls_structured_output_format=traced
            )
            parser: Runnable[Any, Any] = (
                PydanticToolsParser(tools=[schema], first_tool_only=True)
                if pydantic
                else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
            )
        elif method in ("json_schema", "json_mode"):
            response_format = (
                _response_format(schema, strict)
                if method == "json_schema"
                else {"type": "json_object"}
            )
            llm = self.bind(response_format=response_format, ls_structured_output_format=traced)
            parser = (
                PydanticOutputParser(pydantic_object=schema) if pydantic else JsonOutputParser()
            )
        else:
            raise ValueError(
                f'method must be "json_schema", "function_calling" or "json_mode", got {method!r}'
            )
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        ).with_fallbacks(
            [RunnablePassthrough.assign(parsed=lambda _: None)], exception_key="parsing_error"
        )
        return RunnableMap(raw=llm) | parsed


def _response_format(schema: Mapping[str, Any] | type, strict: bool | None) -> dict[str, Any]:
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    json_schema: dict[str, Any] = {"name": function["name"], "schema": function["parameters"]}
    if strict is not None:
        json_schema["strict"] = strict
    return {"type": "json_schema", "json_schema": json_schema}


def _chat_result(result: ChatModelResult[Any, Any]) -> ChatResult:
    message = message_from_result(result)
    return ChatResult(
        generations=[ChatGeneration(message=message)],
        llm_output={"model_name": result.model, "token_usage": message.usage_metadata},
    )


def _delta_chunk(result: ChatModelResult[Any, Any]) -> ChatGenerationChunk | None:
    """The chunk of what one stream event added to the text, if anything."""
    if not result.delta and not result.reasoning_delta:
        return None
    extra = {"reasoning_content": result.reasoning_delta} if result.reasoning_delta else {}
    return ChatGenerationChunk(
        message=AIMessageChunk(content=result.delta, additional_kwargs=extra)
    )
