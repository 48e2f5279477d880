"""Function tools offered to a model, the tool calls a model makes, and their answers.

A `FunctionTool` is made from a JSON-schema dict, a pydantic model class, a dataclass or a
plain Python function (sync or async); pydantic turns the last three into the schema and
validates the model's arguments against them. What differs between the faces (awaiting a
tool, running a turn's calls concurrently) lives in `_async/tool_call.py`.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import pydantic
import pydantic_core
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from .._docstring import parse_docstring
from .._error_text import describe_errors, error_list, json_problem, shorten
from .._exceptions import (
    ConfigurationError,
    ConfigurationTypeError,
    ToolArgumentsError,
    ToolError,
    ToolRunError,
)
from .messages import ToolResultMessageDict

__all__ = [
    "BaseToolCall",
    "FunctionCall",
    "FunctionTool",
    "ToolArgumentsError",
    "Tools",
    "function_tool",
]

_DEFAULT_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
_MAX_RAW_IN_ERROR = 500
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class _ArgumentsSpec:
    """How a tool's arguments are validated: against a type, or a function's signature.

    A signature becomes a pydantic model whose fields have neutral names and the parameters'
    names as aliases, so that a parameter may be called `json` or `model_config`.
    """

    __slots__ = ("adapter", "kind", "names", "positional", "source", "target")

    def __init__(
        self,
        kind: Literal["type", "function"],
        source: Any,
        target: Any,
        names: Mapping[str, str] | None = None,
        positional: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.source = source
        self.target = target
        self.adapter: TypeAdapter[Any] = TypeAdapter(target)
        self.names = dict(names or {})
        self.positional = positional

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _ArgumentsSpec):
            return NotImplemented
        return (self.kind, self.source, self.positional) == (
            other.kind,
            other.source,
            other.positional,
        )

    def __hash__(self) -> int:
        return hash((self.kind, id(self.source)))

    def __reduce__(self) -> tuple[Any, ...]:
        # The signature model is made at run time and cannot be pickled: make it again.
        return (_rebuild_spec, (self.kind, self.source))

    def validate(self, arguments: Any) -> Any:
        value = self.adapter.validate_python(arguments)
        if self.kind == "type":
            return value
        # Attributes rather than model_dump(): nested models stay instances.
        return {parameter: getattr(value, field) for field, parameter in self.names.items()}

    def split(self, kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """Positional-only parameters cannot be passed by name."""
        args = [kwargs.pop(name) for name in self.positional if name in kwargs]
        return args, kwargs


class FunctionTool(BaseModel):
    """A function the model may call: its name, description and JSON-schema parameters.

    Make one directly from a schema, or with `function_tool()` / `sdk.tools.function()` from a
    pydantic model class, a dataclass or a Python function. A tool made from a function
    remembers it, so that `call.run()` and `run_tools()` can answer the model's calls.
    """

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    name: str
    """1 to 64 letters, digits, `_` or `-` (what OpenAI-compatible servers accept)."""
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: dict(_DEFAULT_PARAMETERS))
    strict: bool | None = None

    _function: Callable[..., Any] | None = PrivateAttr(default=None)
    _arguments: _ArgumentsSpec | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _check_name(cls, name: str) -> str:
        if not _TOOL_NAME.match(name):
            raise ValueError(_name_error(name))
        return name

    def to_wire(self) -> dict[str, Any]:
        """Return the tool as the chat API's `tools` array entry."""
        function: dict[str, Any] = {"name": self.name}
        if self.description is not None:
            function["description"] = self.description
        function["parameters"] = self.parameters
        function["strict"] = self.strict
        return {"type": "function", "function": function}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> FunctionTool:
        """Build a tool from an OpenAI-style `{"type": "function", "function": {...}}` dict."""
        if data.get("type", "function") != "function" or not isinstance(data.get("function"), dict):
            raise ValueError(
                'a tool dict must look like {"type": "function", "function": {"name": ..., ...}}'
            )
        return cls.model_validate(data["function"])

    @property
    def function(self) -> Callable[..., Any] | None:
        """The Python function the tool was made from, if any."""
        return self._function

    @property
    def source(self) -> Any:
        """What the tool was made from: a function, a model class or a dataclass, or None."""
        spec = self._arguments
        return spec.source if spec is not None else None

    @property
    def arguments_type(self) -> Any:
        """What `validate_arguments()` returns: the model class or dataclass, else `dict`."""
        spec = self._arguments
        return spec.target if spec is not None and spec.kind == "type" else dict

    def validate_arguments(self, arguments: Any) -> Any:
        """Validate decoded call arguments against the tool's parameters.

        A tool made from a model class or dataclass gives an instance of it; one made from a
        function gives the keyword arguments as a dict (values converted by pydantic); one
        made from a schema dict gives the arguments unchanged (they are not checked against
        the schema). Invalid arguments raise `ToolArgumentsError` with pydantic's errors.
        """
        spec = self._arguments
        if spec is None:
            return arguments
        try:
            return spec.validate(arguments)
        except ValidationError as exc:
            raw = arguments if isinstance(arguments, str) else json.dumps(arguments, default=str)
            problems = describe_errors(exc, "arguments")
            raise ToolArgumentsError(
                f"the arguments of tool {self.name!r} do not validate: {problems}",
                tool_name=self.name,
                raw=raw,
                errors=error_list(exc),
            ) from None


