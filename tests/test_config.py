from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
import yaml
from pydantic import BaseModel, ValidationError

import ycloud_chat
from ycloud_chat import UNDEFINED, ChatModelConfig, FunctionTool, ReasoningMode
from ycloud_chat.types import config as config_module
from ycloud_chat.types.config import (
    ReasoningModeInput,
    ResponseFormatInput,
    ToolChoiceInput,
    ToolsInput,
    response_format_to_wire,
)

CASSETTES = Path(__file__).parent / "cassettes"

CALC = FunctionTool(
    name="calc",
    description="Evaluate an expression",
    parameters={"type": "object", "properties": {"expression": {"type": "string"}}},
)
WEATHER_WIRE = {
    "type": "function",
    "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"a": {"type": "integer"}},
    "required": ["a"],
}


class Numbers(BaseModel):
    numbers: list[int]


@pydantic.dataclasses.dataclass
class Point:
    x: int
    y: int


@dataclasses.dataclass
class StdPoint:
    x: int


def recorded_body(name: str) -> dict[str, Any]:
    cassette = yaml.safe_load((CASSETTES / "test_completions" / name).read_text())
    body: dict[str, Any] = json.loads(cassette["interactions"][0]["request"]["body"])
    return body


def invalid(**values: Any) -> str:
    with pytest.raises(ValidationError) as info:
        ChatModelConfig(**values)
    return str(info.value)


# --- defaults and frozen-ness ---------------------------------------------------------------


def test_defaults_are_all_unset() -> None:
    config = ChatModelConfig()
    assert all(value is None for _, value in config)


def test_config_is_frozen() -> None:
    config = ChatModelConfig(temperature=0.5)
    with pytest.raises(ValidationError):
        config.temperature = 1.0  # type: ignore[misc]
    assert config.temperature == 0.5


def test_unknown_fields_are_rejected() -> None:
    assert "temprature" in invalid(temprature=1)


def test_equal_configs_compare_equal() -> None:
    assert ChatModelConfig(temperature=1, max_tokens=5) == ChatModelConfig(
        max_tokens=5, temperature=1.0
    )


# --- temperature ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 0.0, 0.7, 1, 2, 2.0])
def test_temperature_in_range(value: float) -> None:
    config = ChatModelConfig(temperature=value)
    assert config.temperature == value
    assert isinstance(config.temperature, float)


@pytest.mark.parametrize("value", [-0.01, 2.01, 3, -1, math.inf, -math.inf])
def test_temperature_out_of_range(value: float) -> None:
    assert "temperature" in invalid(temperature=value)


@pytest.mark.parametrize("value", [True, False, math.nan, "0.5", [0.5], None.__class__])
def test_temperature_wrong_type_or_nan(value: Any) -> None:
    assert "temperature" in invalid(temperature=value)


# --- max_tokens -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 100, 2**20])
def test_max_tokens_positive(value: int) -> None:
    assert ChatModelConfig(max_tokens=value).max_tokens == value


@pytest.mark.parametrize("value", [0, -1, 1.5, 10.0, "10", True, False])
def test_max_tokens_invalid(value: Any) -> None:
    assert "max_tokens" in invalid(max_tokens=value)


# --- reasoning_mode -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("low", ReasoningMode.LOW),
        ("MEDIUM", ReasoningMode.MEDIUM),
        ("High", ReasoningMode.HIGH),
        (" high ", ReasoningMode.HIGH),
        (ReasoningMode.LOW, ReasoningMode.LOW),
    ],
)
def test_reasoning_mode_any_case_or_enum(value: Any, want: ReasoningMode) -> None:
    assert ChatModelConfig(reasoning_mode=value).reasoning_mode is want


@pytest.mark.parametrize("value", ["extreme", "", 1, True, ["low"]])
def test_reasoning_mode_invalid(value: Any) -> None:
    message = invalid(reasoning_mode=value)
    assert "reasoning_mode" in message
    assert "'low'" in message


