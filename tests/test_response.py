from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from ycloud_chat import (
    APIResponseError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ChatChoice,
    ChatModelResult,
    ChatModelStatus,
    ConflictError,
    DeltaChatChoice,
    FinishReason,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    ToolArgumentsError,
    ToolCall,
    UnprocessableEntityError,
    YCloudChatError,
)
from ycloud_chat._messages import coerce_messages
from ycloud_chat._response import (
    ResponseContext,
    decode_json,
    error_from_response,
    parse_completion,
    parse_model_list,
)
from ycloud_chat._sse import ServerSentEvent, SSEDecoder
from ycloud_chat._streaming import StreamAccumulator

CASSETTES = Path(__file__).parent / "cassettes"
Result = ChatModelResult[ToolCall]

# 2023-11-14 22:13:20 UTC
CREATED = 1_700_000_000
CREATED_AT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


def context() -> ResponseContext[ToolCall]:
    return ResponseContext(ToolCall, "rid", None)


def cassette(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CASSETTES / name).read_text())
    return data


def completion(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt://f/yandexgpt/latest",
        "choices": list(choices),
        **extra,
    }


def choice(
    content: Any = "Hello",
    finish_reason: Any = "stop",
    index: int = 0,
    **message: Any,
) -> dict[str, Any]:
    return {
        "index": index,
        "message": {"role": "assistant", "content": content, **message},
        "finish_reason": finish_reason,
    }


def chunk(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt://qwen3-235b-a22b-fp8/latest",
        "choices": list(choices),
        **extra,
    }


def delta(index: int = 0, finish: Any = ..., **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"index": index, "delta": fields}
    if finish is not ...:
        item["finish_reason"] = finish
    return item


def tool_delta(
    index: int, call_id: str = "", kind: str = "", name: str = "", arguments: str = ""
) -> dict[str, Any]:
    return {
        "index": index,
        "id": call_id,
        "type": kind,
        "function": {"name": name, "arguments": arguments},
    }


class Call(NamedTuple):
    """The ids, attempts and headers of one call, as the transport's exchange carries them."""

    request_id: str | None
    server_request_id: str | None
    attempts: int
    headers: Mapping[str, str] | None = None


def feed_data(accumulator: StreamAccumulator[ToolCall], data: str) -> Result | None:
    """One SSE event's data through the accumulator, as a stream feeds it; `[DONE]` gives None."""
    results = list(accumulator.feed_events([ServerSentEvent(data)]))
    return results[-1] if results else None


def feed(accumulator: StreamAccumulator[ToolCall], data: dict[str, Any]) -> Result:
    result = feed_data(accumulator, json.dumps(data))
    assert result is not None
    return result


def feed_nothing(accumulator: StreamAccumulator[ToolCall], data: dict[str, Any]) -> None:
    """Feed a chunk that brings nothing new: it gives no result."""
    last = accumulator.last
    assert feed_data(accumulator, json.dumps(data)) is None
    assert accumulator.last is last


def feed_sse(body: str) -> list[Result]:
    decoder = SSEDecoder()
    accumulator = StreamAccumulator(context())
    results = []
    events = decoder.feed(body.encode()) + decoder.close()
    assert events[-1].data == "[DONE]"
    for event in events:
        result = feed_data(accumulator, event.data)
        if result is not None:
            results.append(result)
    return results


# --- parse_completion -----------------------------------------------------------------------


def test_plain_text_completion() -> None:
    result = parse_completion(completion(choice("Hi there")), context())
    assert result.text == "Hi there"
    assert result.role == "assistant"
    assert result.status is ChatModelStatus.FINAL
    assert result.finish_reason == "stop"
    assert result.tool_calls is None
    assert result.reasoning_text is None
    assert result.delta == ""
    assert result.id == "cmpl-1"
    assert result.model == "gpt://f/yandexgpt/latest"
    assert result.request_id == "rid"
    assert result.server_request_id is None
    assert result.usage is None
    assert len(result) == 1
    assert result[0] is result.choices[0]
    assert list(result) == list(result.choices)


def test_created_is_aware_utc() -> None:
    created = parse_completion(completion(choice()), context()).created
    assert created == CREATED_AT
    assert created is not None
    assert created.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [None, "1700000000", True])
def test_created_missing_or_not_a_number(value: Any) -> None:
    assert parse_completion(completion(choice(), created=value), context()).created is None


def test_server_request_id_is_kept() -> None:
    result = parse_completion(completion(choice()), ResponseContext(ToolCall, "a", "b"))
    assert (result.request_id, result.server_request_id) == ("a", "b")


def test_null_content_and_missing_role() -> None:
    body = completion({"index": 0, "message": {"content": None}, "finish_reason": "stop"})
    result = parse_completion(body, context())
    assert result.text == ""
    assert result.role == "assistant"


def test_tool_calls_are_parsed() -> None:
    calls = [
        {
            "id": "chatcmpl-tool-abc",
            "type": "function",
            "function": {"name": "weather", "arguments": '{"city": "Moscow"}'},
        },
        {
            "id": "chatcmpl-tool-def",
            "type": "function",
            "function": {"name": "time", "arguments": ""},
        },
    ]
    body = completion(choice("", "tool_calls", tool_calls=calls))
    result = parse_completion(body, context())
    assert result.status is ChatModelStatus.TOOL_CALLS
    assert result.tool_calls is not None
    first, second = result.tool_calls
    assert isinstance(first, ToolCall)
    assert first.id == "chatcmpl-tool-abc"
    assert first.type == "function"
    assert first.function.name == "weather"
    assert first.function.raw_arguments == '{"city": "Moscow"}'
    assert first.function.arguments == {"city": "Moscow"}
    assert first.raw == calls[0]
    assert second.function.arguments == {}


