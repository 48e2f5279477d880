"""Integration tests ask live OpenAI-compatible servers: $YCLOUD_CHAT_LLM_URL for chat, and
$YCLOUD_CHAT_EMBEDDINGS_URL for embeddings.

`nox -s tests` and `.ci/run` start the local model (build_tools/local_llm.py), once as each
server, and set the variables. Without them these tests fail, on purpose: deselect them with
`-m "not integration"`.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from typing import Any

import pytest

ENV_LLM_URL = "YCLOUD_CHAT_LLM_URL"
ENV_EMBEDDINGS_URL = "YCLOUD_CHAT_EMBEDDINGS_URL"
MODEL = "smollm2-135m"
EMBEDDINGS_MODEL = "smollm2-135m-embeddings"
TOO_LONG = "word " * 6000
"""A prompt beyond the whole context of the local server."""
_EXAMPLES = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "_common.py"))
EXAMPLE_TOOL_TURN: list[dict[str, Any]] = _EXAMPLES["EXAMPLE_TOOL_TURN"]
"""The examples' worked tool call, which the local model copies (tools.py)."""


def _live_url(variable: str, serve: str) -> str:
    url = os.environ.get(variable, "").strip()
    if not url:
        pytest.fail(
            f"{variable} is not set: these tests need a live server. Run them with "
            "`nox -s tests` (it starts the local model), or start one with "
            f"`python build_tools/local_llm.py {serve}` and export the URL it prints; "
            "or deselect them with -m 'not integration'.",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def llm_url() -> str:
    """The live chat server's base URL, or a failure that says how to get one."""
    return _live_url(ENV_LLM_URL, "serve")


@pytest.fixture(scope="session")
def embeddings_url() -> str:
    """The live embeddings server's base URL, or a failure that says how to get one."""
    return _live_url(ENV_EMBEDDINGS_URL, "serve --embeddings")
