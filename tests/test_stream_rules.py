"""The stream's rules, kept by the sans-I/O `StreamParser`: complete or raise, limits, timeouts."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.helpers import chunk
from ycloud_chat import (
    APITimeoutError,
    ChatModelResult,
    ChatModelStatus,
    IncompleteStreamError,
    ResponseTooLargeError,
    ToolCall,
)
from ycloud_chat._response import ResponseContext
from ycloud_chat._streaming import CumulativeText, StreamParser

Result = ChatModelResult[ToolCall]


def event(payload: Any) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


def parser(**options: Any) -> StreamParser[ToolCall]:
    return StreamParser(ResponseContext(ToolCall, "rid", "srv"), **options)


def run(body: bytes, **options: Any) -> list[Result]:
    """Every result of a body fed at once, then closed."""
    stream = parser(**options)
    return [*stream.feed(body), *stream.close()]


def two_choices(first: str | None, second: str | None) -> dict[str, Any]:
    message = chunk("x")
    message["choices"] = [
        {"index": 0, "delta": {"content": "a"}, "finish_reason": first},
        {"index": 1, "delta": {"content": "b"}, "finish_reason": second},
    ]
    return message


# --- complete, or it raises -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "texts"),
    [
        (event(chunk("Hi", finish_reason="stop")) + event("[DONE]"), ["Hi"]),
        (event(chunk("Hi")) + event("[DONE]"), ["Hi"]),  # [DONE] ends it, finished or not
        (event(chunk("Hi", finish_reason="stop")), ["Hi"]),  # all finished: no [DONE] needed
        (event(two_choices("stop", "length")), ["a", "b"]),
        (b": ping\r\n\r\n" + event(chunk("Hi", finish_reason="stop")) + b"\n", ["Hi"]),
    ],
)
def test_whole_streams_end_quietly(body: bytes, texts: list[str]) -> None:
    last = run(body)[-1]
    assert [choice.text for choice in last] == texts


@pytest.mark.parametrize(
    ("body", "reason", "text"),
    [
        (b"", "the body was empty", None),
        (event(chunk("Hi")), "without [DONE]", "Hi"),
        (event(two_choices("stop", None)), "without [DONE]", "a"),
        (event(chunk("Hi")) + b'data: {"choi', "ended inside an event", "Hi"),
        (event(chunk("Hi")) + b"data: [DONE]", "ended inside an event", "Hi"),
        (b'{"choices": [{"message": {"content": "a"}}]}', "not an event stream", None),
        (b"<html>502 Bad Gateway</html>", "not an event stream", None),
        (b": ping\n\n: ping\n\n", "without [DONE]", None),
    ],
)
def test_anything_else_raises_with_what_arrived(body: bytes, reason: str, text: str) -> None:
    stream = parser()
    results = list(stream.feed(body))
    with pytest.raises(IncompleteStreamError, match="ended before the answer") as caught:
        list(stream.close())
    error = caught.value
    assert reason in str(error)
    assert (error.request_id, error.server_request_id) == ("rid", "srv")
    assert (error.result.text if error.result else None) == text
    if results:  # what arrived, as one result: the last one's texts, and unfinished
        assert error.result is not None
        assert [choice.text for choice in error.result] == [c.text for c in results[-1]]
        assert ChatModelStatus.PARTIAL in [choice.status for choice in error.result]


def test_a_half_event_is_never_parsed() -> None:
    stream = parser()
    list(stream.feed(event(chunk("Hi")) + b"data: not json at all"))
    with pytest.raises(IncompleteStreamError, match="inside an event"):
        list(stream.close())  # not "a stream event is not JSON"


def test_tool_calls_of_a_cut_stream_come_with_the_error_as_partial() -> None:
    call = {"index": 0, "id": "c1", "function": {"name": "add", "arguments": '{"a": 1'}}
    stream = parser()
    list(stream.feed(event(chunk(tool_calls=[call]))))
    with pytest.raises(IncompleteStreamError) as caught:
        list(stream.close())
    result = caught.value.result
    assert result is not None
    assert result.status == ChatModelStatus.PARTIAL
    assert result.tool_calls is not None
    assert result.tool_calls[0].function.raw_arguments == '{"a": 1'


# --- an event's size limit ------------------------------------------------------------------


def test_an_event_over_its_limit_names_it() -> None:
    stream = parser(max_event_bytes=1024)
    with pytest.raises(ResponseTooLargeError, match=r"max_event_bytes \(1 KiB") as caught:
        list(stream.feed(b"data: " + b"x" * 2000))
    assert caught.value.limit == 1024
    assert caught.value.request_id == "rid"


def test_events_within_the_limit_pass() -> None:
    text = "y" * 700
    assert run(event(chunk(text)) + event("[DONE]"), max_event_bytes=1024)[-1].text == text


# --- timeouts count results -----------------------------------------------------------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("ycloud_chat._streaming.time.monotonic", fake)
    return fake


def test_bytes_without_a_result_do_not_reset_the_clock(clock: Clock) -> None:
    stream = parser(timeout=2.0, first_due=clock.now + 2.0, read_timeout=2.0)
    assert stream.read_bound() is None  # httpx's read timeout alone ends the read in time
    for reads in range(1, 4):
        clock.now += 0.5
        assert list(stream.feed(b": keepalive\n\n")) == []
        assert list(stream.feed(event({"choices": []}))) == []
        assert stream.read_bound() == pytest.approx(2.0 - 0.5 * reads)
    clock.now += 0.5
    with pytest.raises(APITimeoutError, match=r"no result for 2\.0s"):
        stream.read_bound()


def test_each_result_makes_the_next_one_due_from_when_the_consumer_is_back(clock: Clock) -> None:
    stream = parser(timeout=2.0, first_due=clock.now + 2.0, read_timeout=2.0)
    clock.now += 1.9
    assert [result.text for result in stream.feed(event(chunk("Hi")))] == ["Hi"]
    clock.now += 30  # the consumer took its time with the result: that does not count
    assert stream.read_bound() is None  # httpx's own read timeout ends the read in time
    clock.now += 1.5
    list(stream.feed(b": keepalive\n\n"))
    assert stream.read_bound() == pytest.approx(0.5)


def test_pieces_of_a_tool_call_count_though_they_show_no_result(clock: Clock) -> None:
    stream = parser(timeout=2.0, first_due=clock.now + 2.0, read_timeout=2.0)
    for piece in ('{"a": ', "1, ", '"b": 2}'):
        clock.now += 1.5
        call = {"index": 0, "id": "c1", "function": {"name": "add", "arguments": piece}}
        assert list(stream.feed(event(chunk(tool_calls=[call])))) == []
        assert stream.read_bound() is None  # the clock started again
    clock.now += 2.5
    with pytest.raises(APITimeoutError):
        stream.read_bound()


def test_no_timeout_means_no_bound(clock: Clock) -> None:
    stream = parser()
    clock.now += 10_000
    list(stream.feed(b": keepalive\n\n"))
    assert stream.read_bound() is None


def test_cumulative_text_gives_every_prefix_while_another_thread_appends() -> None:
    text = CumulativeText()
    pieces = [f"<{i}>" for i in range(5000)]
    whole = "".join(pieces)
    wrong: list[tuple[int, str]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            length = text.length
            got = text.prefix(length)
            if got != whole[:length]:
                wrong.append((length, got))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for piece in pieces:
        text.append(piece)
        text.prefix(text.length)
    done.set()
    for reader in readers:
        reader.join()
    assert wrong == []
    assert text.whole == whole
