"""Function tools without a network: making them, their schemas, arguments, answers and config."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import functools
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

import anyio
import anyio.lowlevel
import httpx
import pydantic
import pytest
from pydantic import BaseModel, Field

from ycloud_chat import (
    ChatModelConfig,
    ChatSDK,
    ConfigurationError,
    ConfigurationTypeError,
    FunctionCall,
    FunctionTool,
    ToolArgumentsError,
    ToolCall,
    ToolError,
    function_tool,
)
from ycloud_chat._concurrency import (
    async_call_function,
    async_settle_all,
    call_function,
    settle_all,
)
from ycloud_chat._response import ResponseContext
from ycloud_chat.types.tools import Tools, tool_result_content

# --- what tools are made from -------------------------------------------------------------


def get_weather(city: str, days: int = 3) -> str:
    """Get the weather forecast."""
    return f"{city}: sunny for {days} days"


async def async_weather(city: str, units: str = "metric") -> dict[str, Any]:
    """Get the weather, asynchronously."""
    return {"city": city, "units": units}


def search(query: str, limit: int, api_key: str) -> str:
    """Search the web."""
    return f"{query}:{limit}:{api_key}"


def google_style(city: str, days: int = 3) -> str:
    """Get the forecast for a city.

    Looks the city up first.

    Args:
        city (str): The city's name,
            in English.
        days: How many days ahead.

    Returns:
        The forecast.
    """
    return city


def numpy_style(city: str, days: int = 3) -> str:
    """Get the forecast for a city.

    Parameters
    ----------
    city : str
        The city's name,
        in English.
    days : int, optional
        How many days ahead.

    Returns
    -------
    str
        The forecast.
    """
    return city


def sphinx_style(city: str, days: int = 3) -> str:
    """Get the forecast for a city.

    :param str city: The city's name,
        in English.
    :param days: How many days ahead.
    :type days: int
    :returns: The forecast.
    """
    return city


def annotated(
    city: Annotated[str, Field(description="The city's name")],
    days: Annotated[int, Field(ge=1, le=10)] = 3,
) -> str:
    """Forecast with constraints."""
    return city


def positional(a: int, b: int = 2, /, c: int = 3) -> str:
    """Positional-only parameters."""
    return f"{a}{b}{c}"


def no_doc(x: int) -> int:
    return x


class Forecaster:
    """Holds state for its bound method."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def forecast(self, city: str) -> str:
        """Forecast with a prefix."""
        return f"{self.prefix}{city}"


class Location(BaseModel):
    """A place on the map."""

    city: str = Field(description="The city")
    country: str = "NO"


class Undocumented(BaseModel):
    value: int


@pydantic.dataclasses.dataclass
class PydanticPoint:
    """A point on a plane."""

    x: int
    y: int = 0


@dataclasses.dataclass
class StdPoint:
    x: int
    y: int = 0


class Nested(BaseModel):
    location: Location
    tags: list[str] = []


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"q": {"type": "string"}},
    "required": ["q"],
}


def wire_tool(tool: FunctionTool) -> dict[str, Any]:
    return tool.to_wire()


def test_from_a_sync_function() -> None:
    tool = function_tool(get_weather)
    assert tool.name == "get_weather"
    assert tool.description == "Get the weather forecast."
    assert tool.parameters == {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 3}},
        "required": ["city"],
        "additionalProperties": False,
    }
    assert tool.function is get_weather
    assert tool.strict is None
    assert tool.arguments_type is dict


def test_from_an_async_function() -> None:
    tool = function_tool(async_weather)
    assert tool.name == "async_weather"
    assert tool.description == "Get the weather, asynchronously."
    assert tool.parameters["required"] == ["city"]
    assert tool.parameters["properties"]["units"] == {"type": "string", "default": "metric"}
    assert tool.function is async_weather


def test_from_a_partial_takes_the_wrapped_functions_name_and_doc() -> None:
    bound = functools.partial(search, "cats")
    tool = function_tool(bound)
    assert tool.name == "search"
    assert tool.description == "Search the web."
    assert sorted(tool.parameters["properties"]) == ["api_key", "limit"]
    assert tool.function is bound


def test_a_partials_keyword_bound_values_are_not_offered_to_the_model() -> None:
    # A value the application binds (a key, a connection) is not the model's to see or change.
    tool = function_tool(functools.partial(search, api_key="SECRET"))
    assert "SECRET" not in json.dumps(tool.to_wire())
    assert "api_key" not in tool.parameters["properties"]


