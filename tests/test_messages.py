from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

import ycloud_chat
from ycloud_chat import ChatModelResult, TextMessage, ToolCall
from ycloud_chat._exceptions import InvalidMessageError
from ycloud_chat._messages import choice_to_wire, coerce_messages
from ycloud_chat._response import ResponseContext, parse_completion

CASSETTES = Path(__file__).parent / "cassettes"
CONTEXT = ResponseContext(ToolCall, "rid", None)


def completion(message: dict[str, Any], finish_reason: str = "stop") -> ChatModelResult[ToolCall]:
    body = {
        "id": "c1",
        "created": 1758047034,
        "model": "gpt://f/yandexgpt/latest",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    return parse_completion(body, CONTEXT)


def call(call_id: str, name: str, arguments: str = "{}") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_calls_result(*calls: dict[str, Any], text: str = "") -> ChatModelResult[ToolCall]:
    return completion(
        {"role": "assistant", "content": text, "tool_calls": list(calls)}, "tool_calls"
    )


class Plain:
    """An object with .role and .text only (duck-typed message)."""

    def __init__(self, role: str, text: str | None) -> None:
        self.role = role
        self.text = text


def raises_at(messages: Any, where: str) -> InvalidMessageError:
    with pytest.raises(InvalidMessageError) as info:
        coerce_messages(messages)
    assert where in str(info.value)
    return info.value


# --- the error class ------------------------------------------------------------------------


def test_invalid_message_error_is_type_value_and_configuration_error() -> None:
    assert issubclass(InvalidMessageError, TypeError)
    assert issubclass(InvalidMessageError, ValueError)
    assert issubclass(InvalidMessageError, ycloud_chat.ConfigurationError)
    assert issubclass(InvalidMessageError, ycloud_chat.YCloudChatError)
    assert ycloud_chat.InvalidMessageError is InvalidMessageError
    with pytest.raises(TypeError):
        coerce_messages(42)
    with pytest.raises(ValueError):
        coerce_messages(42)
    with pytest.raises(ycloud_chat.ConfigurationError):
        coerce_messages(42)


# --- plain text -----------------------------------------------------------------------------


def test_str_is_a_user_message() -> None:
    assert coerce_messages("Hello") == [{"role": "user", "content": "Hello"}]


def test_empty_str_is_still_a_message() -> None:
    assert coerce_messages("") == [{"role": "user", "content": ""}]


def test_text_message() -> None:
    messages = [TextMessage(role="system", text="be brief"), TextMessage(role="user", text="hi")]
    assert coerce_messages(messages) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]


def test_single_text_message() -> None:
    assert coerce_messages(TextMessage(role="assistant", text="ok")) == [
        {"role": "assistant", "content": "ok"}
    ]


def test_duck_typed_object_with_role_and_text() -> None:
    assert coerce_messages(Plain("system", "x")) == [{"role": "system", "content": "x"}]


def test_duck_typed_object_with_none_text_sends_empty_content() -> None:
    assert coerce_messages([Plain("assistant", None)]) == [{"role": "assistant", "content": ""}]


# --- previous results -----------------------------------------------------------------------


def test_previous_text_result_and_its_choice() -> None:
    result = completion({"role": "assistant", "content": "The answer"})
    want = {"role": "assistant", "content": "The answer"}
    assert coerce_messages(result) == [want]
    assert coerce_messages(["q", result]) == [{"role": "user", "content": "q"}, want]
    assert coerce_messages([result.choices[0]]) == [want]
    assert result.to_message() == want
    assert choice_to_wire(result) == want


def test_result_with_tool_calls_carries_raw_calls() -> None:
    raw = {"index": 0, **call("chatcmpl-tool-1", "calc", '{"x": 1}')}
    result = tool_calls_result(raw)
    assert result.tool_calls is not None
    assert result.tool_calls[0].function.arguments == {"x": 1}
    wire = coerce_messages(result)
    assert wire == [{"role": "assistant", "tool_calls": [raw]}]
    assert wire[0]["tool_calls"][0] is not raw  # a copy, not the caller's dict


