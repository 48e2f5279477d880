"""What `_pydantic_slots` relies on in pydantic's internals, checked against the installed one.

Each failure names the assumption a pydantic release broke: fix `_pydantic_slots` (the one
module that writes pydantic's slots) before anything else.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel

from ycloud_chat import ChatModelResult, ChatModelStatus, ChatUsage, DeltaChatChoice, ToolCall
from ycloud_chat._pydantic_slots import (
    LAZY_TEXT,
    construct,
    fields_of,
    instance_dict,
    new_chunk_result,
    new_model,
)
from ycloud_chat._streaming import CumulativeText

PYDANTIC = f"pydantic {pydantic.VERSION}"
SLOTS = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")


def test_base_model_keeps_its_instance_state_in_the_four_slots() -> None:
    assert set(SLOTS) <= set(BaseModel.__slots__), f"{PYDANTIC}: BaseModel.__slots__ changed"
    for name in SLOTS:
        descriptor = BaseModel.__dict__.get(name)
        assert hasattr(descriptor, "__set__"), f"{PYDANTIC}: BaseModel.{name} is no slot"


def _usage_pair() -> tuple[ChatUsage, ChatUsage]:
    values: dict[str, Any] = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    values["reasoning_tokens"] = None
    return construct(ChatUsage, dict(values)), ChatUsage.model_construct(None, **values)


def test_a_model_built_on_its_slots_is_what_model_construct_builds() -> None:
    ours, theirs = _usage_pair()
    assert ours == theirs, PYDANTIC
    assert repr(ours) == repr(theirs), PYDANTIC
    assert ours.model_dump() == theirs.model_dump(), PYDANTIC
    assert ours.model_dump_json() == theirs.model_dump_json(), PYDANTIC
    assert ours.model_fields_set == theirs.model_fields_set, PYDANTIC
    assert ours.__pydantic_extra__ is None, PYDANTIC
    assert ours.__pydantic_private__ is None, PYDANTIC
    assert pickle.loads(pickle.dumps(ours)) == theirs, PYDANTIC
    assert copy.deepcopy(ours) == theirs, PYDANTIC


def test_model_copy_does_not_change_the_shared_fields_set() -> None:
    ours, _ = _usage_pair()
    shared = fields_of(ChatUsage)
    before = set(shared)
    changed = ours.model_copy(update={"prompt_tokens": 5})
    assert changed.prompt_tokens == 5, PYDANTIC
    assert ours.prompt_tokens == 1, PYDANTIC
    assert shared == before, f"{PYDANTIC}: model_copy changed the fields set in place"


def test_private_attributes_are_read_from_the_private_slot() -> None:
    result = new_model(
        ChatModelResult,
        {
            "choices": (),
            "usage": None,
            "id": None,
            "model": None,
            "created": None,
            "request_id": None,
            "server_request_id": None,
        },
        fields_of(ChatModelResult),
        {"_response_format": None, "_max_tokens": 7, "_headers": {"x-a": "1"}},
    )
    assert result._max_tokens == 7, PYDANTIC
    assert result.headers["x-a"] == "1", PYDANTIC


def _streamed(text: str) -> ChatModelResult[ToolCall]:
    cumulative = CumulativeText()
    cumulative.append(text)
    choice: dict[str, Any] = {
        "index": 0,
        "role": "assistant",
        "status": ChatModelStatus.PARTIAL,
        "finish_reason": None,
        "tool_calls": None,
        "delta": text,
        "reasoning_delta": "",
        LAZY_TEXT: (cumulative, len(text), None, 0),
    }
    fields: dict[str, Any] = {
        "usage": None,
        "id": "c",
        "model": "m",
        "created": None,
        "request_id": None,
        "server_request_id": None,
    }
    return new_chunk_result(ChatModelResult, fields, None, DeltaChatChoice, choice)


def _plain(text: str) -> DeltaChatChoice[ToolCall]:
    return DeltaChatChoice.model_construct(
        index=0, status=ChatModelStatus.PARTIAL, text=text, delta=text
    )


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda choice: choice.model_dump(), id="model_dump"),
        pytest.param(lambda choice: choice.model_dump_json(), id="model_dump_json"),
        pytest.param(repr, id="repr"),
        pytest.param(lambda choice: dict(choice), id="iteration"),
        pytest.param(lambda choice: copy.copy(choice).model_dump(), id="copy"),
        pytest.param(lambda choice: copy.deepcopy(choice).model_dump(), id="deepcopy"),
        pytest.param(lambda choice: choice.model_copy().model_dump(), id="model_copy"),
        pytest.param(lambda choice: pickle.loads(pickle.dumps(choice)).model_dump(), id="pickle"),
        pytest.param(lambda choice: choice.text, id="attribute"),
        pytest.param(lambda choice: choice.reasoning_text, id="reasoning attribute"),
    ],
)
def test_every_way_of_reading_a_streamed_choice_fills_its_text(read: Any) -> None:
    lazy = _streamed("Hello")[0]
    assert LAZY_TEXT in instance_dict(lazy)
    assert read(lazy) == read(_plain("Hello")), f"{PYDANTIC}: a read skipped the lazy text"


def test_a_streamed_choice_equals_one_built_whole() -> None:
    assert _streamed("Hello")[0] == _plain("Hello"), PYDANTIC
    assert _streamed("Hello")[0] != _plain("Hell"), PYDANTIC


def test_a_stream_result_reads_its_unset_slots_as_defaults() -> None:
    result = _streamed("Hello")
    choice = result[0]
    assert result.model_fields_set == set(ChatModelResult.model_fields), PYDANTIC
    assert choice.model_fields_set == set(DeltaChatChoice.model_fields), PYDANTIC
    assert result.__pydantic_extra__ is None, PYDANTIC
    assert choice.__pydantic_private__ is None, PYDANTIC
    copied = result.model_copy(update={"id": "d"})
    assert copied.id == "d", PYDANTIC
    assert copied.model_fields_set == set(ChatModelResult.model_fields), PYDANTIC
    assert pickle.loads(pickle.dumps(result)) == result, PYDANTIC


def test_reading_the_text_keeps_no_copy_in_the_choice() -> None:
    result = _streamed("Hello")
    assert result.text == "Hello"
    assert LAZY_TEXT in instance_dict(result[0]), "the text read on every chunk is not kept"
