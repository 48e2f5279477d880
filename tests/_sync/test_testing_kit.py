# GENERATED from tests/_async/test_testing_kit.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The testing kit drives the SDK in process (through `http_client=`) and over a real port."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ycloud_chat import (
    APITimeoutError,
    BadRequestError,
    ChatModelStatus,
    ChatSDK,
    RateLimitError,
    StreamError,
)
from ycloud_chat.testing import FakeChatAPI, FakeToolCall

from .support import make_sdk

pytestmark = pytest.mark.usefixtures("fast_retries")


def kit_sdk(fake: FakeChatAPI, **kwargs: Any) -> ChatSDK:
    return make_sdk(fake.transport(), auth="key", **kwargs)


@contextmanager
def served_sdk(fake: FakeChatAPI, **kwargs: Any) -> Iterator[ChatSDK]:
    """An SDK with its own default client, talking to the fake on a loopback port."""
    with fake.serve() as base_url:
        with ChatSDK(folder_id="folder1", base_url=base_url, **kwargs) as sdk:
            yield sdk


def test_reply_answers_run_and_records_the_request() -> None:
    fake = FakeChatAPI()
    fake.reply("Hello!", usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4})
    with kit_sdk(fake) as sdk:
        result = sdk.chat.completions("yandexgpt").configure(temperature=0.5).run("Hi")
    assert result.text == "Hello!"
    assert result.status is ChatModelStatus.FINAL
    assert result.usage is not None
    assert result.usage.total_tokens == 4
    assert result.model == "gpt://folder1/yandexgpt/latest"
    request = fake.last_request
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.json["temperature"] == 0.5
    assert request.model == "gpt://folder1/yandexgpt/latest"
    assert request.messages == [{"role": "user", "content": "Hi"}]
    assert not request.stream
    assert request.headers["authorization"] == "Api-Key key"
    assert request.headers["x-client-request-id"] == result.request_id
    assert result.server_request_id is not None
    assert request.status == 200
    assert request.response_completed
    assert request.response_closed


@pytest.mark.parametrize("shape", ["openai", "ai_studio"])
def test_reply_stream_sends_the_chosen_chunks(shape: Any) -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["Hel", "lo", "!"], shape=shape)
    with kit_sdk(fake) as sdk:
        model = sdk.chat.completions("yandexgpt")
        with model.run_stream("Hi") as stream:
            partials = [partial for partial in stream]
    deltas = [partial.delta for partial in partials if partial.delta]
    assert deltas == ["Hel", "lo", "!"]
    assert partials[-1].text == "Hello!"
    statuses = [partial.status for partial in partials]
    if shape == "openai":
        assert statuses[-2:] == [ChatModelStatus.FINAL, ChatModelStatus.USAGE]
        assert partials[-1].usage is not None
    else:
        assert statuses == [ChatModelStatus.PARTIAL] * 2 + [ChatModelStatus.FINAL]
    assert fake.last_request.stream
    assert fake.last_request.response_completed


def test_one_reply_serves_a_stream_too() -> None:
    fake = FakeChatAPI()
    fake.reply("whole", times=None)
    with kit_sdk(fake) as sdk:
        model = sdk.chat.completions("yandexgpt")
        with model.run_stream("Hi") as stream:
            texts = [partial.text for partial in stream]
        assert (model.run("Hi")).text == "whole"
    assert texts[-1] == "whole"
    assert len(fake.requests) == 2


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("shape", ["openai", "ai_studio"])
def test_tool_calls(stream: bool, shape: Any) -> None:
    fake = FakeChatAPI()
    fake.reply_tool_calls(
        FakeToolCall("weather", {"city": "Paris"}, chunks=['{"city"', ': "Paris"}']),
        FakeToolCall("time", '{"zone": "UTC"}', id="t-1"),
        shape=shape,
    )
    with kit_sdk(fake) as sdk:
        model = sdk.chat.completions("yandexgpt")
        if stream:
            with model.run_stream("Weather?") as chat_stream:
                partials = [partial for partial in chat_stream]
            assert len([partial for partial in partials if partial.tool_calls]) == 1
            assert chat_stream.result is not None
            result = chat_stream.result
        else:
            result = model.run("Weather?")
    assert result.tool_calls is not None
    assert [(call.id, call.function.name) for call in result.tool_calls] == [
        ("call_0", "weather"),
        ("t-1", "time"),
    ]
    assert result.tool_calls[0].function.arguments == {"city": "Paris"}
    assert result.tool_calls[1].function.arguments == {"zone": "UTC"}
    assert result.finish_reason == "tool_calls"


