"""The testing kit's answers, read as plain `httpx` with `json.loads`: what any client sees.

Over a real port the fake answers as an OpenAI-compatible server (usage only when asked,
tool-call content null); addressed to AI Studio, or with `ai_studio=True`, as AI Studio.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ycloud_chat.testing import FakeChatAPI, FakeToolCall

HI = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def fake() -> FakeChatAPI:
    return FakeChatAPI()


@pytest.fixture
def http(fake: FakeChatAPI) -> Iterator[httpx.Client]:
    with fake.serve() as base_url, httpx.Client(base_url=base_url) as client:
        yield client


def events(response: httpx.Response) -> list[Any]:
    """Every `data:` payload of an SSE body, parsed; `[DONE]` must come last."""
    data = [line[len("data: ") :] for line in response.text.splitlines() if line]
    assert all(line.startswith("data: ") for line in response.text.splitlines() if line)
    assert data[-1] == "[DONE]"
    return [json.loads(payload) for payload in data[:-1]]


def test_a_completion_body(fake: FakeChatAPI, http: httpx.Client) -> None:
    fake.reply("Hello!", response_id="chatcmpl-7", created=1_700_000_000)
    response = http.post("/chat/completions", json=HI)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.content) == {
        "id": "chatcmpl-7",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello!"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@pytest.mark.parametrize("shape", ["openai", "ai_studio"])
def test_a_stream_sends_usage_only_when_asked(
    fake: FakeChatAPI, http: httpx.Client, shape: Any
) -> None:
    fake.reply_stream(["Hel", "lo"], shape=shape, times=2, response_id="c", created=1)
    plain = events(http.post("/chat/completions", json={**HI, "stream": True}))
    asked = {**HI, "stream": True, "stream_options": {"include_usage": True}}
    with_usage = events(http.post("/chat/completions", json=asked))
    assert all(chunk["choices"] and "usage" not in chunk for chunk in plain)
    assert [chunk for chunk in with_usage if "usage" in chunk] == [with_usage[-1]]
    assert with_usage[-1]["usage"]["completion_tokens"] == 1
    if shape == "openai":  # a chunk of its own, after the one that finishes
        assert with_usage[-1]["choices"] == []
        assert with_usage[:-1] == plain
    else:  # on the finishing chunk
        assert with_usage[-1]["choices"][0]["finish_reason"] == "stop"
    assert plain[-1]["choices"][0]["finish_reason"] == "stop"


def test_a_stream_addressed_to_ai_studio_carries_usage_unasked() -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["Hel", "lo"])
    fake.reply_stream(["Hel", "lo"])
    with fake.client() as client:
        body = {**HI, "stream": True}
        studio = events(
            client.post("https://llm.api.cloud.yandex.net/v1/chat/completions", json=body)
        )
        other = events(client.post("https://llm.example.com/v1/chat/completions", json=body))
    assert studio[-1]["choices"] == []
    assert studio[-1]["usage"]["total_tokens"] == 2
    assert all(chunk["choices"] for chunk in other)


@pytest.mark.parametrize(("ai_studio", "content"), [(False, None), (True, "")])
def test_tool_call_content(ai_studio: bool, content: str | None) -> None:
    fake = FakeChatAPI(ai_studio=ai_studio)
    fake.reply_tool_calls(FakeToolCall("get_weather", {"city": "Oslo"}))
    fake.reply_stream([], tool_calls=[FakeToolCall("get_weather", {"city": "Oslo"})])
    with fake.serve() as base_url, httpx.Client(base_url=base_url) as http:
        message = http.post("/chat/completions", json=HI).json()["choices"][0]["message"]
        chunks = events(http.post("/chat/completions", json={**HI, "stream": True}))
    assert message == {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {
                "index": 0,
                "id": "call_0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
            }
        ],
    }
    assert ("usage" in chunks[-1]) is ai_studio  # AI Studio sends it unasked


def test_n_choices(fake: FakeChatAPI, http: httpx.Client) -> None:
    fake.reply_stream(["a", "b"], times=2)
    body = http.post("/chat/completions", json={**HI, "n": 3}).json()
    assert [(c["index"], c["message"]["content"]) for c in body["choices"]] == [
        (0, "ab"),
        (1, "ab"),
        (2, "ab"),
    ]
    assert body["usage"]["completion_tokens"] == 3
    chunks = events(http.post("/chat/completions", json={**HI, "n": 2, "stream": True}))
    texts = {0: "", 1: ""}
    finished = {}
    for chunk in chunks:
        (choice,) = chunk["choices"]
        texts[choice["index"]] += choice["delta"].get("content", "")
        if choice.get("finish_reason"):
            finished[choice["index"]] = choice["finish_reason"]
    assert texts == {0: "ab", 1: "ab"}
    assert finished == {0: "stop", 1: "stop"}


def test_the_models_listing(fake: FakeChatAPI, http: httpx.Client) -> None:
    fake.reply_models(["gpt-4o", "gpt-4o-mini"])
    body = http.get("/models").json()
    assert body["object"] == "list"
    assert [sorted(entry) for entry in body["data"]] == [
        ["created", "id", "object", "owned_by"]
    ] * 2
    assert all(isinstance(entry["created"], int) for entry in body["data"])


def test_error_bodies(fake: FakeChatAPI, http: httpx.Client) -> None:
    fake.fail(404, "No such model", code="model_not_found")
    fake.fail(500)
    missing = http.post("/chat/completions", json=HI)
    broken = http.post("/chat/completions", json=HI)
    assert (missing.status_code, missing.json()) == (
        404,
        {
            "error": {
                "message": "No such model",
                "type": "not_found_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    )
    assert broken.json()["error"] == {
        "message": "Internal Server Error",
        "type": "server_error",
        "param": None,
        "code": None,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"model": "m", "messages": [', "could not parse the JSON body"),
        (b"", "must be a JSON object"),
        (b'["m"]', "must be a JSON object"),
        (json.dumps({**HI, "n": 0}).encode(), "Invalid value for 'n'"),
        (json.dumps({**HI, "n": True}).encode(), "Invalid value for 'n'"),
    ],
)
def test_a_malformed_request_is_refused_as_the_service_would(
    fake: FakeChatAPI, http: httpx.Client, content: bytes, message: str
) -> None:
    fake.reply("never sent", optional=True)
    response = http.post(
        "/chat/completions", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert fake.replies[0].uses == 0
    assert fake.unanswered == []  # refused as malformed, not for want of a script


def test_a_chunked_request_body_is_read(fake: FakeChatAPI, http: httpx.Client) -> None:
    fake.reply("Read it.")
    pieces = [
        piece.encode()
        for piece in ('{"model": "m", ', '"messages": [{"role": "user", ', '"content": "Hi"}]}')
    ]
    response = http.post(
        "/chat/completions", content=iter(pieces), headers={"content-type": "application/json"}
    )
    assert fake.last_request.headers["transfer-encoding"] == "chunked"
    assert response.json()["choices"][0]["message"]["content"] == "Read it."
    assert fake.last_request.json == HI


def test_a_request_after_a_chunked_one_on_the_same_connection(
    fake: FakeChatAPI, http: httpx.Client
) -> None:
    fake.reply("one")
    fake.reply("two")
    first = http.post("/chat/completions", content=iter([json.dumps(HI).encode()]))
    second = http.post("/chat/completions", json=HI)
    assert [
        first.json()["choices"][0]["message"]["content"],
        second.json()["choices"][0]["message"]["content"],
    ] == ["one", "two"]


def test_a_reply_made_by_a_rule_for_each_request(fake: FakeChatAPI, http: httpx.Client) -> None:
    def rule(body: dict[str, Any]) -> dict[str, Any]:
        if body.get("tools"):
            return {"tool_calls": [FakeToolCall(body["tools"][0]["function"]["name"], {"n": 1})]}
        return {"chunks": ["You said: ", body["messages"][-1]["content"]]}

    reply = fake.reply_by(rule)
    plain = http.post("/chat/completions", json=HI).json()
    assert plain["choices"][0]["message"]["content"] == "You said: Hi"
    tool = {"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}
    called = http.post("/chat/completions", json={**HI, "tools": [tool]}).json()["choices"][0]
    assert called["finish_reason"] == "tool_calls"
    function = called["message"]["tool_calls"][0]["function"]
    assert (function["name"], json.loads(function["arguments"])) == ("add", {"n": 1})
    streamed = events(http.post("/chat/completions", json={**HI, "stream": True}))
    deltas = [event["choices"][0]["delta"].get("content") for event in streamed]
    assert [delta for delta in deltas if delta] == ["You said: ", "Hi"]
    assert reply.uses == 3
    assert fake.unused == []
