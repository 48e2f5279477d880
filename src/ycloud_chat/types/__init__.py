"""Pydantic types shared by the sync and async faces: config, messages, tools and results."""

from .config import ChatModelConfig, ReasoningMode
from .messages import (
    FunctionResultDict,
    MessageInput,
    MessagesInput,
    MultimodalMessageDict,
    TextMessage,
    TextMessageDict,
    TextMessageProtocol,
    ToolCallsMessageDict,
    ToolResultMessageDict,
    ToolResultsDict,
)
from .misc import UNDEFINED, UndefinedOr, UndefinedType
from .results import ChatChoice, ChatModelResult, ChatModelStatus, ChatUsage, DeltaChatChoice
from .tools import BaseToolCall, FunctionCall, FunctionTool, ToolArgumentsError

__all__ = [
    "UNDEFINED",
    "BaseToolCall",
    "ChatChoice",
    "ChatModelConfig",
    "ChatModelResult",
    "ChatModelStatus",
    "ChatUsage",
    "DeltaChatChoice",
    "FunctionCall",
    "FunctionResultDict",
    "FunctionTool",
    "MessageInput",
    "MessagesInput",
    "MultimodalMessageDict",
    "ReasoningMode",
    "TextMessage",
    "TextMessageDict",
    "TextMessageProtocol",
    "ToolArgumentsError",
    "ToolCallsMessageDict",
    "ToolResultMessageDict",
    "ToolResultsDict",
    "UndefinedOr",
    "UndefinedType",
]
