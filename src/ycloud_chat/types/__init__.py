"""Pydantic types shared by the sync and async faces: config, messages, tools and results.

Imported on first use, like the package's own names: `ycloud_chat.types.misc` alone does not
load pydantic.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import ChatModelConfig, ReasoningMode, ToolInput
    from .embeddings import (
        ChatEmbeddingsModelConfig,
        ChatEmbeddingsModelResult,
        EmbeddingsInput,
        EmbeddingsUsage,
        EncodingFormatInput,
    )
    from .headers import Headers
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
        FinishReason,
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
    "ChatEmbeddingsModelConfig",
    "ChatEmbeddingsModelResult",
    "ChatModelConfig",
    "ChatModelResult",
    "ChatModelStatus",
    "ChatUsage",
    "DeltaChatChoice",
    "EmbeddingsInput",
    "EmbeddingsUsage",
    "EncodingFormatInput",
    "FinishReason",
    "FunctionCall",
    "FunctionResultDict",
    "FunctionTool",
    "Headers",
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

_LAZY = {
    "ChatModelConfig": ".config",
    "ReasoningMode": ".config",
    "ToolInput": ".config",
    "ChatEmbeddingsModelConfig": ".embeddings",
    "ChatEmbeddingsModelResult": ".embeddings",
    "EmbeddingsInput": ".embeddings",
    "EmbeddingsUsage": ".embeddings",
    "EncodingFormatInput": ".embeddings",
    "FunctionResultDict": ".messages",
    "MessageInput": ".messages",
    "MessagesInput": ".messages",
    "MultimodalMessageDict": ".messages",
    "TextMessage": ".messages",
    "TextMessageDict": ".messages",
    "TextMessageProtocol": ".messages",
    "ToolCallsMessageDict": ".messages",
    "ToolResultMessageDict": ".messages",
    "ToolResultsDict": ".messages",
    "UNDEFINED": ".misc",
    "Headers": ".headers",
    "UndefinedOr": ".misc",
    "UndefinedType": ".misc",
    "ChatChoice": ".results",
    "ChatModelResult": ".results",
    "ChatModelStatus": ".results",
    "ChatUsage": ".results",
    "DeltaChatChoice": ".results",
    "FinishReason": ".results",
    "ToolRun": ".results",
    "BaseToolCall": ".tools",
    "FunctionCall": ".tools",
    "FunctionTool": ".tools",
    "ToolArgumentsError": ".tools",
    "Tools": ".tools",
    "function_tool": ".tools",
}


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all
    from .._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), __all__)
    del lazy_attributes
