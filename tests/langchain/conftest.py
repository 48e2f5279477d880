"""The LangChain suites: LangChain's own standard tests and ours, run by `nox -s slow`.

They need langchain-core and langchain-tests (the `slow` dependency group); where those are
not installed (the quick suite's environment), nothing here is collected. The standard
async tests run on asyncio only: LangChain's async code is asyncio code.
"""

from __future__ import annotations

import importlib.util

import pytest

collect_ignore_glob = (
    ["test_*.py"]
    if importlib.util.find_spec("langchain_tests") is None
    or importlib.util.find_spec("langchain_core") is None
    else []
)


@pytest.fixture
def anyio_backend() -> str:
    """LangChain runs on asyncio."""
    return "asyncio"


@pytest.fixture(scope="session")
def llm_url() -> str:
    """The live chat server's base URL ($YCLOUD_CHAT_LLM_URL), as the integration tests take it."""
    from tests.integration.conftest import ENV_LLM_URL, _live_url

    return _live_url(ENV_LLM_URL, "serve")
