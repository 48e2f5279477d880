"""What the examples share: where the server is, which model to ask, a stopwatch, a tool turn."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

ENV_BASE_URL = "YCLOUD_CHAT_BASE_URL"
ENV_SDK_BASE_URL = "YC_BASE_URL"
ENV_MODEL = "YCLOUD_CHAT_MODEL"
DEFAULT_MODEL = "smollm2-135m"  # the local model of `nox -s llm` and `nox -s demo`

# One worked tool call, to open a history with: SmolLM2-135M makes a call once it has seen one
# (alone, it answers in words). The integration tests use it too.
EXAMPLE_TOOL_TURN: list[dict[str, Any]] = [
    {"role": "user", "content": "What is the weather in Paris?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_example",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_example", "content": '{"degrees": 18}'},
    {"role": "assistant", "content": "It is 18 degrees in Paris."},
]


def base_url() -> str:
    """The server's base URL: the first argument, else $YCLOUD_CHAT_BASE_URL, else $YC_BASE_URL.

    The last is the SDK's own variable, which the examples read too.
    """
    url = sys.argv[1] if len(sys.argv) > 1 else ""
    url = url or os.environ.get(ENV_BASE_URL) or os.environ.get(ENV_SDK_BASE_URL, "")
    if not url:
        sys.exit(
            f"usage: python {sys.argv[0]} BASE_URL (or set {ENV_BASE_URL} or {ENV_SDK_BASE_URL}), "
            "e.g. http://127.0.0.1:8080/v1; `nox -s llm` starts a local server"
        )
    return url


def model_name() -> str:
    """The model to ask: $YCLOUD_CHAT_MODEL, else the local SmolLM2."""
    return os.environ.get(ENV_MODEL) or DEFAULT_MODEL


@contextmanager
def timed(what: str) -> Iterator[None]:
    """Print `what` took how long, once the block is done."""
    started = time.perf_counter()
    yield
    print(f"[{what}: {time.perf_counter() - started:.2f} s]", flush=True)