# --- response_format ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["json", "JSON", " Json ", {"type": "json_object"}])
def test_response_format_json(value: Any) -> None:
    assert response_format_to_wire(value) == {"type": "json_object"}
    assert ChatModelConfig(response_format=value).response_format == value


@pytest.mark.parametrize("key", ["schema", "json_schema", "jsonschema"])
def test_schema_dict_under_any_key(key: str) -> None:
    assert response_format_to_wire({key: SCHEMA, "name": "Thing"}) == {
        "type": "json_schema",
        "json_schema": {"schema": SCHEMA, "name": "Thing"},
    }


@pytest.mark.parametrize("strict", [True, False])
def test_schema_dict_strict_only_when_given(strict: bool) -> None:
    wire = response_format_to_wire({"schema": SCHEMA, "name": "Thing", "strict": strict})
    assert wire["json_schema"] == {"schema": SCHEMA, "name": "Thing", "strict": strict}


def test_schema_dict_in_wire_form() -> None:
    wire = {
        "type": "json_schema",
        "json_schema": {"schema": SCHEMA, "name": "Thing", "strict": True},
    }
    assert response_format_to_wire(wire) == wire
    without_strict = {"type": "json_schema", "json_schema": {"schema": SCHEMA, "name": "T"}}
    assert response_format_to_wire(without_strict) == without_strict


def test_schema_dict_is_copied() -> None:
    schema = dict(SCHEMA)
    wire = response_format_to_wire({"schema": schema, "name": "T"})
    schema["extra"] = True
    assert "extra" not in wire["json_schema"]["schema"]


@pytest.mark.parametrize(
    "value",
    [
        {"schema": SCHEMA},
        {"schema": SCHEMA, "name": ""},
        {"schema": SCHEMA, "name": 5},
        {"type": "json_schema", "json_schema": {"schema": SCHEMA}},
    ],
)
def test_schema_without_a_name(value: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="name"):
        response_format_to_wire(value)
    assert "name" in invalid(response_format=value)


@pytest.mark.parametrize(
    "value",
    [
        {"name": "T"},
        {"name": "T", "schema": "not a dict"},
        {"type": "object", "properties": {}},
        "xml",
        "",
        5,
        ["json"],
        int,
        Numbers(numbers=[1]),
    ],
)
def test_bad_response_format(value: Any) -> None:
    with pytest.raises(ValueError, match=r"response_format|schema"):
        response_format_to_wire(value)
    assert "response_format" in invalid(response_format=value)


def test_pydantic_model_matches_the_recorded_request() -> None:
    recorded = recorded_body("test_structured_output_pydantic_model.yaml")["response_format"]
    wire = response_format_to_wire(Numbers)
    assert wire == recorded
    assert wire["json_schema"]["name"] == "Numbers"
    assert wire["json_schema"]["strict"] is True


def test_pydantic_dataclass() -> None:
    wire = response_format_to_wire(Point)
    assert wire["type"] == "json_schema"
    assert wire["json_schema"]["name"] == "Point"
    assert wire["json_schema"]["strict"] is True
    schema = wire["json_schema"]["schema"]
    assert schema["type"] == "object"
    assert set(schema["properties"]) == {"x", "y"}
    assert sorted(schema["required"]) == ["x", "y"]


def test_plain_dataclass_is_accepted_like_a_pydantic_one() -> None:
    wire = response_format_to_wire(StdPoint)
    assert wire == {
        "type": "json_schema",
        "json_schema": {
            "schema": {
                "properties": {"x": {"title": "X", "type": "integer"}},
                "required": ["x"],
                "title": "StdPoint",
                "type": "object",
            },
            "name": "StdPoint",
            "strict": True,
        },
    }
    assert ChatModelConfig(response_format=StdPoint).wire_fragment()["response_format"] == wire


def test_config_keeps_the_pydantic_class() -> None:
    assert ChatModelConfig(response_format=Numbers).response_format is Numbers


# --- tools ----------------------------------------------------------------------------------


def test_single_tool() -> None:
    assert ChatModelConfig(tools=CALC).tools == (CALC,)


