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

from .test_standard import SKIPPED

pytestmark = [pytest.mark.slow, pytest.mark.integration]

_NO_FORCED_CALL = (
    "llama-server does not force a tool call for tool_choice, and the 135M model answers in "
    "words instead of calling the tool"
)
_LEAVES_OUT_FIELDS = (
    "the 135M model leaves required fields out of its JSON (a Joke with no punchline), "
    "which pydantic then refuses"
)
BEYOND_THE_MODEL = {
    "test_tool_calling": _NO_FORCED_CALL,
    "test_tool_calling_async": _NO_FORCED_CALL,
    "test_bind_runnables_as_tools": _NO_FORCED_CALL,
    "test_tool_choice": _NO_FORCED_CALL,
    "test_tool_calling_with_no_arguments": _NO_FORCED_CALL,
    "test_agent_loop": _NO_FORCED_CALL,
    "test_unicode_tool_call_integration": _NO_FORCED_CALL,
    "test_structured_output[pydantic]": _LEAVES_OUT_FIELDS,
    "test_structured_output_async[pydantic]": _LEAVES_OUT_FIELDS,
    "test_structured_output_pydantic_2_v1": _LEAVES_OUT_FIELDS,
    "test_structured_output_optional_param": _LEAVES_OUT_FIELDS,
    "test_json_mode": _LEAVES_OUT_FIELDS,
}
"""The standard tests the local model cannot pass, and why (by name, or name[parameters])."""

UNSUPPORTED = SKIPPED
"""Skipped as against the fake: what the chat API does not take."""


class TestChatYCloudLocalModel(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _live(self, request: pytest.FixtureRequest, llm_url: str) -> None:
        name = request.node.originalname
        reason = (
            UNSUPPORTED.get(name)
            or BEYOND_THE_MODEL.get(name)
            or BEYOND_THE_MODEL.get(request.node.name)
        )
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
        return {**super().standard_chat_model_params, "max_tokens": 16}

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