def test_tool_call_without_id_uses_the_name_and_dict_arguments_are_encoded() -> None:
    calls = [{"function": {"name": "f", "arguments": {"x": 1}}}]
    result = parse_completion(completion(choice(None, "tool_calls", tool_calls=calls)), context())
    assert result.tool_calls is not None
    call = result.tool_calls[0]
    assert call.id == "f"
    assert call.type == "function"
    assert call.function.arguments == {"x": 1}
    assert json.loads(call.function.raw_arguments) == {"x": 1}


def test_tool_call_with_bad_json_arguments() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{oops"}}]
    result = parse_completion(completion(choice("", "tool_calls", tool_calls=calls)), context())
    assert result.tool_calls is not None
    call = result.tool_calls[0]
    assert call.function.raw_arguments == "{oops"
    with pytest.raises(ToolArgumentsError) as info:
        _ = call.function.arguments
    assert info.value.raw == "{oops"
    assert info.value.name == "f"


def test_recorded_yandexgpt_function_call() -> None:
    data = cassette("test_completions/test_function_call.yaml")
    body = json.loads(data["interactions"][0]["response"]["body"]["string"])
    result = parse_completion(body, context())
    assert result.status is ChatModelStatus.TOOL_CALLS
    assert result.tool_calls is not None
    (call,) = result.tool_calls
    assert call.id == "something"
    assert call.function.name == "something"
    assert call.function.arguments == {"numbers": [5, 4, 1]}
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (100, 14)
    assert result.usage.total_tokens == 114


def test_reasoning_content() -> None:
    body = completion(choice("42", reasoning_content="Let me think."))
    assert parse_completion(body, context()).reasoning_text == "Let me think."


def test_usage_with_reasoning_tokens() -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 20,
        "total_tokens": 30,
        "completion_tokens_details": {"reasoning_tokens": 12},
    }
    result = parse_completion(completion(choice(), usage=usage), context())
    assert result.usage is not None
    assert result.usage.prompt_tokens == 10
    assert result.usage.input_text_tokens == 10
    assert result.usage.completion_tokens == 20
    assert result.usage.total_tokens == 30
    assert result.usage.reasoning_tokens == 12


def test_usage_without_details() -> None:
    usage = {"prompt_tokens": 1, "total_tokens": 3, "completion_tokens": 2}
    result = parse_completion(completion(choice(), usage=usage), context())
    assert result.usage is not None
    assert result.usage.reasoning_tokens is None
    assert result.usage.total_tokens == 3


@pytest.mark.parametrize(
    ("finish_reason", "status"),
    [
        ("stop", ChatModelStatus.FINAL),
        ("length", ChatModelStatus.TRUNCATED_FINAL),
        ("content_filter", ChatModelStatus.CONTENT_FILTER),
        ("tool_calls", ChatModelStatus.TOOL_CALLS),
        (None, ChatModelStatus.PARTIAL),
        ("something_new", ChatModelStatus.UNKNOWN),
        ("", ChatModelStatus.UNKNOWN),
    ],
)
def test_finish_reason_mapping(finish_reason: str | None, status: ChatModelStatus) -> None:
    result = parse_completion(completion(choice("x", finish_reason)), context())
    assert result.status is status
    assert result.finish_reason == finish_reason


def test_absent_finish_reason_is_partial() -> None:
    body = completion({"index": 0, "message": {"role": "assistant", "content": "x"}})
    assert parse_completion(body, context()).status is ChatModelStatus.PARTIAL


def test_status_is_final() -> None:
    assert not ChatModelStatus.PARTIAL.is_final
    for status in ChatModelStatus:
        if status is not ChatModelStatus.PARTIAL:
            assert status.is_final


def test_several_choices() -> None:
    body = completion(choice("a", "stop", 0), choice("b", "length", 1))
    result = parse_completion(body, context())
    assert [c.text for c in result] == ["a", "b"]
    assert [c.index for c in result] == [0, 1]
    assert result.choices[1].status is ChatModelStatus.TRUNCATED_FINAL
    assert result.alternatives == result.choices
    assert result.text == "a"


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {},
        {"choices": None},
        {"choices": {"0": {}}},
        {"choices": [{"index": 0}]},
        {"choices": ["x"]},
        {"choices": [{"message": "text"}]},
    ],
)
def test_invalid_completion_bodies(body: Any) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        parse_completion(body, context())
    assert info.value.request_id == "rid"
    assert info.value.status_code == 200
    assert info.value.body == body


def test_decode_json() -> None:
    assert decode_json(b'{"a": 1}', context()) == {"a": 1}
    with pytest.raises(APIResponseValidationError, match="not JSON") as info:
        decode_json(b"<html>oops</html>", context(), status_code=201)
    assert info.value.status_code == 201
    assert info.value.request_id == "rid"
    assert "<html>oops</html>" in str(info.value)


# --- StreamAccumulator ----------------------------------------------------------------------