def test_single_wire_dict_tool() -> None:
    config = ChatModelConfig(tools=WEATHER_WIRE)
    assert config.tools is not None
    assert config.tools[0].name == "weather"
    assert config.tools[0].to_wire() == {
        "type": "function",
        "function": {**WEATHER_WIRE["function"], "strict": None},  # type: ignore[dict-item]
    }


@pytest.mark.parametrize("container", [list, tuple])
def test_sequence_of_mixed_tools(container: Any) -> None:
    config = ChatModelConfig(tools=container([CALC, WEATHER_WIRE]))
    assert config.tools is not None
    assert [tool.name for tool in config.tools] == ["calc", "weather"]
    assert isinstance(config.tools, tuple)


def test_wire_dict_tool_without_type_defaults_to_function() -> None:
    config = ChatModelConfig(tools=[{"function": {"name": "f"}}])
    assert config.tools == (FunctionTool(name="f"),)


def test_duplicate_tool_names() -> None:
    message = invalid(tools=[CALC, {"type": "function", "function": {"name": "calc"}}])
    assert "distinct" in message
    assert "calc" in message


@pytest.mark.parametrize(
    ("tools", "where"),
    [
        ([CALC, 5], "tools[1]"),
        ([CALC, {"type": "retrieval"}], "tools[1]"),
        ([{"type": "function", "function": {"name": ""}}], "tools[0]"),
        ([{"type": "function", "function": "calc"}], "tools[0]"),
        ([{"type": "function", "function": {"name": "f", "bogus": 1}}], "tools[0]"),
        ("calc", "tools must be"),
        (5, "tools must be"),
    ],
)
def test_bad_tools(tools: Any, where: str) -> None:
    assert where in invalid(tools=tools)


def test_empty_tools_sequence() -> None:
    assert ChatModelConfig(tools=[]).tools == ()


def test_parallel_tool_calls() -> None:
    assert ChatModelConfig(parallel_tool_calls=False).parallel_tool_calls is False
    assert "parallel_tool_calls" in invalid(parallel_tool_calls=1)
    assert "parallel_tool_calls" in invalid(parallel_tool_calls="yes")


# --- tool_choice ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "want"),
    [("none", "none"), ("AUTO", "auto"), (" Required ", "required"), ("Auto", "auto")],
)
def test_tool_choice_modes_any_case(value: str, want: str) -> None:
    assert ChatModelConfig(tool_choice=value).tool_choice == want


def test_tool_choice_mode_without_tools_is_allowed() -> None:
    assert ChatModelConfig(tool_choice="required").tools is None


def test_tool_choice_from_a_tool() -> None:
    config = ChatModelConfig(tools=[CALC], tool_choice=CALC)
    assert config.tool_choice == {"type": "function", "function": {"name": "calc"}}


def test_tool_choice_by_configured_name() -> None:
    config = ChatModelConfig(tools=[CALC, WEATHER_WIRE], tool_choice="weather")
    assert config.tool_choice == {"type": "function", "function": {"name": "weather"}}


def test_tool_choice_wire_dict_is_normalised() -> None:
    config = ChatModelConfig(
        tools=[CALC],
        tool_choice={"type": "function", "function": {"name": "calc", "extra": 1}},
    )
    assert config.tool_choice == {"type": "function", "function": {"name": "calc"}}


def test_tool_choice_keeps_the_instruction() -> None:
    choice = {"type": "function", "function": {"name": "calc", "instruction": "Add them up"}}
    config = ChatModelConfig(tools=[CALC], tool_choice=choice)
    assert config.tool_choice == choice
    assert config.wire_fragment()["tool_choice"] == choice


def test_tool_choice_instruction_must_be_a_str() -> None:
    choice = {"type": "function", "function": {"name": "calc", "instruction": 5}}
    assert "tool_choice must be" in invalid(tools=[CALC], tool_choice=choice)


@pytest.mark.parametrize(
    "choice",
    ["nope", FunctionTool(name="nope"), {"type": "function", "function": {"name": "nope"}}],
)
def test_tool_choice_unknown_name(choice: Any) -> None:
    message = invalid(tools=[CALC], tool_choice=choice)
    assert "'nope'" in message
    assert "'calc'" in message


