from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Collection, Iterable, Reversible, Sequence, Sized
from typing import Any

import pytest

from ycloud_chat import (
    ChatChoice,
    ChatModelResult,
    ChatModelStatus,
    ChatUsage,
    DeltaChatChoice,
    FinishReason,
    ToolCall,
)

Result = ChatModelResult[ToolCall]
FIRST = ChatChoice[ToolCall](index=0, text="a", status=ChatModelStatus.FINAL, finish_reason="stop")
SECOND = ChatChoice[ToolCall](index=1, text="b", status=ChatModelStatus.TRUNCATED_FINAL)


def result(*choices: ChatChoice[ToolCall]) -> Result:
    return Result(
        choices=choices,
        usage=ChatUsage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
        id="cmpl-1",
        model="gpt://f/yandexgpt/latest",
        request_id="rid",
    )


def test_result_is_a_sequence_of_choices() -> None:
    value = result(FIRST, SECOND)
    assert isinstance(value, Sequence)
    for abc in (Collection, Reversible, Sized, Iterable):
        assert isinstance(value, abc)
    assert issubclass(ChatModelResult, Sequence)
    assert issubclass(Result, Sequence)
    # for type checkers too: a result goes wherever a sequence of choices is wanted
    choices: Sequence[ChatChoice[ToolCall]] = value
    assert choices is value


def test_sequence_protocol() -> None:
    value = result(FIRST, SECOND)
    assert len(value) == 2
    assert value[0] is FIRST
    assert value[-1] is SECOND
    assert value[0:1] == (FIRST,)
    assert list(value) == [FIRST, SECOND]
    assert FIRST in value
    assert ChatChoice[ToolCall](index=0, text="a") not in value
    assert value.index(SECOND) == 1
    assert value.count(FIRST) == 1
    assert value.count(ChatChoice[ToolCall]()) == 0
    assert list(reversed(value)) == [SECOND, FIRST]
    with pytest.raises(IndexError):
        value[2]
    with pytest.raises(ValueError, match="not in"):
        value.index(ChatChoice[ToolCall]())
    assert value.index(SECOND, 1) == 1
    with pytest.raises(ValueError, match="not in"):
        value.index(FIRST, 1)


def test_empty_result() -> None:
    value = Result(choices=())
    assert len(value) == 0
    assert not value
    assert list(value) == []
    assert list(reversed(value)) == []
    with pytest.raises(IndexError, match="no choices"):
        _ = value.text


def test_public_attributes_are_unchanged() -> None:
    value = result(FIRST, SECOND)
    assert value.choices == (FIRST, SECOND)
    assert value.alternatives == value.choices
    assert (value.text, value.role, value.status) == ("a", "assistant", ChatModelStatus.FINAL)
    assert (value.finish_reason, value.tool_calls, value.reasoning_text) == ("stop", None, None)
    assert (value.delta, value.reasoning_delta) == ("", "")
    assert value.usage is not None
    assert value.usage.total_tokens == 3
    assert (value.id, value.model, value.request_id) == (
        "cmpl-1",
        "gpt://f/yandexgpt/latest",
        "rid",
    )
    assert set(Result.model_fields) == {
        "choices",
        "usage",
        "id",
        "model",
        "created",
        "request_id",
        "server_request_id",
    }


def test_delta_shortcuts_read_a_delta_choice() -> None:
    choice = DeltaChatChoice[ToolCall](text="ab", delta="b", reasoning_delta="r")
    value = Result.model_construct(choices=(choice,))
    assert (value.text, value.delta, value.reasoning_delta) == ("ab", "b", "r")


def test_model_dump_and_round_trip() -> None:
    value = result(FIRST, SECOND)
    dumped = value.model_dump()
    assert [choice["text"] for choice in dumped["choices"]] == ["a", "b"]
    assert dumped["id"] == "cmpl-1"
    assert dumped["usage"]["total_tokens"] == 3
    assert Result.model_validate(dumped) == value
    assert Result.model_validate_json(value.model_dump_json()) == value


def test_equality_and_repr() -> None:
    assert result(FIRST, SECOND) == result(FIRST, SECOND)
    assert result(FIRST, SECOND) != result(SECOND, FIRST)
    assert result(FIRST) != (FIRST,)  # type: ignore[comparison-overlap]
    text = repr(result(FIRST))
    assert text.startswith("ChatModelResult[ToolCall, Any](choices=(ChatChoice[ToolCall](")
    assert "id='cmpl-1'" in text


def test_frozen_and_copies() -> None:
    value = result(FIRST, SECOND)
    with pytest.raises(ValueError, match="frozen"):
        value.id = "other"  # type: ignore[misc]
    assert value.model_copy(update={"id": "other"}).id == "other"
    assert copy.deepcopy(value) == value
    assert copy.copy(value) == value


