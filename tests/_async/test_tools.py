"""Tools, structured output, reasoning and images end to end: recordings and scripted servers."""

from __future__ import annotations

import dataclasses
import inspect
import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from tests.helpers import Recorder, TrackedStream, chunk, completion, sse
from tests.recorded import CALCULATOR, SOMETHING, Numbers
from tests.replay import Replay, folder_of
from ycloud_chat import (
    AsyncChatModel,
    AsyncChatSDK,
    AsyncToolCall,
    ChatModelResult,
    ChatModelStatus,
    ConfigurationError,
    FunctionTool,
    IncompleteStreamError,
    StructuredOutputError,
    ToolArgumentsError,
    ToolError,
    ToolRoundsExceededError,
    ToolRunError,
    function_tool,
    image_part,
)

from .support import collect

Result = ChatModelResult[AsyncToolCall]
IS_ASYNC = inspect.iscoroutinefunction(AsyncChatModel.run)


def replay_sdk(replay: Replay) -> AsyncChatSDK:
    folder = folder_of(replay.interactions[0])
    client = httpx.AsyncClient(transport=httpx.MockTransport(replay))
    return AsyncChatSDK(folder_id=folder, auth="test-api-key", http_client=client)


def scripted_sdk(recorder: Recorder) -> AsyncChatSDK:
    client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    return AsyncChatSDK(base_url="http://127.0.0.1:9/v1", http_client=client)


def streamed(*payloads: Any) -> httpx.Response:
    body = TrackedStream(sse(*payloads))
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=body)


def tool_calls_answer(*calls: tuple[str, str, dict[str, Any]]) -> httpx.Response:
    """A completion asking for tool calls, each given as (id, name, arguments)."""
    body = completion("", finish_reason="tool_calls")
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": id_, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        for id_, name, args in calls
    ]
    return httpx.Response(200, json=body)


def something(numbers: list[int]) -> str:
    """Add ten to the sum of the numbers and double it."""
    return f"+{float(sum(numbers) + 10)}"


async def test_recorded_function_call_answered_by_run_tools() -> None:
    tool = _recorded(something)
    replay = Replay("test_completions/test_function_call")
    async with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(tools=tool)
        run = await model.run_tools("do a SOMETHING with all the numbers from: 5, 4, a, 1")
    assert replay.done
    assert run.rounds == 2
    assert run.text.endswith("is +20.0.")
    assert [message["role"] for message in run.messages] == [
        "user",
        "assistant",
        "tool",
        "assistant",
    ]
    assert run.messages[2] == {"role": "tool", "tool_call_id": "something", "content": "+20.0"}
    assert run.messages[-1] == {"role": "assistant", "content": run.text}


def _recorded(function: Any) -> FunctionTool:
    """A tool made from `function` whose wire form is the recorded tool's, byte for byte."""
    runnable = function_tool(function, name="something")
    return runnable.model_copy(
        update={
            "description": SOMETHING.description,
            "parameters": SOMETHING.parameters,
        }
    )


async def test_recorded_function_call_run_by_the_call() -> None:
    replay = Replay("test_completions/test_function_call")
    async with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(tools=_recorded(something))
        question = "do a SOMETHING with all the numbers from: 5, 4, a, 1"
        result = await model.run(question)
        (call,) = result.tool_calls or ()
        assert call.tool is not None
        assert call.tool.name == "something"
        answer = await call.run()
        assert answer == {"role": "tool", "tool_call_id": "something", "content": "+20.0"}
        final = await model.run([question, result, answer])
    assert replay.done
    assert final.status is ChatModelStatus.FINAL


async def test_recorded_structured_output_is_parsed() -> None:
    replay = Replay("test_completions/test_structured_output_pydantic_model")
    async with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(response_format=Numbers)
        result = await model.run("collect all numbers from: 5, 4, a, 1")
    assert replay.done
    assert result.parsed == Numbers(numbers=[5, 4, 1])
    assert result.parse(Numbers).numbers == [5, 4, 1]