def test_tool_choice_name_without_any_tools() -> None:
    assert "none are configured" in invalid(tool_choice="calc")


@pytest.mark.parametrize(
    "choice",
    [
        5,
        True,
        "",
        "   ",
        ["auto"],
        {},
        {"type": "function"},
        {"type": "function", "function": {"name": ""}},
        {"type": "function", "function": "calc"},
        {"type": "tool", "function": {"name": "calc"}},
    ],
)
def test_tool_choice_bad_type(choice: Any) -> None:
    assert "tool_choice must be" in invalid(tools=[CALC], tool_choice=choice)


# --- extra_query ----------------------------------------------------------------------------


def test_extra_query_is_copied() -> None:
    extra: dict[str, Any] = {"top_p": 0.9, "stop": ["\n"], "seed": 1}
    config = ChatModelConfig(extra_query=extra)
    extra["top_k"] = 5
    assert config.extra_query == {"top_p": 0.9, "stop": ["\n"], "seed": 1}


@pytest.mark.parametrize("key", ["model", "messages", "stream"])
def test_extra_query_may_not_override_core_keys(key: str) -> None:
    message = invalid(extra_query={"top_p": 1, key: "x"})
    assert "extra_query" in message
    assert repr(key) in message


@pytest.mark.parametrize(
    "extra",
    [{"seed": {1, 2}}, {"seed": object()}, {"top_p": math.nan}, {"top_p": math.inf}, {"x": b"1"}],
)
def test_extra_query_must_be_json(extra: dict[str, Any]) -> None:
    assert "JSON" in invalid(extra_query=extra)


@pytest.mark.parametrize("extra", [{1: "x"}, ["top_p"], "top_p=1"])
def test_extra_query_bad_shape(extra: Any) -> None:
    assert "extra_query" in invalid(extra_query=extra)


# --- configure() through the public SDK -----------------------------------------------------


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[ycloud_chat.ChatSDK]:
    def no_request(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no request may be sent")

    for name in ("YC_FOLDER_ID", "YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", no_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", no_request)
    monkeypatch.setattr(httpx.Client, "send", no_request)
    with ycloud_chat.ChatSDK(folder_id="f", auth="k") as client:
        yield client


def test_constructing_the_sdk_and_models_sends_nothing(sdk: ycloud_chat.ChatSDK) -> None:
    model = sdk.chat.completions("yandexgpt").configure(temperature=0.1, tools=[CALC])
    assert model.uri == "gpt://f/yandexgpt/latest"
    assert model.config.temperature == 0.1


def test_configure_unset_keeps_and_none_resets(sdk: ycloud_chat.ChatSDK) -> None:
    base = sdk.chat.completions("yandexgpt")
    first = base.configure(
        temperature=0.3,
        max_tokens=100,
        reasoning_mode="HIGH",
        response_format=Numbers,
        tools=[CALC],
        parallel_tool_calls=True,
        tool_choice="calc",
        extra_query={"top_p": 0.5},
    )
    second = first.configure(max_tokens=200)
    assert second.config == first.config.model_copy(update={"max_tokens": 200})
    assert second.config.tool_choice == {"type": "function", "function": {"name": "calc"}}
    assert second.config.reasoning_mode is ReasoningMode.HIGH
    assert second.config.response_format is Numbers
    assert second.config.tools == (CALC,)

    third = second.configure(temperature=None, tool_choice=None, extra_query=None)
    assert third.config.temperature is None
    assert third.config.tool_choice is None
    assert third.config.extra_query is None
    assert third.config.max_tokens == 200
    assert third.config.tools == (CALC,)

    # every earlier model is untouched
    assert base.config == ChatModelConfig()
    assert first.config.max_tokens == 100
    assert first.config.temperature == 0.3
    assert second.config.temperature == 0.3
    assert base is not first
    assert first.uri == second.uri == third.uri == base.uri


def test_configure_returns_the_same_class(sdk: ycloud_chat.ChatSDK) -> None:
    model = sdk.chat.completions("yandexgpt", model_version="rc")
    configured = model.configure(temperature=1)
    assert type(configured) is type(model)
    assert configured.uri == "gpt://f/yandexgpt/rc"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temperature", 2.5),
        ("temperature", True),
        ("temperature", math.nan),
        ("max_tokens", 0),
        ("reasoning_mode", "maximal"),
        ("response_format", {"schema": SCHEMA}),
        ("response_format", "yaml"),
        ("tools", [CALC, CALC]),
        ("parallel_tool_calls", "no"),
        ("tool_choice", 3),
        ("extra_query", {"stream": True}),
        ("extra_query", {"seed": {1}}),
    ],
)
def test_configure_bad_value_names_the_field(
    sdk: ycloud_chat.ChatSDK, field: str, value: Any
) -> None:
    model = sdk.chat.completions("yandexgpt").configure(temperature=1.0)
    with pytest.raises(ycloud_chat.ConfigurationError) as info:
        model.configure(**{field: value})
    assert field in str(info.value)
    assert not isinstance(info.value, ValidationError)
    assert model.config == ChatModelConfig(temperature=1.0)


