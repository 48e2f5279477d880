"""What code written for the reference SDK does, done through this face: the same requests and
the same answers (tool schemas, response formats, tool choice, names, errors)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Recorder, chunk, completion, sse
from ycloud_chat import (
    AsyncChatSDK,
    ChatModelStatus,
    ConfigurationError,
    ConfigurationTypeError,
    FinishReason,
)

from .support import collect, make_sdk

SCHEMA: dict[str, Any] = {
    "properties": {"numbers": {"items": {"type": "integer"}, "title": "Numbers", "type": "array"}},
    "required": ["numbers"],
    "title": "Numbers",
    "type": "object",
}


def ok(text: str = "hi", **message: Any) -> httpx.Response:
    body = completion(text)
    body["choices"][0]["message"].update(message)
    return httpx.Response(200, json=body)


async def test_a_tool_from_a_schema_takes_its_title_and_description() -> None:
    recorder = Recorder(ok())
    async with make_sdk(recorder) as sdk:
        tool = sdk.tools.function({**SCHEMA, "description": "Collect the numbers."})
        await sdk.chat.completions("yandexgpt").configure(tools=tool).run("1, 2")
    (sent,) = recorder.bodies()[0]["tools"]
    assert sent == {
        "type": "function",
        "function": {
            "name": "Numbers",
            "description": "Collect the numbers.",
            "parameters": {**SCHEMA, "description": "Collect the numbers."},
            "strict": None,
        },
    }


async def test_a_response_format_under_the_jsonschema_key() -> None:
    recorder = Recorder(ok('{"numbers": [1]}'))
    async with make_sdk(recorder) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(
            response_format={"jsonschema": SCHEMA, "name": "numbers", "strict": True}
        )
        result = await model.run("1")
    assert recorder.bodies()[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"schema": SCHEMA, "name": "numbers", "strict": True},
    }
    assert result.parsed == {"numbers": [1]}


async def test_tool_choice_keeps_its_instruction() -> None:
    recorder = Recorder(ok())
    choice = {"type": "function", "function": {"name": "Numbers", "instruction": "Use it."}}
    async with make_sdk(recorder) as sdk:
        tool = sdk.tools.function(SCHEMA)
        await sdk.chat.completions("yandexgpt").configure(tools=tool, tool_choice=choice).run("x")
    assert recorder.bodies()[0]["tool_choice"] == choice


async def test_content_and_reasoning_content_name_the_text_and_the_reasoning() -> None:
    recorder = Recorder(ok("42", reasoning_content="six times seven"))
    async with make_sdk(recorder) as sdk:
        result = await sdk.chat.completions("qwen3").run("x")
    assert (result.content, result.reasoning_content) == ("42", "six times seven")
    assert (result[0].content, result[0].reasoning_content) == ("42", "six times seven")
    assert result.finish_reason is FinishReason.STOP


async def test_tool_results_after_calls_in_a_message_whose_role_is_tool() -> None:
    recorder = Recorder(ok("+20"))
    calls = {"role": "tool", "tool_calls": [{"id": "1", "function": {"name": "something"}}]}
    async with make_sdk(recorder) as sdk:
        await sdk.chat.completions("yandexgpt").run(
            ["q", calls, {"tool_results": [{"name": "something", "content": "+20.0"}]}]
        )
    assert recorder.bodies()[0]["messages"][1:] == [
        calls,
        {"role": "tool", "content": "+20.0", "tool_call_id": "1"},
    ]


async def test_stream_chunks_have_finish_reasons_and_the_aliases() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    body = sse(
        chunk(role="assistant"),
        chunk("4", reasoning_content="2+2"),
        chunk(finish_reason="stop"),
        {"id": "c1", "choices": [], "usage": usage},
        "[DONE]",
    )
    recorder = Recorder(
        httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"".join(body))
    )
    async with make_sdk(recorder) as sdk:
        partials = await collect(sdk.chat.completions("qwen3").run_stream("2+2?"))
    assert [(p.content, p.reasoning_content) for p in partials] == [("4", "2+2")] * 3
    assert [p.finish_reason for p in partials] == [None, FinishReason.STOP, FinishReason.USAGE]
    assert [p.status for p in partials] == [
        ChatModelStatus.PARTIAL,
        ChatModelStatus.FINAL,
        ChatModelStatus.USAGE,
    ]


@pytest.mark.parametrize(
    "configure",
    [
        {"response_format": True},
        {"temperature": "0.5"},
        {"max_tokens": 1.5},
        {"tools": 42},
        {"tool_choice": 42},
    ],
)
async def test_a_wrong_type_in_configure_is_a_type_error(configure: dict[str, Any]) -> None:
    async with make_sdk(Recorder()) as sdk:
        with pytest.raises(TypeError) as caught:
            sdk.chat.completions("yandexgpt").configure(**configure)
    assert isinstance(caught.value, ConfigurationTypeError)


async def test_wrong_types_elsewhere_are_type_errors_too() -> None:
    recorder = Recorder(ok())
    async with make_sdk(recorder) as sdk:
        with pytest.raises(TypeError):
            sdk.chat.completions(5)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            sdk.chat.text_embeddings("e", model_version=2)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await sdk.chat.completions("m").run("x", timeout="5")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await sdk.chat.text_embeddings("e").run(["a", 1])  # type: ignore[list-item]
        with pytest.raises(TypeError):
            sdk.tools.function(SCHEMA, strict="yes")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            sdk.with_options(max_retries="2")  # type: ignore[arg-type]
    assert recorder.requests == []
    wrong: list[dict[str, Any]] = [
        {"timeout": "10"},
        {"max_retries": 1.0},
        {"folder_id": 5},
        {"base_url": 5},
    ]
    for kwargs in wrong:
        with pytest.raises(ConfigurationTypeError):
            AsyncChatSDK(**{"auth": "k", "folder_id": "f", **kwargs})


async def test_a_wrong_value_of_the_right_type_is_no_type_error() -> None:
    async with make_sdk(Recorder()) as sdk:
        with pytest.raises(ConfigurationError) as caught:
            sdk.chat.completions("yandexgpt").configure(temperature=5)
    assert not isinstance(caught.value, TypeError)
