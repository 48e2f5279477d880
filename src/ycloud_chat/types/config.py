"""`ChatModelConfig`: a model's immutable settings, validated when they are set."""

from __future__ import annotations

import copy
import dataclasses
import enum
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.errors import PydanticInvalidForJsonSchema

from .._error_text import describe_errors, json_problem
from .._exceptions import ConfigurationError, ConfigurationTypeError
from .misc import UNDEFINED
from .tools import FunctionTool, function_tool

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ChatModelConfig",
    "FrozenConfig",
    "ReasoningMode",
    "ReasoningModeInput",
    "ResponseFormatInput",
    "ToolChoiceInput",
    "ToolInput",
    "ToolsInput",
    "response_format_to_wire",
]

_SCHEMA_KEYS = ("json_schema", "jsonschema", "schema")  # the reference SDK takes all three
_TOOL_CHOICE_MODES = ("none", "auto", "required")

ToolChoice = str | Mapping[str, Any]


class ReasoningMode(str, enum.Enum):
    """How much the model reasons before answering; sent as `reasoning_effort`."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


ReasoningModeInput: TypeAlias = ReasoningMode | Literal["low", "medium", "high"] | str
"""What `reasoning_mode` accepts: a `ReasoningMode` or its value, in any case."""
ResponseFormatInput: TypeAlias = Literal["json"] | Mapping[str, Any] | type
"""What `response_format` accepts: `"json"`, a named JSON-schema dict, or a pydantic model
class or a dataclass (plain or pydantic)."""
ToolInput: TypeAlias = FunctionTool | Mapping[str, Any] | type | Callable[..., Any]
"""One tool: a `FunctionTool`, a wire tool dict, a pydantic model class or dataclass (its
fields are the arguments), or a Python function (sync or async) that answers the calls."""
ToolsInput: TypeAlias = ToolInput | Sequence[ToolInput]
"""What `tools` accepts: one tool, or a sequence of them."""
ToolChoiceInput: TypeAlias = (
    Literal["none", "auto", "required"]
    | str
    | FunctionTool
    | Mapping[str, Any]
    | type
    | Callable[..., Any]
)
"""What `tool_choice` accepts: a mode, a configured tool (or the function or class it was
made from) or its name, or the wire dict."""


class FrozenConfig(BaseModel):
    """What the settings of every kind of model share.

    Instances are frozen: `replace()` and the models' `configure()` make new ones. Every field
    is validated (and normalised) when the config is made, so a bad value fails before any
    request; the request-body keys the settings give are computed then, once.
    """

    model_config = ConfigDict(
        defer_build=True, frozen=True, extra="forbid", arbitrary_types_allowed=True
    )

    _wire: dict[str, Any] | None = PrivateAttr(default=None)
    _core_keys: ClassVar[tuple[str, ...]] = ()
    """The body keys the SDK sets, which `extra_query` may not."""

    def _wire_keys(self) -> dict[str, Any]:
        """The body keys of the settings, in wire order; a deep copy that shares nothing."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _build_wire(self) -> Self:
        # Once here rather than per request: a pydantic class's schema alone costs 100s of µs.
        self._wire = self._wire_keys()
        return self

    def wire_fragment(self) -> Mapping[str, Any]:
        """The request-body keys this config sets, in wire order, after the core keys.

        Computed once, when the config is validated; the mapping is read-only.
        """
        # Read pydantic's private dict directly: `self._wire` goes through
        # BaseModel.__getattr__, which costs about 40 times as much on this hot path.
        wire = (self.__pydantic_private__ or {}).get("_wire")
        if wire is None:  # made by model_construct(), which skips validation
            wire = self._wire = self._wire_keys()
        return MappingProxyType(wire)

    @classmethod
    def default(cls) -> Self:
        """The config of every setting at its default: what `cls()` makes, without validating.

        A model made without settings uses it, so that its first request builds no pydantic
        schema (the first validation builds the class's schema, tens of milliseconds).
        """
        config = cast("Self", cls.model_construct())
        config._wire = config._wire_keys()
        return config

    def replace(self, **changes: Any) -> Self:
        """Return a new config with some settings changed, all of them validated again.

        A value that is `UNDEFINED` keeps the current setting; `None` resets it. An invalid
        value raises `ConfigurationError` with one line naming every bad setting (a
        `ConfigurationTypeError`, also a `TypeError`, when one has the wrong type).
        """
        values = dict(self)
        values.update({name: value for name, value in changes.items() if value is not UNDEFINED})
        try:
            return self.model_validate(values)
        except ValidationError as exc:
            raise configuration_error(exc, "invalid model configuration", "configure()") from None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Copy the config; values in `update` are validated, unlike on other pydantic models."""
        if update:
            # Skipping validation would leave the wire fragment stale.
            return self.model_validate({**dict(self), **update})
        return super().model_copy(deep=deep)


class ChatModelConfig(FrozenConfig):
    """A chat model's settings; each one that is None is not sent.

    Instances are frozen: `replace()` and `ChatModel.configure()` make new ones. Every field is
    validated (and normalised) when the config is made, so a bad value fails before any request.
    """

    _core_keys: ClassVar[tuple[str, ...]] = ("model", "messages", "stream")

    temperature: float | None = None
    """Sampling temperature, 0 to 2 (OpenAI's range); lower is more deterministic."""
    max_tokens: int | None = None
    """The most tokens the answer may have."""
    reasoning_mode: ReasoningMode | None = None
    """Reasoning effort: low, medium or high (any case, or `ReasoningMode`)."""
    response_format: Any = None
    """`"json"`, a JSON-schema dict with a name, a pydantic model class or a dataclass."""
    tools: tuple[FunctionTool, ...] | None = None
    """Function tools the model may call."""
    parallel_tool_calls: bool | None = None
    """Whether the model may ask for several tool calls in one turn."""
    tool_choice: Any = None
    """`"none"`, `"auto"`, `"required"` or `{"type": "function", "function": {"name": ...}}`."""
    extra_query: dict[str, Any] | None = None
    """Extra top-level body keys (`top_p`, `seed`, `stop`, ...); may not replace core keys."""

    @field_validator("temperature", mode="before")
    @classmethod
    def _check_temperature(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigurationTypeError(f"temperature must be a number from 0 to 2, got {value!r}")
        if math.isnan(value) or not 0 <= value <= 2:
            raise ValueError(f"temperature must be from 0 to 2, got {value!r}")
        return float(value)

    @field_validator("max_tokens", mode="before")
    @classmethod
    def _check_max_tokens(cls, value: Any) -> Any:
        return check_positive_int(value, "max_tokens")

    @field_validator("reasoning_mode", mode="before")
    @classmethod
    def _check_reasoning_mode(cls, value: Any) -> Any:
        if value is None or isinstance(value, ReasoningMode):
            return value
        allowed = ", ".join(repr(mode.value) for mode in ReasoningMode)
        if not isinstance(value, str):
            raise ConfigurationTypeError(f"reasoning_mode must be one of {allowed}, got {value!r}")
        try:
            return ReasoningMode(value.strip().lower())
        except ValueError:
            raise ValueError(f"reasoning_mode must be one of {allowed}, got {value!r}") from None

    @field_validator("response_format", mode="before")
    @classmethod
    def _copy_response_format(cls, value: Any) -> Any:
        # A private copy: the caller changing their dict later must not change this config.
        # The value itself is checked once, by `_build_wire`, which has to convert it anyway.
        return copy.deepcopy(value) if isinstance(value, Mapping) else value

    @field_validator("tools", mode="before")
    @classmethod
    def _check_tools(cls, value: Any) -> Any:
        if value is None:
            return None
        single = isinstance(value, (FunctionTool, Mapping, type)) or callable(value)
        items = [value] if single else value
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise ConfigurationTypeError(
                "tools must be a tool (a FunctionTool, a tool dict, a model class or a "
                f"function) or a sequence of them, got {value!r}"
            )
        tools = tuple(_coerce_tool(item, index) for index, item in enumerate(items))
        names = [tool.name for tool in tools]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"tools must have distinct names; repeated: {', '.join(duplicates)}")
        return tools

    @field_validator("parallel_tool_calls", mode="before")
    @classmethod
    def _check_parallel_tool_calls(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, bool):
            raise ConfigurationTypeError(
                f"parallel_tool_calls must be True, False or None, got {value!r}"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _tool_choice_by_source(cls, values: Any) -> Any:
        # tool_choice=get_weather names the configured tool made from get_weather, whatever
        # name that tool was given.
        if not isinstance(values, dict):
            return values
        choice = values.get("tool_choice")
        if choice is None or isinstance(choice, (str, Mapping, FunctionTool)):
            return values
        tools = values.get("tools")
        items = tools if isinstance(tools, Sequence) and not isinstance(tools, str) else [tools]
        for tool in items:
            if tool is choice or (
                isinstance(tool, FunctionTool) and choice in (tool.function, tool.source)
            ):
                return {**values, "tool_choice": function_tool(tool) if tool is choice else tool}
        return values

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _check_tool_choice(cls, value: Any) -> Any:
        return None if value is None else _normalise_tool_choice(value)

    @field_validator("extra_query", mode="before")
    @classmethod
    def _check_extra_query(cls, value: Any) -> Any:
        return check_extra_query(value, cls._core_keys)

    @model_validator(mode="after")
    def _check_tool_choice_names_a_tool(self) -> ChatModelConfig:
        choice = self.tool_choice
        if isinstance(choice, dict):
            name = choice["function"]["name"]
            known = [tool.name for tool in self.tools or ()]
            if name not in known:
                listed = ", ".join(repr(n) for n in known) or "none are configured"
                raise ValueError(
                    f"tool_choice names the tool {name!r}, which is not among the tools ({listed})"
                )
        return self

    def _wire_keys(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        if self.temperature is not None:
            wire["temperature"] = self.temperature
        if self.max_tokens is not None:
            wire["max_tokens"] = self.max_tokens
        if self.response_format is not None:
            try:
                wire["response_format"] = response_format_to_wire(self.response_format)
            except ValueError as exc:
                raise _field_error("response_format", self.response_format, exc) from None
        if self.reasoning_mode is not None:
            wire["reasoning_effort"] = self.reasoning_mode.value
        if self.tools:
            wire["tools"] = [tool.to_wire() for tool in self.tools]
        if self.parallel_tool_calls is not None:
            wire["parallel_tool_calls"] = self.parallel_tool_calls
        if self.tool_choice is not None:
            wire["tool_choice"] = self.tool_choice
        if self.extra_query:
            wire.update(self.extra_query)
        # Shares nothing, so changing `config.extra_query` (or a tool's parameters, or a
        # schema dict) later cannot reach the wire.
        return copy.deepcopy(wire)


def check_positive_int(value: Any, name: str) -> int | None:
    """Check a setting that is a positive integer or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationTypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_extra_query(value: Any, core_keys: Sequence[str]) -> dict[str, Any] | None:
    """Check `extra_query`: JSON-serialisable body keys that leave the core keys alone."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigurationTypeError(f"extra_query must be a dict of body keys, got {value!r}")
    for key in value:
        if not isinstance(key, str):
            raise ConfigurationTypeError(f"extra_query keys must be strings, got {key!r}")
        if key in core_keys:
            owned = ", ".join(core_keys[:-1]) + " and " + core_keys[-1]
            raise ValueError(f"extra_query may not set {key!r}: {owned} belong to the SDK")
    problem = json_problem(value)
    if problem is not None:
        raise ValueError(f"extra_query must be JSON-serialisable: {problem}")
    return copy.deepcopy(dict(value))


def _field_error(name: str, value: Any, error: ValueError) -> ValidationError:
    """A validation error placed on one field, from a check that runs on the whole model."""
    return ValidationError.from_exception_data(
        ChatModelConfig.__name__,
        [{"type": "value_error", "loc": (name,), "input": value, "ctx": {"error": error}}],
    )


def configuration_error(error: ValidationError, what: str, whole: str) -> ConfigurationError:
    """One error naming each bad setting; a `ConfigurationTypeError` if one has the wrong type."""
    wrong_type = any(
        isinstance((item.get("ctx") or {}).get("error"), TypeError)
        for item in error.errors(include_url=False)
    )
    error_class = ConfigurationTypeError if wrong_type else ConfigurationError
    return error_class(f"{what}: {describe_errors(error, whole)}")


def _coerce_tool(item: Any, index: int) -> FunctionTool:
    if isinstance(item, FunctionTool):
        return item
    if isinstance(item, Mapping):
        try:
            return FunctionTool.from_wire(dict(item))
        except ValidationError as exc:
            raise ValueError(
                f"tools[{index}] is not a valid tool: {describe_errors(exc, 'function')}"
            ) from None
        except ValueError as exc:
            raise ValueError(f"tools[{index}] is not a valid tool: {exc}") from None
    if isinstance(item, type) or callable(item):
        try:
            return function_tool(item)
        except ConfigurationError as exc:
            raise ValueError(f"tools[{index}]: {exc}") from None
    raise ConfigurationTypeError(
        f"tools[{index}] must be a FunctionTool, a tool dict, a pydantic model class, a "
        f"dataclass or a function, got {type(item).__name__}"
    )


def _normalise_tool_choice(value: Any) -> ToolChoice:
    if isinstance(value, FunctionTool):
        return {"type": "function", "function": {"name": value.name}}
    if isinstance(value, str):
        word = value.strip()
        if word.lower() in _TOOL_CHOICE_MODES:
            return word.lower()
        if word:
            return {"type": "function", "function": {"name": word}}
    if isinstance(value, Mapping):
        function = value.get("function")
        if (
            value.get("type") == "function"
            and isinstance(function, Mapping)
            and isinstance(function.get("name"), str)
            and function["name"]
            and isinstance(function.get("instruction", ""), str)
        ):
            named = {"name": function["name"]}
            if "instruction" in function:  # AI Studio's hint on how to call the tool
                named["instruction"] = function["instruction"]
            return {"type": "function", "function": named}
    if callable(value):
        raise ValueError(f"tool_choice is {value!r}, which no configured tool was made from")
    error = ValueError if isinstance(value, (str, Mapping)) else ConfigurationTypeError
    raise error(
        'tool_choice must be "none", "auto", "required", a tool, the name of a configured tool '
        'or {"type": "function", "function": {"name": ...[, "instruction": ...]}}, '
        f"got {value!r}"
    )


def response_format_to_wire(value: Any) -> dict[str, Any]:
    """Turn an accepted `response_format` into the body's `response_format` object."""
    if isinstance(value, str):
        if value.strip().lower() == "json":
            return {"type": "json_object"}
        raise ValueError(f'response_format as a string must be "json", got {value!r}')
    if isinstance(value, Mapping):
        return _schema_dict_to_wire(value)
    if isinstance(value, type):
        return _pydantic_type_to_wire(value)
    raise ConfigurationTypeError(
        'response_format must be "json", a JSON-schema dict with a name, a pydantic model class '
        f"or a dataclass, got {value!r}"
    )


def _schema_dict_to_wire(value: Mapping[str, Any]) -> dict[str, Any]:
    if value.get("type") == "json_object":
        return {"type": "json_object"}
    if value.get("type") == "json_schema" and isinstance(value.get("json_schema"), Mapping):
        value = value["json_schema"]
    schema = next((value[key] for key in _SCHEMA_KEYS if value.get(key) is not None), None)
    if not isinstance(schema, Mapping):
        raise ValueError(
            'a response_format dict needs the JSON schema under "json_schema", "jsonschema" or '
            f'"schema", and a name; got keys {sorted(value)}'
        )
    name = value.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError('a response_format schema needs a "name" (the server requires one)')
    json_schema: dict[str, Any] = {"schema": dict(schema), "name": name}
    if "strict" in value:
        json_schema["strict"] = value["strict"]
    return {"type": "json_schema", "json_schema": json_schema}


def _pydantic_type_to_wire(value: type) -> dict[str, Any]:
    try:
        if issubclass(value, BaseModel):
            schema = value.model_json_schema()
        elif dataclasses.is_dataclass(value):  # a plain one or a pydantic one
            from pydantic import TypeAdapter

            schema = TypeAdapter(value).json_schema()
        else:
            raise ValueError(
                f"response_format class {value.__name__} is neither a pydantic model "
                "nor a dataclass"
            )
    except PydanticInvalidForJsonSchema as exc:
        raise ValueError(
            f"response_format class {value.__name__} has no JSON schema: {exc.message}"
        ) from None
    return {
        "type": "json_schema",
        "json_schema": {"schema": schema, "name": value.__name__, "strict": True},
    }
