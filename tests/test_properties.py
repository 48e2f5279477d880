"""Property-based tests (hypothesis): the SSE decoder and message coercion, on any input."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ycloud_chat import ConfigurationError
from ycloud_chat._messages import coerce_messages
from ycloud_chat._sse import ServerSentEvent, SSEDecoder

# Text that fits on one SSE line: anything but the line breaks.
line_text = st.text(st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]))
event_name = line_text.filter(lambda name: name not in ("", "message"))
line_end = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """A valid event stream, its line endings mixed, and the events it must decode to."""
    body = b""
    expected = []
    last_id = None
    for _ in range(draw(st.integers(0, 6))):
        event = draw(st.none() | event_name)
        lines = draw(st.lists(line_text, min_size=1, max_size=4))
        if draw(st.booleans()):
            last_id = draw(line_text.filter(lambda value: "\0" not in value))
            body += b"id: " + last_id.encode() + draw(line_end)
        if draw(st.booleans()):
            body += b": a comment" + draw(line_end)
        if event is not None:
            body += b"event: " + event.encode() + draw(line_end)
        for line in lines:
            body += b"data: " + line.encode() + draw(line_end)
        # The blank line that ends the event: after a bare CR, an LF would only finish that
        # CR's CRLF, not make a blank line.
        body += draw(st.sampled_from([b"\r\n", b"\r"]) if body.endswith(b"\r") else line_end)
        expected.append(ServerSentEvent("\n".join(lines), event or "message", last_id))
    return body, expected


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    return [data[start:end] for start, end in zip([0, *points], [*points, len(data)], strict=True)]


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.close()


@given(event_streams(), st.lists(st.integers(min_value=0), max_size=40))
def test_any_chunking_of_a_valid_stream_gives_its_events(
    stream: tuple[bytes, list[ServerSentEvent]], cuts: list[int]
) -> None:
    body, expected = stream
    assert decode([body]) == expected
    assert decode(split(body, cuts)) == expected
    assert decode([bytes([byte]) for byte in body]) == expected


@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_decode_without_raising(chunks: list[bytes]) -> None:
    events = decode(chunks)
    assert all(isinstance(event.data, str) and event.event for event in events)
    # The same bytes in one piece give the same events: chunk boundaries never matter.
    assert decode([b"".join(chunks)]) == events


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | line_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["role", "text", "content", "tool_calls", "tool_call_id", "tool_results", "x"]
            )
            | line_text,
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(json_values)
def test_any_value_is_coerced_or_refused_with_a_configuration_error(value: Any) -> None:
    try:
        wire = coerce_messages(value)
    except ConfigurationError as exc:
        assert_names_messages(str(exc))
    else:
        assert wire
        assert all(isinstance(message, dict) and message.get("role") for message in wire)


def assert_names_messages(error: str) -> None:
    """A refusal names the argument, or the index of the message at fault."""
    assert error.startswith("messages"), error


@given(st.lists(line_text | st.fixed_dictionaries({"role": event_name, "text": line_text})))
def test_text_messages_keep_their_order_roles_and_text(messages: list[Any]) -> None:
    if not messages:
        return
    wire = coerce_messages(messages)
    expected = [
        {"role": "user", "content": message}
        if isinstance(message, str)
        else {"role": message["role"], "content": message["text"]}
        for message in messages
    ]
    assert wire == expected


@given(line_text)
def test_one_string_is_one_user_message(text: str) -> None:
    assert coerce_messages(text) == [{"role": "user", "content": text}]