def test_a_partial_binding_an_unserialisable_object_makes_a_tool() -> None:
    connection: Any = object()
    tool = function_tool(functools.partial(search, api_key=connection))
    assert sorted(tool.parameters["properties"]) == ["limit", "query"]


def test_from_a_bound_method() -> None:
    forecaster = Forecaster("~")
    tool = function_tool(forecaster.forecast)
    assert tool.name == "forecast"
    assert tool.description == "Forecast with a prefix."
    assert list(tool.parameters["properties"]) == ["city"]  # no self
    assert tool.validate_arguments({"city": "Oslo"}) == {"city": "Oslo"}


def test_from_a_pydantic_model_class() -> None:
    tool = function_tool(Location)
    assert tool.name == "Location"
    assert tool.description == "A place on the map."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city"},
            "country": {"type": "string", "default": "NO"},
        },
        "required": ["city"],
    }
    assert tool.function is None
    assert tool.arguments_type is Location


def test_a_model_without_docstring_has_no_description() -> None:
    # BaseModel's own docstring is not inherited into the tool.
    assert function_tool(Undocumented).description is None


def test_from_a_pydantic_dataclass() -> None:
    tool = function_tool(PydanticPoint)
    assert (tool.name, tool.description) == ("PydanticPoint", "A point on a plane.")
    assert tool.parameters["required"] == ["x"]
    assert tool.arguments_type is PydanticPoint


def test_from_a_standard_dataclass_without_docstring() -> None:
    tool = function_tool(StdPoint)
    assert tool.name == "StdPoint"
    assert tool.description is None  # not the signature dataclasses writes as __doc__
    assert tool.parameters["properties"] == {
        "x": {"type": "integer"},
        "y": {"type": "integer", "default": 0},
    }


def test_from_a_schema_dict_needs_a_name() -> None:
    with pytest.raises(ConfigurationError, match=r"JSON-schema dict needs name=") as info:
        function_tool(SCHEMA)
    assert isinstance(info.value, TypeError)  # as the reference SDK's error is
    tool = function_tool(SCHEMA, name="lookup", description="Look up.", strict=True)
    assert wire_tool(tool) == {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look up.",
            "parameters": SCHEMA,
            "strict": True,
        },
    }


def test_a_schema_dict_gives_its_title_and_description() -> None:
    schema = {**SCHEMA, "title": "Numbers", "description": "Collect the numbers."}
    for tool in (function_tool(schema), Tools().function(schema)):
        assert (tool.name, tool.description) == ("Numbers", "Collect the numbers.")
        assert tool.parameters == schema  # sent as it is, as the reference SDK sends it
    tool = function_tool(schema, name="collect", description="Gather them.")
    assert (tool.name, tool.description) == ("collect", "Gather them.")


@pytest.mark.parametrize("title", ["", 5, None])
def test_a_schema_title_that_is_no_name(title: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"needs name="):
        function_tool({**SCHEMA, "title": title})


def test_a_schema_title_that_is_no_valid_name() -> None:
    with pytest.raises(ConfigurationError, match=r"got 'My numbers'") as info:
        function_tool({**SCHEMA, "title": "My numbers"})
    assert not isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"parameters": 5}, "a tool is made from"),
        ({"parameters": SCHEMA, "name": 5}, "a tool's name"),
        ({"parameters": SCHEMA, "name": "n", "description": 5}, "description must be a str"),
        ({"parameters": SCHEMA, "name": "n", "strict": "yes"}, "strict must be"),
    ],
)
def test_wrong_types_are_type_errors(arguments: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationTypeError, match=match) as info:
        function_tool(**arguments)
    assert isinstance(info.value, TypeError)


def test_a_schema_dict_is_copied() -> None:
    schema = copy.deepcopy(SCHEMA)
    tool = function_tool(schema, name="lookup")
    schema["properties"]["q"]["type"] = "integer"
    assert tool.parameters["properties"]["q"] == {"type": "string"}


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"type": "array"}, "must describe an object"),
        ({"type": "object", "properties": {"q": {"default": float("nan")}}}, "is not JSON"),
        ({"type": "object", "properties": {"q": {"default": object()}}}, "is not JSON"),
    ],
)
def test_bad_schema_dicts(schema: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        function_tool(schema, name="lookup")


def test_from_a_lambda_needs_a_name() -> None:
    with pytest.raises(ConfigurationError, match="lambda needs name="):
        function_tool(lambda x: x)
    tool = function_tool(lambda x: x, name="identity")
    assert tool.name == "identity"
    assert tool.parameters["required"] == ["x"]
    assert tool.validate_arguments({"x": [1]}) == {"x": [1]}


def test_an_unsupported_source_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="got 42"):
        function_tool(42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="pydantic model or a dataclass"):
        function_tool(int)


