"""Structured output without a network: `parse_structured`, `result.parsed` and `parse()`."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel

from ycloud_chat import (
    ChatModelConfig,
    ChatModelResult,
    ConfigurationError,
    StructuredOutputError,
    ToolCall,
    YCloudChatError,
)
from ycloud_chat._response import ResponseContext, parse_completion
from ycloud_chat._structured import parse_structured, truncation_cause


class Weather(BaseModel):
    city: str
    degrees: int


@pydantic.dataclasses.dataclass
class PydanticWeather:
    city: str
    degrees: int = 0


@dataclasses.dataclass
class StdWeather:
    city: str
    degrees: int


class Forecast(BaseModel):
    days: list[Weather]


SCHEMA: dict[str, Any] = {
    "name": "weather",
    "schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_a_model_class_gives_a_validated_instance() -> None:
    parsed = parse_structured('{"city": "Oslo", "degrees": "4"}', Weather)
    assert parsed == Weather(city="Oslo", degrees=4)


def test_dataclasses_give_instances() -> None:
    assert parse_structured('{"city": "Oslo"}', PydanticWeather) == PydanticWeather("Oslo", 0)
    assert parse_structured('{"city": "Oslo", "degrees": 3}', StdWeather) == StdWeather("Oslo", 3)


@pytest.mark.parametrize("response_format", ["json", SCHEMA])
def test_json_and_schema_dicts_give_the_decoded_json(response_format: Any) -> None:
    # A schema dict is the server's to enforce: the JSON comes back as it is.
    assert parse_structured('{"city": 1, "extra": [true, null]}', response_format) == {
        "city": 1,
        "extra": [True, None],
    }
    assert parse_structured("[1, 2]", response_format) == [1, 2]


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"city": "Oslo", "degrees": 4}\n```',
        '```\n{"city": "Oslo", "degrees": 4}\n```',
        '  \n```JSON\n{"city": "Oslo", "degrees": 4}```\n ',
    ],
)
def test_a_markdown_fence_is_ignored(text: str) -> None:
    assert parse_structured(text, Weather) == Weather(city="Oslo", degrees=4)
    assert parse_structured(text, "json") == {"city": "Oslo", "degrees": 4}


def test_fence_inside_text_is_not_unwrapped() -> None:
    with pytest.raises(StructuredOutputError):
        parse_structured('Here it is:\n```json\n{"city": "Oslo"}\n```', "json")


@pytest.mark.parametrize("response_format", ["json", SCHEMA, Weather])
def test_invalid_json_keeps_the_text_and_reports_json_invalid(response_format: Any) -> None:
    text = "It is sunny in Oslo."
    with pytest.raises(StructuredOutputError) as info:
        parse_structured(text, response_format)
    error = info.value
    assert isinstance(error, YCloudChatError)
    assert isinstance(error, ValueError)
    assert error.text == text
    assert [item["type"] for item in error.errors] == ["json_invalid"]
    assert error.errors[0]["loc"] == ()
    assert str(error).startswith("the model's answer ")
    assert repr(text) in str(error)


def test_validation_errors_list_pydantic_errors_with_locations() -> None:
    text = '{"days": [{"city": "Oslo", "degrees": "warm"}, {"degrees": 1}]}'
    with pytest.raises(StructuredOutputError) as info:
        parse_structured(text, Forecast)
    error = info.value
    assert error.text == text
    assert [(item["type"], item["loc"]) for item in error.errors] == [
        ("int_parsing", ("days", 0, "degrees")),
        ("missing", ("days", 1, "city")),
    ]
    assert all("url" not in item for item in error.errors)
    message = str(error)
    assert "does not match Forecast" in message
    assert "days.0.degrees: Input should be a valid integer" in message
    assert "days.1.city: Field required" in message
    assert "cut short" not in message


def test_a_whole_value_error_is_named_by_the_class() -> None:
    with pytest.raises(StructuredOutputError, match="Weather: Input should be an object"):
        parse_structured("[1, 2]", Weather)


def test_truncated_output_gets_a_hint() -> None:
    for response_format in (Weather, "json"):
        with pytest.raises(StructuredOutputError, match=r"cut short by max_tokens=5\)") as info:
            parse_structured('{"city": "Os', response_format, cut_short_by="max_tokens=5")
        assert info.value.text == '{"city": "Os'


@pytest.mark.parametrize(
    ("max_tokens", "used", "cause"),
    [
        (None, 4000, "the model's context size (no max_tokens was set)"),
        (None, None, "the model's context size (no max_tokens was set)"),
        (50, 50, "max_tokens=50"),
        (50, 20, "the model's context size (20 tokens, below max_tokens=50)"),
        (50, None, "max_tokens=50 or the model's context size"),
    ],
)
def test_truncation_cause_names_what_cut_the_answer(
    max_tokens: int | None, used: int | None, cause: str
) -> None:
    assert truncation_cause(max_tokens, used) == cause


def test_long_text_is_truncated_in_the_message_but_whole_in_text() -> None:
    text = '{"city": "' + "O" * 5000 + '"'
    with pytest.raises(StructuredOutputError) as info:
        parse_structured(text, Weather)
    assert info.value.text == text
    assert len(str(info.value)) < 1000
    assert "O" * 300 not in str(info.value)
    assert "...'" in str(info.value)


@pytest.mark.parametrize("response_format", [int, dict, 5, None])
def test_an_unusable_response_format_is_a_configuration_error(response_format: Any) -> None:
    with pytest.raises(ConfigurationError, match="response_format"):
        parse_structured("{}", response_format)


def test_a_string_other_than_json_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="response_format"):
        parse_structured("{}", "yaml")


# --- on results ---------------------------------------------------------------------------


def result_of(
    text: str, config: ChatModelConfig | None = None, finish_reason: str = "stop"
) -> ChatModelResult[ToolCall]:
    body = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
    }
    return parse_completion(body, ResponseContext(ToolCall, "rid", None, config))


def test_parsed_is_none_without_a_response_format() -> None:
    assert result_of('{"city": "Oslo", "degrees": 4}').parsed is None
    assert result_of('{"a": 1}', ChatModelConfig(temperature=0.5)).parsed is None


def test_parsed_uses_the_configured_model_class() -> None:
    result = result_of('{"city": "Oslo", "degrees": 4}', ChatModelConfig(response_format=Weather))
    assert result.parsed == Weather(city="Oslo", degrees=4)


@pytest.mark.parametrize(
    "response_format",
    ["json", SCHEMA, {"type": "json_schema", "json_schema": SCHEMA}],
)
def test_parsed_decodes_json_for_json_and_schemas(response_format: Any) -> None:
    config = ChatModelConfig(response_format=response_format)
    assert result_of('```json\n{"a": [1]}\n```', config).parsed == {"a": [1]}


def test_parsed_with_a_pydantic_dataclass() -> None:
    config = ChatModelConfig(response_format=PydanticWeather)
    assert result_of('{"city": "Oslo"}', config).parsed == PydanticWeather("Oslo")


def test_parsed_raises_with_the_text_and_the_truncation_hint() -> None:
    config = ChatModelConfig(response_format=Weather)
    result = result_of('{"city": "Oslo"}', config, finish_reason="length")
    no_limit = r"cut short by the model's context size \(no max_tokens was set\)"
    with pytest.raises(StructuredOutputError, match=no_limit) as info:
        result.parsed  # noqa: B018
    assert info.value.text == '{"city": "Oslo"}'
    assert info.value.errors[0]["loc"] == ("degrees",)
    with pytest.raises(StructuredOutputError) as not_truncated:
        result_of('{"city": "Oslo"}', config).parsed  # noqa: B018
    assert "cut short" not in str(not_truncated.value)


def test_parsed_names_max_tokens_when_the_answer_reached_it() -> None:
    config = ChatModelConfig(response_format=Weather, max_tokens=4)
    result = result_of('{"city": "Oslo"}', config, finish_reason="length")
    with pytest.raises(StructuredOutputError, match=r"cut short by max_tokens=4 or the model"):
        result.parsed  # noqa: B018


def test_parse_is_typed_and_independent_of_the_configured_format() -> None:
    result = result_of('{"city": "Oslo", "degrees": 4}', ChatModelConfig(response_format="json"))
    weather: Weather = result.parse(Weather)
    assert weather == Weather(city="Oslo", degrees=4)
    assert weather.degrees + 1 == 5
    assert result.parse(StdWeather) == StdWeather("Oslo", 4)
    assert result.parsed == {"city": "Oslo", "degrees": 4}
    assert result_of("{}").parse("json") == {}


def test_parse_of_a_non_json_answer_raises() -> None:
    with pytest.raises(StructuredOutputError) as info:
        result_of("No idea.").parse(Weather)
    assert info.value.text == "No idea."
