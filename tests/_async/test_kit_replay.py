"""The testing kit reproduces production recordings: scripted from a cassette, it makes the SDK
send the recorded requests and return exactly the results the recording gives."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from tests.recorded import CALCULATOR, SOMETHING, Numbers
from tests.replay import Replay, folder_of, recorded_body
from ycloud_chat import AsyncChatSDK, AsyncChatStream, TextMessage
from ycloud_chat.testing import FakeChatAPI, FakeToolCall

from .support import collect, make_sdk

pytestmark = pytest.mark.usefixtures("http_backend")

Flow = Callable[[AsyncChatSDK], Any]  # a coroutine function on the async face


def stream_of(sdk: AsyncChatSDK, model: str, messages: Any, **config: Any) -> AsyncChatStream:
    return sdk.chat.completions(model).configure(**config).run_stream(messages)


async def run_flow(sdk: AsyncChatSDK) -> list[Any]:
    return [await sdk.chat.completions("qwen3-235b-a22b-fp8").run("hello")]


async def run_stream_flow(sdk: AsyncChatSDK) -> list[Any]:
    question = "hello! could you please tell me about platypuses?"
    return await collect(stream_of(sdk, "qwen3-235b-a22b-fp8", question))


async def chat_flow(sdk: AsyncChatSDK) -> list[Any]:
    model = sdk.chat.completions("qwen3-235b-a22b-fp8")
    history: list[Any] = [
        TextMessage(role="system", text="Your name is Arkadiy"),
        "Hello! how is your name?",
    ]
    first = await model.run(history)
    history += [first, {"role": "user", "text": "My name is Andrew"}]
    second = await model.run(history)
    history += [second, "What is my name?"]
    return [first, second, await model.run(history)]


async def function_call_flow(sdk: AsyncChatSDK) -> list[Any]:
    model = sdk.chat.completions("yandexgpt").configure(tools=SOMETHING)
    question = "do a SOMETHING with all the numbers from: 5, 4, a, 1"
    result = await model.run(question)
    tool_result = {"role": "tool", "tool_call_id": "something", "content": "+20.0"}
    return [result, await model.run([question, result, tool_result])]


async def structured_flow(sdk: AsyncChatSDK) -> list[Any]:
    model = sdk.chat.completions("yandexgpt").configure(response_format=Numbers)
    return [await model.run("collect all numbers from: 5, 4, a, 1")]


async def stream_function_call_flow(sdk: AsyncChatSDK) -> list[Any]:
    calculator = CALCULATOR
    question = "How much it would be 7@8?"
    first: list[Any] = await collect(
        stream_of(sdk, "qwen3-235b-a22b-fp8", question, tools=[calculator])
    )
    finished = next(partial for partial in first if partial.tool_calls)
    call = finished.tool_calls[0]
    tool_message = {"role": "tool", "tool_call_id": call.id, "content": "-5"}
    messages = [question, finished, tool_message]
    return first + await collect(
        stream_of(sdk, "qwen3-235b-a22b-fp8", messages, tools=[calculator])
    )


async def list_flow(sdk: AsyncChatSDK) -> list[Any]:
    return [model.uri for model in await sdk.chat.completions.list()]


FLOWS: dict[str, Flow] = {
    "test_completions/test_run": run_flow,
    "test_completions/test_run_stream": run_stream_flow,
    "test_completions/test_chat": chat_flow,
    "test_completions/test_function_call": function_call_flow,
    "test_completions/test_structured_output_pydantic_model": structured_flow,
    "test_completions/test_stream_function_call[qwen3-235b-a22b-fp8]": stream_function_call_flow,
    "test_uri_parser/test_completion_uri_parser": list_flow,
}


def script(fake: FakeChatAPI, interaction: dict[str, Any]) -> None:
    """Script the fake to give the recorded answer of one interaction."""
    response = interaction["response"]
    body = response["body"]["string"]
    headers = {name: values[0] for name, values in response["headers"].items()}
    server_headers = {k: v for k, v in headers.items() if k == "x-request-id"}
    if interaction["request"]["method"] == "GET":
        fake.reply_models([item["id"] for item in json.loads(body)["data"]])
    elif headers["content-type"] == "text/event-stream":
        script_stream(fake, body, server_headers)
    else:
        data = json.loads(body)
        (choice,) = data["choices"]
        message = choice["message"]
        fake.reply(
            message["content"] or "",
            tool_calls=[
                FakeToolCall(c["function"]["name"], c["function"]["arguments"], id=c["id"])
                for c in message.get("tool_calls") or []
            ],
            finish_reason=choice["finish_reason"],
            usage=data["usage"],
            response_id=data["id"],
            response_model=data["model"],
            created=data["created"],
            headers=server_headers,
        )


def script_stream(fake: FakeChatAPI, body: str, headers: dict[str, str]) -> None:
    """Script a recorded vLLM-style stream: its content pieces, tool-call pieces and usage."""
    events = [line[len("data: ") :] for line in body.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    pieces: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish_reason = usage = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk["choices"]:
            delta = choice["delta"]
            finish_reason = choice.get("finish_reason") or finish_reason
            if "content" in delta or not (delta or choice.get("finish_reason")):
                pieces.append(delta.get("content") or "")  # vLLM sends some empty deltas
            for call in delta.get("tool_calls") or []:
                merged = calls.setdefault(call["index"], {"id": "", "name": "", "chunks": []})
                merged["id"] = merged["id"] or call.get("id", "")
                merged["name"] += call["function"].get("name", "")
                arguments = call["function"]["arguments"]
                merged["chunks"] += [arguments] if arguments else []
    fake.reply_stream(
        pieces,
        tool_calls=[
            FakeToolCall(c["name"], "".join(c["chunks"]), id=c["id"], chunks=c["chunks"])
            for c in calls.values()
        ],
        finish_reason=finish_reason,
        usage=usage,
        response_id=chunks[0]["id"],
        response_model=chunks[0]["model"],
        created=chunks[0]["created"],
        headers=headers,
    )


def comparable(results: list[Any]) -> list[Any]:
    """What the SDK returned, less the request ids (fresh on every call, or made up)."""
    ids = {"request_id", "server_request_id"}
    return [r.model_dump(exclude=ids) if isinstance(r, BaseModel) else r for r in results]


@pytest.mark.parametrize("name", sorted(FLOWS))
async def test_the_kit_reproduces_the_recording(name: str) -> None:
    replay = Replay(name)
    folder = folder_of(replay.interactions[0])
    async with make_sdk(replay, folder_id=folder, auth="key") as sdk:
        recorded = await FLOWS[name](sdk)
    assert replay.done

    fake = FakeChatAPI()
    for interaction in replay.interactions:
        script(fake, interaction)
    async with make_sdk(fake.transport(), folder_id=folder, auth="key") as sdk:
        faked = await FLOWS[name](sdk)

    assert comparable(faked) == comparable(recorded)
    assert [request.json for request in fake.requests] == [
        recorded_body(interaction) for interaction in replay.interactions
    ]
    assert fake.unused == []