def test_configure_tool_choice_for_a_dropped_tool(sdk: ycloud_chat.ChatSDK) -> None:
    model = sdk.chat.completions("yandexgpt").configure(tools=[CALC], tool_choice="calc")
    with pytest.raises(ycloud_chat.ConfigurationError, match="tool_choice"):
        model.configure(tools=None)
    with pytest.raises(ycloud_chat.ConfigurationError, match="'nope'"):
        model.configure(tool_choice="nope")
    assert model.configure(tools=None, tool_choice="auto").config.tools is None


# --- the wire fragment ----------------------------------------------------------------------


def test_wire_fragment_in_protocol_order() -> None:
    config = ChatModelConfig(
        extra_query={"top_p": 0.9, "seed": 7},
        tool_choice="calc",
        parallel_tool_calls=False,
        tools=[CALC],
        reasoning_mode="Medium",
        response_format="json",
        max_tokens=64,
        temperature=0,
    )
    fragment = config.wire_fragment()
    assert list(fragment) == [
        "temperature",
        "max_tokens",
        "response_format",
        "reasoning_effort",
        "tools",
        "parallel_tool_calls",
        "tool_choice",
        "top_p",
        "seed",
    ]
    assert fragment["response_format"] == {"type": "json_object"}
    assert fragment["reasoning_effort"] == "medium"
    assert fragment["tools"] == [CALC.to_wire()]
    assert fragment["tool_choice"] == {"type": "function", "function": {"name": "calc"}}
    assert ChatModelConfig().wire_fragment() == {}


def test_wire_fragment_is_read_only() -> None:
    fragment = ChatModelConfig(temperature=1).wire_fragment()
    with pytest.raises(TypeError):
        fragment["temperature"] = 2  # type: ignore[index]
    assert ChatModelConfig(temperature=1).wire_fragment() == {"temperature": 1.0}


def test_response_format_is_converted_once_per_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def counting(value: Any) -> dict[str, Any]:
        calls.append(value)
        return response_format_to_wire(value)

    monkeypatch.setattr(config_module, "response_format_to_wire", counting)
    config = ChatModelConfig(response_format=Numbers)
    assert calls == [Numbers]
    for _ in range(3):
        assert config.wire_fragment()["response_format"]["json_schema"]["name"] == "Numbers"
    assert calls == [Numbers]
    config.replace(temperature=1)
    assert calls == [Numbers, Numbers]


