from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ycloud_chat._sse import EventTooLarge, ServerSentEvent, SSEDecoder


def feed_all(payload: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return decoder.feed(payload) + decoder.close()


def closed(decoder: SSEDecoder) -> tuple[list[ServerSentEvent], bool]:
    """What `close()` returns, and whether it dropped an unfinished event."""
    events = decoder.close()
    return events, decoder.dropped


def feed_split(payload: bytes, cuts: list[int]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(payload)]:
        events.extend(decoder.feed(payload[start:cut]))
        start = cut
    events.extend(decoder.close())
    return events


# --- ServerSentEvent ------------------------------------------------------------------------


def test_event_defaults_and_equality() -> None:
    event = ServerSentEvent("x")
    assert event.event == "message"
    assert event.id is None
    assert event == ServerSentEvent("x", "message", None)
    assert event != ServerSentEvent("x", "other")
    assert event != ServerSentEvent("y")
    assert event != ServerSentEvent("x", id="1")
    assert event != "x"


def test_event_repr_shows_fields() -> None:
    text = repr(ServerSentEvent("d", "e", "7"))
    assert text == "ServerSentEvent(data='d', event='e', id='7')"


# --- basic decoding -------------------------------------------------------------------------


def test_single_event_with_space_after_colon() -> None:
    assert feed_all(b"data: hello\n\n") == [ServerSentEvent("hello")]


def test_data_without_space_after_colon() -> None:
    assert feed_all(b"data:hello\n\n") == [ServerSentEvent("hello")]


def test_only_one_leading_space_is_stripped() -> None:
    assert feed_all(b"data:  two spaces\n\n") == [ServerSentEvent(" two spaces")]


def test_trailing_whitespace_is_kept() -> None:
    assert feed_all(b"data: x  \n\n") == [ServerSentEvent("x  ")]


def test_empty_data_value_dispatches_an_empty_event() -> None:
    assert feed_all(b"data:\n\n") == [ServerSentEvent("")]
    assert feed_all(b"data\n\n") == [ServerSentEvent("")]


def test_multi_line_data_is_joined_with_lf() -> None:
    events = feed_all(b"data: first\ndata: second\ndata:third\n\n")
    assert events == [ServerSentEvent("first\nsecond\nthird")]


def test_done_marker_is_ordinary_data() -> None:
    events = feed_all(b'data: {"a": 1}\n\ndata: [DONE]\n\n')
    assert [event.data for event in events] == ['{"a": 1}', "[DONE]"]


def test_event_name_and_id() -> None:
    events = feed_all(b"event: update\nid: 42\ndata: a\n\ndata: b\n\n")
    assert events == [ServerSentEvent("a", "update", "42"), ServerSentEvent("b", "message", "42")]


def test_event_name_resets_after_dispatch() -> None:
    events = feed_all(b"event: custom\ndata: a\n\ndata: b\n\n")
    assert [event.event for event in events] == ["custom", "message"]


def test_event_name_without_data_is_discarded_at_blank_line() -> None:
    events = feed_all(b"event: lonely\n\ndata: b\n\n")
    assert events == [ServerSentEvent("b")]


def test_id_with_nul_is_ignored() -> None:
    events = feed_all(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n")
    assert [event.id for event in events] == ["1", "1"]


def test_empty_id_value_is_kept() -> None:
    events = feed_all(b"id: 1\ndata: a\n\nid\ndata: b\n\n")
    assert [event.id for event in events] == ["1", ""]


def test_comments_are_ignored() -> None:
    events = feed_all(b": keep-alive\ndata: a\n: in the middle\ndata: b\n\n:\n\n")
    assert events == [ServerSentEvent("a\nb")]


def test_unknown_fields_are_ignored() -> None:
    assert feed_all(b"retry: 1000\nfoo: bar\ndata: x\n\n") == [ServerSentEvent("x")]


def test_blank_lines_without_data_dispatch_nothing() -> None:
    assert feed_all(b"\n\n\r\n\r\r") == []


def test_field_name_is_case_sensitive() -> None:
    assert feed_all(b"Data: x\n\ndata: y\n\n") == [ServerSentEvent("y")]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(newline: bytes) -> None:
    payload = newline.join([b"event: e", b"data: a", b"data: b", b"", b"data: c", b"", b""])
    assert feed_all(payload) == [ServerSentEvent("a\nb", "e"), ServerSentEvent("c")]


def test_mixed_line_endings_in_one_stream() -> None:
    payload = b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r"
    assert feed_all(payload) == [ServerSentEvent("a\nb\nc"), ServerSentEvent("d")]


def test_utf8_is_decoded() -> None:
    text = "Привет, 世界 🎉"
    assert feed_all(f"data: {text}\n\n".encode()) == [ServerSentEvent(text)]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert feed_all(b"data: \xff\xfe\n\n") == [ServerSentEvent("\ufffd\ufffd")]


# --- incremental feeding --------------------------------------------------------------------


def test_feed_returns_only_completed_events() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: par") == []
    assert decoder.feed(b"tial\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent("partial")]
    assert decoder.feed(b"data: next\n\ndata: third\n\n") == [
        ServerSentEvent("next"),
        ServerSentEvent("third"),
    ]
    assert closed(decoder) == ([], False)


def test_feed_empty_bytes_is_harmless() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == [ServerSentEvent("a")]


def test_split_inside_a_multibyte_character() -> None:
    payload = "data: ё🎉\n\n".encode()
    start = payload.index("🎉".encode())
    decoder = SSEDecoder()
    assert decoder.feed(payload[: start + 1]) == []
    assert decoder.feed(payload[start + 1 : start + 3]) == []
    assert decoder.feed(payload[start + 3 :]) == [ServerSentEvent("ё🎉")]


def test_split_between_cr_and_lf_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []
    assert decoder.feed(b"\n\r") == []
    # the LF completes the CRLF: exactly one blank line, one event (not an extra empty line)
    assert decoder.feed(b"\n") == [ServerSentEvent("a\nb")]
    assert closed(decoder) == ([], False)


def test_lone_cr_at_chunk_end_followed_by_text_is_a_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\rdata: b\r\r") == [ServerSentEvent("a")]
    assert decoder.close() == [ServerSentEvent("b")]  # the last CR ends the blank line


def test_byte_by_byte() -> None:
    payload = b'data: {"x": "\xc3\xa9"}\r\n\r\nevent: e\r\ndata: [DONE]\r\n\r\n'
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for position in range(len(payload)):
        events.extend(decoder.feed(payload[position : position + 1]))
    assert closed(decoder) == ([], False)
    assert events == [ServerSentEvent('{"x": "é"}'), ServerSentEvent("[DONE]", "e")]


# --- close(): an unfinished event is dropped -------------------------------------------------


def test_close_drops_a_last_event_without_newline() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: last") == [ServerSentEvent("a")]
    assert closed(decoder) == ([], True)


def test_close_drops_a_last_event_without_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: one\ndata: two\n") == []
    assert closed(decoder) == ([], True)


def test_close_drops_a_last_event_after_a_trailing_cr() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert closed(decoder) == ([], True)


def test_close_with_nothing_pending() -> None:
    decoder = SSEDecoder()
    assert closed(decoder) == ([], False)
    assert decoder.feed(b"data: a\n\n") == [ServerSentEvent("a")]
    assert closed(decoder) == ([], False)


def test_close_ignores_a_pending_comment_or_blank_lines() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b": ping") == []
    assert closed(decoder) == ([], False)
    assert decoder.feed(b"\n\n\r") == []
    assert closed(decoder) == ([], False)


def test_close_forgets_the_dropped_event() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a")
    assert closed(decoder) == ([], True)
    assert closed(decoder) == ([], False)
    assert decoder.feed(b"data: b\n\n") == [ServerSentEvent("b")]


# --- the event size limit, linear time -------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"data: " + b"x" * 101,  # one line that never ends
        b"data: " + b"x" * 101 + b"\n",  # a whole line, no blank line yet
        b"data: xxxxxxxxxx\n" * 11,  # many lines of one event
        b"data: " + b"x" * 101 + b"\n\n",  # a whole event, at once
        b"data: " + b"x" * 101 + b"\r",
        b"data: " + b"x" * 50 + b"\nid: 1\ndata: " + b"y" * 50 + b"\n",
    ],
)
def test_an_event_over_the_limit_is_refused_however_it_comes(payload: bytes) -> None:
    for cuts in ([], list(range(0, len(payload), 7)), list(range(len(payload)))):
        decoder = SSEDecoder(max_event_bytes=100)
        with pytest.raises(EventTooLarge) as caught:
            feed_pieces(decoder, payload, cuts)
        assert caught.value.limit == 100