def test_qwen_style_text_stream() -> None:
    acc = StreamAccumulator(context())
    feed_nothing(acc, chunk(delta(role="assistant", content="")))  # a role alone is no news

    texts = []
    for piece in ["Hel", "lo", ", мир", "!"]:
        result = feed(acc, chunk(delta(content=piece)))
        texts.append((result.text, result.delta, result.status))
        assert result.role == "assistant"
        assert result.id == "chatcmpl-1"
        assert result.created == CREATED_AT
        assert result.request_id == "rid"
    assert texts == [
        ("Hel", "Hel", ChatModelStatus.PARTIAL),
        ("Hello", "lo", ChatModelStatus.PARTIAL),
        ("Hello, мир", ", мир", ChatModelStatus.PARTIAL),
        ("Hello, мир!", "!", ChatModelStatus.PARTIAL),
    ]

    final = feed(acc, chunk(delta(finish="stop")))
    assert (final.text, final.delta, final.status) == ("Hello, мир!", "", ChatModelStatus.FINAL)
    assert final.finish_reason == "stop"
    assert final.usage is None

    usage = {"prompt_tokens": 5, "total_tokens": 9, "completion_tokens": 4}
    last = feed(acc, chunk(usage=usage))
    assert last.status is ChatModelStatus.USAGE
    assert last.text == "Hello, мир!"
    assert last.delta == ""
    assert last.finish_reason == "usage"
    assert last.finish_reason is FinishReason.USAGE
    assert len(last) == 1
    assert isinstance(last[0], DeltaChatChoice)
    assert last.usage is not None
    assert last.usage.total_tokens == 9
    assert acc.usage == last.usage
    assert acc.last is last

    assert feed_data(acc, "[DONE]") is None
    assert acc.last is last
    assert acc.finish() is None
    whole = acc.last
    assert whole is not None
    assert (whole.text, whole.status, whole.finish_reason) == (
        "Hello, мир!",
        ChatModelStatus.FINAL,
        FinishReason.STOP,
    )
    assert whole.usage == last.usage
    assert (whole.id, whole.created, whole.request_id) == ("chatcmpl-1", CREATED_AT, "rid")
    assert type(whole[0]) is ChatChoice
    assert whole.delta == ""


def test_recorded_qwen_stream() -> None:
    data = cassette("test_completions/test_stream_function_call[qwen3-235b-a22b-fp8].yaml")
    results = feed_sse(data["interactions"][1]["response"]["body"]["string"])
    assert "".join(result.delta for result in results) == results[-1].text
    assert results[-1].text == "The result of 7@8 is -5."
    assert results[-2].status is ChatModelStatus.FINAL
    assert results[-1].status is ChatModelStatus.USAGE
    assert results[-1].usage is not None
    assert results[-1].usage.completion_tokens == 12
    assert all(result.status is ChatModelStatus.PARTIAL for result in results[:-2])
    assert results[0].model == "gpt://qwen3-235b-a22b-fp8/latest"


def test_recorded_tool_call_stream_round_trips_into_the_next_request() -> None:
    data = cassette("test_completions/test_stream_function_call[qwen3-235b-a22b-fp8].yaml")
    results = feed_sse(data["interactions"][0]["response"]["body"]["string"])
    finishing = next(r for r in results if r.status is ChatModelStatus.TOOL_CALLS)
    assert all(r.tool_calls is None for r in results[: results.index(finishing)])
    assert finishing.tool_calls is not None
    (call,) = finishing.tool_calls
    assert call.id == "chatcmpl-tool-ac80b103abf04365affb7135287855a6"
    assert call.type == "function"
    assert call.function.name == "calculator"
    assert call.function.arguments == {"expression": "7@8"}
    assert results[-1].status is ChatModelStatus.USAGE
    assert results[-1].tool_calls is None  # each call comes once, on the finishing chunk
    assert [r for r in results if r.tool_calls] == [finishing]

    sent = json.loads(data["interactions"][1]["request"]["body"])["messages"]
    wire = coerce_messages(
        [
            sent[0]["content"],
            finishing,
            {"tool_results": [{"name": "calculator", "content": "-5"}]},
        ]
    )
    assert wire == sent


def test_yandexgpt_style_single_chunk() -> None:
    acc = StreamAccumulator(context())
    result = feed(acc, chunk(delta(role="assistant", content="The whole answer.", finish="stop")))
    assert result.text == "The whole answer."
    assert result.delta == "The whole answer."
    assert result.status is ChatModelStatus.FINAL
    assert feed_data(acc, "[DONE]") is None


def test_explicit_null_finish_reason() -> None:
    acc = StreamAccumulator(context())
    result = feed(acc, chunk(delta(role="assistant", content="a", finish=None)))
    assert result.status is ChatModelStatus.PARTIAL
    assert result.finish_reason is None
    result = feed(acc, chunk(delta(content="b", finish=None)))
    assert (result.text, result.delta) == ("ab", "b")
    assert feed(acc, chunk(delta(finish="stop"))).status is ChatModelStatus.FINAL


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("length", ChatModelStatus.TRUNCATED_FINAL),
        ("content_filter", ChatModelStatus.CONTENT_FILTER),
        ("mystery", ChatModelStatus.UNKNOWN),
    ],
)
def test_final_chunks_are_never_dropped(reason: str, status: ChatModelStatus) -> None:
    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(content="part")))
    with_text = feed(acc, chunk(delta(content=" end", finish=reason)))
    assert (with_text.text, with_text.delta, with_text.status) == ("part end", " end", status)

    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(content="part")))
    empty = feed(acc, chunk(delta(finish=reason)))
    assert (empty.text, empty.delta, empty.status) == ("part", "", status)
    assert empty.finish_reason == reason


