"""Function tools offered to a model, and the tool calls a model makes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BaseToolCall", "FunctionCall", "FunctionTool", "ToolArgumentsError"]


class ToolArgumentsError(ValueError):
    """The model produced tool-call arguments that are not valid JSON."""

    def __init__(self, name: str, raw: str, error: json.JSONDecodeError) -> None:
        super().__init__(
            f"tool call {name!r} has arguments that are not valid JSON ({error}): {raw!r}"
        )
        self.name = name
        self.raw = raw


class FunctionTool(BaseModel):
    """A function the model may call: its name, description and JSON-schema parameters."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    description: str | None = None
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None

    def to_wire(self) -> dict[str, Any]:
        """Return the tool as the chat API's `tools` array entry."""
        function: dict[str, Any] = {"name": self.name}
        if self.description is not None:
            function["description"] = self.description
        function["parameters"] = self.parameters
        function["strict"] = self.strict
        return {"type": "function", "function": function}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> FunctionTool:
        """Build a tool from an OpenAI-style `{"type": "function", "function": {...}}` dict."""
        if data.get("type", "function") != "function" or not isinstance(data.get("function"), dict):
            raise ValueError(
                'a tool dict must look like {"type": "function", "function": {"name": ..., ...}}'
            )
        return cls.model_validate(data["function"])


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
        except json.JSONDecodeError as exc:
            raise ToolArgumentsError(self.name, self.raw_arguments, exc) from None


class BaseToolCall(BaseModel):
    """A call the model asks the application to make; the faces add how to run it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str
    type: str = "function"
    function: FunctionCall
    raw: dict[str, Any] = Field(repr=False)
    """The call exactly as the server sent it (merged, for streams); re-sent in history."""