def function_tool(
    parameters: Callable[..., Any] | type | Mapping[str, Any],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool | None = None,
) -> FunctionTool:
    """Make a `FunctionTool` from a function, a model class, a dataclass or a schema dict.

    Args:
        parameters: a plain Python function (sync or async; its type hints give the schema,
            its name the tool's name, its docstring the description and the parameters'
            descriptions), a pydantic model class or dataclass (its fields are the
            arguments), or a JSON-schema dict of an object (sent as it is; its `title` is
            the default name, its `description` the default description).
        name: the tool's name; by default the function's or the class's name, or the
            schema's `title`.
        description: what the tool does, for the model; by default the docstring, or the
            schema's `description`.
        strict: ask the server to keep the arguments strictly to the schema.
    """
    if isinstance(parameters, Mapping):
        return _from_schema(parameters, name, description, strict)
    if isinstance(parameters, type):
        return _from_type(parameters, name, description, strict)
    if callable(parameters):
        return _from_function(parameters, name, description, strict)
    raise ConfigurationTypeError(
        "a tool is made from a function, a pydantic model class, a dataclass or a JSON-schema "
        f"dict, got {parameters!r}"
    )


class Tools:
    """`sdk.tools`: makes tools, as in the reference SDK (`sdk.tools.function(...)`)."""

    def function(
        self,
        parameters: Callable[..., Any] | type | Mapping[str, Any],
        *,
        name: str | None = None,
        description: str | None = None,
        strict: bool | None = None,
    ) -> FunctionTool:
        """Make a `FunctionTool`; see `function_tool()` for the arguments."""
        return function_tool(parameters, name=name, description=description, strict=strict)

    def __repr__(self) -> str:
        return "Tools()"


def _build(
    name: str | None,
    description: str | None,
    parameters: dict[str, Any],
    strict: bool | None,
    *,
    function: Callable[..., Any] | None = None,
    arguments: _ArgumentsSpec | None = None,
) -> FunctionTool:
    if not isinstance(name, str):
        raise ConfigurationTypeError(_name_error(name))
    if not _TOOL_NAME.match(name):
        raise ConfigurationError(_name_error(name))
    if description is not None and not isinstance(description, str):
        raise ConfigurationTypeError(f"a tool's description must be a str, got {description!r}")
    if strict is not None and not isinstance(strict, bool):
        raise ConfigurationTypeError(f"a tool's strict must be True, False or None, got {strict!r}")
    tool = FunctionTool(name=name, description=description, parameters=parameters, strict=strict)
    tool._function = function
    tool._arguments = arguments
    return tool


def _from_schema(
    schema: Mapping[str, Any], name: str | None, description: str | None, strict: bool | None
) -> FunctionTool:
    # As the reference SDK does: the schema's title and description stand in for those left out.
    if name is None:
        name = schema.get("title")
        if not isinstance(name, str) or not name:
            raise ConfigurationTypeError(
                "a tool made from a JSON-schema dict needs name=... (or a schema with a title)"
            )
    if description is None and isinstance(schema.get("description"), str):
        description = schema["description"]
    if schema.get("type", "object") != "object":
        raise ConfigurationError(
            f"tool {name!r}: the parameters schema must describe an object, got {dict(schema)!r}"
        )
    problem = json_problem(schema)
    if problem is not None:
        raise ConfigurationError(f"tool {name!r}: the schema is not JSON: {problem}")
    return _build(name, description, json.loads(json.dumps(schema)), strict)


def _name_error(name: object) -> str:
    return f"a tool's name must be 1 to 64 letters, digits, '_' or '-', got {name!r}"


def _class_doc(cls: type) -> str | None:
    doc = cls.__dict__.get("__doc__")  # not inherited: BaseModel's own docstring is no help
    if dataclasses.is_dataclass(cls) and doc and doc.startswith(f"{cls.__name__}("):
        return None  # the signature dataclasses write when there is no docstring
    return doc