def test_events_within_the_limit_pass_and_comments_never_count() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    comments = b": keepalive\n" * 1000
    payload = comments + b"data: " + b"x" * 90 + b"\n\n" + comments + b"data: y\n\n"
    events = feed_pieces(decoder, payload, list(range(0, len(payload), 5)))
    assert [len(event.data) for event in events] == [90, 1]


def feed_pieces(decoder: SSEDecoder, payload: bytes, cuts: list[int]) -> list[ServerSentEvent]:
    events: list[ServerSentEvent] = []
    start = 0
    for cut in [*cuts, len(payload)]:
        events += decoder.feed(payload[start:cut])
        start = cut
    return events


def test_a_long_line_in_small_pieces_takes_linear_time() -> None:
    # 8 MiB in 256-byte pieces: a decoder that copies its buffer on every feed copies about
    # 128 GiB and takes minutes; a linear one takes a fraction of a second. The bound is a
    # correctness bound, far from either.
    piece = b"x" * 256
    decoder = SSEDecoder(max_event_bytes=16 << 20)
    started = time.monotonic()
    decoder.feed(b"data: ")
    for _ in range((8 << 20) // len(piece)):
        decoder.feed(piece)
    assert decoder.feed(b"\n\n")[0].data == "x" * (8 << 20)
    assert time.monotonic() - started < 10


# --- property: any split decodes to the same events -----------------------------------------


@dataclass
class Spec:
    data: list[str]
    event: str | None
    comment: str | None


line_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"),
    max_size=12,
)
# Mostly multibyte characters, so cuts often land inside one.
wide_text = st.text(alphabet=st.sampled_from("aé€ё世🎉\x00 :"), max_size=8)

