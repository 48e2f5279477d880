# GENERATED from tests/_async/test_tracing.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""OpenTelemetry: one span per call (however a stream ends), the GenAI metrics, trace context."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry import context, propagate

from tests.fake_cloud import OAUTH_TOKEN, FakeCloud, make_key_file
from tests.helpers import SECRET, chunk, sse
from tests.telemetry import Telemetry, attributes
from ycloud_chat import (
    ChatSDK,
    ChatStream,
    IAMTokenAuth,
    IncompleteStreamError,
    InternalServerError,
    OAuthTokenAuth,
    StreamError,
)
from ycloud_chat._concurrency import sleep
from ycloud_chat.testing import FakeChatAPI, FakeToolCall

from .support import collect, make_sdk

pytestmark = pytest.mark.usefixtures("fast_retries", "http_backend")

MODEL = "gpt://folder1/yandexgpt/latest"
USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    telemetry = Telemetry()
    yield telemetry
    telemetry.shutdown()


def fail_in_the_loop(stream: ChatStream) -> None:
    with stream:
        for _ in stream:
            raise LookupError("the consumer's own failure")


def traced_sdk(fake: FakeChatAPI, telemetry: Telemetry, **kwargs: Any) -> ChatSDK:
    return make_sdk(fake.transport(), **telemetry.providers, **kwargs)


def test_a_run_is_one_client_span_with_the_conventions_attributes(
    telemetry: Telemetry,
) -> None:
    fake = FakeChatAPI()
    fake.reply("Hello!", usage=USAGE, response_id="resp-1", response_model="yandexgpt-5")
    with traced_sdk(fake, telemetry) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(
            temperature=0.5, max_tokens=50, extra_query={"top_p": 0.9, "stop": "END"}
        )
        model.run("Hi")
    span = telemetry.only_span()
    assert span.name == f"chat {MODEL}"
    assert span.kind.name == "CLIENT"
    assert span.status.status_code.name == "UNSET"
    assert attributes(span) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "yandex.ai_studio",
        "gen_ai.request.model": MODEL,
        "gen_ai.request.stream": False,
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.response.id": "resp-1",
        "gen_ai.response.model": "yandexgpt-5",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.usage.output_tokens": 2,
        "server.address": "llm.api.cloud.yandex.net",
        "server.port": 443,
    }
    metrics = telemetry.metrics()
    (duration,) = metrics["gen_ai.client.operation.duration"]
    assert duration.count == 1
    assert list(duration.explicit_bounds)[:3] == [0.01, 0.02, 0.04]
    assert duration.attributes["gen_ai.response.model"] == "yandexgpt-5"
    assert "error.type" not in duration.attributes
    tokens = {p.attributes["gen_ai.token.type"]: p for p in metrics["gen_ai.client.token.usage"]}
    assert (tokens["input"].sum, tokens["output"].sum) == (3, 2)
    assert list(tokens["input"].explicit_bounds)[:4] == [1, 4, 16, 64]
    assert "gen_ai.client.operation.time_to_first_chunk" not in metrics


def test_a_stream_records_its_answer_and_the_time_to_first_chunk(
    telemetry: Telemetry,
) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["Hel", "lo"], usage=USAGE, finish_reason="length")
    with traced_sdk(fake, telemetry) as sdk:
        results = collect(sdk.chat.completions("yandexgpt").run_stream("Hi"))
    assert results[-1].text == "Hello"
    span = telemetry.only_span()
    recorded = attributes(span)
    assert recorded["gen_ai.request.stream"] is True
    assert recorded["gen_ai.response.finish_reasons"] == ("length",)
    assert recorded["gen_ai.usage.output_tokens"] == 2
    assert recorded["gen_ai.response.time_to_first_chunk"] >= 0
    (first,) = telemetry.metrics()["gen_ai.client.operation.time_to_first_chunk"]
    assert first.count == 1