def test_result_with_tool_calls_and_text_keeps_the_text() -> None:
    result = tool_calls_result(call("a", "calc"), text="Let me compute.")
    assert choice_to_wire(result) == {
        "role": "assistant",
        "content": "Let me compute.",
        "tool_calls": [call("a", "calc")],
    }


def test_object_with_dict_tool_calls() -> None:
    class WithCalls(Plain):
        def __init__(self) -> None:
            super().__init__("", None)
            self.tool_calls = [MappingProxyType(call("id1", "f"))]

    assert choice_to_wire(WithCalls()) == {"role": "assistant", "tool_calls": [call("id1", "f")]}


def test_recorded_function_call_round_trip() -> None:
    """The second request of a real recording: user text, the result, then its tool result."""
    cassette = yaml.safe_load((CASSETTES / "test_completions/test_function_call.yaml").read_text())
    first, second = cassette["interactions"][:2]
    result = parse_completion(json.loads(first["response"]["body"]["string"]), CONTEXT)
    sent = json.loads(second["request"]["body"])["messages"]
    question = sent[0]["content"]

    wire = coerce_messages(
        [question, result, {"tool_results": [{"name": "something", "content": "+20.0"}]}]
    )
    assert wire == sent
    # the history can also be built from the wire messages themselves
    assert coerce_messages(sent) == sent


# --- dicts ----------------------------------------------------------------------------------


def test_dict_with_text_or_content() -> None:
    assert coerce_messages({"text": "a"}) == [{"role": "user", "content": "a"}]
    assert coerce_messages({"content": "b"}) == [{"role": "user", "content": "b"}]
    assert coerce_messages([{"role": "system", "text": "c"}]) == [
        {"role": "system", "content": "c"}
    ]


def test_text_wins_over_content() -> None:
    assert coerce_messages({"text": "t", "content": "c"}) == [{"role": "user", "content": "t"}]


def test_non_dict_mapping_is_accepted() -> None:
    message = MappingProxyType({"role": "assistant", "content": "x"})
    assert coerce_messages(message) == [{"role": "assistant", "content": "x"}]


def test_multimodal_content_passes_as_is() -> None:
    parts = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "image_url", "image_url": "https://example.com/cat.png"},
    ]
    assert coerce_messages({"content": parts}) == [{"role": "user", "content": parts}]
    assert coerce_messages([{"role": "system", "content": parts[:1]}]) == [
        {"role": "system", "content": parts[:1]}
    ]


@pytest.mark.parametrize(
    ("part", "where"),
    [
        ("just text", "messages[0]['content'][1]"),
        ({"type": "audio", "audio": "x"}, "messages[0]['content'][1]"),
        ({"text": "no type"}, "messages[0]['content'][1]"),
        ({"type": "text", "text": 5}, "messages[0]['content'][1]"),
        ({"type": "text"}, "messages[0]['content'][1]"),
        ({"type": "image_url"}, "messages[0]['content'][1]"),
        ({"type": "image_url", "image_url": {}}, "messages[0]['content'][1]"),
        ({"type": "image_url", "image_url": {"url": ""}}, "messages[0]['content'][1]"),
        ({"type": "image_url", "image_url": 7}, "messages[0]['content'][1]"),
    ],
)
def test_bad_multimodal_parts(part: Any, where: str) -> None:
    raises_at([{"content": [{"type": "text", "text": "ok"}, part]}], where)


def test_tool_call_id_dict_becomes_a_tool_message() -> None:
    message = {"tool_call_id": "call-1", "content": "42"}
    want = {"role": "tool", "content": "42", "tool_call_id": "call-1"}
    assert coerce_messages(message) == [want]
    assert coerce_messages([{"role": "tool", **message}]) == [want]


@pytest.mark.parametrize(
    "message",
    [
        {"tool_call_id": 5, "content": "42"},
        {"tool_call_id": "", "content": "42"},
        {"tool_call_id": None, "content": "42"},
        {"tool_call_id": "c", "content": 42},
        {"tool_call_id": "c"},
    ],
)
def test_bad_tool_result_dicts(message: dict[str, Any]) -> None:
    raises_at(["q", message], "messages[1]")