def test_gemma_style_tool_call_deltas() -> None:
    acc = StreamAccumulator(context())
    feed_nothing(acc, chunk(delta(role="assistant")))
    pieces = [
        tool_delta(0, "chatcmpl-tool-1", "function", "get_", ""),
        tool_delta(0, "", "", "weather", '{"ci'),
        tool_delta(0, "", "", "", 'ty": "Мос'),
        tool_delta(0, "", "", "", 'ква"}'),
    ]
    for piece in pieces:
        feed_nothing(acc, chunk(delta(tool_calls=[piece])))  # shown whole, when finished
    final = feed(acc, chunk(delta(finish="tool_calls")))
    assert final.status is ChatModelStatus.TOOL_CALLS
    assert final.tool_calls is not None
    (call,) = final.tool_calls
    assert isinstance(call, ToolCall)
    assert call.id == "chatcmpl-tool-1"
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert call.function.arguments == {"city": "Москва"}
    assert call.raw == {
        "index": 0,
        "id": "chatcmpl-tool-1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Москва"}'},
    }
    usage = feed(acc, chunk(usage={"prompt_tokens": 1, "completion_tokens": 1}))
    assert usage.status is ChatModelStatus.USAGE
    assert usage.finish_reason is FinishReason.USAGE
    assert usage.tool_calls is None
    acc.finish()
    assert acc.last is not None
    assert acc.last.status is ChatModelStatus.TOOL_CALLS
    assert acc.last.finish_reason is FinishReason.TOOL_CALLS
    assert acc.last.tool_calls == final.tool_calls
    assert acc.last.usage == usage.usage


def test_tool_call_deltas_without_id_or_type_keys() -> None:
    acc = StreamAccumulator(context())
    feed_nothing(acc, chunk(delta(tool_calls=[{"index": 0, "function": {"name": "f"}}])))
    feed_nothing(acc, chunk(delta(tool_calls=[{"index": 0, "id": "late-id"}])))
    feed_nothing(acc, chunk(delta(tool_calls=[{"index": 0, "function": {"arguments": "{}"}}])))
    final = feed(acc, chunk(delta(finish="tool_calls")))
    assert final.tool_calls is not None
    (call,) = final.tool_calls
    assert (call.id, call.type, call.function.name) == ("late-id", "function", "f")
    assert call.function.arguments == {}


def test_whole_tool_calls_array_in_one_chunk() -> None:
    calls = [
        {"index": 0, "id": "a", "type": "function", "function": {"name": "a", "arguments": "{}"}},
        {
            "index": 1,
            "id": "b",
            "type": "function",
            "function": {"name": "b", "arguments": '{"n": 2}'},
        },
    ]
    acc = StreamAccumulator(context())
    result = feed(acc, chunk(delta(role="assistant", tool_calls=calls, finish="tool_calls")))
    assert result.status is ChatModelStatus.TOOL_CALLS
    assert result.tool_calls is not None
    assert [call.id for call in result.tool_calls] == ["a", "b"]
    assert [call.function.arguments for call in result.tool_calls] == [{}, {"n": 2}]
    assert [call.raw for call in result.tool_calls] == calls


def test_whole_tool_calls_array_without_indexes() -> None:
    calls = [
        {"id": "x", "type": "function", "function": {"name": "x", "arguments": "{}"}},
        {"id": "y", "type": "function", "function": {"name": "y", "arguments": "{}"}},
    ]
    acc = StreamAccumulator(context())
    result = feed(acc, chunk(delta(tool_calls=calls, finish="tool_calls")))
    assert result.tool_calls is not None
    assert [call.id for call in result.tool_calls] == ["x", "y"]


def test_two_interleaved_tool_calls() -> None:
    acc = StreamAccumulator(context())
    feed_nothing(acc, chunk(delta(tool_calls=[tool_delta(0, "id0", "function", "calc", '{"e": ')])))
    feed_nothing(acc, chunk(delta(tool_calls=[tool_delta(1, "id1", "function", "calc", '{"e": ')])))
    feed_nothing(acc, chunk(delta(tool_calls=[tool_delta(1, arguments='"2"}')])))
    feed_nothing(acc, chunk(delta(tool_calls=[tool_delta(0, arguments='"1"}')])))
    final = feed(acc, chunk(delta(finish="tool_calls")))
    assert final.tool_calls is not None
    assert [(c.id, c.function.arguments) for c in final.tool_calls] == [
        ("id0", {"e": "1"}),
        ("id1", {"e": "2"}),
    ]


def test_reasoning_deltas() -> None:
    acc = StreamAccumulator(context())
    feed_nothing(acc, chunk(delta(role="assistant")))
    steps = [
        feed(acc, chunk(delta(reasoning_content="Think"))),
        feed(acc, chunk(delta(reasoning_content="ing."))),
        feed(acc, chunk(delta(content="Answer"))),
    ]
    assert [(r.reasoning_text, r.reasoning_delta, r.text, r.delta) for r in steps] == [
        ("Think", "Think", "", ""),
        ("Thinking.", "ing.", "", ""),
        ("Thinking.", "", "Answer", "Answer"),
    ]


