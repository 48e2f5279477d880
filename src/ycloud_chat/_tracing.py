"""OpenTelemetry for the SDK's calls: one span per call, the GenAI metrics, trace context (no I/O).

The models, the transport and the stream tell a `Call` what happens (each attempt's
headers, a retry and its wait, a stream's first chunk, the result or the error); it turns
that into one span of the OpenTelemetry GenAI semantic conventions (see `SEMCONV`), the
`gen_ai.client.*` metrics, and the trace context every attempt carries. When tracing is
off, or no OpenTelemetry provider is set, a call gets `NO_CALL`, whose methods do nothing.

OpenTelemetry's API (`pip install "ycloud-chat[otel]"`) is imported with the first call
that may trace, never at import time, and never when it is not installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import threading
import time
import weakref
from collections.abc import Mapping, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from ._exceptions import APIStatusError, APITimeoutError, ConfigurationTypeError

if TYPE_CHECKING:
    from contextvars import Token

    from opentelemetry.context import Context
    from opentelemetry.metrics import Histogram, MeterProvider
    from opentelemetry.trace import Span, TracerProvider

__all__ = ["NO_CALL", "NO_TRACING", "SEMCONV", "Call", "NoCall", "Tracing"]

T = TypeVar("T")

SEMCONV = "OpenTelemetry GenAI semantic conventions 0.1.0"
"""The conventions the spans and metrics follow (the first standalone release)."""

ENV_TRACING = "YCLOUD_CHAT_TRACING"
ENV_CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
INSTALL_HINT = 'pip install "ycloud-chat[otel]"'

# The conventions' explicit bucket boundaries of each histogram.
SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48]
SECONDS_BUCKETS += [40.96, 81.92]
TOKEN_BUCKETS = [4**power for power in range(14)]  # 1, 4, 16, ... 67108864

AI_STUDIO_PROVIDER = "yandex.ai_studio"
OPENAI_PROVIDER = "openai"  # any other server speaks OpenAI's API

# Request settings of `extra_query` that the conventions name.
_EXTRA_ATTRIBUTES = {
    "top_p": "gen_ai.request.top_p",
    "top_k": "gen_ai.request.top_k",
    "seed": "gen_ai.request.seed",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "stop": "gen_ai.request.stop_sequences",
    "n": "gen_ai.request.choice.count",
}


class NoCall:
    """The call of an untraced request: every method does nothing."""

    __slots__ = ()

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Add the trace context headers of this call to an attempt's headers."""

    def retrying(self, attempt: int, delay: float, error: BaseException | None) -> None:
        """Note that attempt number `attempt` failed with `error`; the next comes in `delay` s."""

    def first_chunk(self) -> None:
        """Note a stream's first result: the time to first chunk."""

    def succeeded(self, result: T) -> T:
        """Record the call's result, end it, and return the result."""
        return result

    def failed(self, error: BaseException) -> None:
        """Record the error the call ended with and end it (GeneratorExit is no error)."""

    def end(self, result: Any = None) -> None:
        """End the call as it is, with its last result if any; later ends do nothing."""

    def watch(self, owner: object) -> None:
        """End the call when `owner` is collected, if nothing ended it before."""

    def __enter__(self) -> NoCall:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


NO_CALL = NoCall()