def test_tool_calls_dict_passes_with_assistant_role() -> None:
    message = {"tool_calls": [call("a", "f")], "content": None, "stray": 1}
    assert coerce_messages(message) == [{"tool_calls": [call("a", "f")], "role": "assistant"}]
    with_text = {"tool_calls": [call("a", "f")], "content": "let me check"}
    assert coerce_messages(with_text)[0]["content"] == "let me check"
    explicit = {"role": "assistant", "tool_calls": [call("a", "f")]}
    wire = coerce_messages([explicit])
    assert wire == [explicit]
    assert wire[0] is not explicit


@pytest.mark.parametrize("calls", [call("a", "f"), "a", [call("a", "f"), "b"], None])
def test_bad_tool_calls_dicts(calls: Any) -> None:
    raises_at(["q", {"tool_calls": calls}], "messages[1]['tool_calls']")


@pytest.mark.parametrize("role", [None, "", 3])
def test_bad_roles(role: Any) -> None:
    raises_at(["a", "b", {"role": role, "content": "x"}], "messages[2]")
    raises_at(["a", {"role": role, "tool_calls": [call("a", "f")]}], "messages[1]")


# --- tool_results ---------------------------------------------------------------------------


def test_tool_results_matched_by_unambiguous_name() -> None:
    history = [
        "q",
        tool_calls_result(call("id-w", "weather"), call("id-t", "time")),
        {
            "tool_results": [
                {"name": "time", "content": "noon"},
                {"name": "weather", "content": "sun"},
            ]
        },
    ]
    wire = coerce_messages(history)
    assert wire[2:] == [
        {"role": "tool", "content": "noon", "tool_call_id": "id-t"},
        {"role": "tool", "content": "sun", "tool_call_id": "id-w"},
    ]


def test_tool_results_matched_by_id_even_for_the_same_function_twice() -> None:
    history = [
        "q",
        {"role": "assistant", "tool_calls": [call("c1", "calc", "1"), call("c2", "calc", "2")]},
        {
            "tool_results": [
                {"name": "calc", "id": "c2", "content": "two"},
                {"name": "calc", "tool_call_id": "c1", "content": "one"},
            ]
        },
    ]
    assert coerce_messages(history)[2:] == [
        {"role": "tool", "content": "two", "tool_call_id": "c2"},
        {"role": "tool", "content": "one", "tool_call_id": "c1"},
    ]


def test_tool_results_by_name_when_the_function_was_called_twice_is_ambiguous() -> None:
    history = [
        "q",
        tool_calls_result(call("c1", "calc"), call("c2", "calc")),
        {"tool_results": [{"name": "calc", "content": "x"}]},
    ]
    error = raises_at(history, "messages[2]['tool_results'][0]")
    assert "calc" in str(error)
    assert "2 times" in str(error)


def test_tool_results_use_the_latest_tool_call_message() -> None:
    history = [
        {"role": "assistant", "tool_calls": [call("old", "f")]},
        {"tool_call_id": "old", "content": "1"},
        {"role": "assistant", "tool_calls": [call("new", "f")]},
        {"tool_results": [{"name": "f", "content": "2"}]},
    ]
    assert coerce_messages(history)[-1] == {"role": "tool", "content": "2", "tool_call_id": "new"}


def test_tool_results_after_calls_in_a_message_whose_role_is_tool() -> None:
    # The reference SDK's own tests send the calls so; the results are matched to them.
    calls = {"role": "tool", "tool_calls": [{"id": "1", "function": {"name": "something"}}]}
    results = {"tool_results": [{"name": "something", "content": "+20.0"}]}
    assert coerce_messages([calls, results]) == [
        calls,
        {"role": "tool", "content": "+20.0", "tool_call_id": "1"},
    ]


def test_tool_results_after_another_answer_of_the_same_turn() -> None:
    history = [
        {"role": "assistant", "tool_calls": [call("a", "f"), call("b", "g")]},
        {"role": "tool", "tool_call_id": "a", "content": "1"},
        {"tool_results": [{"name": "g", "content": "2"}]},
    ]
    assert coerce_messages(history)[-1] == {"role": "tool", "content": "2", "tool_call_id": "b"}