def test_wire_fragment_shares_nothing_with_the_config() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    tool = FunctionTool(name="t", parameters={"type": "object", "properties": {}})
    config = ChatModelConfig(
        extra_query={"top_p": 0.5, "stop": ["\n"]},
        response_format={"schema": schema, "name": "S"},
        tools=[tool],
    )
    assert config.extra_query is not None
    config.extra_query["model"] = "x"
    config.extra_query["stop"].append("END")
    assert isinstance(config.response_format, dict)
    config.response_format["schema"]["properties"]["b"] = {}
    tool.parameters["properties"]["p"] = {}
    fragment = config.wire_fragment()
    assert "model" not in fragment
    assert fragment["stop"] == ["\n"]
    assert fragment["response_format"]["json_schema"]["schema"] == schema
    assert fragment["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {}}


def test_wire_fragment_of_an_unvalidated_config() -> None:
    config = ChatModelConfig.model_construct(temperature=0.5, extra_query={"seed": 1})
    assert config.wire_fragment() == {"temperature": 0.5, "seed": 1}


def test_response_format_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        ChatModelConfig(response_format={"schema": SCHEMA})
    (error,) = info.value.errors()
    assert error["loc"] == ("response_format",)
    assert error["msg"].startswith('Value error, a response_format schema needs a "name"')


def test_response_format_class_without_a_json_schema() -> None:
    class Unschemable(BaseModel):
        callback: Callable[[], int]

    with pytest.raises(ValueError, match="Unschemable has no JSON schema"):
        response_format_to_wire(Unschemable)
    with pytest.raises(ycloud_chat.ConfigurationError) as info:
        ChatModelConfig().replace(response_format=Unschemable)
    assert str(info.value).startswith(
        "invalid model configuration: response_format: response_format class Unschemable "
        "has no JSON schema"
    )
    assert "\n" not in str(info.value)


def test_model_copy_validates_and_keeps_the_fragment_current() -> None:
    config = ChatModelConfig(temperature=0.5, max_tokens=10)
    copied = config.model_copy(update={"max_tokens": 20})
    assert copied.max_tokens == 20
    assert copied.wire_fragment() == {"temperature": 0.5, "max_tokens": 20}
    assert copied == ChatModelConfig(temperature=0.5, max_tokens=20)
    assert config.wire_fragment() == {"temperature": 0.5, "max_tokens": 10}
    with pytest.raises(ValidationError, match="max_tokens"):
        config.model_copy(update={"max_tokens": 0})
    assert config.model_copy() == config
    assert config.model_copy(deep=True) == config


# --- replace() ------------------------------------------------------------------------------


def test_replace_keeps_undefined_and_resets_none() -> None:
    config = ChatModelConfig(
        temperature=0.3, max_tokens=100, tools=[CALC], tool_choice="calc", extra_query={"seed": 1}
    )
    changed = config.replace(
        temperature=UNDEFINED, max_tokens=200, tool_choice=None, extra_query=None
    )
    assert type(changed) is ChatModelConfig
    assert changed.temperature == 0.3
    assert changed.max_tokens == 200
    assert changed.tools == (CALC,)
    assert changed.tool_choice is None
    assert changed.extra_query is None
    assert changed.wire_fragment() == {
        "temperature": 0.3,
        "max_tokens": 200,
        "tools": [CALC.to_wire()],
    }
    assert config.max_tokens == 100
    assert config.replace() == config
    assert config.replace(max_tokens=UNDEFINED) == config


def test_replace_validates_and_normalises() -> None:
    changed = ChatModelConfig().replace(reasoning_mode="HIGH", temperature=1, tools=WEATHER_WIRE)
    assert changed.reasoning_mode is ReasoningMode.HIGH
    assert changed.temperature == 1.0
    assert changed.tools is not None
    assert changed.tools[0].name == "weather"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"temperature": 2.5},
            "invalid model configuration: temperature: temperature must be from 0 to 2, got 2.5",
        ),
        (
            {"temperature": -1, "max_tokens": 0},
            "invalid model configuration: temperature: temperature must be from 0 to 2, got -1; "
            "max_tokens: max_tokens must be a positive integer, got 0",
        ),
        (
            {"temprature": 1},
            "invalid model configuration: temprature: Extra inputs are not permitted",
        ),
        (
            {"tool_choice": "calc"},
            "invalid model configuration: configure(): tool_choice names the tool 'calc', "
            "which is not among the tools (none are configured)",
        ),
        (
            {"response_format": "yaml"},
            "invalid model configuration: response_format: "
            "response_format as a string must be \"json\", got 'yaml'",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": ""}}]},
            "invalid model configuration: tools: tools[0] is not a valid tool: "
            "name: a tool's name must be 1 to 64 letters, digits, '_' or '-', got ''",
        ),
        (
            {"extra_query": {"stream": True}},
            "invalid model configuration: extra_query: extra_query may not set 'stream': "
            "model, messages and stream belong to the SDK",
        ),
    ],
)
def test_replace_raises_one_line_configuration_error(changes: dict[str, Any], message: str) -> None:
    config = ChatModelConfig(temperature=1.0)
    with pytest.raises(ycloud_chat.ConfigurationError) as info:
        config.replace(**changes)
    assert str(info.value) == message
    assert "\n" not in str(info.value)
    assert not isinstance(info.value, ValidationError)
    assert info.value.__cause__ is None
    assert config == ChatModelConfig(temperature=1.0)


