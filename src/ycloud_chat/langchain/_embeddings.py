"""`YCloudEmbeddings`: LangChain's embeddings interface over the SDK's embedding models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from pydantic import PrivateAttr

from .._exceptions import ConfigurationError
from ._settings import SDKSettings

if TYPE_CHECKING:
    from .._async.embeddings import AsyncChatEmbeddingsModel
    from .._sync.embeddings import ChatEmbeddingsModel

__all__ = ["YCloudEmbeddings"]


class YCloudEmbeddings(SDKSettings, Embeddings):
    """LangChain embeddings over ycloud-chat: AI Studio's text embeddings or any server's.

    Made from settings (`YCloudEmbeddings(model="text-search-doc", folder_id=...)`), it makes
    its own SDKs on first use; made from a model of yours
    (`sdk.chat.text_embeddings("text-search-doc").langchain()`), it keeps that model's SDK
    and configuration. Retries, deadlines and errors are the SDK's.
    """

    model: str
    """The embeddings model: a name (expanded with the folder on AI Studio) or a URI."""
    dimensions: int | None = None
    """How many numbers each vector has, for models that can shorten them."""

    _model: ChatEmbeddingsModel | None = PrivateAttr(default=None)
    _async_model: AsyncChatEmbeddingsModel | None = PrivateAttr(default=None)

    @classmethod
    def from_model(
        cls, model: ChatEmbeddingsModel | AsyncChatEmbeddingsModel, **settings: Any
    ) -> YCloudEmbeddings:
        """Wrap an embeddings model of yours (what `model.langchain()` does)."""
        from .._sync.embeddings import ChatEmbeddingsModel

        embeddings = cls(model=model.name or model.uri, **settings)
        if isinstance(model, ChatEmbeddingsModel):
            embeddings._model = model
        else:
            embeddings._async_model = model
        return embeddings

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts, in one request; the vectors come back in the texts' order."""
        if not texts:
            return []
        result = self._sync_model().run(texts)
        return [list(vector) for vector in result.embeddings]

    def embed_query(self, text: str) -> list[float]:
        """Embed one text."""
        return list(self._sync_model().run(text).embedding)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts, in one request; the vectors come back in the texts' order."""
        if self._sync_only:
            return await super().aembed_documents(texts)
        if not texts:
            return []
        result = await self._async_embeddings_model().run(texts)
        return [list(vector) for vector in result.embeddings]

    async def aembed_query(self, text: str) -> list[float]:
        """Embed one text."""
        if self._sync_only:
            return await super().aembed_query(text)
        return list((await self._async_embeddings_model().run(text)).embedding)

    @property
    def _sync_only(self) -> bool:
        return self._model is not None and self._async_model is None

    def _sync_model(self) -> ChatEmbeddingsModel:
        if self._async_model is not None:
            raise ConfigurationError(
                "this YCloudEmbeddings was made from an async model: use aembed_documents "
                "or aembed_query, or make it from a sync model (or from settings)"
            )
        if self._model is not None:
            return self._model
        model = self._sync_sdk().chat.text_embeddings(self.model)
        return model if self.dimensions is None else model.configure(dimensions=self.dimensions)

    def _async_embeddings_model(self) -> AsyncChatEmbeddingsModel:
        if self._async_model is not None:
            return self._async_model
        model = self._asynchronous_sdk().chat.text_embeddings(self.model)
        return model if self.dimensions is None else model.configure(dimensions=self.dimensions)