def test_fast_construction_equals_pydantic_model_construct() -> None:
    from ycloud_chat._pydantic_slots import construct
    from ycloud_chat.types.results import ChatModelStatus, DeltaChatChoice

    fields: dict[str, Any] = {
        "index": 0,
        "role": "assistant",
        "text": "Hello",
        "status": ChatModelStatus.PARTIAL,
        "finish_reason": None,
        "tool_calls": None,
        "reasoning_text": None,
        "delta": "lo",
        "reasoning_delta": "",
    }
    assert set(fields) == set(DeltaChatChoice.model_fields)
    fast = construct(DeltaChatChoice, dict(fields))
    slow: DeltaChatChoice[ToolCall] = DeltaChatChoice.model_construct(**fields)
    assert fast == slow
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set
    assert repr(fast) == repr(slow)
    assert fast.model_copy(update={"delta": "x"}).delta == "x"
    assert fast.delta == "lo"


def test_fast_construction_fills_private_attributes_and_missing_fields() -> None:
    from pydantic import PrivateAttr

    from ycloud_chat._pydantic_slots import construct
    from ycloud_chat.types.results import ChatUsage

    class Noted(ChatUsage):
        _note: str = PrivateAttr(default="kept")

    fields = {
        "prompt_tokens": 1,
        "completion_tokens": 2,
        "total_tokens": 3,
        "reasoning_tokens": None,
    }
    noted = construct(Noted, dict(fields))
    assert noted._note == "kept"
    assert noted.total_tokens == 3

    partial = construct(ChatUsage, {"prompt_tokens": 1})
    assert partial.completion_tokens == 0
    assert partial.model_fields_set == {"prompt_tokens"}


# --- FinishReason and the reference SDK's names ---------------------------------------------


def test_finish_reason_members_equal_their_raw_strings() -> None:
    raw: str = "stop"
    assert raw == FinishReason.STOP
    assert FinishReason(raw) is FinishReason.STOP
    assert FinishReason("tool_calls") is FinishReason.TOOL_CALLS
    assert isinstance(FinishReason.LENGTH, str)
    assert str(FinishReason.CONTENT_FILTER) == "content_filter"
    assert f"{FinishReason.USAGE}" == "usage"
    assert json.dumps({"finish_reason": FinishReason.STOP}) == '{"finish_reason": "stop"}'
    by_raw: dict[str, int] = {FinishReason.STOP: 1}
    assert by_raw[raw] == 1


def test_an_unknown_finish_reason_is_kept() -> None:
    unknown = FinishReason("cancelled")
    assert isinstance(unknown, FinishReason)
    assert unknown == "cancelled"
    assert unknown.value == "cancelled"
    assert str(unknown) == "cancelled"
    assert unknown not in list(FinishReason)  # not added to the members
    assert pickle.loads(pickle.dumps(unknown)) == "cancelled"
    assert ChatModelStatus.from_finish_reason(unknown) is ChatModelStatus.UNKNOWN
    with pytest.raises(ValueError):
        FinishReason(5)


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (FinishReason.STOP, ChatModelStatus.FINAL),
        (FinishReason.LENGTH, ChatModelStatus.TRUNCATED_FINAL),
        (FinishReason.CONTENT_FILTER, ChatModelStatus.CONTENT_FILTER),
        (FinishReason.TOOL_CALLS, ChatModelStatus.TOOL_CALLS),
        (FinishReason.FUNCTION_CALL, ChatModelStatus.TOOL_CALLS),
        (FinishReason.USAGE, ChatModelStatus.USAGE),
        ("stop", ChatModelStatus.FINAL),
        (None, ChatModelStatus.PARTIAL),
    ],
)
def test_finish_reason_to_status(reason: str | None, status: ChatModelStatus) -> None:
    assert ChatModelStatus.from_finish_reason(reason) is status


def test_validated_choices_take_finish_reasons_as_strings() -> None:
    assert FIRST.finish_reason is FinishReason.STOP
    odd = ChatChoice[ToolCall](finish_reason="cancelled")
    assert isinstance(odd.finish_reason, FinishReason)
    assert odd.finish_reason == "cancelled"
    assert odd.model_dump()["finish_reason"] == "cancelled"


def test_content_and_reasoning_content_are_aliases() -> None:
    choice = ChatChoice[ToolCall](text="answer", reasoning_text="because")
    value = result(choice)
    assert (choice.content, choice.reasoning_content) == ("answer", "because")
    assert (value.content, value.reasoning_content) == ("answer", "because")
    assert result(SECOND).reasoning_content is None