# --- docstrings, descriptions and defaults ------------------------------------------------


@pytest.mark.parametrize("function", [google_style, numpy_style, sphinx_style])
def test_docstring_styles_give_description_and_parameter_descriptions(
    function: Callable[..., Any],
) -> None:
    tool = function_tool(function)
    assert tool.description is not None
    assert tool.description.startswith("Get the forecast for a city.")
    assert "Returns" not in tool.description
    assert "English" not in tool.description
    assert "days" not in tool.description
    assert tool.parameters["properties"] == {
        "city": {"type": "string", "description": "The city's name, in English."},
        "days": {"type": "integer", "default": 3, "description": "How many days ahead."},
    }


def test_google_description_keeps_all_its_paragraphs() -> None:
    assert function_tool(google_style).description == (
        "Get the forecast for a city.\n\nLooks the city up first."
    )


def test_no_docstring_gives_no_description() -> None:
    tool = function_tool(no_doc)
    assert tool.description is None
    assert "description" not in tool.parameters["properties"]["x"]


def test_explicit_name_and_description_win_over_the_function() -> None:
    tool = function_tool(google_style, name="forecast", description="Forecast.")
    assert (tool.name, tool.description) == ("forecast", "Forecast.")
    # the parameters keep their docstring descriptions
    assert "description" in tool.parameters["properties"]["city"]


def test_annotated_field_description_and_constraints_reach_the_schema() -> None:
    properties = function_tool(annotated).parameters["properties"]
    assert properties["city"] == {"type": "string", "description": "The city's name"}
    assert properties["days"] == {"type": "integer", "minimum": 1, "maximum": 10, "default": 3}


def test_annotated_constraints_are_validated() -> None:
    tool = function_tool(annotated)
    assert tool.validate_arguments({"city": "Oslo", "days": "4"}) == {"city": "Oslo", "days": 4}
    with pytest.raises(ToolArgumentsError) as info:
        tool.validate_arguments({"city": "Oslo", "days": 11})
    assert info.value.errors[0]["loc"] == ("days",)


def test_defaults_are_filled_in_when_validating() -> None:
    tool = function_tool(get_weather)
    assert tool.validate_arguments({"city": "Oslo"}) == {"city": "Oslo", "days": 3}


def test_schema_has_no_pydantic_titles() -> None:
    for source in (get_weather, Location, PydanticPoint, StdPoint, annotated):
        schema = function_tool(source).parameters
        assert "title" not in schema
        for field in schema["properties"].values():
            assert "title" not in field


def test_nested_models_keep_their_definitions() -> None:
    tool = function_tool(Nested)
    assert tool.parameters["properties"]["location"] == {"$ref": "#/$defs/Location"}
    assert "city" in tool.parameters["$defs"]["Location"]["properties"]
    arguments = tool.validate_arguments({"location": {"city": "Oslo"}})
    assert arguments == Nested(location=Location(city="Oslo"))


def test_a_function_taking_a_model_gets_an_instance() -> None:
    def place(location: Location) -> str:
        return location.city

    arguments = function_tool(place).validate_arguments({"location": {"city": "Oslo"}})
    assert arguments == {"location": Location(city="Oslo")}
    assert isinstance(arguments["location"], Location)


# --- signatures that cannot be tools ------------------------------------------------------


def test_var_positional_and_var_keyword_are_rejected() -> None:
    def star(*items: int) -> int:
        return sum(items)

    def double_star(x: int, **options: str) -> int:
        return x

    with pytest.raises(ConfigurationError, match=r"tool 'star': \*args and \*\*kwargs.*'items'"):
        function_tool(star)
    with pytest.raises(ConfigurationError, match=r"tool 'double_star'.*'options'"):
        function_tool(double_star)


def test_an_underscore_parameter_is_rejected() -> None:
    def private(_secret: str) -> str:
        return _secret

    with pytest.raises(ConfigurationError, match=r"parameter '_secret' starts with an underscore"):
        function_tool(private)


def test_an_unresolvable_annotation_is_a_configuration_error() -> None:
    class LocalOnly:
        pass

    def uses_local(value: LocalOnly) -> None:
        del value

    # With postponed annotations the local class cannot be found from the module's globals.
    with pytest.raises(ConfigurationError, match=r"tool 'uses_local': cannot read the function"):
        function_tool(uses_local)


