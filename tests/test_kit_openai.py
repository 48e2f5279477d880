"""The official openai SDK, run against the testing kit on a real port, reads every answer.

Ordinary openai code is the test of wire fidelity: the `chunk.choices[0]` loop, `parse()`,
`models.list()` and the error classes each break on a field the fake gets wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import anyio
import openai
import pytest
from pydantic import BaseModel

from ycloud_chat.testing import FakeChatAPI, FakeToolCall

WEATHER_TOOL: openai.types.chat.ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


class Trip(BaseModel):
    city: str
    days: int


@pytest.fixture
def fake() -> FakeChatAPI:
    return FakeChatAPI()


@pytest.fixture
def client(fake: FakeChatAPI) -> Iterator[openai.OpenAI]:
    with (
        fake.serve() as base_url,
        openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0) as client,
    ):
        yield client


def test_a_completion(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.reply("Hello!", response_id="chatcmpl-1", created=1_700_000_000)
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi there"}]
    )
    assert completion.id == "chatcmpl-1"
    assert completion.created == 1_700_000_000
    assert completion.model == "gpt-4o-mini"
    (choice,) = completion.choices
    assert (choice.index, choice.finish_reason) == (0, "stop")
    assert (choice.message.role, choice.message.content) == ("assistant", "Hello!")
    assert choice.message.tool_calls is None
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (2, 1)
    assert fake.last_request.json == {
        "messages": [{"role": "user", "content": "Hi there"}],
        "model": "gpt-4o-mini",
    }


def test_a_stream_without_usage_has_a_choice_in_every_chunk(
    fake: FakeChatAPI, client: openai.OpenAI
) -> None:
    fake.reply_stream(["Hel", "lo", "!"])
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    pieces = []
    finish_reasons = []
    for chunk in stream:  # the loop of every openai tutorial
        pieces.append(chunk.choices[0].delta.content or "")
        finish_reasons.append(chunk.choices[0].finish_reason)
        assert chunk.usage is None
    assert "".join(pieces) == "Hello!"
    assert finish_reasons[-1] == "stop"
    assert finish_reasons[:-1] == [None] * (len(finish_reasons) - 1)


def test_a_stream_with_usage_ends_with_the_usage_chunk(
    fake: FakeChatAPI, client: openai.OpenAI
) -> None:
    fake.reply_stream(["Hel", "lo!"])
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    *answer, last = chunks
    assert "".join(chunk.choices[0].delta.content or "" for chunk in answer) == "Hello!"
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens


def test_the_stream_helper_accumulates_the_answer(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.reply_stream(["Once ", "upon ", "a time"])
    with client.chat.completions.stream(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "A story"}]
    ) as stream:
        for _ in stream:
            pass
        completion = stream.get_final_completion()
    assert completion.choices[0].message.content == "Once upon a time"


def test_tool_calls(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.reply_tool_calls(FakeToolCall("get_weather", {"city": "Oslo"}, id="call_a"))
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER_TOOL],
    )
    (choice,) = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None  # as OpenAI sends it: null, not ""
    assert choice.message.tool_calls is not None
    (call,) = choice.message.tool_calls
    assert call.type == "function"
    assert call.id == "call_a"
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "get_weather",
        {"city": "Oslo"},
    )


def test_streamed_tool_calls_merge_into_one(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    call = FakeToolCall("get_weather", '{"city": "Oslo"}', chunks=['{"city"', ': "Oslo"}'])
    fake.reply_tool_calls(call)
    with client.chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER_TOOL],
    ) as stream:
        completion = stream.get_final_completion()
    (choice,) = completion.choices
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    (merged,) = choice.message.tool_calls
    assert (merged.id, merged.function.arguments) == ("call_0", '{"city": "Oslo"}')


def test_parse_into_a_pydantic_model(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.reply_json({"city": "Kazan", "days": 2})
    completion = client.chat.completions.parse(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Plan a weekend"}],
        response_format=Trip,
    )
    assert completion.choices[0].message.parsed == Trip(city="Kazan", days=2)
    response_format = fake.last_request.json["response_format"]
    assert (response_format["type"], response_format["json_schema"]["name"]) == (
        "json_schema",
        "Trip",
    )


def test_n_choices(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.reply("Same.", times=2)
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [
        {"role": "user", "content": "Hi"}
    ]
    completion = client.chat.completions.create(model="m", messages=messages, n=2)
    assert [(c.index, c.message.content) for c in completion.choices] == [
        (0, "Same."),
        (1, "Same."),
    ]
    texts = ["", ""]
    for chunk in client.chat.completions.create(model="m", messages=messages, n=2, stream=True):
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
    assert texts == ["Same.", "Same."]


def test_models(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.reply_models(["gpt-4o-mini", "gpt-4o"], created=1_700_000_000)
    models = list(client.models.list())
    assert [(model.id, model.object, model.created) for model in models] == [
        ("gpt-4o-mini", "model", 1_700_000_000),
        ("gpt-4o", "model", 1_700_000_000),
    ]


def test_errors(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.fail(429, "Slow down", code="rate_limit_exceeded")
    fake.fail(401, "Bad key")
    fake.fail(503)
    messages: list[openai.types.chat.ChatCompletionMessageParam] = [
        {"role": "user", "content": "Hi"}
    ]
    with pytest.raises(openai.RateLimitError) as rate_limited:
        client.chat.completions.create(model="m", messages=messages)
    assert rate_limited.value.message.endswith("Slow down")
    assert (rate_limited.value.type, rate_limited.value.code) == (
        "rate_limit_error",
        "rate_limit_exceeded",
    )
    with pytest.raises(openai.AuthenticationError) as denied:
        client.chat.completions.create(model="m", messages=messages)
    assert (denied.value.type, denied.value.code) == ("authentication_error", None)
    with pytest.raises(openai.InternalServerError) as down:
        client.chat.completions.create(model="m", messages=messages)
    assert down.value.type == "server_error"


def test_an_unscripted_request_is_a_bad_request(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="no scripted reply") as refused:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}])
    assert refused.value.type == "invalid_request_error"
    assert fake.unanswered == [fake.last_request]


def test_an_error_event_in_a_stream(fake: FakeChatAPI, client: openai.OpenAI) -> None:
    fake.fail_stream("The model is overloaded", after=["Once "])
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "A story"}], stream=True
    )
    pieces: list[str] = []

    def read() -> None:
        for chunk in stream:
            pieces.append(chunk.choices[0].delta.content or "")

    with pytest.raises(openai.APIError, match="overloaded"):
        read()
    assert "".join(pieces) == "Once "


def test_the_async_client(fake: FakeChatAPI) -> None:
    # On asyncio: the openai SDK leaves its SSE generators to the garbage collector, which
    # trio reports.
    async def main() -> str:
        async with openai.AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0) as client:
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "Hi"}], stream=True
            )
            return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

    fake.reply_stream(["As", "ync"])
    with fake.serve() as base_url:
        assert anyio.run(main, backend="asyncio") == "Async"