def _from_type(
    cls: type, name: str | None, description: str | None, strict: bool | None
) -> FunctionTool:
    if not (issubclass(cls, BaseModel) or dataclasses.is_dataclass(cls)):
        raise ConfigurationError(
            f"a tool's parameters class must be a pydantic model or a dataclass, got {cls!r}"
        )
    if name is None:
        name = cls.__name__
    spec = _ArgumentsSpec("type", cls, cls)
    schema = _json_schema(spec.adapter, name)
    if description is None:
        description = parse_docstring(_class_doc(cls)).description
    schema.pop("description", None)  # it is the tool's description
    return _build(name, description, schema, strict, arguments=spec)


def _from_function(
    function: Callable[..., Any], name: str | None, description: str | None, strict: bool | None
) -> FunctionTool:
    target = _described(function)
    if name is None:
        name = getattr(target, "__name__", None)
        if not inspect.isroutine(target) and not isinstance(target, type):
            name = type(target).__name__  # a callable object: its class names it
    if name == "<lambda>":
        raise ConfigurationError("a tool made from a lambda needs name=...")
    docstring = parse_docstring(inspect.getdoc(target))
    spec = _signature_spec(function, str(name), docstring.parameters)
    schema = _json_schema(spec.adapter, str(name))
    description = description if description is not None else docstring.description
    return _build(name, description, schema, strict, function=function, arguments=spec)


def _described(function: Callable[..., Any]) -> Any:
    """What holds the docstring and type hints: the wrapped function of a partial."""
    return function.func if isinstance(function, functools.partial) else function


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    target = _described(function)
    if not inspect.isroutine(target) and not isinstance(target, type):
        target = type(target).__call__  # a callable object
    return typing.get_type_hints(target, include_extras=True)


def _rebuild_spec(kind: Literal["type", "function"], source: Any) -> _ArgumentsSpec:
    if kind == "type":
        return _ArgumentsSpec("type", source, source)
    return _signature_spec(source, getattr(_described(source), "__name__", "tool"), {})


def _signature_spec(
    function: Callable[..., Any], name: str, documented: dict[str, str]
) -> _ArgumentsSpec:
    partial = function if isinstance(function, functools.partial) else None
    try:
        signature = inspect.signature(function)
        hints = _hints(function)
    except (TypeError, ValueError, NameError) as exc:
        raise ConfigurationError(
            f"tool {name!r}: cannot read the function's signature: {exc}"
        ) from None
    bound = set(partial.keywords) if partial else set()  # fixed by the caller, not the model
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    positional = []
    for parameter in signature.parameters.values():
        if parameter.name in bound:
            continue
        _check_parameter(parameter, name)
        if parameter.kind is parameter.POSITIONAL_ONLY:
            positional.append(parameter.name)
        default = ... if parameter.default is parameter.empty else parameter.default
        field = Field(default, alias=parameter.name)
        description = documented.get(parameter.name)
        if description:
            # Set only when documented: description=None would hide one from Annotated.
            field = Field(default, alias=parameter.name, description=description)
        field_name = f"argument_{len(fields)}"
        fields[field_name] = (hints.get(parameter.name, Any), field)
        names[field_name] = parameter.name
    try:
        model = pydantic.create_model(
            f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
        )
    except (TypeError, ValueError, pydantic.PydanticUserError) as exc:
        raise ConfigurationError(
            f"tool {name!r}: its parameters cannot be modelled: {exc}"
        ) from None
    return _ArgumentsSpec("function", function, model, names, tuple(positional))


def _check_parameter(parameter: inspect.Parameter, name: str) -> None:
    if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
        raise ConfigurationError(
            f"tool {name!r}: *args and **kwargs cannot be described to a model; "
            f"give {parameter.name!r} named, typed parameters instead"
        )
    if parameter.name.startswith("_"):
        raise ConfigurationError(
            f"tool {name!r}: parameter {parameter.name!r} starts with an underscore, "
            "which a tool's arguments cannot"
        )
    if parameter.name in ("self", "cls"):
        raise ConfigurationError(
            f"tool {name!r}: parameter {parameter.name!r} would be asked of the model; "
            "make the tool from the bound method (instance.method) instead"
        )


def _json_schema(adapter: TypeAdapter[Any], name: str) -> dict[str, Any]:
    try:
        schema = adapter.json_schema()
    except pydantic.PydanticUserError as exc:
        raise ConfigurationError(f"tool {name!r} has no JSON schema: {exc.message}") from None
    schema.pop("title", None)
    for field in (schema.get("properties") or {}).values():
        if isinstance(field, dict):
            field.pop("title", None)  # pydantic's title-cased copy of the name is noise
    return schema


