"""Integration tests ask a live OpenAI-compatible server: its URL is $YCLOUD_CHAT_LLM_URL.

`nox -s tests` and `.ci/run` start the local model (build_tools/local_llm.py) and set the
variable. Without it these tests fail, on purpose: deselect them with `-m "not integration"`.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from typing import Any

import pytest

ENV_LLM_URL = "YCLOUD_CHAT_LLM_URL"
MODEL = "smollm2-135m"
TOO_LONG = "word " * 6000
"""A prompt beyond the whole context of the local server."""
_EXAMPLES = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "_common.py"))
EXAMPLE_TOOL_TURN: list[dict[str, Any]] = _EXAMPLES["EXAMPLE_TOOL_TURN"]
"""The examples' worked tool call, which the local model copies (tools.py)."""


@pytest.fixture(scope="session")
def llm_url() -> str:
    """The live server's base URL, or a failure that says how to get one."""
    url = os.environ.get(ENV_LLM_URL, "").strip()
    if not url:
        pytest.fail(
            f"{ENV_LLM_URL} is not set: these tests need a live server. Run them with "
            "`nox -s tests` (it starts the local model), or start one with "
            "`python build_tools/local_llm.py serve` and export the URL it prints; "
            "or deselect them with -m 'not integration'.",
            pytrace=False,
        )
    return url
