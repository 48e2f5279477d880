"""ycloud-chat: chat completions on Yandex AI Studio and any OpenAI-compatible server.

Two faces over one implementation: `AsyncChatSDK` (asyncio or trio, via anyio) and
`ChatSDK` (plain blocking code). Both return the same result types and raise the same
exceptions.

Names are imported when first used (`import ycloud_chat` alone imports neither face), so a
program pays only for what it touches.
"""

import os
from typing import TYPE_CHECKING

from ._version import __version__ as __version__

if os.environ.get("YCLOUD_CHAT_LOG"):  # the logging switch: see _logging.py
    from ._logging import setup_logging

    setup_logging()
    del setup_logging
del os

# The public names, listed once: type checkers read these imports, and at run time each
# name is imported on first use from the module that `_exports.py` (generated from these
# lines by build_tools/unasync.py) records for it.
if TYPE_CHECKING:
    from ._async.chat import AsyncChat as AsyncChat
    from ._async.chat import AsyncChatCompletions as AsyncChatCompletions
    from ._async.chat import AsyncChatEmbeddings as AsyncChatEmbeddings
    from ._async.client import AsyncChatSDK as AsyncChatSDK
    from ._async.embeddings import AsyncChatEmbeddingsModel as AsyncChatEmbeddingsModel
    from ._async.model import AsyncChatModel as AsyncChatModel
    from ._async.stream import AsyncChatStream as AsyncChatStream
    from ._async.tool_call import AsyncToolCall as AsyncToolCall
    from ._auth import APIKeyAuth as APIKeyAuth
    from ._auth import BaseAuth as BaseAuth
    from ._auth import BearerTokenAuth as BearerTokenAuth
    from ._auth import EnvTokenAuth as EnvTokenAuth
    from ._auth import IAMTokenAuth as IAMTokenAuth
    from ._auth import NoAuth as NoAuth
    from ._batch import BatchItem as BatchItem
    from ._content import image_part as image_part
    from ._content import text_part as text_part
    from ._credentials import MetadataAuth as MetadataAuth
    from ._credentials import OAuthTokenAuth as OAuthTokenAuth
    from ._credentials import ServiceAccountKeyAuth as ServiceAccountKeyAuth
    from ._credentials import YandexCloudCLIAuth as YandexCloudCLIAuth
    from ._exceptions import APIConnectionError as APIConnectionError
    from ._exceptions import APIError as APIError
    from ._exceptions import APIResponseError as APIResponseError
    from ._exceptions import APIResponseValidationError as APIResponseValidationError
    from ._exceptions import APIStatusError as APIStatusError
    from ._exceptions import APITimeoutError as APITimeoutError
    from ._exceptions import AuthenticationError as AuthenticationError
    from ._exceptions import BadRequestError as BadRequestError
    from ._exceptions import ClientClosedError as ClientClosedError
    from ._exceptions import ConfigurationError as ConfigurationError
    from ._exceptions import ConfigurationTypeError as ConfigurationTypeError
    from ._exceptions import ConflictError as ConflictError
    from ._exceptions import CredentialsError as CredentialsError
    from ._exceptions import IncompleteStreamError as IncompleteStreamError
    from ._exceptions import InternalServerError as InternalServerError
    from ._exceptions import InvalidMessageError as InvalidMessageError
    from ._exceptions import ModelFilterError as ModelFilterError
    from ._exceptions import NotFoundError as NotFoundError
    from ._exceptions import PermissionDeniedError as PermissionDeniedError
    from ._exceptions import RateLimitError as RateLimitError
    from ._exceptions import ResponseTooLargeError as ResponseTooLargeError
    from ._exceptions import StreamError as StreamError
    from ._exceptions import StructuredOutputError as StructuredOutputError
    from ._exceptions import ToolError as ToolError
    from ._exceptions import ToolRoundsExceededError as ToolRoundsExceededError
    from ._exceptions import ToolRunError as ToolRunError
    from ._exceptions import UnprocessableEntityError as UnprocessableEntityError
    from ._exceptions import YCloudChatError as YCloudChatError
    from ._limits import Limits as Limits
    from ._sync.chat import Chat as Chat
    from ._sync.chat import ChatCompletions as ChatCompletions
    from ._sync.chat import ChatEmbeddings as ChatEmbeddings
    from ._sync.client import ChatSDK as ChatSDK
    from ._sync.embeddings import ChatEmbeddingsModel as ChatEmbeddingsModel
    from ._sync.model import ChatModel as ChatModel
    from ._sync.stream import ChatStream as ChatStream
    from ._sync.tool_call import ToolCall as ToolCall
    from .types import UNDEFINED as UNDEFINED
    from .types import BaseToolCall as BaseToolCall
    from .types import ChatChoice as ChatChoice
    from .types import ChatEmbeddingsModelConfig as ChatEmbeddingsModelConfig
    from .types import ChatEmbeddingsModelResult as ChatEmbeddingsModelResult
    from .types import ChatModelConfig as ChatModelConfig
    from .types import ChatModelResult as ChatModelResult
    from .types import ChatModelStatus as ChatModelStatus
    from .types import ChatUsage as ChatUsage
    from .types import DeltaChatChoice as DeltaChatChoice
    from .types import EmbeddingsUsage as EmbeddingsUsage
    from .types import FinishReason as FinishReason
    from .types import FunctionCall as FunctionCall
    from .types import FunctionTool as FunctionTool
    from .types import Headers as Headers
    from .types import ReasoningMode as ReasoningMode
    from .types import TextMessage as TextMessage
    from .types import ToolArgumentsError as ToolArgumentsError
    from .types import ToolRun as ToolRun
    from .types import function_tool as function_tool

    __all__: list[str]  # these names, in the order `_exports.py` has them


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all
    from ._lazy import lazy_attributes

    __all__, __getattr__, __dir__ = lazy_attributes(__name__, globals())
    del lazy_attributes