def test_reply_json_and_reasoning() -> None:
    fake = FakeChatAPI()
    fake.reply_json({"numbers": [5, 4, 1]})
    fake.reply_stream(["4"], reasoning_chunks=["2 + 2", " is 4"])
    with kit_sdk(fake) as sdk:
        model = sdk.chat.completions("qwen3")
        result = model.run("collect the numbers")
        with model.run_stream("2 + 2?") as stream:
            partials = [partial for partial in stream]
    assert json.loads(result.text) == {"numbers": [5, 4, 1]}
    assert partials[-1].reasoning_text == "2 + 2 is 4"
    assert partials[-1].text == "4"


def test_http_errors_are_retried_and_raised() -> None:
    fake = FakeChatAPI()
    fake.fail(429, "slow down", headers={"Retry-After": "0"}, times=3)
    with kit_sdk(fake, max_retries=2) as sdk, pytest.raises(RateLimitError) as caught:
        sdk.chat.completions("yandexgpt").run("Hi")
    assert caught.value.message == "slow down"
    assert caught.value.attempts == 3
    assert [request.status for request in fake.requests] == [429, 429, 429]
    assert fake.unused == []


def test_a_failure_then_an_answer() -> None:
    fake = FakeChatAPI()
    fake.fail(503)
    fake.reply("recovered")
    with kit_sdk(fake) as sdk:
        result = sdk.chat.completions("yandexgpt").run("Hi")
    assert result.text == "recovered"
    ids = {request.headers["x-client-request-id"] for request in fake.requests}
    assert len(fake.requests) == 2
    assert len(ids) == 1


def test_sse_error_event_after_some_chunks() -> None:
    fake = FakeChatAPI()
    fake.fail_stream("model overloaded", after=["par", "tial"], code=503)
    with kit_sdk(fake) as sdk:
        model = sdk.chat.completions("yandexgpt")
        seen: list[str] = []

        def read_all() -> None:
            with model.run_stream("Hi") as stream:
                for partial in stream:
                    seen.append(partial.text)

        with pytest.raises(StreamError, match="model overloaded"):
            read_all()
        with pytest.raises(BadRequestError, match="no scripted reply"):
            model.run("Hi")  # a stream error never answers a plain run
    assert seen[-1] == "partial"


def test_replies_match_by_model_and_predicate() -> None:
    fake = FakeChatAPI()
    fake.reply("from lite", model="yandexgpt-lite", times=None)
    fake.reply("about cats", when=lambda messages: "cat" in messages[-1]["content"])
    fake.reply("anything else", times=None)
    with kit_sdk(fake) as sdk:
        lite = sdk.chat.completions("yandexgpt-lite")
        pro = sdk.chat.completions("yandexgpt")
        assert (lite.run("cat?")).text == "from lite"
        assert (pro.run("a cat?")).text == "about cats"
        assert (pro.run("a cat again?")).text == "anything else"
        assert (lite.run("dog?")).text == "from lite"


def test_whole_uri_matches_too() -> None:
    fake = FakeChatAPI()
    fake.reply("exact", model="gpt://folder1/yandexgpt/rc")
    with kit_sdk(fake) as sdk:
        result = sdk.chat.completions("yandexgpt", model_version="rc").run("Hi")
    assert result.text == "exact"


