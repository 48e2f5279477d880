"""Pydantic types shared by the sync and async faces: config, messages, tools and results."""

from .config import ChatModelConfig, ReasoningMode, ToolInput
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
from .results import (
    ChatChoice,
    ChatModelResult,
    ChatModelStatus,
    ChatUsage,
    DeltaChatChoice,
    ToolRun,
)
from .tools import (
    BaseToolCall,
    FunctionCall,
    FunctionTool,
    ToolArgumentsError,
    Tools,
    function_tool,
)

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
    "ToolInput",
    "ToolResultMessageDict",
    "ToolResultsDict",
    "ToolRun",
    "Tools",
    "UndefinedOr",
    "UndefinedType",
    "function_tool",
]