specs = st.builds(
    Spec,
    data=st.lists(st.one_of(line_text, wide_text), min_size=1, max_size=4),
    event=st.none() | st.text(alphabet=st.sampled_from("ab-_ё"), min_size=1, max_size=5),
    comment=st.none() | line_text,
)


def encode(events: list[Spec], newline: str) -> bytes:
    lines: list[str] = []
    for spec in events:
        if spec.comment is not None:
            lines.append(":" + spec.comment)
        if spec.event is not None:
            lines.append("event: " + spec.event)
        lines.extend("data: " + line for line in spec.data)
        lines.append("")
    return "".join(line + newline for line in lines).encode()


def expected(events: list[Spec]) -> list[ServerSentEvent]:
    return [ServerSentEvent("\n".join(spec.data), spec.event or "message") for spec in events]


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(specs, max_size=5),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    data=st.data(),
)
def test_any_split_gives_the_same_events(
    events: list[Spec], newline: str, data: st.DataObject
) -> None:
    payload = encode(events, newline)
    cuts = data.draw(st.lists(st.integers(0, len(payload)), max_size=len(payload) + 1))
    whole = feed_all(payload)
    assert whole == expected(events)
    assert feed_split(payload, cuts) == whole


@settings(max_examples=100, deadline=None)
@given(
    events=st.lists(specs, min_size=1, max_size=4), newline=st.sampled_from(["\n", "\r\n", "\r"])
)
def test_every_single_cut_and_byte_by_byte(events: list[Spec], newline: str) -> None:
    payload = encode(events, newline)
    want = expected(events)
    for cut in range(len(payload) + 1):
        assert feed_split(payload, [cut]) == want
    assert feed_split(payload, list(range(len(payload)))) == want


@settings(max_examples=100, deadline=None)
@given(
    events=st.lists(specs, min_size=1, max_size=4), newline=st.sampled_from(["\n", "\r\n", "\r"])
)
def test_an_event_without_its_blank_line_is_dropped_by_close(
    events: list[Spec], newline: str
) -> None:
    # Drop the blank line (and the last line's ending): the last event never completes.
    payload = encode(events, newline)[: -2 * len(newline)]
    decoder = SSEDecoder()
    assert decoder.feed(payload) == expected(events)[:-1]
    assert closed(decoder) == ([], True)
