"""LangChain's standard test suites for `ChatYCloud` and `YCloudEmbeddings`.

The unit suites run in full. The integration suites run against the testing kit's fake on
a loopback port, answering by the rules of `rules.py`; the tests they leave out are
`SKIPPED` below, each with the reason (LangChain's suites skip a test when its class says
the feature is not supported).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from importlib import import_module
from typing import Any

import httpx
import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests, EmbeddingsIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from ycloud_chat.langchain import ChatYCloud, YCloudEmbeddings
from ycloud_chat.testing import FakeChatAPI

from .rules import answer

pytestmark = pytest.mark.slow

load_module = import_module("langchain_core.load.load")  # the package hides it behind load()

SKIPPED = {
    "test_pdf_inputs": "the chat API takes text and images, no files",
    "test_pdf_tool_message": "the chat API takes text and images, no files",
    "test_audio_inputs": "the chat API takes no audio (and the test downloads it from the web)",
    "test_image_tool_message": "the chat API takes images in user messages only",
    "test_stream_time": "a benchmark over recorded HTTP (VCR cassettes of a hosted service)",
}
"""The standard integration tests left out, and why."""

# The standard image tests download this picture; here it comes from the repository.
_IMAGE_URL_PREFIX = "https://raw.githubusercontent.com/langchain-ai/docs/"


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    """A fake chat API on a loopback port that answers every request by the rules."""
    fake = FakeChatAPI()
    fake.reply_by(answer)
    fake.reply_embeddings(times=None, dimensions=16)
    with fake.serve() as url:
        yield url


@pytest.fixture(autouse=True)
def _local_image(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve the standard image tests' picture from here: the tests reach loopback only."""
    original = httpx.get

    def get(url: str, **kwargs: Any) -> httpx.Response:
        if url.startswith(_IMAGE_URL_PREFIX):
            return httpx.Response(200, content=_png())
        return original(url, **kwargs)

    monkeypatch.setattr("langchain_tests.integration_tests.chat_models.httpx.get", get)


@pytest.fixture(autouse=True)
def _trusted_for_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put our classes on the list LangChain's loader trusts with `allowed_objects="all"`.

    That list names LangChain's own partner packages only, and `test_serdes` loads with it;
    users load ours with `allowed_objects=[ChatYCloud]` (tests/langchain/test_chat.py).
    """
    for cls in (ChatYCloud, YCloudEmbeddings):
        path = (*cls.get_lc_namespace(), cls.__name__)
        monkeypatch.setitem(load_module.ALL_SERIALIZABLE_MAPPINGS, path, path)
    monkeypatch.setattr(load_module, "_default_class_paths_cache", {})


def _png() -> bytes:
    """A 1x1 PNG."""
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )


class TestChatYCloudUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatYCloud]:
        return ChatYCloud

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "yandexgpt", "folder_id": "b1gtest"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return {"YC_FOLDER_ID": "b1genv"}, {"model": "yandexgpt"}, {"folder_id": "b1genv"}


class TestYCloudEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[YCloudEmbeddings]:
        return YCloudEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-search-doc", "folder_id": "b1gtest"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return {"YC_FOLDER_ID": "b1genv"}, {"model": "text-search-doc"}, {"folder_id": "b1genv"}


class TestChatYCloudFake(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _served(self, request: pytest.FixtureRequest, fake_url: str) -> None:
        reason = SKIPPED.get(request.node.originalname)
        if reason:
            pytest.skip(reason)
        self.url = fake_url

    @pytest.fixture
    async def model(
        self, request: pytest.FixtureRequest, anyio_backend: str
    ) -> AsyncIterator[ChatYCloud]:
        """The suite's model, whose SDKs are closed after the test (on its event loop).

        Asking for `anyio_backend` makes anyio run the fixture for sync tests too.
        """
        params = getattr(request, "param", None) or {}
        chat = ChatYCloud(**{**self.standard_chat_model_params, **self.chat_model_params, **params})
        yield chat
        await chat.aclose()

    @property
    def chat_model_class(self) -> type[ChatYCloud]:
        return ChatYCloud

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "fake-model", "base_url": self.url, "api_key": "test"}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "other-fake-model"


class TestYCloudEmbeddingsFake(EmbeddingsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _served(self, fake_url: str) -> None:
        self.url = fake_url

    @pytest.fixture
    async def model(self, anyio_backend: str) -> AsyncIterator[YCloudEmbeddings]:
        """The suite's model, whose SDKs are closed after the test (on its event loop)."""
        embeddings = YCloudEmbeddings(**self.embedding_model_params)
        yield embeddings
        await embeddings.aclose()

    @property
    def embeddings_class(self) -> type[YCloudEmbeddings]:
        return YCloudEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "fake-embeddings", "base_url": self.url, "api_key": "test"}
