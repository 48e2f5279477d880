"""The stream's common chunk read off its text (`ChunkTemplate`): exactly what parsing gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import chunk
from ycloud_chat import ToolCall, YCloudChatError
from ycloud_chat._chunk_template import ChunkTemplate
from ycloud_chat._response import ResponseContext
from ycloud_chat._sse import ServerSentEvent
from ycloud_chat._streaming import StreamAccumulator

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
            calls = [
                (c.id, c.function.name, c.raw["function"]["arguments"])
                for c in result.tool_calls or ()
            ]
            seen.append((result.delta, result.text, result.status, result.id, calls))
    except YCloudChatError as exc:
        seen.append((type(exc).__name__, str(exc)))
    seen.append(("pieces of tool calls", accumulator.call_pieces))
    return seen


def call_chunk(arguments: str, index: int = 0, **delta: Any) -> str:
    """A chunk with a piece of a tool call's arguments (`delta`: more of its delta)."""
    call = {"index": index, "function": {"arguments": arguments}}
    return json.dumps(chunk(tool_calls=[call], **delta))


def first_call_chunk(index: int = 0) -> str:
    call = {"index": index, "id": f"call-{index}", "type": "function"}
    call["function"] = {"name": "get_weather", "arguments": ""}
    return json.dumps(chunk(tool_calls=[call], role="assistant"))


def template_of(data: str) -> ChunkTemplate | None:
    """The template of a common chunk whose piece is its content."""
    parsed = json.loads(data)
    [choice] = parsed["choices"]

    def with_piece(piece: str) -> dict[str, Any]:
        return {**parsed, "choices": [{**choice, "delta": {"content": piece}}]}

    return ChunkTemplate.of(data, "content", with_piece)


def test_a_common_chunk_gives_its_content_and_others_of_its_shape_theirs() -> None:
    template = template_of(PIECE)
    assert template is not None
    assert template.piece(PIECE) == "piece"
    assert template.piece(PIECE.replace('"piece"', '"other words"')) == "other words"


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
    assert template.piece(PIECE.replace('"piece"', literal)) == content


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
    assert template.piece(PIECE.replace('"piece"', literal)) is None


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
    assert template.piece(data.replace('"x"', '"z"')) == "z"


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
    assert [delta for delta, *_ in read(events)[:-1]] == [
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
    assert refused[-2][0] == "APIResponseValidationError"
    assert "a stream event is not JSON" in refused[-2][1]


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
    assert [delta for delta, *_ in with_templates[:-1]] == pieces
    assert with_templates[-2][1] == "".join(pieces)


def test_a_tool_call_stream_reads_the_same_with_templates_as_without() -> None:
    events: list[ServerSentEvent | str] = [
        first_call_chunk(0),
        call_chunk('{"city": '),
        call_chunk('"Par\\is \\"'),
        call_chunk('", "x": "'),
        call_chunk("", content=None),  # no piece: parsed, and the template made again
        call_chunk("}", content=None),
        first_call_chunk(1),
        call_chunk("{}", index=1),
        json.dumps(chunk(finish_reason="tool_calls")),
    ]
    with_templates = read(events)
    assert with_templates == read(events, templates=False)
    [(_, _, _, _, calls), pieces] = with_templates
    assert calls == [
        ("call-0", "get_weather", '{"city": "Par\\is \\"", "x": "}'),
        ("call-1", "get_weather", "{}"),
    ]
    assert pieces == ("pieces of tool calls", 8)


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30), st.booleans())
def test_any_stream_of_argument_pieces_reads_as_parsed(
    pieces: list[str], ensure_ascii: bool
) -> None:
    events: list[ServerSentEvent | str] = [first_call_chunk()]
    for piece in pieces:
        call = {"index": 0, "function": {"arguments": piece}}
        events.append(json.dumps(chunk(tool_calls=[call]), ensure_ascii=ensure_ascii))
    events.append(json.dumps(chunk(finish_reason="tool_calls")))
    with_templates = read(events)
    assert with_templates == read(events, templates=False)
    assert with_templates[0][4] == [("call-0", "get_weather", "".join(pieces))]