def test_stream_choices_equal_choices_built_whole() -> None:
    """The cumulative text is cut when read: every way of reading a choice sees it whole."""
    acc = StreamAccumulator(context())
    pieces = [f"w{i} " for i in range(600)]  # past the point where the pieces are joined
    results = [feed(acc, chunk(delta(content=piece, reasoning_content="r"))) for piece in pieces]
    expected: list[DeltaChatChoice[ToolCall]] = [
        DeltaChatChoice(
            text="".join(pieces[: i + 1]),
            reasoning_text="r" * (i + 1),
            status=ChatModelStatus.PARTIAL,
            delta=piece,
            reasoning_delta="r",
        )
        for i, piece in enumerate(pieces)
    ]
    for result, whole in reversed(list(zip(results, expected, strict=True))):  # older ones last
        choice = result.choices[0]
        assert choice == whole
        assert repr(choice) == repr(whole)
        assert choice.model_dump() == whole.model_dump()
        assert list(choice.model_dump()) == list(DeltaChatChoice.model_fields)
        assert choice.model_dump_json() == whole.model_dump_json()
        assert dict(choice) == dict(whole)
        assert hash(choice) == hash(whole)
    fresh = feed(acc, chunk(delta(content="!")))
    copied = copy.copy(fresh.choices[0])
    assert copied.text == "".join(pieces) + "!"
    assert pickle.loads(pickle.dumps(fresh)).choices[0].text == copied.text
    assert fresh.model_copy(update={"id": "x"}).text == copied.text
    assert fresh.choices[0].model_copy(update={"delta": "?"}).text == copied.text


def test_several_choices_in_a_stream() -> None:
    acc = StreamAccumulator(context())
    first = feed(acc, chunk(delta(0, content="a")))
    assert len(first) == 1
    both = feed(acc, chunk(delta(1, content="x")))
    assert [(c.index, c.text) for c in both] == [(0, "a"), (1, "x")]
    assert both.delta == ""  # choice 0 got nothing new in this chunk
    assert isinstance(both[1], DeltaChatChoice)
    assert both[1].delta == "x"

    mixed = feed(acc, chunk(delta(1, content="y", finish="stop"), delta(0, content="b")))
    assert [(c.index, c.text, c.status) for c in mixed] == [
        (0, "ab", ChatModelStatus.PARTIAL),
        (1, "xy", ChatModelStatus.FINAL),
    ]
    assert mixed.delta == "b"

    last = feed(acc, chunk(delta(0, finish="length")))
    assert [c.status for c in last] == [ChatModelStatus.TRUNCATED_FINAL, ChatModelStatus.FINAL]
    usage = feed(acc, chunk(usage={"total_tokens": 4}))
    assert [(c.index, c.text, c.status) for c in usage] == [
        (0, "ab", ChatModelStatus.USAGE),
        (1, "xy", ChatModelStatus.USAGE),
    ]


def test_usage_only_stream_still_has_a_choice() -> None:
    acc = StreamAccumulator(context())
    result = feed(acc, chunk(usage={"prompt_tokens": 1, "completion_tokens": 0}))
    assert result.status is ChatModelStatus.USAGE
    assert (result.text, result.delta) == ("", "")


def test_usage_on_a_chunk_with_choices() -> None:
    acc = StreamAccumulator(context())
    usage = {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
    result = feed(acc, chunk(delta(content="x", finish="stop"), usage=usage))
    assert result.status is ChatModelStatus.FINAL
    assert result.usage is not None
    assert result.usage.total_tokens == 5


def test_chunks_with_nothing_to_show() -> None:
    acc = StreamAccumulator(context())
    assert feed_data(acc, json.dumps(chunk())) is None
    assert feed_data(acc, json.dumps(chunk(usage=None))) is None
    assert acc.feed({"id": "x"}) is None
    assert acc.last is None


@pytest.mark.parametrize(
    "data",
    [
        chunk(delta(role="assistant")),
        chunk(delta(role="assistant", content="")),
        chunk(delta(content=None, finish=None)),
        chunk(delta()),
        chunk(delta(reasoning_content="")),
        chunk(delta(tool_calls=[tool_delta(0, "c", "function", "f", "{")])),
        chunk(delta(0), delta(1, role="assistant")),
    ],
)
def test_a_chunk_that_brings_nothing_new_gives_no_result(data: dict[str, Any]) -> None:
    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(content="a")))
    feed_nothing(acc, data)


def test_only_the_choices_with_news_count() -> None:
    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(0, content="a"), delta(1, content="x")))
    feed_nothing(acc, chunk(delta(0), delta(1)))
    one = feed(acc, chunk(delta(0), delta(1, content="y")))
    assert [(c.index, c.text, c.delta) for c in one if isinstance(c, DeltaChatChoice)] == [
        (0, "a", ""),
        (1, "xy", "y"),
    ]


def test_the_whole_answer_of_several_choices() -> None:
    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(0, content="a", reasoning_content="r"), delta(1, content="x")))
    feed(acc, chunk(delta(0, finish="stop")))
    feed_nothing(acc, chunk(delta(1, tool_calls=[tool_delta(0, "c1", "function", "f", "{}")])))
    feed(acc, chunk(usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}))
    assert feed_data(acc, "[DONE]") is None
    closing = acc.finish()  # choice 1's call had no finish reason: the end closes it
    assert closing is not None
    assert [c.status for c in closing] == [ChatModelStatus.FINAL, ChatModelStatus.TOOL_CALLS]
    whole = acc.last
    assert whole is not None
    assert [type(c) for c in whole] == [ChatChoice, ChatChoice]
    assert [(c.text, c.status, c.finish_reason) for c in whole] == [
        ("a", ChatModelStatus.FINAL, "stop"),
        ("x", ChatModelStatus.TOOL_CALLS, None),
    ]
    assert whole[0].reasoning_text == "r"
    assert whole[1].tool_calls is not None
    assert [call.id for call in whole[1].tool_calls] == ["c1"]
    assert whole.usage is not None
    assert whole.usage.total_tokens == 3