class Tracing:
    """How one SDK traces: whether at all, with which providers, and what its server is.

    `enabled=None` traces when OpenTelemetry's API is installed, unless `YCLOUD_CHAT_TRACING`
    is `off`; True requires the API; False never traces. A provider left None is the
    global one, looked up at each call, so that one set after the SDK was made is used.
    """

    __slots__ = (
        "_cache",
        "_capture",
        "_meter_provider",
        "_tracer_provider",
        "address",
        "enabled",
        "port",
        "provider",
    )

    def __init__(
        self,
        *,
        enabled: bool | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        base_url: str = "",
        ai_studio: bool = False,
    ) -> None:
        if enabled is not None and not isinstance(enabled, bool):
            raise ConfigurationTypeError(f"tracing must be True, False or None, got {enabled!r}")
        if enabled is None:
            off = os.environ.get(ENV_TRACING, "").strip().lower() in ("off", "0", "false", "no")
            enabled = not off and _installed()
        elif enabled and not _installed():
            raise ImportError(f"tracing needs OpenTelemetry's API: {INSTALL_HINT}")
        self.enabled = enabled
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._cache: _Instruments | None = None
        self._capture: bool | None = None
        parts = urlsplit(base_url)
        self.address = parts.hostname
        self.provider = AI_STUDIO_PROVIDER if ai_studio else OPENAI_PROVIDER
        self.port: int | None = None
        with contextlib.suppress(ValueError):  # a bad port gives no attribute
            self.port = parts.port or (443 if parts.scheme == "https" else 80)

    def replace(
        self,
        *,
        tracing: bool | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> Tracing:
        """A copy with the settings given (not None) changed, as `with_options` takes them."""
        clone = Tracing.__new__(Tracing)
        for name in Tracing.__slots__:
            setattr(clone, name, getattr(self, name))
        clone._cache = None
        if tracing is not None:
            clone.enabled = Tracing(enabled=tracing).enabled
        if tracer_provider is not None:
            clone._tracer_provider = tracer_provider
        if meter_provider is not None:
            clone._meter_provider = meter_provider
        return clone

    def chat(self, model: str, config: Any, body: bytes, *, stream: bool) -> Call | NoCall:
        """The call of one chat request (`body` is read only when content is captured)."""
        instruments = self._instruments() if self.enabled else None
        if instruments is None:
            return NO_CALL
        attributes = self._common("chat", model)
        attributes.update(_chat_request_attributes(config, stream))
        call = Call(self, instruments, "chat", model, attributes, stream=stream)
        if self._capture_content():
            call.capture_input(body)
        return call

    def embeddings(self, model: str, config: Any) -> Call | NoCall:
        """The call of one embeddings request."""
        instruments = self._instruments() if self.enabled else None
        if instruments is None:
            return NO_CALL
        attributes = self._common("embeddings", model)
        if config.dimensions is not None:
            attributes["gen_ai.embeddings.dimension.count"] = config.dimensions
        if config.encoding_format is not None:
            attributes["gen_ai.request.encoding_formats"] = [str(config.encoding_format)]
        return Call(self, instruments, "embeddings", model, attributes, stream=False)

    def tool(self, call: Any) -> Call | NoCall:
        """The `execute_tool` span of one tool call that `run_tools()` answers."""
        instruments = self._instruments() if self.enabled else None
        if instruments is None:
            return NO_CALL
        name = call.function.name
        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": name,
            "gen_ai.tool.call.id": call.id,
            "gen_ai.tool.type": "function",
        }
        traced = Call(self, instruments, "execute_tool", name, attributes, stream=False)
        if self._capture_content():
            traced.span.set_attribute("gen_ai.tool.call.arguments", call.function.raw_arguments)
        return traced

    def _common(self, operation: str, model: str) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": self.provider,
            "gen_ai.request.model": model,
        }
        if self.address:
            attributes["server.address"] = self.address
            if self.port is not None:
                attributes["server.port"] = self.port
        return attributes

    def _capture_content(self) -> bool:
        if self._capture is None:
            self._capture = os.environ.get(ENV_CAPTURE_CONTENT, "").strip().lower() == "true"
        return self._capture

    def _instruments(self) -> _Instruments | None:
        """The tracer and histograms of the current providers; None when neither is set."""
        api = _api()
        if api is None:
            self.enabled = False
            return None
        if self._tracer_provider is None and self._meter_provider is None and api.unset():
            return None  # nothing is set up: the calls cost nothing
        tracer_provider = self._tracer_provider
        if tracer_provider is None:
            tracer_provider = api.trace.get_tracer_provider()
        meter_provider = self._meter_provider
        if meter_provider is None:
            meter_provider = api.metrics.get_meter_provider()
        cache = self._cache
        if cache is not None and cache.providers == (tracer_provider, meter_provider):
            return cache
        self._cache = cache = _Instruments(api, tracer_provider, meter_provider)
        return cache