class FunctionCall(BaseModel):
    """The function part of a tool call: its name and its arguments as the model wrote them."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    name: str
    raw_arguments: str

    @property
    def arguments(self) -> Any:
        """The arguments decoded from JSON; `ToolArgumentsError`, with the raw text, if not JSON."""
        if not self.raw_arguments.strip():
            return {}
        try:
            return json.loads(self.raw_arguments)
        except (ValueError, RecursionError) as exc:
            raw = self.raw_arguments
            shown = shorten(raw, _MAX_RAW_IN_ERROR)
            raise ToolArgumentsError(
                f"tool call {self.name!r} has arguments that are not valid JSON ({exc}): {shown!r}",
                tool_name=self.name,
                raw=raw,
            ) from None


class BaseToolCall(BaseModel):
    """A call the model asks the application to make; the faces add how to run it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    type: str = "function"
    function: FunctionCall
    raw: dict[str, Any] = Field(repr=False)
    """The call exactly as the server sent it (merged, for streams); re-sent in history."""

    _tool: FunctionTool | None = PrivateAttr(default=None)

    @property
    def tool(self) -> FunctionTool | None:
        """The configured tool this call names, or None if the model named an unknown one."""
        return (self.__pydantic_private__ or {}).get("_tool")

    def validate_arguments(self) -> Any:
        """The arguments decoded and validated by the tool (see `FunctionTool.validate_arguments`).

        Without a matching configured tool, the decoded JSON as it is.
        """
        tool = self.tool
        arguments = self.function.arguments
        if tool is None:
            return arguments
        try:
            return tool.validate_arguments(arguments)
        except ToolArgumentsError as exc:
            exc.tool_call_id = self.id
            exc.raw = self.function.raw_arguments
            raise

    def answer(self, value: Any) -> ToolResultMessageDict:
        """The tool message answering this call with `value`.

        A `str` is sent as it is; anything else as JSON (pydantic models and dataclasses
        through pydantic's JSON dump).
        """
        return {"role": "tool", "tool_call_id": self.id, "content": tool_result_content(value)}

    def _failed(self, error: Exception) -> ToolRunError:
        """The error for this call's function having raised `error`."""
        detail = shorten(f"{type(error).__name__}: {error}")
        return ToolRunError(
            f"tool {self.function.name!r} (call {self.id!r}) failed: {detail}",
            tool_name=self.function.name,
            tool_call_id=self.id,
        )

    def _prepare(self) -> tuple[Callable[..., Any], list[Any], dict[str, Any]]:
        """The function to call and its validated arguments; `ToolError` if there is none."""
        tool = self.tool
        name = self.function.name
        if tool is None:
            raise ToolError(
                f"the model called {name!r}, which is not among the configured tools",
                tool_name=name,
                tool_call_id=self.id,
            )
        spec = tool._arguments
        if tool.function is None or spec is None or spec.kind != "function":
            raise ToolError(
                f"tool {name!r} was not made from a Python function, so it cannot be run "
                "here: answer the call with call.answer(value)",
                tool_name=name,
                tool_call_id=self.id,
            )
        args, kwargs = spec.split(self.validate_arguments())
        return tool.function, args, kwargs


def answer_calls(
    calls: Sequence[BaseToolCall], outcomes: Sequence[Any], *, send_errors: bool
) -> tuple[list[dict[str, Any]], ToolError | None]:
    """The tool messages for a turn's calls, and the first failure unless errors are sent.

    With `send_errors`, a failed call is answered with its error's text (so that the model
    can correct itself); otherwise it gets no answer and its error is returned.
    """
    answers: list[dict[str, Any]] = []
    failure: ToolError | None = None
    for call, outcome in zip(calls, outcomes, strict=True):
        if not isinstance(outcome, Exception):
            answers.append(dict(outcome))
            continue
        error = outcome if isinstance(outcome, ToolError) else call._failed(outcome)
        if send_errors:
            answers.append(dict(call.answer(f"Error: {error.message}")))
        elif failure is None:
            failure = error
    return answers, failure


def tool_result_content(value: Any) -> str:
    """A tool's return value as the text of its tool message."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return pydantic_core.to_json(value, inf_nan_mode="null").decode()
    except pydantic_core.PydanticSerializationError as exc:
        raise TypeError(f"a tool returned a value that cannot be sent as JSON: {exc}") from None
