# GENERATED from src/ycloud_chat/_async/chat.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`sdk.chat`: its chat models (`completions`) and text embedding models (`text_embeddings`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._base_client import BaseChat, BaseChatCompletions, BaseChatEmbeddings, ModelCatalog
from ..types.misc import UNDEFINED, UndefinedOr

if TYPE_CHECKING:
    from ._transport import Transport
    from .embeddings import ChatEmbeddingsModel
    from .model import ChatModel

__all__ = ["Chat", "ChatCompletions", "ChatEmbeddings"]

ModelT = TypeVar("ModelT")


# Models (and the pydantic types they use) are imported with the first model made, so that
# importing the SDK costs little more than importing httpx.
def _chat_model_class() -> type[ChatModel]:
    from .model import ChatModel

    return ChatModel


def _embeddings_model_class() -> type[ChatEmbeddingsModel]:
    from .embeddings import ChatEmbeddingsModel

    return ChatEmbeddingsModel


class ModelList(ModelCatalog[ModelT]):
    """What lists the models of one kind: `list()`."""

    _transport: Transport

    def list(
        self,
        *,
        timeout: UndefinedOr[float | None] = UNDEFINED,
        filters: Mapping[str, Any] | None = None,
    ) -> tuple[ModelT, ...]:
        """Return every model of this kind that the folder can use, with its owner.

        On AI Studio these are the models whose URI has this kind's scheme (`gpt://` for
        chat, `emb://` for embeddings); an OpenAI-compatible server's plain model names are
        all kept, since it does not say what kind each one is.

        Args:
            timeout: a total deadline in seconds (default: the SDK's `timeout`, else 60).
            filters: attributes every model returned must have, such as
                `{"name": "yandexgpt", "version": "rc", "fine_tuned": False, "owner": "Yandex"}`;
                an attribute models do not have raises `ModelFilterError`, an
                `AttributeError`, before any request.
        """
        checked = self._check_filters(filters)
        content, exchange = self._transport.request(
            "GET",
            "/models",
            headers=self._list_headers(),
            timeout=self._transport.timeout_for(timeout, run=False),
        )
        return self._models(content, exchange, checked)


class ChatCompletions(ModelList["ChatModel"], BaseChatCompletions["ChatModel"]):
    """Chat-completion models: call it with a name to get a model, or list them."""

    _model_class = staticmethod(_chat_model_class)


class ChatEmbeddings(ModelList["ChatEmbeddingsModel"], BaseChatEmbeddings["ChatEmbeddingsModel"]):
    """Text embedding models: call it with a name to get a model, or list them."""

    _model_class = staticmethod(_embeddings_model_class)


class Chat(BaseChat[ChatCompletions, ChatEmbeddings]):
    """The chat domain of the SDK: `sdk.chat.completions` and `sdk.chat.text_embeddings`."""

    _completions_class = ChatCompletions
    _text_embeddings_class = ChatEmbeddings
