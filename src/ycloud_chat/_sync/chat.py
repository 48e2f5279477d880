# GENERATED from src/ycloud_chat/_async/chat.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`sdk.chat` and `sdk.chat.completions`: list chat models and make model objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._base_client import BaseChat, BaseChatCompletions
from ..types.misc import UNDEFINED, UndefinedOr

if TYPE_CHECKING:
    from ._transport import Transport
    from .model import ChatModel

__all__ = ["Chat", "ChatCompletions"]


def _model_class() -> type[ChatModel]:
    # Models (and the pydantic types they use) are imported with the first model made, so
    # that importing the SDK costs little more than importing httpx.
    from .model import ChatModel

    return ChatModel


class ChatCompletions(BaseChatCompletions["ChatModel"]):
    """Chat-completion models: call it with a name to get a model, or list them."""

    _model_class = staticmethod(_model_class)
    _transport: Transport

    def list(self, *, timeout: UndefinedOr[float | None] = UNDEFINED) -> tuple[ChatModel, ...]:
        """Return every chat model the folder can use.

        On AI Studio these are the `gpt://` models (embedding models and other kinds are left
        out); an OpenAI-compatible server's plain model names are kept as they are.

        Args:
            timeout: a total deadline in seconds (default: the SDK's `timeout`, else 60).
        """
        content, exchange = self._transport.request(
            "GET",
            "/models",
            headers=self._list_headers(),
            timeout=self._transport.timeout_for(timeout, run=False),
        )
        return self._models(content, exchange)


class Chat(BaseChat[ChatCompletions]):
    """The chat domain of the SDK: `sdk.chat.completions`."""

    _completions_class = ChatCompletions