def test_tool_results_with_id_and_no_preceding_calls_are_trusted() -> None:
    assert coerce_messages({"tool_results": [{"id": "x", "content": "1"}]}) == [
        {"role": "tool", "content": "1", "tool_call_id": "x"}
    ]


def test_tool_results_index_is_the_input_index() -> None:
    history = [
        "q",
        {"role": "assistant", "tool_calls": [call("a", "f"), call("b", "g")]},
        {"tool_results": [{"name": "f", "content": "1"}, {"name": "g", "content": "2"}]},
        42,
    ]
    raises_at(history, "messages[3]")


@pytest.mark.parametrize(
    ("results", "where"),
    [
        ([], "messages[2]['tool_results']"),
        ({"name": "f", "content": "1"}, "messages[2]['tool_results']"),
        (None, "messages[2]['tool_results']"),
        (["f"], "messages[2]['tool_results'][0]"),
        ([{"content": "1"}], "messages[2]['tool_results'][0]"),
        ([{"name": "f", "content": "1"}, {"name": "nope", "content": "2"}], "[1]"),
        ([{"id": "unknown", "content": "1"}], "messages[2]['tool_results'][0]"),
        ([{"name": "f", "content": 1}], "messages[2]"),
    ],
)
def test_bad_tool_results(results: Any, where: str) -> None:
    history = [
        "q",
        {"role": "assistant", "tool_calls": [call("a", "f")]},
        {"tool_results": results},
    ]
    raises_at(history, where)


def test_tool_results_by_name_without_preceding_calls() -> None:
    raises_at(["q", {"tool_results": [{"name": "f", "content": "1"}]}], "messages[1]")


def test_tool_results_by_name_for_a_call_without_id() -> None:
    history = [
        {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]},
        {"tool_results": [{"name": "f", "content": "1"}]},
    ]
    raises_at(history, "messages[1]['tool_results'][0]")


# --- one message vs many --------------------------------------------------------------------


def test_iterables_of_messages() -> None:
    want = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    assert coerce_messages(["a", "b"]) == want
    assert coerce_messages(("a", "b")) == want
    assert coerce_messages(iter(["a", "b"])) == want


def test_generator_of_mixed_messages() -> None:
    def gen() -> Iterator[Any]:
        yield "a"
        yield TextMessage(role="assistant", text="b")
        yield {"role": "user", "text": "c"}

    assert coerce_messages(gen()) == [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"},
    ]


def test_a_result_is_one_message_not_an_iterable_of_choices() -> None:
    result = completion({"role": "assistant", "content": "x"})
    assert len(coerce_messages(result)) == 1


# --- bad inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("messages", [None, 42, 1.5, b"bytes", bytearray(b"x"), object()])
def test_not_a_message_nor_an_iterable(messages: Any) -> None:
    with pytest.raises(InvalidMessageError, match="messages must be one message"):
        coerce_messages(messages)


@pytest.mark.parametrize("messages", [[], (), iter([])])
def test_empty_messages(messages: Any) -> None:
    with pytest.raises(InvalidMessageError, match="empty"):
        coerce_messages(messages)


@pytest.mark.parametrize(
    "bad",
    [
        42,
        None,
        b"bytes",
        ["nested"],
        {"role": "user"},
        {"content": 5},
        {"text": None},
        {"content": None},
        {"foo": "bar"},
        object(),
    ],
)
def test_bad_message_names_its_index(bad: Any) -> None:
    error = raises_at(["a", TextMessage(role="user", text="b"), bad, "d"], "messages[2]")
    assert "messages[0]" not in str(error)


def test_bad_message_in_a_generator_names_its_index() -> None:
    raises_at((item for item in ["a", "b", "c", 7]), "messages[3]")


def test_result_without_choices_is_an_invalid_message() -> None:
    empty = ChatModelResult[ToolCall](choices=())
    with pytest.raises(InvalidMessageError):
        coerce_messages(empty)
    raises_at(["q", empty], "messages[1]")
