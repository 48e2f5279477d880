"""`sdk.chat` and `sdk.chat.completions`: list chat models and make model objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._constants import HEADER_PROJECT
from .._request import model_uri
from ..types.misc import UNDEFINED, UndefinedOr

if TYPE_CHECKING:
    from .client import AsyncChatSDK
    from .model import AsyncChatModel

__all__ = ["AsyncChat", "AsyncChatCompletions"]


class AsyncChatCompletions:
    """Chat-completion models: call it with a name to get a model, or list them."""

    def __init__(self, sdk: AsyncChatSDK) -> None:
        self._sdk = sdk

    def __call__(self, model_name: str, *, model_version: str = "latest") -> AsyncChatModel:
        """Return the model `gpt://<folder>/<model_name>/<model_version>`.

        A name containing `://` is used as the URI verbatim. Without a folder, an
        OpenAI-compatible server gets the bare name.
        """
        uri = model_uri(
            model_name, model_version, self._sdk.folder_id, ai_studio=self._sdk._ai_studio
        )
        return _model_class()(self._sdk, uri)

    async def list(
        self, *, timeout: UndefinedOr[float | None] = UNDEFINED
    ) -> tuple[AsyncChatModel, ...]:
        """Return every chat model the folder can use.

        On AI Studio these are the `gpt://` models (embedding models and other kinds are left
        out); an OpenAI-compatible server's plain model names are kept as they are.

        Args:
            timeout: a total deadline in seconds (default: the SDK's `timeout`, else 60).
        """
        from .._response import ResponseContext, decode_json, parse_model_ids
        from .tool_call import AsyncToolCall

        headers = {HEADER_PROJECT: self._sdk.folder_id} if self._sdk.folder_id else None
        content, exchange = await self._sdk._transport.request(
            "GET", "/models", headers=headers, timeout=self._sdk._timeout_for(timeout, run=False)
        )
        context = ResponseContext(AsyncToolCall, exchange.request_id, exchange.server_request_id)
        ids = parse_model_ids(decode_json(content, context), context)
        model_class = _model_class()
        return tuple(model_class(self._sdk, model_id) for model_id in ids)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} folder_id={self._sdk.folder_id!r}>"


def _model_class() -> type[AsyncChatModel]:
    # Models (and the pydantic types they use) are imported with the first model made, so
    # that importing the SDK costs little more than importing httpx.
    from .model import AsyncChatModel

    return AsyncChatModel


class AsyncChat:
    """The chat domain of the SDK: `sdk.chat.completions`."""

    def __init__(self, sdk: AsyncChatSDK) -> None:
        self.completions = AsyncChatCompletions(sdk)