def test_the_whole_answer_of_an_empty_stream_is_none() -> None:
    acc = StreamAccumulator(context())
    assert feed_data(acc, "[DONE]") is None
    assert acc.finish() is None
    assert acc.last is None


def test_finish_reasons_in_a_stream_are_finish_reasons() -> None:
    acc = StreamAccumulator(context())
    result = feed(acc, chunk(delta(content="a", finish="cancelled")))
    assert isinstance(result.finish_reason, FinishReason)
    assert result.finish_reason == "cancelled"
    assert result.status is ChatModelStatus.UNKNOWN
    with pytest.raises(APIResponseValidationError, match="finish_reason"):
        StreamAccumulator(context()).feed(chunk(delta(content="a", finish=3)))


def test_metadata_comes_from_the_first_chunk() -> None:
    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(content="a")))
    later = feed(acc, {**chunk(delta(content="b")), "id": "other", "model": "m2"})
    assert later.id == "chatcmpl-1"
    assert later.model == "gpt://qwen3-235b-a22b-fp8/latest"


@pytest.mark.parametrize(
    ("error", "message", "code"),
    [
        ({"message": "model overloaded", "code": 503}, "model overloaded", 503),
        ({"message": "bad things"}, "bad things", None),
        ("plain failure", "plain failure", None),
        ({"code": 500}, "the server sent an error event in the stream", 500),
        ({"error": {"message": "nested\n  two lines"}}, "nested two lines", None),
    ],
)
def test_error_chunk_raises_stream_error(error: Any, message: str, code: int | None) -> None:
    acc = StreamAccumulator(ResponseContext(ToolCall, "rid", "srv"))
    feed(acc, chunk(delta(content="partial")))
    with pytest.raises(StreamError) as info:
        feed_data(acc, json.dumps({"error": error}))
    assert isinstance(info.value, APIResponseError)
    assert info.value.message == message
    assert info.value.status_code == code
    assert info.value.body == {"error": error}
    assert info.value.request_id == "rid"
    assert info.value.server_request_id == "srv"
    assert message in str(info.value)


@pytest.mark.parametrize("data", ["not json", "{", "", "data: {}", "[DONE"])
def test_non_json_data_raises_validation_error(data: str) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        feed_data(StreamAccumulator(context()), data)
    assert info.value.request_id == "rid"
    assert not isinstance(info.value, StreamError)


@pytest.mark.parametrize("data", ["[1, 2]", '"text"', "42", "null"])
def test_non_object_json_raises_validation_error(data: str) -> None:
    with pytest.raises(APIResponseValidationError):
        feed_data(StreamAccumulator(context()), data)


def test_non_object_choice_raises_validation_error() -> None:
    with pytest.raises(APIResponseValidationError):
        StreamAccumulator(context()).feed({"choices": ["x"]})


def test_done_gives_none() -> None:
    acc = StreamAccumulator(context())
    assert feed_data(acc, "[DONE]") is None
    assert acc.last is None


# --- error_from_response --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
        (402, APIStatusError),
        (405, APIStatusError),
        (408, APIStatusError),
        (418, APIStatusError),
        (499, APIStatusError),
    ],
)
def test_status_to_class(status: int, cls: type[APIStatusError]) -> None:
    error = error_from_response(status, b"{}", call=Call("rid", None, 1))
    assert type(error) is cls
    assert isinstance(error, APIStatusError)
    assert isinstance(error, YCloudChatError)
    assert error.status_code == status


@pytest.mark.parametrize(
    ("content", "message", "body"),
    [
        (
            b'{"error": {"message": "Unknown model", "code": 404}}',
            "Unknown model",
            {"error": {"message": "Unknown model", "code": 404}},
        ),
        (
            b'{"message": "Too many requests"}',
            "Too many requests",
            {"message": "Too many requests"},
        ),
        (b'{"detail": "Not authorized"}', "Not authorized", {"detail": "Not authorized"}),
        (b'{"error": "quota exceeded"}', "quota exceeded", {"error": "quota exceeded"}),
        (b"upstream connect error", "upstream connect error", "upstream connect error"),
        (
            b"<html>\n  <body>\n    <h1>502 Bad Gateway</h1>\n  </body>\n</html>\n",
            "<html> <body> <h1>502 Bad Gateway</h1> </body> </html>",
            "<html>\n  <body>\n    <h1>502 Bad Gateway</h1>\n  </body>\n</html>\n",
        ),
        (b"", "no error message in the body", None),
        (b"  \n ", "no error message in the body", None),
        (b'{"foo": 1}', '{"foo": 1}', {"foo": 1}),
    ],
)
def test_error_message_and_body(content: bytes, message: str, body: Any) -> None:
    error = error_from_response(404, content, call=Call("rid", "srv", 1))
    assert error.message == message
    assert error.body == body


def test_error_keeps_ids_and_attempts() -> None:
    error = error_from_response(503, b'{"message": "busy"}', call=Call("rid-1", "srv-2", 3))
    assert (error.request_id, error.server_request_id, error.attempts) == ("rid-1", "srv-2", 3)
    text = str(error)
    assert "\n" not in text
    assert text.startswith("HTTP 503: busy")
    assert "request_id=rid-1" in text
    assert "server_request_id=srv-2" in text
    assert "attempts=3" in text


