"""LangChain's standard chat suite against the local model ($YCLOUD_CHAT_LLM_URL).

A 135M-parameter model answers, streams, counts tokens and stops where it is told; the
tests that need it to reason (call the right tool with the right arguments, tell a joke in
a schema's words) are skipped, each with the reason in `BEYOND_THE_MODEL`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from tests.integration.conftest import MODEL
from ycloud_chat.langchain import ChatYCloud

pytestmark = [pytest.mark.slow, pytest.mark.integration]

BEYOND_THE_MODEL: dict[str, str] = {}
"""The standard tests the local model cannot pass, and why."""

UNSUPPORTED = {
    "test_pdf_inputs": "the chat API takes text and images, no files",
    "test_pdf_tool_message": "the chat API takes text and images, no files",
    "test_audio_inputs": "the chat API takes no audio",
    "test_image_tool_message": "the chat API takes images in user messages only",
    "test_stream_time": "a benchmark over recorded HTTP (VCR cassettes of a hosted service)",
}


class TestChatYCloudLocalModel(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _live(self, request: pytest.FixtureRequest, llm_url: str) -> None:
        reason = BEYOND_THE_MODEL.get(request.node.originalname)
        if reason:
            pytest.skip(reason)
        self.url = llm_url

    @pytest.fixture
    async def model(
        self, request: pytest.FixtureRequest, anyio_backend: str
    ) -> AsyncIterator[ChatYCloud]:
        """The suite's model, whose SDKs are closed after the test (on its event loop)."""
        params = getattr(request, "param", None) or {}
        chat = ChatYCloud(**{**self.standard_chat_model_params, **self.chat_model_params, **params})
        yield chat
        await chat.aclose()

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        """Short answers, so that the suite stays quick on two cores."""
        return {**super().standard_chat_model_params, "max_tokens": 24}

    @property
    def chat_model_class(self) -> type[ChatYCloud]:
        return ChatYCloud

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": MODEL, "base_url": self.url}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return False
