"""`AsyncChatEmbeddingsModel`: one embeddings model URI with an immutable config; embeds texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._base_model import BaseChatEmbeddingsModel
from ..types.embeddings import ChatEmbeddingsModelResult, EmbeddingsInput
from ..types.misc import UNDEFINED, UndefinedOr
from ._transport import AsyncTransport

if TYPE_CHECKING:
    from ..langchain import YCloudEmbeddings

__all__ = ["AsyncChatEmbeddingsModel"]


class AsyncChatEmbeddingsModel(BaseChatEmbeddingsModel):
    """A text embeddings model: its URI and config, and the call that runs it.

    Made by `sdk.chat.text_embeddings("name")`. `configure()` returns a new model and
    leaves this one as it was, so one model can be shared freely.
    """

    _transport: AsyncTransport

    async def run(
        self,
        input: EmbeddingsInput,
        *,
        timeout: UndefinedOr[float | None] = UNDEFINED,
    ) -> ChatEmbeddingsModelResult:
        """Embed one text, or several in one request, and return their vectors.

        The result is a sequence of floats, the first text's vector; `result.embeddings`
        holds every text's, in the order of the texts. The texts are checked before any
        request: each one a non-empty str.

        Args:
            input: a str, or an iterable of them.
            timeout: a total deadline in seconds over every attempt and wait (default: the
                SDK's `timeout`, else 180); `None` for no deadline.
        """
        body, count = self._body(input)
        with self._trace() as call:
            content, exchange = await self._transport.request(
                "POST",
                "/embeddings",
                content=body,
                timeout=self._transport.timeout_for(timeout, run=True),
                call=call,
            )
            return call.succeeded(self._parse(content, exchange, count))

    def langchain(self, **settings: Any) -> YCloudEmbeddings:
        """Return this model as LangChain embeddings, on this model's SDK.

        The `YCloudEmbeddings` keeps the SDK (credentials, pool, retries, deadlines) and
        this configuration. Needs `pip install "ycloud-chat[langchain]"`.
        """
        from ..langchain import YCloudEmbeddings

        return YCloudEmbeddings.from_model(self, **settings)
