"""`AsyncChatEmbeddingsModel`: one embeddings model URI with an immutable config; embeds texts."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any

from .._base_model import BaseChatEmbeddingsModel
from .._batch import AsyncRows, BatchItem, check_batch_size, check_rows, one_text, split_row
from .._concurrency import async_map_unordered
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

    def batch(
        self,
        texts: AsyncRows,
        *,
        concurrency: int = 8,
        texts_per_request: int = 16,
        timeout: UndefinedOr[float | None] = UNDEFINED,
    ) -> AsyncIterator[BatchItem[ChatEmbeddingsModelResult]]:
        """Embed every text, several per request, concurrently; iterate the items as they finish.

        Each text comes out exactly once, as a `BatchItem` with its `custom_id`, its `index`
        and either its `result` (a result holding that text's vector) or its `error`: a
        request that fails (after its retries) is recorded on each of its texts, never
        raised. The texts are taken only as places free up: memory is bounded by
        `concurrency * texts_per_request`. The SDK's `Limits` hold.

        Args:
            texts: an iterable (or async iterable) of str, or of `(custom_id, text)` tuples.
            concurrency: the most requests running at once (a positive integer).
            texts_per_request: the most texts sent in one request (1 for a server that takes
                one at a time).
            timeout: each request's deadline, as in `run()`.

        Raises:
            ConfigurationError: a bad argument, before any request.
        """
        check_rows(texts, AsyncIterable)
        check_batch_size(concurrency, "concurrency")
        check_batch_size(texts_per_request, "texts_per_request")
        seconds = self._transport.timeout_for(timeout, run=True)

        async def embed(first: int, taken: list[Any]) -> list[BatchItem[Any]]:
            rows = [split_row(first + offset, row) for offset, row in enumerate(taken)]
            try:
                result = await self.run([text for _, text in rows], timeout=seconds)
            except Exception as exc:
                return [BatchItem(cid, first + n, error=exc) for n, (cid, _) in enumerate(rows)]
            return [
                BatchItem(cid, first + n, one_text(result, n)) for n, (cid, _) in enumerate(rows)
            ]

        return async_map_unordered(embed, texts, concurrency, texts_per_request)
