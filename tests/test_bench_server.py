"""The benchmark server's canned streams are what PROTOCOL.md describes, and parse whole."""

from __future__ import annotations

import json

from bench.server import COMPLETION, stream_body

from ycloud_chat import ChatModelResult, ChatModelStatus, ToolCall
from ycloud_chat._response import ResponseContext, parse_completion
from ycloud_chat._sse import SSEDecoder
from ycloud_chat._streaming import StreamAccumulator


def replay(model: str) -> list[ChatModelResult[ToolCall]]:
    decoder = SSEDecoder()
    accumulator = StreamAccumulator(ResponseContext(ToolCall))
    results = list(accumulator.feed_events(decoder.feed(stream_body(model))))
    assert accumulator.done
    return results


def test_text_stream_gives_every_delta_then_final_then_usage() -> None:
    results = replay("text-50")
    assert len(results) == 50 + 2  # 50 deltas, finish, usage (the role-only chunk is no news)
    final, usage = results[-2], results[-1]
    assert final.status is ChatModelStatus.FINAL
    assert final.text == "".join(f" word{i}" for i in range(50))
    assert usage.status is ChatModelStatus.USAGE
    assert usage.usage is not None
    assert usage.usage.total_tokens == 46


def test_tool_stream_merges_into_one_call_with_json_arguments() -> None:
    results = replay("tools-20")
    assert len(results) == 2  # the pieces of the call are merged, and shown whole at the finish
    final = results[0]
    assert final.status is ChatModelStatus.TOOL_CALLS
    assert final.tool_calls is not None
    (call,) = final.tool_calls
    assert call.function.name == "get_weather"
    assert len(call.function.arguments["cities"]) == 19


def test_completion_parses() -> None:
    result = parse_completion(json.loads(json.dumps(COMPLETION)), ResponseContext(ToolCall))
    assert result.text.startswith("The platypus")
    assert result.status is ChatModelStatus.FINAL