def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression; `@` means `a - b - 10`."""
    left, right = (int(part) for part in expression.split("@"))
    return str(left - right - 4)


async def test_recorded_streamed_tool_call_is_run() -> None:
    tool = function_tool(calculator).model_copy(
        update={
            "description": CALCULATOR.description,
            "parameters": CALCULATOR.parameters,
            "strict": True,
        }
    )
    replay = Replay("test_completions/test_stream_function_call[qwen3-235b-a22b-fp8]")
    async with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("qwen3-235b-a22b-fp8").configure(tools=[tool])
        question = "How much it would be 7@8?"
        async with model.run_stream(question) as stream:
            partials = [partial async for partial in stream]
        assert [p.status for p in partials if p.tool_calls] == [ChatModelStatus.TOOL_CALLS]
        whole = stream.result
        assert whole is not None
        assert whole.status is ChatModelStatus.TOOL_CALLS
        (call,) = whole.tool_calls or ()
        assert call.tool is tool
        answer = await call.run()
        assert answer["content"] == "-5"
        async with model.run_stream([question, whole, answer]) as stream:
            final = [partial async for partial in stream]
    assert replay.done
    assert final[-1].text == "The result of 7@8 is -5."


class Weather(BaseModel):
    city: str
    degrees: int


@dataclasses.dataclass
class Point:
    x: int
    y: int


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


async def weather(city: str) -> Weather:
    """The weather in a city."""
    return Weather(city=city, degrees=len(city))


async def test_run_tools_with_sync_and_async_functions_called_twice() -> None:
    recorder = Recorder(
        tool_calls_answer(
            ("c1", "add", {"a": 1, "b": 2}),
            ("c2", "weather", {"city": "Oslo"}),
            ("c3", "add", {"a": "10", "b": 20}),
        ),
        httpx.Response(200, json=completion("3, 30, and 4 degrees in Oslo")),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=[add, weather])
        run = await model.run_tools([{"role": "system", "text": "Be brief"}, "Go"])
    first, second = recorder.bodies()
    assert [tool["function"]["name"] for tool in first["tools"]] == ["add", "weather"]
    assert first["tools"][0]["function"]["description"] == "Add two integers."
    assert first["tools"][0]["function"]["parameters"]["properties"]["a"] == {
        "description": "the first.",
        "type": "integer",
    }
    answers = second["messages"][3:]
    assert answers == [
        {"role": "tool", "content": "3", "tool_call_id": "c1"},
        {"role": "tool", "content": '{"city":"Oslo","degrees":4}', "tool_call_id": "c2"},
        {"role": "tool", "content": "30", "tool_call_id": "c3"},
    ]
    assert second["messages"][2]["tool_calls"][2]["id"] == "c3"
    assert run.rounds == 2
    assert run.result.text == "3, 30, and 4 degrees in Oslo"
    assert [m["role"] for m in run.messages] == ["system", "user", "assistant"] + ["tool"] * 3 + [
        "assistant"
    ]
    assert run.messages[:6] == second["messages"]


async def test_run_tools_transcript_continues_the_chat() -> None:
    recorder = Recorder(
        tool_calls_answer(("c1", "add", {"a": 2, "b": 2})),
        httpx.Response(200, json=completion("4")),
        httpx.Response(200, json=completion("8")),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add)
        run = await model.run_tools("2+2?")
        again = await model.run([*run.messages, "Double it"])
    assert again.text == "8"
    sent = recorder.bodies()[2]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]


async def test_a_turns_calls_run_concurrently_on_the_async_face_in_order_on_the_sync_face() -> None:
    events: list[str] = []

    async def slow(name: str) -> str:
        """Record when the call starts and ends."""
        events.append(f"start {name}")
        from ycloud_chat._concurrency import async_sleep

        await async_sleep(0.05)
        events.append(f"end {name}")
        return name

    recorder = Recorder(
        tool_calls_answer(("c1", "slow", {"name": "a"}), ("c2", "slow", {"name": "b"})),
        httpx.Response(200, json=completion("done")),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=slow)
        run = await model.run_tools("go")
    assert run.messages[2:4] == [
        {"role": "tool", "tool_call_id": "c1", "content": "a"},
        {"role": "tool", "tool_call_id": "c2", "content": "b"},
    ]
    if IS_ASYNC:
        # Both start before either ends (trio starts tasks in no fixed order).
        assert sorted(events[:2]) == ["start a", "start b"]
        assert sorted(events[2:]) == ["end a", "end b"]
    else:
        assert events == ["start a", "end a", "start b", "end b"]


async def test_a_failing_tool_raises_with_the_transcript_so_far() -> None:
    def broken(x: int) -> int:
        """Always fails."""
        raise LookupError(f"no such thing: {x}")

    recorder = Recorder(
        tool_calls_answer(("c1", "add", {"a": 1, "b": 1}), ("c2", "broken", {"x": 7}))
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=[add, broken])
        with pytest.raises(ToolRunError) as info:
            await model.run_tools("go")
    error = info.value
    assert isinstance(error.__cause__, LookupError)
    assert (error.tool_name, error.tool_call_id) == ("broken", "c2")
    assert "tool 'broken' (call 'c2') failed: LookupError: no such thing: 7" in str(error)
    # The calls that worked keep their answers; the failed one is left to the caller.
    assert [m["role"] for m in error.messages] == ["user", "assistant", "tool"]
    assert error.messages[2] == {"role": "tool", "tool_call_id": "c1", "content": "2"}
    assert len(recorder.requests) == 1


async def test_tool_errors_can_be_sent_to_the_model_to_correct_itself() -> None:
    def broken(x: int) -> int:
        """Fails for odd numbers."""
        if x % 2:
            raise ValueError(f"{x} is odd")
        return x

    recorder = Recorder(
        tool_calls_answer(
            ("c1", "broken", {"x": 7}), ("c2", "broken", {"x": "seven"}), ("c3", "nowhere", {})
        ),
        tool_calls_answer(("c4", "broken", {"x": 8})),
        httpx.Response(200, json=completion("8 it is")),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=broken)
        run = await model.run_tools("go", tool_errors="send")
    assert run.text == "8 it is"
    assert run.rounds == 3
    sent = recorder.bodies()[1]["messages"][2:]
    assert [message["tool_call_id"] for message in sent] == ["c1", "c2", "c3"]
    assert sent[0]["content"] == "Error: tool 'broken' (call 'c1') failed: ValueError: 7 is odd"
    assert sent[1]["content"].startswith("Error: the arguments of tool 'broken' do not validate")
    assert "called 'nowhere', which is not among the configured tools" in sent[2]["content"]


async def test_run_tools_stops_after_max_rounds_with_every_call_answered() -> None:
    recorder = Recorder(tool_calls_answer(("c1", "add", {"a": 1, "b": 1})))
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add)
        with pytest.raises(ToolRoundsExceededError) as info:
            await model.run_tools("loop", max_rounds=3)
    error = info.value
    assert len(recorder.requests) == 3
    assert error.max_rounds == 3
    assert error.result.status is ChatModelStatus.TOOL_CALLS
    assert [m["role"] for m in error.messages] == ["user"] + ["assistant", "tool"] * 3
    assert "after 3 rounds" in str(error)


async def test_bad_arguments_and_unknown_tools_are_clear_errors() -> None:
    recorder = Recorder(
        tool_calls_answer(("c1", "add", {"a": "one", "b": 2})),
        tool_calls_answer(("c2", "nowhere", {})),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add)
        with pytest.raises(ToolArgumentsError) as info:
            await model.run_tools("go")
        assert info.value.raw == '{"a": "one", "b": 2}'
        assert info.value.tool_call_id == "c1"
        assert info.value.errors[0]["loc"] == ("a",)
        assert "a: Input should be a valid integer" in str(info.value)
        assert len(info.value.messages) == 2
        with pytest.raises(ToolError, match="called 'nowhere', which is not among"):
            await model.run_tools("go")


async def test_run_tools_checks_its_arguments_before_any_request() -> None:
    recorder = Recorder(httpx.Response(200, json=completion("unused")))
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m")
        with pytest.raises(ConfigurationError, match="needs tools"):
            await model.run_tools("go")
        schema_only = model.configure(tools=FunctionTool(name="lookup"))
        with pytest.raises(ConfigurationError, match="these tools have none: lookup"):
            await schema_only.run_tools("go")
        for bad in (0, -1, 2.5, True, "3"):
            with pytest.raises(ConfigurationError, match="max_rounds must be a positive integer"):
                await model.configure(tools=add).run_tools("go", max_rounds=bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match='tool_errors must be "raise" or "send"'):
            await model.configure(tools=add).run_tools("go", tool_errors="ignore")  # type: ignore[arg-type]
    assert recorder.requests == []


async def test_a_schema_tool_call_is_answered_by_hand() -> None:
    recorder = Recorder(tool_calls_answer(("c1", "Point", {"x": 1, "y": "2"})))
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=Point)
        result = await model.run("where?")
    (call,) = result.tool_calls or ()
    assert call.validate_arguments() == Point(x=1, y=2)
    with pytest.raises(ToolError, match="not made from a Python function"):
        await call.run()
    assert call.answer(Point(x=1, y=2)) == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": '{"x":1,"y":2}',
    }


async def test_streamed_tool_call_deltas_are_bound_and_run() -> None:
    def call_delta(**fields: Any) -> dict[str, Any]:
        return chunk(tool_calls=[fields])

    recorder = Recorder(
        streamed(
            chunk(role="assistant", content=""),
            call_delta(index=0, id="call-1", type="", function={"name": "add", "arguments": ""}),
            call_delta(index=0, id="", function={"arguments": '{"a": 4,'}),
            call_delta(index=0, function={"arguments": ' "b": 5}'}),
            chunk(finish_reason="tool_calls"),
            "[DONE]",
        ),
        httpx.Response(200, json=completion("9")),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add)
        async with model.run_stream("4+5") as stream:
            partials = [partial async for partial in stream]
        assert all(p.tool_calls is None for p in partials[:-1])
        (call,) = partials[-1].tool_calls or ()
        assert (call.id, call.type, call.function.arguments) == (
            "call-1",
            "function",
            {"a": 4, "b": 5},
        )
        answer = await call.run()
        final = await model.run(["4+5", partials[-1], answer])
    assert answer["content"] == "9"
    assert final.text == "9"
    sent = recorder.bodies()[1]["messages"]
    assert sent[1]["tool_calls"][0]["function"] == {"name": "add", "arguments": '{"a": 4, "b": 5}'}


async def test_structured_output_validation_error_keeps_the_text() -> None:
    truncated_answer = completion('{"city": "Oslo"}', finish_reason="length")
    recorder = Recorder(
        httpx.Response(200, json=completion('```json\n{"city": "Oslo", "degrees": 4}\n```')),
        httpx.Response(200, json=truncated_answer),
        httpx.Response(200, json=truncated_answer),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(response_format=Weather)
        assert (await model.run("weather?")).parsed == Weather(city="Oslo", degrees=4)
        truncated = await model.run("weather?")
        limited = await model.configure(max_tokens=1).run("weather?")
    with pytest.raises(StructuredOutputError) as info:
        truncated.parsed  # noqa: B018
    assert info.value.text == '{"city": "Oslo"}'
    assert info.value.errors[0]["type"] == "missing"
    # No max_tokens was sent, so the context cut the answer; the error says so.
    assert "cut short by the model's context size (no max_tokens was set)" in str(info.value)
    with pytest.raises(StructuredOutputError, match=r"cut short by max_tokens=1\)"):
        limited.parsed  # noqa: B018
    assert recorder.bodies()[0]["response_format"]["json_schema"]["name"] == "Weather"


async def test_reasoning_is_sent_and_received() -> None:
    body = completion("42")
    body["choices"][0]["message"]["reasoning_content"] = "Let me think."
    recorder = Recorder(
        httpx.Response(200, json=body),
        streamed(
            chunk(reasoning_content="Hm"),
            chunk(reasoning="m, yes."),
            chunk(content="42", finish_reason="stop"),
            "[DONE]",
        ),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(reasoning_mode="HIGH")
        result = await model.run("?")
        async with model.run_stream("?") as stream:
            partials = [partial async for partial in stream]
    assert result.reasoning_text == "Let me think."
    assert [p.reasoning_delta for p in partials] == ["Hm", "m, yes.", ""]
    assert partials[-1].reasoning_text == "Hmm, yes."
    assert [body["reasoning_effort"] for body in recorder.bodies()] == ["high", "high"]


async def test_an_image_part_goes_out_as_a_data_url() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    recorder = Recorder(httpx.Response(200, json=completion("a square")))
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m")
        message = {
            "role": "user",
            "content": [{"type": "text", "text": "What is it?"}, image_part(png, detail="low")],
        }
        await model.run(message)
    (sent,) = recorder.bodies()[0]["messages"]
    assert sent["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAAAAAAAAA==", "detail": "low"},
    }


async def test_a_tool_calls_turn_has_nothing_to_parse_and_results_pickle() -> None:
    import pickle

    recorder = Recorder(tool_calls_answer(("c1", "add", {"a": 1, "b": 2})))
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add, response_format=Weather)
        result = await model.run("go")
    parsed: object = result.parsed  # typed Weather: the turn only asks for tools, so None
    assert parsed is None
    copy: Result = pickle.loads(pickle.dumps(result))
    assert copy == result
    (call,) = copy.tool_calls or ()
    assert call.tool is not None
    assert call.tool.function is add
    assert call.validate_arguments() == {"a": 1, "b": 2}
    assert pickle.loads(pickle.dumps(model.config)) == model.config


CALL_DELTAS = [
    chunk(tool_calls=[{"index": 0, "id": "c1", "function": {"name": "add"}}]),
    chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"a": 1, "b": 2}'}}]),
]


async def test_tool_calls_of_a_stream_that_ends_without_a_finish_reason() -> None:
    recorder = Recorder(streamed(*CALL_DELTAS, "[DONE]"))
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add)
        async with model.run_stream("1+2") as stream:
            partials = [partial async for partial in stream]
    # The pieces of the call bring nothing to show; the stream's end gives the whole call.
    assert [p.status for p in partials] == [ChatModelStatus.TOOL_CALLS]
    (call,) = partials[-1].tool_calls or ()
    assert call.function.arguments == {"a": 1, "b": 2}
    assert (await call.run())["content"] == "3"


async def test_tool_calls_of_a_stream_cut_short_come_with_its_error() -> None:
    recorder = Recorder(streamed(*CALL_DELTAS))  # no finish reason, no [DONE]
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m").configure(tools=add)
        with pytest.raises(IncompleteStreamError, match=r"without \[DONE\]") as caught:
            await collect(model.run_stream("1+2"))
    partial = caught.value.result
    assert partial is not None
    assert partial.status == ChatModelStatus.PARTIAL
    assert partial.tool_calls is not None
    (call,) = partial.tool_calls
    assert call.function.arguments == {"a": 1, "b": 2}


async def test_streams_ask_other_servers_for_the_usage_chunk() -> None:
    recorder = Recorder(
        streamed(chunk(content="hi", finish_reason="stop"), "[DONE]"),
        streamed(chunk(content="hi", finish_reason="stop"), "[DONE]"),
    )
    async with scripted_sdk(recorder) as sdk:
        model = sdk.chat.completions("m")
        async with model.run_stream("hi") as stream:
            _ = [partial async for partial in stream]
        quiet = model.configure(extra_query={"stream_options": {"include_usage": False}})
        async with quiet.run_stream("hi") as stream:
            _ = [partial async for partial in stream]
    first, second = recorder.bodies()
    assert first["stream_options"] == {"include_usage": True}
    assert second["stream_options"] == {"include_usage": False}  # extra_query wins