def _installed() -> bool:
    """Whether OpenTelemetry can be imported, found without importing it."""
    try:
        return importlib.util.find_spec("opentelemetry") is not None
    except (ImportError, ValueError):
        return False


NO_TRACING = Tracing(enabled=False)


class _Api:
    """The parts of OpenTelemetry's API this module uses, imported once."""

    def __init__(self) -> None:
        from opentelemetry import context, metrics, propagate, trace
        from opentelemetry.metrics import _internal as metrics_internal

        from ._version import __version__

        self.context = context
        self.metrics = metrics
        self.propagate = propagate
        self.trace = trace
        self.version = __version__
        self._metrics_internal = metrics_internal
        # The API's getters look the environment up at every call (microseconds), to load a
        # provider named there; its globals say the same at once when none is named.
        self._globals = (
            hasattr(trace, "_TRACER_PROVIDER")
            and hasattr(metrics_internal, "_METER_PROVIDER")
            and "OTEL_PYTHON_TRACER_PROVIDER" not in os.environ
            and "OTEL_PYTHON_METER_PROVIDER" not in os.environ
        )

    def unset(self) -> bool:
        """Whether neither a global tracer provider nor a global meter provider is set."""
        if self._globals:
            tracer_provider = getattr(self.trace, "_TRACER_PROVIDER", None)
            return tracer_provider is None and self._metrics_internal._METER_PROVIDER is None
        return isinstance(
            self.trace.get_tracer_provider(), self.trace.ProxyTracerProvider
        ) and isinstance(
            self.metrics.get_meter_provider(), self._metrics_internal._ProxyMeterProvider
        )


_API: _Api | None = None
_API_MISSING = False


def _api() -> _Api | None:
    global _API, _API_MISSING
    if _API is None and not _API_MISSING:
        try:
            _API = _Api()
        except ImportError:
            _API_MISSING = True
    return _API


class _Instruments:
    """A tracer and the conventions' histograms, made from one pair of providers."""

    def __init__(
        self, api: _Api, tracer_provider: TracerProvider, meter_provider: MeterProvider
    ) -> None:
        self.api = api
        self.providers = (tracer_provider, meter_provider)
        self.tracer = tracer_provider.get_tracer("ycloud_chat", api.version)
        meter = meter_provider.get_meter("ycloud_chat", api.version)
        self.duration = _histogram(
            meter, "gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            SECONDS_BUCKETS,
        )  # fmt: skip
        self.tokens = _histogram(
            meter, "gen_ai.client.token.usage", "{token}",
            "Number of input and output tokens used.", TOKEN_BUCKETS,
        )  # fmt: skip
        self.first_chunk = _histogram(
            meter, "gen_ai.client.operation.time_to_first_chunk", "s",
            "Time to receive the first chunk of a streamed answer.", SECONDS_BUCKETS,
        )  # fmt: skip


def _histogram(
    meter: Any, name: str, unit: str, description: str, buckets: list[float] | list[int]
) -> Histogram:
    histogram: Histogram = meter.create_histogram(
        name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
    )
    return histogram


