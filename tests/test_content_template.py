"""The stream's common chunk read off its text (`ContentTemplate`): exactly what parsing gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import chunk
from ycloud_chat import ToolCall, YCloudChatError
from ycloud_chat._response import ResponseContext
from ycloud_chat._sse import ServerSentEvent
from ycloud_chat._streaming import ContentTemplate, StreamAccumulator

PIECE = json.dumps(chunk("piece"), separators=(",", ":"))


def common(text: str, **dumps: Any) -> str:
    """A common chunk's data, as a server writes it (`dumps`: how it writes JSON)."""
    return json.dumps(chunk(text), **dumps)


def read(events: list[ServerSentEvent | str], *, templates: bool = True) -> list[Any]:
    """What a stream of these events gives: each result's delta and text, or the error."""
    accumulator = StreamAccumulator(ResponseContext(ToolCall, "rid"))
    if not templates:
        accumulator._templates_left = 0
    seen: list[Any] = []
    try:
        for result in accumulator.feed_events(events):
            seen.append((result.delta, result.text, result.status, result.id))
    except YCloudChatError as exc:
        seen.append((type(exc).__name__, str(exc)))
    return seen


def template_of(data: str) -> ContentTemplate | None:
    return ContentTemplate.of(data, json.loads(data))


def test_a_common_chunk_gives_its_content_and_others_of_its_shape_theirs() -> None:
    template = template_of(PIECE)
    assert template is not None
    assert template.content(PIECE) == "piece"
    assert template.content(PIECE.replace('"piece"', '"other words"')) == "other words"


@pytest.mark.parametrize(
    ("literal", "content"),
    [
        (r'"a\"b"', 'a"b'),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"back\\slash"', "back\\slash"),
        (r'"\u00e9t\u00e9"', "été"),
        ('"été 🙂"', "été 🙂"),
        ('"\u00a0"', "\u00a0"),  # not printable, yet JSON holds it raw
    ],
)
def test_escapes_and_any_character_json_holds_raw_are_read_exactly(
    literal: str, content: str
) -> None:
    template = template_of(PIECE)
    assert template is not None
    assert template.content(PIECE.replace('"piece"', literal)) == content


@pytest.mark.parametrize(
    "literal",
    [
        '"a","content":"b"',  # a second key after the string: the chunk is parsed instead
        '"a"," x"',
        '"a\x01"',  # a raw control character, which JSON refuses
        '""',  # no content: not the common chunk
        '"a"   ',
        "7",
        '"unclosed',
    ],
)
def test_anything_but_one_json_string_between_prefix_and_suffix_is_not_read_off(
    literal: str,
) -> None:
    template = template_of(PIECE)
    assert template is not None
    assert template.content(PIECE.replace('"piece"', literal)) is None


@pytest.mark.parametrize(
    "data",
    [
        # "content": twice (a key of the chunk too): which one is the piece is not told.
        json.dumps({"content": "y", **chunk("x")}),
        json.dumps(chunk("x")).replace('"content": "x"', '"content": "w", "content": "x"'),
    ],
)
def test_a_chunk_whose_content_cannot_be_located_makes_no_template(data: str) -> None:
    assert template_of(data) is None


def test_a_quoted_key_inside_a_string_is_no_second_key() -> None:
    data = json.dumps({**chunk("x"), "id": '"content":"y"'})  # escaped: one key only
    template = template_of(data)
    assert template is not None
    assert template.content(data.replace('"x"', '"z"')) == "z"


def test_a_stream_reads_the_same_with_templates_as_without() -> None:
    events: list[ServerSentEvent | str] = [
        common("Hello"),
        common(", "),
        common('wor"ld\n'),
        common('","content":"injected'),
        json.dumps(chunk("", finish_reason=None) | {"usage": None}),
        common("!", separators=(",", ":")),  # another shape: a new template
        common("?", separators=(",", ":")),
        json.dumps(chunk("", finish_reason="stop")),
        "[DONE]",
    ]
    assert read(events) == read(events, templates=False)
    assert [delta for delta, *_ in read(events)] == [
        "Hello",
        ", ",
        'wor"ld\n',
        '","content":"injected',
        "!",
        "?",
        "",
    ]


def test_a_raw_control_character_is_refused_as_without_a_template() -> None:
    events: list[ServerSentEvent | str] = [common("a"), common("b").replace('"b"', '"b\x01"')]
    refused = read(events)
    assert refused == read(events, templates=False)
    assert refused[-1][0] == "APIResponseValidationError"
    assert "a stream event is not JSON" in refused[-1][1]


@given(
    st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30),
    st.booleans(),
    st.sampled_from([(", ", ": "), (",", ":")]),
)
def test_any_stream_of_common_chunks_reads_as_parsed(
    pieces: list[str], ensure_ascii: bool, separators: tuple[str, str]
) -> None:
    events: list[ServerSentEvent | str] = [
        common(p, ensure_ascii=ensure_ascii, separators=separators) for p in pieces
    ]
    with_templates = read(events)
    assert with_templates == read(events, templates=False)
    assert [delta for delta, *_ in with_templates] == pieces
    assert with_templates[-1][1] == "".join(pieces)
