"""The SDK object, its transport and its streams, through httpx.MockTransport."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.helpers import SECRET, Recorder, TrackedStream, chunk, completion, sse
from ycloud_chat import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncChatSDK,
    AuthenticationError,
    BadRequestError,
    ChatModelStatus,
    ClientClosedError,
    ConfigurationError,
    CredentialsError,
    IncompleteStreamError,
    InternalServerError,
    InvalidMessageError,
    RateLimitError,
    StreamError,
)

from .support import Result, collect, make_sdk

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("YC_FOLDER_ID", "YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def streamed(*payloads: Any) -> tuple[httpx.Response, TrackedStream]:
    body = TrackedStream(sse(*payloads))
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=body), body


async def test_run_sends_the_documented_request() -> None:
    recorder = Recorder(httpx.Response(200, json=completion("hello there")))
    async with make_sdk(recorder) as sdk:
        model = sdk.chat.completions("yandexgpt", model_version="rc").configure(
            temperature=0.2, max_tokens=50, extra_query={"seed": 7}
        )
        result = await model.run("hi")
    (request,) = recorder.requests
    assert request.url == "https://llm.api.cloud.yandex.net/v1/chat/completions"
    assert request.headers["authorization"] == f"Api-Key {SECRET}"
    assert json.loads(request.content) == {
        "model": "gpt://folder1/yandexgpt/rc",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": False,
        "temperature": 0.2,
        "max_tokens": 50,
        "seed": 7,
    }
    assert result.text == "hello there"
    assert result.request_id == request.headers["x-client-request-id"]


async def test_each_call_gets_a_fresh_request_id() -> None:
    recorder = Recorder(httpx.Response(200, json=completion()))
    async with make_sdk(recorder) as sdk:
        model = sdk.chat.completions("yandexgpt")
        await model.run("a")
        await model.run("b")
    ids = [request.headers["x-client-request-id"] for request in recorder.requests]
    assert len(set(ids)) == 2
    assert all(uuid.UUID(value).version == 4 for value in ids)


async def test_environment_supplies_folder_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YC_FOLDER_ID", "envfolder")
    monkeypatch.setenv("YC_API_KEY", " envkey ")
    recorder = Recorder(httpx.Response(200, json=completion()))
    client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncChatSDK(http_client=client) as sdk:
        await sdk.chat.completions("yandexgpt").run("x")
    assert recorder.bodies()[0]["model"] == "gpt://envfolder/yandexgpt/latest"
    assert recorder.requests[0].headers["authorization"] == "Api-Key envkey"


async def test_openai_compatible_server_without_folder_or_key() -> None:
    recorder = Recorder(httpx.Response(200, json=completion()))
    client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncChatSDK(base_url="http://127.0.0.1:8080/v1/", http_client=client) as sdk:
        assert sdk.folder_id is None
        await sdk.chat.completions("smollm2").run("x")
    (request,) = recorder.requests
    assert request.url == "http://127.0.0.1:8080/v1/chat/completions"
    assert "authorization" not in request.headers
    assert recorder.bodies()[0]["model"] == "smollm2"


async def test_ai_studio_needs_credentials_before_any_request() -> None:
    with pytest.raises(CredentialsError, match="YC_API_KEY"):
        AsyncChatSDK(folder_id="f")
    sdk = AsyncChatSDK(auth="k")
    with pytest.raises(CredentialsError, match="YC_FOLDER_ID"):
        sdk.chat.completions("yandexgpt")
    await sdk.aclose()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"folder_id": ""}, "folder_id"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"http_client": "not a client"}, "http_client"),
        ({"auth": 42}, "auth"),
    ],
)
async def test_bad_sdk_arguments_are_named(kwargs: dict[str, Any], message: str) -> None:
    kwargs = {"folder_id": "f", "auth": "k", **kwargs}
    with pytest.raises(ConfigurationError, match=message):
        AsyncChatSDK(**kwargs)


async def test_bad_messages_fail_before_any_request() -> None:
    recorder = Recorder(httpx.Response(200, json=completion()))
    async with make_sdk(recorder) as sdk:
        model = sdk.chat.completions("yandexgpt")
        with pytest.raises(InvalidMessageError, match=r"messages\[1\]"):
            await model.run(["fine", 42])  # type: ignore[list-item]
        with pytest.raises(InvalidMessageError, match=r"messages\[0\]"):
            model.run_stream([{"role": "user"}])
        with pytest.raises(ConfigurationError, match="timeout"):
            await model.run("x", timeout=-1)
    assert recorder.requests == []


async def test_caller_owned_client_is_left_open_and_own_client_is_closed() -> None:
    recorder = Recorder(httpx.Response(200, json=completion()))
    client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncChatSDK(folder_id="f", auth="k", http_client=client):
        pass
    assert not client.is_closed
    await client.aclose()
    sdk = AsyncChatSDK(folder_id="f", auth="k")
    own = sdk._transport.client  # made on first use
    await sdk.aclose()
    assert own.is_closed
    unused = AsyncChatSDK(folder_id="f", auth="k")
    await unused.aclose()
    with pytest.raises(ClientClosedError):
        await unused.chat.completions("m").run("x")


async def test_retries_5xx_with_the_same_request_id() -> None:
    recorder = Recorder(
        httpx.Response(503, json={"error": {"message": "overloaded"}}),
        httpx.Response(502, text="bad gateway"),
        httpx.Response(200, json=completion("finally")),
    )
    async with make_sdk(recorder) as sdk:
        result = await sdk.chat.completions("yandexgpt").run("x")
    assert result.text == "finally"
    ids = {request.headers["x-client-request-id"] for request in recorder.requests}
    assert len(recorder.requests) == 3
    assert ids == {result.request_id}


async def test_gives_up_after_max_retries_with_the_server_message() -> None:
    recorder = Recorder(
        httpx.Response(500, json={"error": {"message": "boom"}}, headers={"x-request-id": "srv-1"})
    )
    async with make_sdk(recorder, max_retries=1) as sdk:
        with pytest.raises(InternalServerError) as caught:
            await sdk.chat.completions("yandexgpt").run("x")
    error = caught.value
    assert len(recorder.requests) == 2
    assert error.status_code == 500
    assert error.message == "boom"
    assert error.body == {"error": {"message": "boom"}}
    assert error.attempts == 2
    assert error.server_request_id == "srv-1"
    assert error.request_id == recorder.requests[0].headers["x-client-request-id"]
    assert str(error).startswith("HTTP 500: boom | request_id=")
    assert SECRET not in str(error)
    assert SECRET not in repr(error)


async def test_client_errors_are_not_retried() -> None:
    recorder = Recorder(httpx.Response(401, json={"error": {"message": "Unknown api key"}}))
    async with make_sdk(recorder) as sdk:
        with pytest.raises(AuthenticationError, match="Unknown api key"):
            await sdk.chat.completions("yandexgpt").run("x")
    assert len(recorder.requests) == 1


async def test_rate_limit_honours_retry_after() -> None:
    recorder = Recorder(
        httpx.Response(429, headers={"retry-after": "0"}, json={"message": "slow down"}),
        httpx.Response(200, json=completion()),
    )
    async with make_sdk(recorder) as sdk:
        assert (await sdk.chat.completions("yandexgpt").run("x")).text == "hi"
    assert len(recorder.requests) == 2
    recorder = Recorder(httpx.Response(429, json={"message": "slow down"}))
    async with make_sdk(recorder, max_retries=0) as sdk:
        with pytest.raises(RateLimitError, match="slow down"):
            await sdk.chat.completions("yandexgpt").run("x")
    assert len(recorder.requests) == 1


async def test_connection_errors_are_retried_then_wrapped() -> None:
    refused = httpx.ConnectError("connection refused")
    recorder = Recorder(refused, httpx.Response(200, json=completion()))
    async with make_sdk(recorder) as sdk:
        assert (await sdk.chat.completions("yandexgpt").run("x")).text == "hi"
    recorder = Recorder(refused)
    async with make_sdk(recorder, max_retries=2) as sdk:
        with pytest.raises(APIConnectionError) as caught:
            await sdk.chat.completions("yandexgpt").run("x")
    assert caught.value.attempts == 3
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert not isinstance(caught.value, APITimeoutError)


async def test_timeouts_become_api_timeout_errors() -> None:
    recorder = Recorder(httpx.ReadTimeout("read timed out"))
    async with make_sdk(recorder, max_retries=0) as sdk:
        with pytest.raises(APITimeoutError) as caught:
            await sdk.chat.completions("yandexgpt").run("x", timeout=5)
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert "the server sent nothing for too long" in str(caught.value)


async def test_a_body_that_is_not_json_is_a_clear_error() -> None:
    recorder = Recorder(httpx.Response(200, text="<html>gateway</html>"))
    async with make_sdk(recorder) as sdk:
        with pytest.raises(APIResponseValidationError, match="not JSON"):
            await sdk.chat.completions("yandexgpt").run("x")


async def test_stream_reaches_every_final_chunk_and_closes() -> None:
    response, body = streamed(
        chunk(role="assistant"),
        chunk("Hel"),
        chunk("lo", finish_reason=None),
        chunk(finish_reason="length"),
        {
            "id": "c1",
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        },
        "[DONE]",
    )
    recorder = Recorder(response)
    async with make_sdk(recorder) as sdk:
        stream = sdk.chat.completions("yandexgpt").run_stream("x")
        partials = [partial async for partial in stream]
    assert recorder.bodies()[0]["stream"] is True
    assert [p.delta for p in partials] == ["Hel", "lo", "", ""]  # the role alone is no news
    assert [p.status for p in partials][-2:] == [
        ChatModelStatus.TRUNCATED_FINAL,
        ChatModelStatus.USAGE,
    ]
    assert [p.finish_reason for p in partials][-2:] == ["length", "usage"]
    assert partials[-1].text == "Hello"
    assert partials[-1].usage is not None
    assert partials[-1].usage.total_tokens == 5
    # Once the loop is over, the stream's result is the whole answer.
    result = stream.result
    assert result is not None
    assert (result.text, result.status, result.finish_reason) == (
        "Hello",
        ChatModelStatus.TRUNCATED_FINAL,
        "length",
    )
    assert result.usage == partials[-1].usage
    assert body.closed


async def test_stream_closed_early_releases_the_response() -> None:
    response, body = streamed(chunk("a"), chunk("b"), chunk("c"), chunk(finish_reason="stop"))
    recorder = Recorder(response)
    async with make_sdk(recorder) as sdk:
        async with sdk.chat.completions("yandexgpt").run_stream("x") as stream:
            async for partial in stream:
                assert partial.text == "a"
                break
        assert body.closed
        assert body.sent < len(body.chunks)
        assert [partial async for partial in stream] == []
        with pytest.raises(RuntimeError, match="closed"):
            await stream.__aenter__()


async def test_a_finished_stream_yields_nothing_more() -> None:
    response, _ = streamed(chunk("a", finish_reason="stop"))
    recorder = Recorder(response)
    async with make_sdk(recorder) as sdk:
        stream = sdk.chat.completions("yandexgpt").run_stream("x")
        assert [p.text async for p in stream] == ["a"]
        assert [p.text async for p in stream] == []
    assert len(recorder.requests) == 1


async def test_error_event_inside_a_stream() -> None:
    response, body = streamed(chunk("a"), {"error": {"message": "model crashed", "code": 500}})
    seen = []

    async def consume() -> None:
        async with make_sdk(Recorder(response)) as sdk:
            async for partial in sdk.chat.completions("yandexgpt").run_stream("x"):
                seen.append(partial.text)

    with pytest.raises(StreamError, match="model crashed") as caught:
        await consume()
    assert seen == ["a"]
    assert caught.value.request_id is not None
    assert body.closed


async def test_stream_status_errors_are_retried_before_the_first_chunk() -> None:
    response, _ = streamed(chunk("ok", finish_reason="stop"))
    recorder = Recorder(httpx.Response(503, text="busy"), response)
    async with make_sdk(recorder) as sdk:
        texts = [p.text async for p in sdk.chat.completions("yandexgpt").run_stream("x")]
    assert texts == ["ok"]
    assert len(recorder.requests) == 2
    recorder = Recorder(httpx.Response(400, json={"error": {"message": "bad model"}}))
    async with make_sdk(recorder) as sdk:
        with pytest.raises(BadRequestError, match="bad model"):
            async with sdk.chat.completions("yandexgpt").run_stream("x"):
                pass
    assert len(recorder.requests) == 1


async def test_a_finished_stream_is_complete_without_done() -> None:
    finished = b'data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}'
    recorder = Recorder(httpx.Response(200, stream=TrackedStream([finished + b"\n\n"])))
    async with make_sdk(recorder) as sdk:
        partials = [p async for p in sdk.chat.completions("yandexgpt").run_stream("x")]
    assert [(p.text, p.status) for p in partials] == [("x", ChatModelStatus.FINAL)]


async def test_a_last_event_without_its_blank_line_is_dropped_and_the_stream_raises() -> None:
    first = b'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n'
    cut = b'data: {"choices":[{"index":0,"delta":{"content":"y"},"finish_reason":"stop"}]}'
    recorder = Recorder(httpx.Response(200, stream=TrackedStream([first, cut])))
    partials: list[Result] = []
    async with make_sdk(recorder) as sdk:
        with pytest.raises(IncompleteStreamError, match="ended inside an event") as caught:
            await collect(sdk.chat.completions("yandexgpt").run_stream("x"), partials)
    assert [p.text for p in partials] == ["x"]
    partial = caught.value.result  # what arrived, as one result
    assert partial is not None
    assert (partial.text, partial.status) == ("x", ChatModelStatus.PARTIAL)


async def test_list_models_sends_the_folder_and_keeps_chat_models() -> None:
    listing = {"data": [{"id": "gpt://folder1/yandexgpt/latest"}, {"id": "emb://folder1/e/latest"}]}
    recorder = Recorder(httpx.Response(200, json=listing))
    async with make_sdk(recorder) as sdk:
        models = await sdk.chat.completions.list()
    assert [m.uri for m in models] == ["gpt://folder1/yandexgpt/latest"]
    assert recorder.requests[0].headers["openai-project"] == "folder1"


async def test_configure_returns_a_new_model() -> None:
    async with make_sdk(Recorder()) as sdk:
        base = sdk.chat.completions("yandexgpt")
        hot = base.configure(temperature=1.5, max_tokens=10)
        reset = hot.configure(temperature=None)
        assert base.config.temperature is None
        assert hot.config.temperature == 1.5
        assert reset.config.temperature is None
        assert reset.config.max_tokens == 10
        assert type(hot) is type(base)
        assert hot.uri == base.uri
        with pytest.raises(ConfigurationError, match="temperature"):
            base.configure(temperature=5)


async def test_secrets_never_show_in_reprs() -> None:
    async with make_sdk(Recorder()) as sdk:
        model = sdk.chat.completions("yandexgpt")
        for obj in (
            sdk,
            sdk.chat.completions,
            model,
            model.run_stream("x"),
            sdk._transport.settings.auth,
        ):
            assert SECRET not in repr(obj)
            assert SECRET not in str(obj)


async def test_redirects_are_errors_not_followed() -> None:
    moved = httpx.Response(301, headers={"location": "https://elsewhere.example/v1/chat"})
    recorder = Recorder(moved)
    async with make_sdk(recorder) as sdk:
        with pytest.raises(APIStatusError, match=r"elsewhere\.example") as caught:
            await sdk.chat.completions("yandexgpt").run("x")
        with pytest.raises(APIStatusError, match="redirect"):
            await sdk.chat.completions("yandexgpt").run_stream("x").__aenter__()
    assert caught.value.status_code == 301
    assert len(recorder.requests) == 2


async def test_a_stream_answered_with_json_is_an_error_not_an_empty_stream() -> None:
    recorder = Recorder(httpx.Response(200, json=completion("whole answer")))
    async with make_sdk(recorder) as sdk:
        with pytest.raises(IncompleteStreamError, match="application/json") as caught:
            async for _ in sdk.chat.completions("yandexgpt").run_stream("x"):
                pass
    assert caught.value.result is None


async def test_stream_ends_at_done_even_if_more_bytes_follow() -> None:
    response, body = streamed(chunk("a", finish_reason="stop"), "[DONE]", chunk("ignored"))
    async with make_sdk(Recorder(response)) as sdk:
        texts = [p.text async for p in sdk.chat.completions("yandexgpt").run_stream("x")]
    assert texts == ["a"]
    assert body.closed


async def test_a_stream_loop_can_be_resumed_inside_its_context() -> None:
    response, body = streamed(chunk("a"), chunk("b"), chunk("c", finish_reason="stop"))
    async with make_sdk(Recorder(response)) as sdk:
        async with sdk.chat.completions("yandexgpt").run_stream("x") as stream:
            async for partial in stream:
                assert partial.text == "a"
                break
            assert not body.closed
            rest = [partial.text async for partial in stream]
        assert rest == ["ab", "abc"]
        assert body.closed


async def test_a_broken_content_encoding_is_a_clear_error() -> None:
    garbage = TrackedStream([b"not gzip"])
    broken = httpx.Response(200, headers={"content-encoding": "gzip"}, stream=garbage)
    async with make_sdk(Recorder(broken), max_retries=0) as sdk:
        with pytest.raises(APIResponseValidationError, match=r"cannot be decoded: .*gzip"):
            await sdk.chat.completions("yandexgpt").run("x")


async def test_a_closed_sdk_says_so() -> None:
    sdk = AsyncChatSDK(folder_id="f", auth="k")
    model = sdk.chat.completions("yandexgpt")
    await sdk.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        await model.run("x")


async def test_stream_opening_respects_the_timeout_across_retries() -> None:
    busy = httpx.Response(503, headers={"retry-after": "1.5"}, text="busy")
    recorder = Recorder(busy)
    async with make_sdk(recorder) as sdk:
        with pytest.raises(InternalServerError):
            async with sdk.chat.completions("yandexgpt").run_stream("x", timeout=0.5):
                pass
    assert len(recorder.requests) == 1


async def test_protocol_errors_are_not_retried() -> None:
    recorder = Recorder(httpx.LocalProtocolError("Illegal header value b'secret'"))
    async with make_sdk(recorder) as sdk:
        with pytest.raises(APIConnectionError) as caught:
            await sdk.chat.completions("yandexgpt").run("x")
    assert len(recorder.requests) == 1
    assert "secret" not in str(caught.value)