def test_error_str_without_server_id_or_retries() -> None:
    error = error_from_response(400, b'{"message": "bad"}', call=Call("rid", None, 1))
    assert str(error) == "HTTP 400: bad | request_id=rid"


@pytest.mark.parametrize(
    "content",
    [
        b'{"error": {"message": "first line\\nsecond line\\r\\n  third"}}',
        b"<html>\r\n<title>Error</title>\r\n</html>",
        b'{"detail": "tab\\tand\\nnewline"}',
    ],
)
def test_error_str_is_one_line(content: bytes) -> None:
    error = error_from_response(500, content, call=Call("rid", "srv", 2))
    text = str(error)
    assert "\n" not in text
    assert "\r" not in text
    assert text.startswith("HTTP 500: ")
    assert "request_id=rid" in text


def test_long_text_body_is_truncated_in_the_message_but_kept_in_body() -> None:
    content = b"x" * 5000
    error = error_from_response(500, content, call=Call(None, None, 1))
    assert 0 < len(error.message) <= 500
    assert error.body == "x" * 5000


def test_invalid_utf8_body() -> None:
    error = error_from_response(500, b"\xff\xfe broken", call=Call(None, None, 1))
    assert "broken" in error.message


# --- parse_model_list -----------------------------------------------------------------------


def test_recorded_model_list() -> None:
    data = cassette("test_uri_parser/test_completion_uri_parser.yaml")
    body = json.loads(data["interactions"][0]["response"]["body"]["string"])
    everything = [(item["id"], item["owned_by"]) for item in body["data"]]
    chat = parse_model_list(body, context(), "gpt")
    embeddings = parse_model_list(body, context(), "emb")
    assert chat == [(uri, owner) for uri, owner in everything if uri.startswith("gpt://")]
    assert embeddings == [(uri, owner) for uri, owner in everything if uri.startswith("emb://")]
    assert len(chat) + len(embeddings) == len(everything)
    assert ("gpt://b1ge6b3ojkeeciv997a8/gemma-3-27b-it/latest", "Google") in chat


def test_model_lists_keep_their_scheme_and_scheme_less_ids() -> None:
    body = {
        "data": [
            {"id": "gpt://f/yandexgpt/rc", "owned_by": "Yandex"},
            {"id": "emb://f/text-embeddings/latest", "owned_by": "Yandex"},
            {"id": "llama3", "owned_by": "llamacpp"},
            {"id": "Qwen/Qwen3-8B", "owned_by": 5},
            {"id": "ds://f/finetuned"},
            {"id": 5},
            {"object": "model"},
            "gpt://not-an-object",
        ]
    }
    assert parse_model_list(body, context(), "gpt") == [
        ("gpt://f/yandexgpt/rc", "Yandex"),
        ("llama3", "llamacpp"),
        ("Qwen/Qwen3-8B", None),
    ]
    assert parse_model_list(body, context(), "emb") == [
        ("emb://f/text-embeddings/latest", "Yandex"),
        ("llama3", "llamacpp"),
        ("Qwen/Qwen3-8B", None),
    ]


@pytest.mark.parametrize("body", [None, [], {}, {"data": None}, {"data": {"id": "x"}}])
def test_bad_model_lists(body: Any) -> None:
    with pytest.raises(APIResponseValidationError, match="model list"):
        parse_model_list(body, context(), "gpt")


# --- malformed bodies: always APIResponseValidationError, never a built-in error ------------


def assert_invalid(info: pytest.ExceptionInfo[APIResponseValidationError], body: Any) -> None:
    assert type(info.value) is APIResponseValidationError
    assert info.value.body == body
    assert info.value.status_code == 200
    assert info.value.request_id == "rid"
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (completion(choice(), usage={"prompt_tokens": "n/a"}), "usage.prompt_tokens"),
        (completion(choice(), usage={"total_tokens": [3]}), "usage.total_tokens"),
        (completion(choice(), usage={"completion_tokens": float("inf")}), "completion_tokens"),
        (completion(choice(), created=1e20), "created"),
        (completion(choice(), created=1e15), "created"),
        (completion(choice(), created=float("nan")), "created"),
        (completion(choice(), id=5), "id"),
        (completion(choice(), model=["m"]), "model"),
        (completion(choice(content=5)), "content"),
        (completion(choice(content={"text": "x"})), "content"),
        (completion(choice(content=[{"type": "text", "text": 5}])), "content"),
        (completion(choice(content=[5])), "content"),
        (completion(choice(reasoning_content=5)), "reasoning_content"),
        (completion(choice(role=1)), "role"),
        (completion(choice(finish_reason=["stop"])), "finish_reason"),
        (completion({**choice(), "index": None}), "index"),
        (completion({**choice(), "index": "0"}), "index"),
        (completion({**choice(), "index": True}), "index"),
        (completion(choice(tool_calls="call")), "shape"),
        (completion(choice(tool_calls=[{"function": "f"}])), "shape"),
    ],
)
def test_malformed_completion(body: dict[str, Any], match: str) -> None:
    with pytest.raises(APIResponseValidationError, match=match) as info:
        parse_completion(body, context())
    assert_invalid(info, body)
    assert info.value.message.startswith("the chat completion does not have the expected shape")
    assert isinstance(info.value.__cause__, (TypeError, ValueError, AttributeError))