def test_an_unmodellable_annotation_is_a_configuration_error() -> None:
    def takes_a_lock(lock: threading.Lock) -> None:
        del lock

    with pytest.raises(ConfigurationError, match=r"tool 'takes_a_lock'"):
        function_tool(takes_a_lock)


@pytest.mark.parametrize("name", ["json", "schema", "copy", "dict", "validate", "model_config"])
def test_parameter_names_that_basemodel_uses_work(name: str) -> None:
    # A tool's parameters are the model's vocabulary, not pydantic's: `json`, `schema` or
    # `copy` are ordinary argument names and must neither warn nor vanish from the schema.
    namespace: dict[str, Any] = {}
    exec(f"def tool({name}: str) -> str:\n    return {name}\n", namespace)
    made = function_tool(namespace["tool"])
    assert list(made.parameters["properties"]) == [name]
    assert made.validate_arguments({name: "x"}) == {name: "x"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": 5}, "name must be 1 to 64 letters, digits, '_' or '-', got 5"),
        ({"description": 5}, "description must be a str, got 5"),
        ({"strict": "yes"}, "strict must be True, False or None, got 'yes'"),
    ],
)
@pytest.mark.parametrize("source", [get_weather, Location, SCHEMA])
def test_bad_name_description_or_strict(source: Any, kwargs: dict[str, Any], match: str) -> None:
    if isinstance(source, dict) and "name" not in kwargs:
        kwargs = {"name": "lookup", **kwargs}
    with pytest.raises(ConfigurationError, match=match):
        function_tool(source, **kwargs)


def test_an_empty_name_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="name must be 1 to 64 letters"):
        function_tool(SCHEMA, name="")


def test_tools_function_mirrors_function_tool() -> None:
    tools = Tools()
    for source, options in (
        (get_weather, {}),
        (Location, {"name": "where", "strict": True}),
        (SCHEMA, {"name": "lookup", "description": "Look up."}),
    ):
        made = tools.function(source, **options)
        assert made.to_wire() == function_tool(source, **options).to_wire()
    assert tools.function(get_weather).function is get_weather
    assert repr(tools) == "Tools()"
    with pytest.raises(ConfigurationError, match="lambda needs name="):
        tools.function(lambda: None)


def test_chat_sdk_has_tools() -> None:
    with ChatSDK(base_url="http://127.0.0.1:9/v1") as sdk:
        assert isinstance(sdk.tools, Tools)
        assert sdk.tools.function(get_weather).name == "get_weather"


# --- validating arguments -----------------------------------------------------------------


def test_validate_arguments_gives_a_model_instance() -> None:
    tool = function_tool(Location)
    assert tool.validate_arguments({"city": "Oslo"}) == Location(city="Oslo", country="NO")


def test_validate_arguments_gives_a_dataclass_instance() -> None:
    assert function_tool(StdPoint).validate_arguments({"x": "3"}) == StdPoint(x=3, y=0)
    assert function_tool(PydanticPoint).validate_arguments({"x": 1, "y": 2}) == PydanticPoint(1, 2)


def test_validate_arguments_for_a_function_converts_values() -> None:
    tool = function_tool(get_weather)
    assert tool.validate_arguments({"city": "Oslo", "days": "5"}) == {"city": "Oslo", "days": 5}


def test_validate_arguments_of_a_schema_tool_returns_them_unchanged() -> None:
    tool = function_tool(SCHEMA, name="lookup")
    arguments = {"q": 1, "unexpected": True}
    assert tool.validate_arguments(arguments) is arguments
    assert tool.arguments_type is dict


def test_bad_arguments_raise_tool_arguments_error() -> None:
    tool = function_tool(get_weather)
    with pytest.raises(ToolArgumentsError) as info:
        tool.validate_arguments({"days": "many", "extra": 1})
    error = info.value
    assert isinstance(error, ToolError)
    assert isinstance(error, ValueError)
    assert error.tool_name == error.name == "get_weather"
    assert error.tool_call_id is None
    assert json.loads(error.raw) == {"days": "many", "extra": 1}
    locations = sorted(item["loc"] for item in error.errors)
    assert locations == [("city",), ("days",), ("extra",)]
    assert all("url" not in item for item in error.errors)
    message = str(error)
    assert message.startswith("the arguments of tool 'get_weather' do not validate: ")
    assert "city: Field required" in message
    assert "days: Input should be a valid integer" in message