class Call:
    """One traced call: its span, from the first attempt to the result or the error.

    Ends exactly once, by whichever comes first: `succeeded`, `failed`, `end`, or the
    collection of the object it `watch`es.
    """

    __slots__ = (
        "_attributes",
        "_capture",
        "_context",
        "_ended",
        "_first_chunk",
        "_instruments",
        "_lock",
        "_metered",
        "_started",
        "_token",
        "span",
    )

    def __init__(
        self,
        tracing: Tracing,
        instruments: _Instruments,
        operation: str,
        model: str,
        attributes: dict[str, Any],
        *,
        stream: bool,
    ) -> None:
        api = instruments.api
        self._instruments = instruments
        self._capture = tracing._capture_content()
        self._started = time.monotonic()
        self._first_chunk: float | None = None if stream else -1.0
        self._ended = False
        self._lock = threading.Lock()
        self._token: Token[Context] | None = None
        self._metered = operation != "execute_tool"  # the client metrics are of model calls
        # Only what the metrics' attributes take; the span has them all.
        self._attributes = {
            key: value for key, value in attributes.items() if key in _METRIC_ATTRIBUTES
        }
        kind = api.trace.SpanKind.CLIENT if self._metered else api.trace.SpanKind.INTERNAL
        self.span: Span = instruments.tracer.start_span(
            f"{operation} {model}", kind=kind, attributes=attributes
        )
        self._context: Context = api.trace.set_span_in_context(self.span)

    def __enter__(self) -> Call:
        """Make this call's span the current one while a non-streamed call runs."""
        self._token = self._instruments.api.context.attach(self._context)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.failed(exc)
        self.end()
        self._instruments.api.context.detach(self._token)

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Add `traceparent` (and `tracestate`) of this call's span, by the set propagator."""
        self._instruments.api.propagate.inject(headers, context=self._context)

    def retrying(self, attempt: int, delay: float, error: BaseException | None) -> None:
        """Add a `ycloud_chat.retry` event: the failed attempt, its error, the wait."""
        attributes: dict[str, Any] = {
            "ycloud_chat.retry.attempt": attempt,
            "ycloud_chat.retry.delay": delay,
        }
        if error is not None:
            attributes["error.type"] = error_type(error)
        self.span.add_event("ycloud_chat.retry", attributes)
        self.span.set_attribute("http.request.resend_count", attempt)

    def first_chunk(self) -> None:
        """Note a stream's first result: the time to first chunk (later calls do nothing)."""
        if self._first_chunk is None:
            self._first_chunk = seconds = time.monotonic() - self._started
            self.span.set_attribute("gen_ai.response.time_to_first_chunk", seconds)
            self._instruments.first_chunk.record(seconds, self._attributes)

    def succeeded(self, result: T) -> T:
        """Record the result (attributes, usage, the answer if captured), end the span."""
        self.end(result)
        return result

    def failed(self, error: BaseException) -> None:
        """Record the error (status ERROR, `error.type`) and end the span."""
        if isinstance(error, GeneratorExit) or self._ended:
            return  # a stream closed early is no error
        kind = error_type(error)
        self._attributes["error.type"] = kind
        self.span.set_attribute("error.type", kind)
        status = self._instruments.api.trace.Status
        code = self._instruments.api.trace.StatusCode.ERROR
        self.span.set_status(status(code, type(error).__name__))
        self.end()

    def end(self, result: Any = None) -> None:
        """End the span with the last result, if any, unless it has ended already."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        if result is not None:
            self._record_result(result)
        if self._metered:
            duration = time.monotonic() - self._started
            self._instruments.duration.record(duration, self._attributes)
        self.span.end()

    def watch(self, owner: object) -> None:
        """End the span when `owner` is collected, if nothing ended it before."""
        weakref.finalize(owner, self.end)

    def capture_input(self, body: bytes) -> None:
        """Record the request's messages (content capture is on)."""
        try:
            messages = json.loads(body).get("messages", [])
        except (ValueError, AttributeError):
            return
        system = [m for m in messages if isinstance(m, dict) and m.get("role") == "system"]
        others = [m for m in messages if isinstance(m, dict) and m.get("role") != "system"]
        if system:
            parts = [part for message in system for part in _parts(message)]
            self.span.set_attribute("gen_ai.system_instructions", _dumps(parts))
        self.span.set_attribute("gen_ai.input.messages", _dumps(_input_messages(others)))

    def _record_result(self, result: Any) -> None:
        if isinstance(result, Mapping):  # a tool's answer message
            if self._capture:
                self.span.set_attribute("gen_ai.tool.call.result", str(result.get("content")))
            return
        attributes = _result_attributes(result, capture=self._capture)
        model = attributes.get("gen_ai.response.model")
        if model is not None:
            self._attributes["gen_ai.response.model"] = model
        for kind in ("input", "output"):
            count = attributes.get(f"gen_ai.usage.{kind}_tokens")
            if count is not None:
                token_attributes = {**self._attributes, "gen_ai.token.type": kind}
                self._instruments.tokens.record(count, token_attributes)
        self.span.set_attributes(attributes)