def test_unmatched_request_is_a_clear_error() -> None:
    fake = FakeChatAPI()
    fake.reply("only lite", model="yandexgpt-lite")
    with kit_sdk(fake) as sdk:
        with pytest.raises(BadRequestError, match="no scripted reply") as caught:
            sdk.chat.completions("yandexgpt").run("Hi")
    assert "gpt://folder1/yandexgpt/latest" in caught.value.message
    assert len(fake.unused) == 1


def test_delay_runs_into_the_deadline() -> None:
    fake = FakeChatAPI()
    fake.reply("late", delay=5)
    with kit_sdk(fake, max_retries=0) as sdk:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            sdk.chat.completions("yandexgpt").run("Hi", timeout=0.2)
    assert time.monotonic() - started < 0.2 + 2.0  # well before the reply's 5 s


def test_models_listing() -> None:
    fake = FakeChatAPI()
    fake.reply_models(["gpt://folder1/yandexgpt/latest", "emb://folder1/text-search/latest"])
    with kit_sdk(fake) as sdk:
        models = sdk.chat.completions.list()
    assert [model.uri for model in models] == ["gpt://folder1/yandexgpt/latest"]
    assert fake.last_request.headers["openai-project"] == "folder1"
    assert (fake.last_request.method, fake.last_request.json) == ("GET", None)


def test_embeddings_get_stand_in_vectors_or_the_scripted_ones() -> None:
    fake = FakeChatAPI()
    fake.reply_embeddings(times=2)
    fake.reply_embeddings([[0.5, -0.5]], model="text-search-query")
    with kit_sdk(fake) as sdk:
        doc = sdk.chat.text_embeddings("text-search-doc")
        result = doc.run(["a platypus", "an echidna"])
        again = doc.configure(encoding_format="base64", dimensions=4).run("a platypus")
        query = sdk.chat.text_embeddings("text-search-query").run("q")
    assert len(result.embeddings) == 2
    assert [len(vector) for vector in result.embeddings] == [8, 8]
    assert result.embeddings[0] != result.embeddings[1]
    assert abs(sum(value * value for value in result.embedding) - 1.0) < 1e-9
    assert len(again) == 4  # the dimensions asked for, decoded from base64
    assert result.model == "emb://folder1/text-search-doc/latest"
    assert result.usage is not None
    assert result.usage.prompt_tokens == 4
    assert query.embedding == (0.5, -0.5)
    first = fake.requests[0]
    assert (first.method, first.path) == ("POST", "/v1/embeddings")
    assert first.input == ["a platypus", "an echidna"]
    assert fake.last_request.input == ["q"]
    assert fake.unused == []


def test_embeddings_with_no_scripted_reply_are_refused() -> None:
    fake = FakeChatAPI()
    fake.reply("a chat answer answers no embeddings request", times=None)
    with kit_sdk(fake) as sdk:
        with pytest.raises(BadRequestError, match="no scripted reply for POST /v1/embeddings"):
            sdk.chat.text_embeddings("text-search-doc").run("x")


def test_breaking_out_of_a_stream_closes_the_response() -> None:
    fake = FakeChatAPI()
    fake.reply_stream([f"{n} " for n in range(100)])
    with kit_sdk(fake) as sdk, sdk.chat.completions("yandexgpt").run_stream("C") as stream:
        for partial in stream:
            if partial.text:
                break
    assert fake.last_request.response_closed
    assert not fake.last_request.response_completed


def test_served_on_a_real_port() -> None:
    fake = FakeChatAPI()
    fake.reply("over the wire")
    fake.reply_stream(["a", "b", "c"], chunk_delay=0.01)
    fake.fail(400, "bad")
    with served_sdk(fake, auth="key") as sdk:
        model = sdk.chat.completions("yandexgpt")
        assert (model.run("Hi")).text == "over the wire"
        with model.run_stream("Hi") as stream:
            deltas = [partial.delta for partial in stream if partial.delta]
        with pytest.raises(BadRequestError, match="bad"):
            model.run("Hi")
    assert deltas == ["a", "b", "c"]
    assert [request.path for request in fake.requests] == ["/v1/chat/completions"] * 3
    assert fake.requests[1].response_completed
    assert fake.requests[0].headers["authorization"] == "Bearer key"