def test_arguments_that_are_not_an_object_are_rejected() -> None:
    for source in (get_weather, Location):
        with pytest.raises(ToolArgumentsError) as info:
            function_tool(source).validate_arguments([1, 2])
        assert info.value.raw == "[1, 2]"
        assert info.value.errors


def make_call(tool: FunctionTool | None, arguments: str, call_id: str = "call-1") -> ToolCall:
    config = ChatModelConfig(tools=[tool] if tool is not None else None)
    context = ResponseContext(ToolCall, "rid", None, config)
    name = tool.name if tool is not None else "unknown"
    return context.tool_call(
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    )


def test_a_call_validates_through_its_tool_and_names_itself_in_errors() -> None:
    tool = function_tool(get_weather)
    call = make_call(tool, '{"city": "Oslo", "days": "2"}')
    assert call.tool is tool
    assert call.validate_arguments() == {"city": "Oslo", "days": 2}
    bad = make_call(tool, '{"city": 1}', call_id="call-7")
    with pytest.raises(ToolArgumentsError) as info:
        bad.validate_arguments()
    assert info.value.tool_call_id == "call-7"
    assert info.value.raw == '{"city": 1}'  # the text exactly as the model wrote it


def test_a_call_to_an_unknown_tool_gives_the_json_and_cannot_be_prepared() -> None:
    call = make_call(None, '{"a": 1}')
    assert call.tool is None
    assert call.validate_arguments() == {"a": 1}
    with pytest.raises(ToolError, match="'unknown', which is not among the configured tools"):
        call._prepare()


def test_prepare_passes_positional_only_parameters_positionally() -> None:
    call = make_call(function_tool(positional), '{"a": 1, "c": 9}')
    function, args, kwargs = call._prepare()
    assert function is positional
    assert (args, kwargs) == ([1, 2], {"c": 9})
    assert function(*args, **kwargs) == "129"


def test_prepare_refuses_a_tool_without_a_function() -> None:
    call = make_call(function_tool(Location), '{"city": "Oslo"}')
    with pytest.raises(ToolError, match="not made from a Python function") as info:
        call._prepare()
    assert info.value.tool_call_id == "call-1"


def test_sync_tool_call_runs_a_bound_method_and_an_async_function() -> None:
    method_call = make_call(function_tool(Forecaster(">").forecast), '{"city": "Oslo"}')
    assert method_call.run() == {"role": "tool", "tool_call_id": "call-1", "content": ">Oslo"}
    async_call = make_call(function_tool(async_weather), '{"city": "Oslo"}', call_id="c2")
    assert json.loads(async_call.run()["content"]) == {"city": "Oslo", "units": "metric"}


# --- the raw arguments --------------------------------------------------------------------


def test_function_call_arguments_decode_json_and_blank_is_empty() -> None:
    assert FunctionCall(name="f", raw_arguments='{"a": [1]}').arguments == {"a": [1]}
    assert FunctionCall(name="f", raw_arguments="  ").arguments == {}


def test_function_call_bad_json_keeps_the_raw_text() -> None:
    call = FunctionCall(name="f", raw_arguments='{"a": ')
    with pytest.raises(ToolArgumentsError) as info:
        call.arguments  # noqa: B018
    assert info.value.raw == '{"a": '
    assert info.value.tool_name == "f"
    assert info.value.errors == []
    assert "tool call 'f' has arguments that are not valid JSON" in str(info.value)
    assert repr('{"a": ') in str(info.value)


def test_function_call_long_bad_json_is_truncated_in_the_message_only() -> None:
    raw = '{"text": "' + "x" * 2000
    with pytest.raises(ToolArgumentsError) as info:
        FunctionCall(name="f", raw_arguments=raw).arguments  # noqa: B018
    assert info.value.raw == raw
    message = str(info.value)
    assert len(message) < 700
    assert "x" * 500 not in message
    assert "..." in message


# --- answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("plain text", "plain text"),
        ("", ""),
        ('{"already": "json"}', '{"already": "json"}'),
        (42, "42"),
        (2.5, "2.5"),
        (True, "true"),
        (None, "null"),
        ({"a": 1, "b": [1, 2]}, '{"a":1,"b":[1,2]}'),
        ([1, "two"], '[1,"two"]'),
        (Location(city="Oslo"), '{"city":"Oslo","country":"NO"}'),
        (StdPoint(1, 2), '{"x":1,"y":2}'),
        (PydanticPoint(3), '{"x":3,"y":0}'),
        (datetime.datetime(2024, 1, 2, 3, 4, 5), '"2024-01-02T03:04:05"'),
        (datetime.date(2024, 1, 2), '"2024-01-02"'),
    ],
)
def test_tool_result_content(value: Any, content: str) -> None:
    assert tool_result_content(value) == content


