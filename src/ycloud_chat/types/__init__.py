"""Pydantic types shared by the sync and async faces: config, messages, tools and results.

Imported on first use, like the package's own names: `ycloud_chat.types.misc` alone does not
load pydantic.
"""

from typing import TYPE_CHECKING

# The public names, listed once: type checkers read these imports, and at run time each
# name is imported on first use from the module that `_exports.py` (generated from these
# lines by build_tools/unasync.py) records for it.
if TYPE_CHECKING:
    from .config import ChatModelConfig as ChatModelConfig
    from .config import ReasoningMode as ReasoningMode
    from .config import ToolInput as ToolInput
    from .embeddings import ChatEmbeddingsModelConfig as ChatEmbeddingsModelConfig
    from .embeddings import ChatEmbeddingsModelResult as ChatEmbeddingsModelResult
    from .embeddings import EmbeddingsInput as EmbeddingsInput
    from .embeddings import EmbeddingsUsage as EmbeddingsUsage
    from .embeddings import EncodingFormatInput as EncodingFormatInput
    from .headers import Headers as Headers
    from .messages import FunctionResultDict as FunctionResultDict
    from .messages import MessageInput as MessageInput
    from .messages import MessagesInput as MessagesInput
    from .messages import MultimodalMessageDict as MultimodalMessageDict
    from .messages import TextMessage as TextMessage
    from .messages import TextMessageDict as TextMessageDict
    from .messages import TextMessageProtocol as TextMessageProtocol
    from .messages import ToolCallsMessageDict as ToolCallsMessageDict
    from .messages import ToolResultMessageDict as ToolResultMessageDict
    from .messages import ToolResultsDict as ToolResultsDict
    from .misc import UNDEFINED as UNDEFINED
    from .misc import UndefinedOr as UndefinedOr
    from .misc import UndefinedType as UndefinedType
    from .results import ChatChoice as ChatChoice
    from .results import ChatModelResult as ChatModelResult
    from .results import ChatModelStatus as ChatModelStatus
    from .results import ChatUsage as ChatUsage
    from .results import DeltaChatChoice as DeltaChatChoice
    from .results import FinishReason as FinishReason
    from .results import ToolRun as ToolRun
    from .tools import BaseToolCall as BaseToolCall
    from .tools import FunctionCall as FunctionCall
    from .tools import FunctionTool as FunctionTool
    from .tools import ToolArgumentsError as ToolArgumentsError
    from .tools import Tools as Tools
    from .tools import function_tool as function_tool

    __all__: list[str]  # these names, in the order `_exports.py` has them


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all
    from .._lazy import lazy_attributes

    __all__, __getattr__, __dir__ = lazy_attributes(__name__, globals())
    del lazy_attributes
