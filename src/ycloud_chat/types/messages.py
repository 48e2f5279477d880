"""Message types the SDK accepts as chat history (see `_messages.py` for the wire forms)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

from pydantic import BaseModel, ConfigDict

__all__ = [
    "FunctionResultDict",
    "MessageInput",
    "MessagesInput",
    "MultimodalMessageDict",
    "TextMessage",
    "TextMessageDict",
    "TextMessageProtocol",
    "ToolCallsMessageDict",
    "ToolResultMessageDict",
    "ToolResultsDict",
]


class TextMessage(BaseModel):
    """A message with a role (`system`, `user`, `assistant`) and its text."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    role: str
    text: str


@runtime_checkable
class TextMessageProtocol(Protocol):
    """Anything with `.role` and `.text`: a `TextMessage`, a previous result or a choice."""

    @property
    def role(self) -> str:
        """The author of the message."""

    @property
    def text(self) -> str | None:
        """The message text."""


class TextMessageDict(TypedDict, total=False):
    """`{"role": ..., "text": ...}` or `{"role": ..., "content": ...}`; role defaults to user."""

    role: str
    text: str
    content: str


class _MultimodalContent(TypedDict):
    content: list[dict[str, Any]]


class MultimodalMessageDict(_MultimodalContent, total=False):
    """A message whose content is a list of `text` and `image_url` parts."""

    role: str


class _ToolCalls(TypedDict):
    tool_calls: list[dict[str, Any]]


class ToolCallsMessageDict(_ToolCalls, total=False):
    """An assistant message that carries the model's tool calls (OpenAI form)."""

    role: Literal["assistant"]
    content: str | None


class _ToolResult(TypedDict):
    tool_call_id: str
    content: str


class ToolResultMessageDict(_ToolResult, total=False):
    """The result of one tool call (OpenAI form), matched to its call by id."""

    role: Literal["tool"]


class _FunctionResult(TypedDict):
    name: str
    content: str


class FunctionResultDict(_FunctionResult, total=False):
    """One result in the reference SDK's `tool_results` form; `id` is optional."""

    id: str


class ToolResultsDict(TypedDict):
    """`{"tool_results": [...]}`: results matched to the preceding tool calls."""

    tool_results: list[FunctionResultDict]


MessageInput = (
    str
    | TextMessage
    | TextMessageProtocol
    | TextMessageDict
    | MultimodalMessageDict
    | ToolCallsMessageDict
    | ToolResultMessageDict
    | ToolResultsDict
    | Mapping[str, Any]
)
"""One message in any accepted shape."""

MessagesInput = MessageInput | Iterable[MessageInput]
"""One message or many."""