def test_an_unserialisable_result_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot be sent as JSON"):
        tool_result_content(object())
    with pytest.raises(TypeError, match="cannot be sent as JSON"):
        tool_result_content({"lock": threading.Lock()})


def test_answer_builds_the_tool_message() -> None:
    call = make_call(function_tool(get_weather), "{}", call_id="call-9")
    assert call.answer({"t": 4}) == {"role": "tool", "tool_call_id": "call-9", "content": '{"t":4}'}
    assert call.answer("4 degrees") == {
        "role": "tool",
        "tool_call_id": "call-9",
        "content": "4 degrees",
    }
    with pytest.raises(TypeError):
        call.answer(object())


# --- tools and tool_choice in a config ----------------------------------------------------


def test_config_accepts_functions_classes_dicts_and_tools() -> None:
    made = function_tool(SCHEMA, name="lookup")
    config = ChatModelConfig(
        tools=[
            get_weather,
            Location,
            {"type": "function", "function": {"name": "ping", "parameters": {"type": "object"}}},
            made,
        ]
    )
    assert config.tools is not None
    assert [tool.name for tool in config.tools] == ["get_weather", "Location", "ping", "lookup"]
    assert config.tools[0].function is get_weather
    assert config.tools[3] is made
    wire = config.wire_fragment()["tools"]
    assert wire[0] == function_tool(get_weather).to_wire()
    assert wire[1] == function_tool(Location).to_wire()
    assert wire[2] == {
        "type": "function",
        "function": {"name": "ping", "parameters": {"type": "object"}, "strict": None},
    }
    assert wire[3]["function"]["name"] == "lookup"


def test_config_accepts_a_single_function_or_class() -> None:
    assert [t.name for t in ChatModelConfig(tools=get_weather).tools or ()] == ["get_weather"]
    assert [t.name for t in ChatModelConfig(tools=StdPoint).tools or ()] == ["StdPoint"]


def test_config_names_the_bad_tool() -> None:
    def star(*items: int) -> int:
        return sum(items)

    with pytest.raises(ConfigurationError, match=r"tools: tools\[1\]: tool 'star': \*args"):
        ChatModelConfig().replace(tools=[get_weather, star])
    with pytest.raises(ConfigurationError, match=r"tools\[0\].*lambda needs name="):
        ChatModelConfig().replace(tools=[lambda: None])


def test_duplicate_names_across_kinds_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="distinct names; repeated: get_weather"):
        ChatModelConfig().replace(tools=[get_weather, function_tool(SCHEMA, name="get_weather")])


