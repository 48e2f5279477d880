"""ycloud-chat: chat completions on Yandex AI Studio and any OpenAI-compatible server.

Two faces over one implementation: `AsyncChatSDK` (asyncio or trio, via anyio) and
`ChatSDK` (plain blocking code). Both return the same result types and raise the same
exceptions.
"""

from ._async.chat import AsyncChat, AsyncChatCompletions
from ._async.client import AsyncChatSDK
from ._async.model import AsyncChatModel
from ._async.stream import AsyncChatStream
from ._async.tool_call import AsyncToolCall
from ._auth import APIKeyAuth, BaseAuth, BearerTokenAuth, EnvTokenAuth, IAMTokenAuth, NoAuth
from ._content import image_part, text_part
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
    ConflictError,
    CredentialsError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    StructuredOutputError,
    ToolError,
    ToolRoundsExceededError,
    ToolRunError,
    UnprocessableEntityError,
    YCloudChatError,
)
from ._messages import InvalidMessageError
from ._sync.chat import Chat, ChatCompletions
from ._sync.client import ChatSDK
from ._sync.model import ChatModel
from ._sync.stream import ChatStream
from ._sync.tool_call import ToolCall
from ._version import __version__
from .types import (
    UNDEFINED,
    BaseToolCall,
    ChatChoice,
    ChatModelConfig,
    ChatModelResult,
    ChatModelStatus,
    ChatUsage,
    DeltaChatChoice,
    FunctionCall,
    FunctionTool,
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
    "AsyncChatModel",
    "AsyncChatSDK",
    "AsyncChatStream",
    "AsyncToolCall",
    "AuthenticationError",
    "BadRequestError",
    "BaseAuth",
    "BaseToolCall",
    "BearerTokenAuth",
    "Chat",
    "ChatChoice",
    "ChatCompletions",
    "ChatModel",
    "ChatModelConfig",
    "ChatModelResult",
    "ChatModelStatus",
    "ChatSDK",
    "ChatStream",
    "ChatUsage",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "CredentialsError",
    "DeltaChatChoice",
    "EnvTokenAuth",
    "FunctionCall",
    "FunctionTool",
    "IAMTokenAuth",
    "InternalServerError",
    "InvalidMessageError",
    "NoAuth",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReasoningMode",
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
    "__version__",
    "function_tool",
    "image_part",
    "text_part",
]