def test_served_stream_left_early_is_cut() -> None:
    fake = FakeChatAPI()
    fake.reply_stream([f"{n} " for n in range(50)], chunk_delay=0.05)
    with served_sdk(fake) as sdk, sdk.chat.completions("yandexgpt").run_stream("C") as stream:
        for partial in stream:
            if partial.text:
                break
    # The server is stopped on leaving served_sdk: its handler has finished by then.
    assert fake.last_request.response_closed
    assert not fake.last_request.response_completed


def test_bad_scripts_fail_at_once() -> None:
    fake = FakeChatAPI()
    with pytest.raises(ValueError, match="add up"):
        fake.reply("abc", chunks=["a", "b"])
    with pytest.raises(ValueError, match="add up"):
        FakeToolCall("f", {"a": 1}, chunks=["{"])
    with pytest.raises(ValueError, match="error status"):
        fake.fail(200)
    with pytest.raises(ValueError, match="times"):
        fake.reply("x", times=0)
    with pytest.raises(ValueError, match="at least one"):
        fake.reply_tool_calls()
    assert fake.replies == []


def test_yc_base_url_points_a_default_sdk_at_the_served_fake(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeChatAPI()
    fake.reply("from the environment")
    with fake.serve() as base_url:
        monkeypatch.setenv("YC_BASE_URL", base_url)
        with ChatSDK(folder_id="folder1") as sdk:
            assert sdk.base_url == base_url
            result = sdk.chat.completions("yandexgpt").run("Hi")
        with ChatSDK(folder_id="folder1", base_url="https://other.test/v1") as sdk:
            assert sdk.base_url == "https://other.test/v1"  # an explicit base_url wins
    assert result.text == "from the environment"
    assert fake.last_request.model == "gpt://folder1/yandexgpt/latest"


def test_a_failing_predicate_is_reported_by_the_served_fake() -> None:
    fake = FakeChatAPI()
    fake.reply("never", when=lambda messages: messages[5]["content"] == "x")
    with served_sdk(fake) as sdk:
        with pytest.raises(BadRequestError, match="could not answer: IndexError"):
            sdk.chat.completions("yandexgpt").run("Hi")


def test_reset_forgets_replies_and_requests() -> None:
    fake = FakeChatAPI()
    fake.reply("first", times=None)
    with kit_sdk(fake) as sdk:
        sdk.chat.completions("yandexgpt").run("Hi")
        fake.reset()
        assert (fake.replies, fake.requests) == ([], [])
        fake.reply("second")
        assert (sdk.chat.completions("yandexgpt").run("Hi")).text == "second"


def test_unused_and_unanswered() -> None:
    fake = FakeChatAPI()
    every = fake.reply("for every request", model="yandexgpt", times=None)
    twice = fake.reply("twice", model="yandexgpt-lite", times=2)
    maybe = fake.reply_models(["m"], optional=True)
    assert fake.unused == [every, twice]
    with kit_sdk(fake) as sdk:
        sdk.chat.completions("yandexgpt").run("Hi")
        sdk.chat.completions("yandexgpt-lite").run("Hi")
        assert fake.unused == [twice]
        with pytest.raises(BadRequestError):
            sdk.chat.completions("yandexgpt-rc").run("Hi")
    assert fake.unused == [twice]
    assert maybe not in fake.unused
    assert fake.unanswered == [fake.last_request]
    assert fake.last_request.unanswered is not None
    assert "no scripted reply" in fake.last_request.unanswered
    assert [request.unanswered for request in fake.requests[:2]] == [None, None]
    assert twice.describe() == "reply('twice') model='yandexgpt-lite' used 1 of 2"
    assert every.describe() == "reply('for every request') model='yandexgpt' used 1 (times=None)"
    assert repr(fake) == "<FakeChatAPI: 3 replies scripted, 3 requests>"