@pytest.mark.parametrize(
    ("choice", "want"),
    [
        ("none", "none"),
        ("AUTO", "auto"),
        (" required ", "required"),
        ("Required", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (" get_weather ", {"type": "function", "function": {"name": "get_weather"}}),
        (get_weather, {"type": "function", "function": {"name": "get_weather"}}),
        (Location, {"type": "function", "function": {"name": "Location"}}),
        (
            {"type": "function", "function": {"name": "Location"}},
            {"type": "function", "function": {"name": "Location"}},
        ),
    ],
)
def test_tool_choice_accepted(choice: Any, want: Any) -> None:
    config = ChatModelConfig().replace(tools=[get_weather, Location], tool_choice=choice)
    assert config.tool_choice == want
    assert config.wire_fragment()["tool_choice"] == want


def test_tool_choice_a_function_tool_object() -> None:
    tool = function_tool(get_weather)
    config = ChatModelConfig().replace(tools=[tool], tool_choice=tool)
    assert config.tool_choice == {"type": "function", "function": {"name": "get_weather"}}


@pytest.mark.parametrize(
    ("choice", "match"),
    [
        ("sometimes", "names the tool 'sometimes', which is not among the tools"),
        ("search", r"not among the tools \('get_weather', 'Location'\)"),
        (search, "which no configured tool was made from"),
        (function_tool(search), "names the tool 'search'"),
        ({"type": "function", "function": {"name": "search"}}, "names the tool 'search'"),
        ("", "tool_choice must be"),
        (5, "tool_choice must be"),
        (lambda: None, "which no configured tool was made from"),
        (["auto"], "tool_choice must be"),
        ({"type": "function"}, "tool_choice must be"),
        ({"type": "function", "function": {"name": 3}}, "tool_choice must be"),
        ({"type": "retrieval", "function": {"name": "get_weather"}}, "tool_choice must be"),
    ],
)
def test_tool_choice_rejected(choice: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        ChatModelConfig().replace(tools=[get_weather, Location], tool_choice=choice)
    assert str(info.value).startswith("invalid model configuration: ")


def test_tool_choice_without_tools_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="none are configured"):
        ChatModelConfig().replace(tool_choice="get_weather")
    with pytest.raises(ConfigurationError, match="which no configured tool was made from"):
        ChatModelConfig().replace(tool_choice=get_weather)


def test_tool_choice_by_function_follows_the_tool_made_from_it() -> None:
    renamed = function_tool(get_weather, name="forecast")
    config = ChatModelConfig(tools=[renamed], tool_choice=get_weather)
    assert config.tool_choice == {"type": "function", "function": {"name": "forecast"}}

    def impostor() -> None:
        """Has the same name as a configured tool, but is another function."""

    impostor.__name__ = "forecast"
    with pytest.raises(ConfigurationError, match="which no configured tool was made from"):
        ChatModelConfig(tools=[renamed]).replace(tool_choice=impostor)


@pytest.fixture
def sdk() -> Iterator[ChatSDK]:
    def no_request(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request may be sent: {request.url}")

    client = httpx.Client(transport=httpx.MockTransport(no_request))
    with ChatSDK(base_url="http://127.0.0.1:9/v1", http_client=client) as chat_sdk:
        yield chat_sdk


def test_configure_takes_function_tools_and_checks_tool_choice(sdk: ChatSDK) -> None:
    model = sdk.chat.completions("m").configure(
        tools=[get_weather, sdk.tools.function(Location)], tool_choice="REQUIRED"
    )
    assert model.config.tool_choice == "required"
    assert model.config.tools is not None
    assert model.config.tools[0].function is get_weather
    with pytest.raises(ConfigurationError, match="names the tool 'nowhere'"):
        model.configure(tool_choice="nowhere")
    with pytest.raises(ConfigurationError, match="names the tool 'get_weather'"):
        model.configure(tools=None, tool_choice="get_weather")


def test_a_function_tool_survives_replace_and_model_copy() -> None:
    config = ChatModelConfig(tools=[get_weather, positional])
    for copied in (
        config.replace(temperature=0.5),
        config.model_copy(update={"max_tokens": 10}),
        config.model_copy(),
        config.model_copy(deep=True),
    ):
        assert copied.tools is not None
        assert copied.tools[0].function is get_weather
        assert copied.tools[0].validate_arguments({"city": "Oslo"}) == {"city": "Oslo", "days": 3}
        call = make_call(copied.tools[1], '{"a": 7}')
        assert call.run()["content"] == "723"
        assert copied.wire_fragment()["tools"] == config.wire_fragment()["tools"]


def test_configs_with_the_same_function_tools_are_equal() -> None:
    config = ChatModelConfig(tools=[get_weather])
    assert config.replace(temperature=0.5).replace(temperature=None) == config
    assert config.model_copy(deep=True) == config


def test_private_attributes_are_not_fields() -> None:
    tool = function_tool(get_weather)
    assert set(tool.model_dump()) == {"name", "description", "parameters", "strict"}
    assert "function" not in repr(tool)
    assert FunctionTool(name="x") == FunctionTool(name="x")
    assert FunctionTool(name="x").function is None
    with pytest.raises(pydantic.ValidationError):
        tool.name = "other"  # type: ignore[misc]


def test_tools_from_the_same_function_are_equal() -> None:
    assert function_tool(get_weather) == function_tool(get_weather)


# --- running functions: the compat shims --------------------------------------------------


async def test_async_settle_all_runs_concurrently_in_order() -> None:
    started = anyio.Event()
    order: list[str] = []

    async def waits_for_the_other() -> str:
        await started.wait()  # would never end if the functions ran one after another
        order.append("first")
        return "first"

    async def sets_the_event() -> str:
        order.append("second")
        started.set()
        return "second"

    with anyio.fail_after(5):
        results = await async_settle_all([waits_for_the_other, sets_the_event])
    assert results == ["first", "second"]
    assert order == ["second", "first"]


async def test_async_settle_all_gives_every_outcome_after_all_finished() -> None:
    late_may_fail = anyio.Event()
    finished: list[str] = []

    async def ok() -> str:
        finished.append("ok")
        return "ok"

    async def fails_late() -> str:
        await late_may_fail.wait()
        finished.append("late")
        raise ValueError("first in order")

    async def fails_early() -> str:
        finished.append("early")
        late_may_fail.set()
        raise KeyError("first in time")

    async def slow() -> str:
        await anyio.sleep(0.01)
        finished.append("slow")
        return "slow"

    functions: list[Callable[[], Awaitable[str]]] = [ok, fails_late, fails_early, slow]
    with anyio.fail_after(5):
        outcomes = await async_settle_all(functions)
    assert sorted(finished) == ["early", "late", "ok", "slow"]
    assert outcomes[0] == "ok"
    assert outcomes[3] == "slow"
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[2], KeyError)


class Abort(BaseException):
    """Not an Exception: must come out as it is, not wrapped in an exception group."""


@pytest.mark.parametrize("count", [1, 3])
async def test_async_settle_all_raises_a_base_exception_unwrapped(count: int) -> None:
    async def aborts() -> str:
        raise Abort("stop")

    async def fine() -> str:
        return "fine"

    functions: list[Callable[[], Awaitable[str]]] = [aborts, *[fine] * (count - 1)]
    with pytest.raises(Abort, match="stop"):
        await async_settle_all(functions)


async def test_async_settle_all_of_nothing() -> None:
    assert await async_settle_all([]) == []


async def test_async_call_function_runs_blocking_functions_in_a_worker_thread() -> None:
    loop_thread = threading.get_ident()

    def blocking(a: int, *, b: int) -> tuple[int, int]:
        return threading.get_ident(), a + b

    async def awaitable(a: int, *, b: int) -> tuple[int, int]:
        return threading.get_ident(), a * b

    worker, total = await async_call_function(blocking, 2, b=3)
    assert (worker != loop_thread, total) == (True, 5)
    here, product = await async_call_function(awaitable, 2, b=3)
    assert (here, product) == (loop_thread, 6)
    _, partial_product = await async_call_function(functools.partial(awaitable, 4), b=5)
    assert partial_product == 20


def test_settle_all_is_sequential_and_gives_every_outcome() -> None:
    calls: list[int] = []

    def step(n: int) -> Callable[[], int]:
        def run() -> int:
            calls.append(n)
            return n * 10

        return run

    assert settle_all([step(1), step(2), step(3)]) == [10, 20, 30]
    assert calls == [1, 2, 3]

    def boom() -> int:
        raise RuntimeError("boom")

    outcomes = settle_all([step(4), boom, step(5)])
    assert calls[3:] == [4, 5]
    assert outcomes[0] == 40
    assert isinstance(outcomes[1], RuntimeError)
    assert outcomes[2] == 50


async def test_awaitables_returned_by_sync_functions_are_awaited_on_both_faces() -> None:
    async def double(x: int) -> int:
        return 2 * x

    def wrapper(x: int) -> Any:  # a sync decorator around an async function
        return double(x)

    assert await async_call_function(wrapper, 4) == 8
    assert call_function(wrapper, 5) == 10


async def test_an_async_function_on_the_sync_face_inside_a_running_loop() -> None:
    # As in a notebook: sync code called from a thread that already runs an event loop.
    async def triple(x: int) -> int:
        return 3 * x

    assert call_function(triple, 3) == 9


class AsyncCallable:
    async def __call__(self, x: int) -> int:
        return x + 1


def test_call_function_runs_an_async_function_in_its_own_loop() -> None:
    async def double(x: int) -> int:
        await anyio.lowlevel.checkpoint()
        return x * 2

    assert call_function(double, 21) == 42
    assert call_function(functools.partial(double, 5)) == 10
    assert call_function(AsyncCallable(), 1) == 2
    assert call_function(lambda x: x - 1, 1) == 0


class Greeter:
    """Greets people."""

    def __call__(self, who: str) -> str:
        return f"hello {who}"

    def method(self, who: str) -> str:
        """Says hi."""
        return f"hi {who}"


def test_a_callable_object_is_a_tool_named_after_its_class() -> None:
    tool = function_tool(Greeter())
    assert tool.name == "Greeter"
    assert tool.parameters["required"] == ["who"]
    assert tool.validate_arguments({"who": "Ann"}) == {"who": "Ann"}


def test_an_unbound_method_is_refused_and_a_bound_one_works() -> None:
    with pytest.raises(ConfigurationError, match="parameter 'self' would be asked of the model"):
        function_tool(Greeter.method)
    tool = function_tool(Greeter().method)
    assert (tool.name, tool.description) == ("method", "Says hi.")
    assert list(tool.parameters["properties"]) == ["who"]