def test_completion_without_choices_fails_at_parse_time() -> None:
    body = completion()
    with pytest.raises(APIResponseValidationError, match="no choices") as info:
        parse_completion(body, context())
    assert_invalid(info, body)


def test_sdk_errors_inside_the_parser_are_not_rewrapped() -> None:
    body = completion(choice(), {"index": 1})
    with pytest.raises(APIResponseValidationError) as info:
        parse_completion(body, context())
    assert info.value.message == "a chat completion choice has no message"
    assert info.value.__cause__ is None


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ([{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}], "Hello, world"),
        ([{"type": "image_url", "image_url": {"url": "data:..."}}, {"text": "!"}], "!"),
        ([], ""),
    ],
)
def test_list_content_joins_the_text_parts(content: list[Any], text: str) -> None:
    result = parse_completion(completion(choice(content)), context())
    assert result.text == text
    assert isinstance(result.text, str)


def test_list_reasoning_content_joins_the_text_parts() -> None:
    body = completion(choice("42", reasoning_content=[{"type": "text", "text": "think"}]))
    assert parse_completion(body, context()).reasoning_text == "think"


@pytest.mark.parametrize(
    ("item", "match"),
    [
        ({"index": 0, "delta": "text"}, "delta"),
        ({"index": 0, "delta": ["text"]}, "delta"),
        ({"index": None, "delta": {"content": "x"}}, "index"),
        ({"index": "0", "delta": {"content": "x"}}, "index"),
        ({"index": 0, "delta": {"content": 5}}, "content"),
        ({"index": 0, "delta": {"content": [{"type": "text"}]}}, "content"),
        ({"index": 0, "delta": {"reasoning_content": {"a": 1}}}, "reasoning_content"),
        ({"index": 0, "delta": {"role": 7}}, "role"),
        ({"index": 0, "delta": {}, "finish_reason": 1}, "finish_reason"),
        ({"index": 0, "delta": {"tool_calls": ["call"]}}, "shape"),
        ({"index": 0, "delta": {"tool_calls": [{"index": None}]}}, "index"),
        ({"index": 0, "delta": {"tool_calls": [{"index": 0, "function": "f"}]}}, "shape"),
        ({"index": 0, "delta": {"tool_calls": 5}}, "shape"),
    ],
)
def test_malformed_stream_choice(item: dict[str, Any], match: str) -> None:
    acc = StreamAccumulator(context())
    data = chunk(item)
    with pytest.raises(APIResponseValidationError, match=match) as info:
        acc.feed(data)
    assert_invalid(info, data)
    assert info.value.message.startswith("a stream chunk does not have the expected shape")


@pytest.mark.parametrize(
    "data",
    [
        chunk(usage={"prompt_tokens": "n/a"}),
        chunk(delta(content="x"), usage={"total_tokens": {"n": 1}}),
        chunk(delta(content="x"), created=1e20),
        chunk(delta(content="x"), id=["x"]),
        {"choices": 5},
    ],
)
def test_malformed_stream_chunk(data: dict[str, Any]) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        feed_data(StreamAccumulator(context()), json.dumps(data))
    assert_invalid(info, data)


def test_null_index_among_several_choices() -> None:
    acc = StreamAccumulator(context())
    feed(acc, chunk(delta(0, content="a"), delta(1, content="b")))
    with pytest.raises(APIResponseValidationError, match="index"):
        acc.feed(chunk({"index": None, "delta": {"content": "c"}}))


def test_tool_call_with_a_bad_name_at_finish() -> None:
    acc = StreamAccumulator(context())
    feed_nothing(acc, chunk(delta(tool_calls=[{"index": 0, "id": "c", "function": {"name": 5}}])))
    with pytest.raises(APIResponseValidationError, match="shape"):
        acc.feed(chunk(delta(finish="tool_calls")))


def test_list_content_in_a_stream() -> None:
    acc = StreamAccumulator(context())
    first = feed(acc, chunk(delta(content=[{"type": "text", "text": "Hel"}])))
    second = feed(acc, chunk(delta(content=[{"type": "text", "text": "lo"}], finish="stop")))
    assert (first.text, first.delta) == ("Hel", "Hel")
    assert (second.text, second.delta) == ("Hello", "lo")


@pytest.mark.parametrize("error", [{}, "", False, 0, []])
def test_any_error_value_is_a_stream_error(error: Any) -> None:
    acc = StreamAccumulator(context())
    data = {"error": error, "choices": [delta(content="x")]}
    with pytest.raises(StreamError, match="the server sent an error event in the stream") as info:
        feed_data(acc, json.dumps(data))
    assert info.value.body == data
    assert acc.last is None


def test_null_error_is_no_error() -> None:
    result = feed(StreamAccumulator(context()), {**chunk(delta(content="x")), "error": None})
    assert result.text == "x"


def test_stream_error_is_not_rewrapped_as_a_validation_error() -> None:
    acc = StreamAccumulator(context())
    with pytest.raises(StreamError) as info:
        acc.feed({"error": {"message": "boom"}, "choices": "not a list"})
    assert not isinstance(info.value, APIResponseValidationError)
    assert info.value.message == "boom"


def test_deeply_nested_json_is_a_validation_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        feed_data(StreamAccumulator(context()), deep)
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        decode_json(deep.encode(), context())


def test_decode_json_keeps_the_status() -> None:
    with pytest.raises(APIResponseValidationError) as info:
        decode_json(b"\xff\xfe", context(), status_code=202)
    assert info.value.status_code == 202
    assert info.value.request_id == "rid"
