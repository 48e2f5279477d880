"""ycloud-chat: chat completions on Yandex AI Studio and any OpenAI-compatible server.

Two faces over one implementation: `AsyncChatSDK` (asyncio or trio, via anyio) and
`ChatSDK` (plain blocking code). Both return the same result types and raise the same
exceptions.

Names are imported when first used (`import ycloud_chat` alone imports neither face), so a
program pays only for what it touches.
"""

import os
from typing import TYPE_CHECKING

from ._version import __version__

if os.environ.get("YCLOUD_CHAT_LOG"):  # the logging switch: see _logging.py
    from ._logging import setup_logging

    setup_logging()
    del setup_logging
del os

if TYPE_CHECKING:
    from ._async.chat import AsyncChat, AsyncChatCompletions, AsyncChatEmbeddings
    from ._async.client import AsyncChatSDK
    from ._async.embeddings import AsyncChatEmbeddingsModel
    from ._async.model import AsyncChatModel
    from ._async.stream import AsyncChatStream
    from ._async.tool_call import AsyncToolCall
    from ._auth import APIKeyAuth, BaseAuth, BearerTokenAuth, EnvTokenAuth, IAMTokenAuth, NoAuth
    from ._batch import BatchItem
    from ._content import image_part, text_part
    from ._credentials import (
        MetadataAuth,
        OAuthTokenAuth,
        ServiceAccountKeyAuth,
        YandexCloudCLIAuth,
    )
    from ._exceptions import (
        APIConnectionError,
        APIResponseError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClientClosedError,
        ConfigurationError,
        ConfigurationTypeError,
        ConflictError,
        CredentialsError,
        IncompleteStreamError,
        InternalServerError,
        InvalidMessageError,
        ModelFilterError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseTooLargeError,
        StreamError,
        StructuredOutputError,
        ToolError,
        ToolRoundsExceededError,
        ToolRunError,
        UnprocessableEntityError,
        YCloudChatError,
    )
    from ._limits import Limits
    from ._sync.chat import Chat, ChatCompletions, ChatEmbeddings
    from ._sync.client import ChatSDK
    from ._sync.embeddings import ChatEmbeddingsModel
    from ._sync.model import ChatModel
    from ._sync.stream import ChatStream
    from ._sync.tool_call import ToolCall
    from .types import (
        UNDEFINED,
        BaseToolCall,
        ChatChoice,
        ChatEmbeddingsModelConfig,
        ChatEmbeddingsModelResult,
        ChatModelConfig,
        ChatModelResult,
        ChatModelStatus,
        ChatUsage,
        DeltaChatChoice,
        EmbeddingsUsage,
        FinishReason,
        FunctionCall,
        FunctionTool,
        Headers,
        ReasoningMode,
        TextMessage,
        ToolArgumentsError,
        ToolRun,
        function_tool,
    )

__all__ = [
    "UNDEFINED",
    "APIConnectionError",
    "APIKeyAuth",
    "APIResponseError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChat",
    "AsyncChatCompletions",
    "AsyncChatEmbeddings",
    "AsyncChatEmbeddingsModel",
    "AsyncChatModel",
    "AsyncChatSDK",
    "AsyncChatStream",
    "AsyncToolCall",
    "AuthenticationError",
    "BadRequestError",
    "BaseAuth",
    "BaseToolCall",
    "BatchItem",
    "BearerTokenAuth",
    "Chat",
    "ChatChoice",
    "ChatCompletions",
    "ChatEmbeddings",
    "ChatEmbeddingsModel",
    "ChatEmbeddingsModelConfig",
    "ChatEmbeddingsModelResult",
    "ChatModel",
    "ChatModelConfig",
    "ChatModelResult",
    "ChatModelStatus",
    "ChatSDK",
    "ChatStream",
    "ChatUsage",
    "ClientClosedError",
    "ConfigurationError",
    "ConfigurationTypeError",
    "ConflictError",
    "CredentialsError",
    "DeltaChatChoice",
    "EmbeddingsUsage",
    "EnvTokenAuth",
    "FinishReason",
    "FunctionCall",
    "FunctionTool",
    "Headers",
    "IAMTokenAuth",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidMessageError",
    "Limits",
    "MetadataAuth",
    "ModelFilterError",
    "NoAuth",
    "NotFoundError",
    "OAuthTokenAuth",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningMode",
    "ResponseTooLargeError",
    "ServiceAccountKeyAuth",
    "StreamError",
    "StructuredOutputError",
    "TextMessage",
    "ToolArgumentsError",
    "ToolCall",
    "ToolError",
    "ToolRoundsExceededError",
    "ToolRun",
    "ToolRunError",
    "UnprocessableEntityError",
    "YCloudChatError",
    "YandexCloudCLIAuth",
    "__version__",
    "function_tool",
    "image_part",
    "text_part",
]

# Where each public name lives; `__getattr__` imports it on first use. The names this table
# leaves out come from `.types`, which imports each from its own module in turn.
_LAZY = {
    "AsyncChat": "._async.chat",
    "AsyncChatCompletions": "._async.chat",
    "AsyncChatEmbeddings": "._async.chat",
    "AsyncChatEmbeddingsModel": "._async.embeddings",
    "AsyncChatSDK": "._async.client",
    "AsyncChatModel": "._async.model",
    "AsyncChatStream": "._async.stream",
    "AsyncToolCall": "._async.tool_call",
    "APIKeyAuth": "._auth",
    "BaseAuth": "._auth",
    "BearerTokenAuth": "._auth",
    "EnvTokenAuth": "._auth",
    "IAMTokenAuth": "._auth",
    "NoAuth": "._auth",
    "YandexCloudCLIAuth": "._credentials",
    "ServiceAccountKeyAuth": "._credentials",
    "OAuthTokenAuth": "._credentials",
    "MetadataAuth": "._credentials",
    "APIConnectionError": "._exceptions",
    "APIResponseError": "._exceptions",
    "APIResponseValidationError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ClientClosedError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "ConfigurationTypeError": "._exceptions",
    "ConflictError": "._exceptions",
    "CredentialsError": "._exceptions",
    "IncompleteStreamError": "._exceptions",
    "InternalServerError": "._exceptions",
    "ModelFilterError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ResponseTooLargeError": "._exceptions",
    "StreamError": "._exceptions",
    "StructuredOutputError": "._exceptions",
    "ToolError": "._exceptions",
    "ToolRoundsExceededError": "._exceptions",
    "ToolRunError": "._exceptions",
    "UnprocessableEntityError": "._exceptions",
    "YCloudChatError": "._exceptions",
    "InvalidMessageError": "._exceptions",
    "image_part": "._content",
    "BatchItem": "._batch",
    "Limits": "._limits",
    "text_part": "._content",
    "Chat": "._sync.chat",
    "ChatCompletions": "._sync.chat",
    "ChatEmbeddings": "._sync.chat",
    "ChatEmbeddingsModel": "._sync.embeddings",
    "ChatSDK": "._sync.client",
    "ChatModel": "._sync.model",
    "ChatStream": "._sync.stream",
    "ToolCall": "._sync.tool_call",
}


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all
    from ._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), __all__, ".types")
    del lazy_attributes
