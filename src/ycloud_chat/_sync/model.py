# GENERATED from src/ycloud_chat/_async/model.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`ChatModel`: one model URI with an immutable config; runs or streams messages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._base_model import BaseChatModel, check_run_tools_arguments
from .._batch import BatchItem, Rows, check_batch_size, check_rows, split_row
from .._concurrency import map_unordered, settle_all
from .._exceptions import ToolRoundsExceededError
from .._messages import coerce_messages
from ..types.messages import MessagesInput, ToolResultMessageDict
from ..types.misc import UNDEFINED, UndefinedOr
from ..types.results import ChatModelResult, ParsedT, ToolRun
from ..types.tools import answer_calls
from ._transport import Transport
from .stream import ChatStream
from .tool_call import ToolCall

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._base_model import ModelSettings
    from ..langchain import ChatYCloud

__all__ = ["ChatModel"]

T = TypeVar("T")


class ChatModel(BaseChatModel[ToolCall, ParsedT]):
    """A chat model: its URI and config, and the calls that run it.

    Made by `sdk.chat.completions("name")`. `configure()` returns a new model and leaves
    this one as it was, so one model can be shared freely. Configured with a class as
    `response_format`, it is an `ChatModel[ThatClass]`, whose results' `parsed` type
    checkers know to be an instance of the class.
    """

    _tool_call_class = ToolCall
    _transport: Transport

    if TYPE_CHECKING:
        # `configure()` is BaseChatModel's; these say which model it makes. They do not take
        # the UNDEFINED sentinel the base's arguments default to, hence the override.
        @overload  # type: ignore[override]
        def configure(
            self, *, response_format: type[T], **settings: Unpack[ModelSettings]
        ) -> ChatModel[T]: ...
        @overload
        def configure(
            self,
            *,
            response_format: Literal["json"] | Mapping[str, Any] | None,
            **settings: Unpack[ModelSettings],
        ) -> ChatModel[Any]: ...
        @overload
        def configure(self, **settings: Unpack[ModelSettings]) -> ChatModel[ParsedT]: ...
        def configure(self, **settings: Any) -> Any: ...

    def run(
        self, messages: MessagesInput, *, timeout: UndefinedOr[float | None] = UNDEFINED
    ) -> ChatModelResult[ToolCall, ParsedT]:
        """Send the messages and return the model's whole answer.

        Args:
            messages: one message or many, in any accepted shape (a str, a `TextMessage`,
                a previous result, a dict...).
            timeout: a total deadline in seconds over every attempt and wait (default: the
                SDK's `timeout`, else 180); `None` for no deadline.
        """
        body = self._body(messages, stream=False)
        with self._trace(body, stream=False) as call:
            content, exchange = self._transport.request(
                "POST",
                "/chat/completions",
                content=body,
                timeout=self._transport.timeout_for(timeout, run=True),
                call=call,
            )
            return call.succeeded(self._parse(content, exchange))

    def batch(
        self,
        rows: Rows,
        *,
        concurrency: int = 8,
        timeout: UndefinedOr[float | None] = UNDEFINED,
    ) -> Iterator[BatchItem[ChatModelResult[ToolCall, ParsedT]]]:
        """Run every row as `run()` would, concurrently; iterate the items as they finish.

        Each row comes out exactly once, as a `BatchItem` with its `custom_id`, its `index`
        and either its `result` or its `error`: a row that fails (after its retries) is
        recorded, never raised. The rows are taken only as places free up, so a generator of
        a million rows is fine: memory is bounded by `concurrency`. The SDK's `Limits` hold.

        Args:
            rows: an iterable (or async iterable) of what `run()` takes, or of
                `(custom_id, messages)` tuples.
            concurrency: the most rows running at once (a positive integer).
            timeout: each row's deadline, as in `run()`.

        Raises:
            ConfigurationError: a bad argument, before any request.
        """
        check_rows(rows, Iterable)
        check_batch_size(concurrency, "concurrency")
        seconds = self._transport.timeout_for(timeout, run=True)

        def run_row(index: int, taken: list[Any]) -> list[BatchItem[Any]]:
            custom_id, messages = split_row(index, taken[0])
            try:
                result = self.run(messages, timeout=seconds)
            except Exception as exc:
                return [BatchItem(custom_id, index, error=exc)]
            return [BatchItem(custom_id, index, result)]

        return map_unordered(run_row, rows, concurrency)

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
        check_run_tools_arguments(max_rounds, tool_errors)
        self._check_runnable_tools()
        transcript = coerce_messages(messages)
        for rounds in range(1, max_rounds + 1):
            result = self.run(transcript, timeout=timeout)
            transcript.append(result.to_message())
            calls = result.tool_calls or ()
            if not calls:
                return ToolRun(result=result, messages=transcript, rounds=rounds)
            outcomes = settle_all([partial(self._run_call, call) for call in calls])
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

    def _run_call(self, call: ToolCall) -> ToolResultMessageDict:
        """Run one tool call of `run_tools()`, traced as an `execute_tool` span."""
        with self._transport.settings.tracing.tool(call) as traced:
            return traced.succeeded(call.run())

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
        seconds = self._transport.timeout_for(timeout, run=True)
        return ChatStream(self._transport, body, seconds, self._config, model=self._uri)

    def langchain(self, **settings: Any) -> ChatYCloud:
        """Return this model as a LangChain chat model, on this model's SDK.

        The `ChatYCloud` keeps the SDK (credentials, pool, retries, deadlines) and this
        configuration, tools included; `settings` are its own (`streaming`, `stop`...).
        Needs `pip install "ycloud-chat[langchain]"`.
        """
        from ..langchain import ChatYCloud
        from .chat import ChatCompletions

        return ChatYCloud.from_model(self, ChatCompletions(self._transport), **settings)