def test_embeddings_are_one_span_of_their_own(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_embeddings([[0.1, 0.2], [0.3, 0.4]])
    with traced_sdk(fake, telemetry) as sdk:
        model = sdk.chat.text_embeddings("text-search-doc").configure(dimensions=2)
        model.run(["a", "b"])
    span = telemetry.only_span()
    assert span.name == "embeddings emb://folder1/text-search-doc/latest"
    recorded = attributes(span)
    assert recorded["gen_ai.operation.name"] == "embeddings"
    assert recorded["gen_ai.embeddings.dimension.count"] == 2
    assert recorded["gen_ai.response.model"] == "emb://folder1/text-search-doc/latest"
    assert recorded["gen_ai.usage.input_tokens"] > 0
    (duration,) = telemetry.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["gen_ai.operation.name"] == "embeddings"


def test_retries_are_events_of_the_one_span(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.fail(503, times=2)
    fake.reply("ok")
    with traced_sdk(fake, telemetry) as sdk:
        result = sdk.chat.completions("yandexgpt").run("Hi")
    assert result.text == "ok"
    span = telemetry.only_span()
    retries = [event for event in span.events if event.name == "ycloud_chat.retry"]
    assert [attributes(event)["ycloud_chat.retry.attempt"] for event in retries] == [
        1,
        2,
    ]
    assert all(attributes(event)["error.type"] == "503" for event in retries)
    assert all(attributes(event)["ycloud_chat.retry.delay"] >= 0 for event in retries)
    assert attributes(span)["http.request.resend_count"] == 2
    assert span.status.status_code.name == "UNSET"


def test_a_failed_call_is_an_error_span_with_its_error_type(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.fail(503, times=None)
    with traced_sdk(fake, telemetry, max_retries=1) as sdk, pytest.raises(InternalServerError):
        sdk.chat.completions("yandexgpt").run("Hi")
    span = telemetry.only_span()
    assert span.status.status_code.name == "ERROR"
    assert attributes(span)["error.type"] == "503"
    (duration,) = telemetry.metrics()["gen_ai.client.operation.duration"]
    assert duration.attributes["error.type"] == "503"


def test_each_attempt_carries_the_spans_traceparent(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.fail(503)
    fake.reply("ok")
    with traced_sdk(fake, telemetry) as sdk:
        sdk.chat.completions("yandexgpt").run("Hi")
    span = telemetry.only_span()
    trace_id = format(span.context.trace_id, "032x")
    span_id = format(span.context.span_id, "016x")
    parents = [request.headers["traceparent"] for request in fake.requests]
    assert len(parents) == 2
    assert all(parent.startswith(f"00-{trace_id}-{span_id}-") for parent in parents)


def test_a_stream_carries_its_spans_traceparent(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a"])
    with traced_sdk(fake, telemetry) as sdk:
        collect(sdk.chat.completions("yandexgpt").run_stream("Hi"))
    span = telemetry.only_span()
    trace_id, span_id = format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")
    assert fake.last_request.headers["traceparent"].startswith(f"00-{trace_id}-{span_id}-")


def test_the_callers_trace_and_tracestate_go_on(telemetry: Telemetry) -> None:
    incoming = {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate": "vendor=abc",
    }
    fake = FakeChatAPI()
    fake.reply("a")
    token = context.attach(propagate.extract(incoming))
    try:
        with traced_sdk(fake, telemetry) as sdk:
            sdk.chat.completions("yandexgpt").run("Hi")
    finally:
        context.detach(token)
    span = telemetry.only_span()
    assert span.parent is not None
    assert span.parent.span_id == 0xB7AD6B7169203331
    headers = fake.last_request.headers
    assert headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert headers["tracestate"] == "vendor=abc"


# Each way a stream can end gives exactly one ended span, and leaves none open.


def test_stream_read_to_the_end(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b"])
    with traced_sdk(fake, telemetry) as sdk:
        stream = sdk.chat.completions("yandexgpt").run_stream("Hi")
        for _ in stream:
            pass
        assert telemetry.only_span().status.status_code.name == "UNSET"


def test_stream_left_by_break_inside_with(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b", "c"])
    with traced_sdk(fake, telemetry) as sdk:
        with sdk.chat.completions("yandexgpt").run_stream("Hi") as stream:
            for _ in stream:
                break
        assert telemetry.only_span().status.status_code.name == "UNSET"


def test_stream_closed(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b", "c"])
    with traced_sdk(fake, telemetry) as sdk:
        stream = sdk.chat.completions("yandexgpt").run_stream("Hi")
        for _ in stream:
            break
        stream.close()
        stream.close()
        telemetry.only_span()


def test_stream_left_by_an_exception_in_the_loop(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b", "c"])
    with traced_sdk(fake, telemetry) as sdk:
        with pytest.raises(LookupError):
            fail_in_the_loop(sdk.chat.completions("yandexgpt").run_stream("Hi"))
        telemetry.only_span()


def test_stream_broken_by_a_server_error(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.fail_stream("overloaded", after=["a"])
    with traced_sdk(fake, telemetry) as sdk, pytest.raises(StreamError):
        collect(sdk.chat.completions("yandexgpt").run_stream("Hi"))
    span = telemetry.only_span()
    assert span.status.status_code.name == "ERROR"
    assert attributes(span)["error.type"] == "ycloud_chat.StreamError"


def test_stream_that_ends_incomplete(telemetry: Telemetry) -> None:
    def cut(request: httpx.Request) -> httpx.Response:
        body = b"".join(sse(chunk("a")))  # no finish reason, no [DONE]
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    with make_sdk(cut, **telemetry.providers) as sdk, pytest.raises(IncompleteStreamError):
        collect(sdk.chat.completions("yandexgpt").run_stream("Hi"))
    span = telemetry.only_span()
    assert span.status.status_code.name == "ERROR"
    assert attributes(span)["error.type"] == "ycloud_chat.IncompleteStreamError"


# Trio reports an async generator left to the garbage collector: that is this test's point.
@pytest.mark.filterwarnings("ignore:Async generator 'ycloud_chat:ResourceWarning")
def test_stream_dropped_unclosed_and_collected(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b", "c"])
    with traced_sdk(fake, telemetry) as sdk:
        stream = sdk.chat.completions("yandexgpt").run_stream("Hi")
        for _ in stream:
            break
        del stream
        for _ in range(200):  # the event loop closes a collected generator soon after
            gc.collect()
            if telemetry.spans():
                break
            sleep(0.01)
        telemetry.only_span()


def test_stream_opened_and_dropped_without_a_loop(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a"])
    with traced_sdk(fake, telemetry) as sdk:
        stream = sdk.chat.completions("yandexgpt").run_stream("Hi")
        stream.__enter__()  # opened, never read, never closed
        del stream
        gc.collect()
        telemetry.only_span()


def test_secrets_appear_nowhere_even_with_content_capture(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    caplog.set_level(logging.DEBUG)
    iam_token = "t1.IAM-SECRET-9c1d"
    fake = FakeChatAPI()
    fake.fail(429)
    fake.reply(tool_calls=[FakeToolCall("lookup", {"city": "Oslo"})])
    fake.reply_stream(["Sun", "ny"])
    fake.reply_embeddings([[0.5]])
    with traced_sdk(fake, telemetry, auth=SECRET) as sdk:
        model = sdk.chat.completions("yandexgpt")
        result = model.run([{"role": "system", "content": "Be brief."}, "Weather?"])
        assert result.tool_calls
        answer = result.tool_calls[0].answer("rain")
        with sdk.with_options(auth=IAMTokenAuth(iam_token)) as other:
            other_model = other.chat.completions("yandexgpt")
            with other_model.run_stream(["Weather?", result, answer]) as stream:
                for _ in stream:
                    pass
            other.chat.text_embeddings("doc").run("text")
    exported = telemetry.dump()
    assert "Be brief." in exported  # the content was captured
    assert "Oslo" in exported
    assert "Sunny" in exported
    for secret in (SECRET, iam_token):
        assert secret not in exported
        assert secret not in caplog.text
    spans = telemetry.spans()
    assert len(spans) == 3
    first = attributes(spans[0])
    assert json.loads(first["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}
    ]
    assert json.loads(first["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather?"}]}
    ]
    (output,) = json.loads(first["gen_ai.output.messages"])
    assert output["finish_reason"] == "tool_calls"
    assert output["parts"][0]["name"] == "lookup"


def test_content_is_not_captured_by_default(telemetry: Telemetry) -> None:
    fake = FakeChatAPI()
    fake.reply("The answer")
    with traced_sdk(fake, telemetry) as sdk:
        sdk.chat.completions("yandexgpt").run("The question")
    exported = telemetry.dump()
    assert "The question" not in exported
    assert "The answer" not in exported


def test_tracing_turned_off(telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeChatAPI()
    fake.reply("a", times=3)
    with traced_sdk(fake, telemetry, tracing=False) as sdk:
        sdk.chat.completions("yandexgpt").run("Hi")
        with sdk.with_options(tracing=True) as traced:
            traced.chat.completions("yandexgpt").run("Hi")
    monkeypatch.setenv("YCLOUD_CHAT_TRACING", "off")
    with traced_sdk(fake, telemetry) as sdk:
        sdk.chat.completions("yandexgpt").run("Hi")
    assert len(telemetry.spans()) == 1
    assert "traceparent" not in fake.requests[0].headers
    assert "traceparent" in fake.requests[1].headers
    assert "traceparent" not in fake.requests[2].headers


def test_with_options_changes_the_providers(telemetry: Telemetry) -> None:
    other = Telemetry()
    fake = FakeChatAPI()
    fake.reply("a", times=2)
    with traced_sdk(fake, telemetry) as sdk:
        sdk.chat.completions("yandexgpt").run("Hi")
        with sdk.with_options(**other.providers) as copy:
            copy.chat.completions("yandexgpt").run("Hi")
    assert len(telemetry.spans()) == 1
    assert len(other.spans()) == 1
    other.shutdown()


def test_the_spans_of_a_tool_run(telemetry: Telemetry) -> None:
    tracer = telemetry.tracer_provider.get_tracer("app")

    def lookup(city: str) -> str:
        """Look the weather up."""
        with tracer.start_as_current_span("the tool's own work"):
            return "rain"

    fake = FakeChatAPI()
    fake.reply(tool_calls=[FakeToolCall("lookup", {"city": "Oslo"})])
    fake.reply("It rains.")
    with traced_sdk(fake, telemetry) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(tools=[lookup])
        run = model.run_tools("Weather in Oslo?")
    assert run.result.text == "It rains."
    spans = telemetry.spans()
    names = [span.name for span in spans]
    assert names == [f"chat {MODEL}", "the tool's own work", "execute_tool lookup", f"chat {MODEL}"]
    own_work, tool = spans[1], spans[2]
    assert own_work.parent is not None
    assert own_work.parent.span_id == tool.context.span_id
    assert attributes(tool)["gen_ai.tool.name"] == "lookup"
    assert attributes(tool)["gen_ai.tool.call.id"] == "call_0"
    assert "gen_ai.tool.call.arguments" not in attributes(tool)
    assert telemetry.open.still_open == []


@pytest.mark.usefixtures("loopback_only")
def test_a_refused_token_renewed_is_a_retry_and_no_token_is_recorded(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    # No content capture: this fake's answer is the token it saw.
    caplog.set_level(logging.DEBUG)
    _, public = make_key_file()
    cloud = FakeCloud(public)
    cloud.chat_rejects = 1
    auth = OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)
    with (
        cloud.running(),
        ChatSDK(
            folder_id="folder1", auth=auth, base_url=cloud.base_url, **telemetry.providers
        ) as sdk,
    ):
        result = sdk.chat.completions("m").run("hi", timeout=20)
    assert result.text == "t1.fake-2"  # the chat fake answers with the token it saw
    span = telemetry.only_span()
    (renewal,) = [event for event in span.events if event.name == "ycloud_chat.retry"]
    assert attributes(renewal)["error.type"] == "401"
    exported = telemetry.dump()
    for secret in (OAUTH_TOKEN, "t1.fake-1", "t1.fake-2"):
        assert secret not in exported
        assert secret not in caplog.text