@pytest.mark.parametrize(
    "changes",
    [
        {"response_format": True},
        {"response_format": 5},
        {"temperature": "hot"},
        {"max_tokens": "5"},
        {"max_tokens": 1.5},
        {"reasoning_mode": 5},
        {"tools": 5},
        {"tools": [5]},
        {"parallel_tool_calls": "yes"},
        {"tool_choice": 5},
        {"tool_choice": ["auto"]},
        {"extra_query": [("top_p", 1)]},
        {"extra_query": {1: 2}},
        {"temperature": "hot", "max_tokens": 0},
    ],
)
def test_a_wrong_type_is_also_a_type_error(changes: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as info:
        ChatModelConfig().replace(**changes)
    assert isinstance(info.value, ycloud_chat.ConfigurationTypeError)
    assert isinstance(info.value, ycloud_chat.ConfigurationError)
    assert isinstance(info.value, ValueError)  # as every ConfigurationError is


@pytest.mark.parametrize(
    "changes",
    [
        {"response_format": "yaml"},
        {"response_format": {"schema": SCHEMA}},
        {"temperature": 5},
        {"max_tokens": 0},
        {"reasoning_mode": "extreme"},
        {"tool_choice": "nope"},
        {"tool_choice": {"type": "function"}},
        {"extra_query": {"model": "x"}},
    ],
)
def test_a_wrong_value_of_the_right_type_is_no_type_error(changes: dict[str, Any]) -> None:
    with pytest.raises(ycloud_chat.ConfigurationError) as info:
        ChatModelConfig().replace(**changes)
    assert not isinstance(info.value, TypeError)


def test_replace_revalidates_a_config_changed_in_place() -> None:
    config = ChatModelConfig(extra_query={"seed": 1})
    assert config.extra_query is not None
    config.extra_query["model"] = "x"
    with pytest.raises(ycloud_chat.ConfigurationError, match="extra_query may not set 'model'"):
        config.replace(temperature=1)


# --- the input type aliases (checked by mypy as well as at run time) ------------------------


def test_input_aliases_accept_what_the_config_accepts() -> None:
    modes: list[ReasoningModeInput] = ["low", "medium", "high", ReasoningMode.HIGH]
    formats: list[ResponseFormatInput] = ["json", {"schema": SCHEMA, "name": "S"}, Numbers, Point]
    tools: list[ToolsInput] = [CALC, WEATHER_WIRE, [CALC, WEATHER_WIRE], (CALC,)]
    choices: list[ToolChoiceInput] = ["auto", "none", "required", "calc", CALC]
    for mode in modes:
        assert ChatModelConfig().replace(reasoning_mode=mode).reasoning_mode is not None
    for response_format in formats:
        assert ChatModelConfig().replace(response_format=response_format).wire_fragment()
    for tool in tools:
        assert ChatModelConfig().replace(tools=tool).tools
    for choice in choices:
        assert ChatModelConfig(tools=[CALC]).replace(tool_choice=choice).tool_choice