def _result_attributes(result: Any, *, capture: bool) -> dict[str, Any]:
    """The span attributes of a chat or embeddings result."""
    attributes: dict[str, Any] = {}
    if result.model:
        attributes["gen_ai.response.model"] = result.model
    if getattr(result, "id", None):
        attributes["gen_ai.response.id"] = result.id
    choices = getattr(result, "choices", None)
    if choices is not None:
        reasons = [_reason(choice) for choice in choices if choice.finish_reason is not None]
        if reasons:
            attributes["gen_ai.response.finish_reasons"] = reasons
        if capture:
            attributes["gen_ai.output.messages"] = _dumps(_output_messages(choices))
    usage = result.usage
    if usage is not None:
        attributes["gen_ai.usage.input_tokens"] = usage.prompt_tokens
        completion_tokens = getattr(usage, "completion_tokens", None)
        if completion_tokens is not None:
            attributes["gen_ai.usage.output_tokens"] = completion_tokens
        reasoning_tokens = getattr(usage, "reasoning_tokens", None)
        if reasoning_tokens is not None:
            attributes["gen_ai.usage.reasoning.output_tokens"] = reasoning_tokens
    return attributes


_METRIC_ATTRIBUTES = frozenset(
    {
        "gen_ai.operation.name",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "server.address",
        "server.port",
    }
)


def error_type(error: BaseException) -> str:
    """The `error.type` of an error: an HTTP status, `timeout`, `cancelled` or a class name."""
    if isinstance(error, APIStatusError) and error.status_code:
        return str(error.status_code)
    if isinstance(error, APITimeoutError):
        return "timeout"
    kind = type(error)
    if kind.__name__ in ("CancelledError", "Cancelled"):
        return "cancelled"
    module = "ycloud_chat" if kind.__module__.startswith("ycloud_chat.") else kind.__module__
    return kind.__name__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _chat_request_attributes(config: Any, stream: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {"gen_ai.request.stream": stream}
    if config.temperature is not None:
        attributes["gen_ai.request.temperature"] = config.temperature
    if config.max_tokens is not None:
        attributes["gen_ai.request.max_tokens"] = config.max_tokens
    if config.response_format is not None:
        attributes["gen_ai.output.type"] = "json"
    for key, value in (config.extra_query or {}).items():
        name = _EXTRA_ATTRIBUTES.get(key)
        if name is None:
            continue
        if key == "stop":
            value = [value] if isinstance(value, str) else value
        if _attribute_value(value):
            attributes[name] = value
    return attributes


def _attribute_value(value: Any) -> bool:
    """Whether OpenTelemetry takes `value` as an attribute (a scalar or a list of str)."""
    if isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _reason(choice: Any) -> str:
    reason = choice.finish_reason
    return str(getattr(reason, "value", reason))


def _parts(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A wire message's content as the conventions' parts (text only; other parts by type)."""
    content = message.get("content")
    parts: list[dict[str, Any]] = []
    if isinstance(content, str):
        parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        for item in content:
            if isinstance(item, dict) and item.get("type") == "text":
                parts.append({"type": "text", "content": item.get("text", "")})
            elif isinstance(item, dict):
                parts.append({"type": str(item.get("type", "unknown"))})
    return parts


def _input_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    converted = []
    for message in messages:
        role = message.get("role", "user")
        if role == "tool":
            response = {"type": "tool_call_response", "id": message.get("tool_call_id")}
            response["response"] = message.get("content")
            converted.append({"role": "tool", "parts": [response]})
            continue
        parts = _parts(message)
        for call in message.get("tool_calls") or ():
            function = call.get("function", {})
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": function.get("name"),
                    "arguments": function.get("arguments"),
                }
            )
        converted.append({"role": role, "parts": parts})
    return converted


def _output_messages(choices: Any) -> list[dict[str, Any]]:
    messages = []
    for choice in choices:
        parts: list[dict[str, Any]] = []
        if choice.text:
            parts.append({"type": "text", "content": choice.text})
        for call in choice.tool_calls or ():
            function = call.function
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.id,
                    "name": function.name,
                    "arguments": function.raw_arguments,
                }
            )
        reason = _reason(choice) if choice.finish_reason is not None else None
        messages.append({"role": choice.role, "parts": parts, "finish_reason": reason})
    return messages


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
