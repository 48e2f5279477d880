"""What the deployment scripts share: the SDK of a face and backend, and one question asked.

Every script takes its server from `YC_BASE_URL` (the environment, as a deployment does) and
prints one JSON line of counts for its test to assert on.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ycloud_chat import AsyncChatModel, AsyncChatSDK, ChatModel, ChatSDK

TIMEOUT = 10  # seconds: a call that the bugs looked for leave hanging fails, and the test ends


def make_sdk(face: str, backend: str) -> Any:
    """`ChatSDK()` for "sync", else `AsyncChatSDK(http_backend=backend)`."""
    return ChatSDK() if face == "sync" else AsyncChatSDK(http_backend=backend)  # type: ignore[arg-type]


def ask(model: ChatModel | AsyncChatModel, question: str, *, stream: bool = False) -> str:
    """The answer's text; an async model is run in a loop of its own (`asyncio.run`)."""
    if isinstance(model, AsyncChatModel):
        return asyncio.run(ask_async(model, question, stream=stream))
    if not stream:
        return model.run(question, timeout=TIMEOUT).text
    with model.run_stream(question, timeout=TIMEOUT) as chat_stream:
        for _ in chat_stream:
            pass
    assert chat_stream.result is not None
    return chat_stream.result.text


async def ask_async(model: AsyncChatModel, question: str, *, stream: bool = False) -> str:
    """The answer's text, in the running loop."""
    if not stream:
        return (await model.run(question, timeout=TIMEOUT)).text
    async with model.run_stream(question, timeout=TIMEOUT) as chat_stream:
        async for _ in chat_stream:
            pass
    assert chat_stream.result is not None
    return chat_stream.result.text


def attempt(model: ChatModel | AsyncChatModel, question: str, *, stream: bool = False) -> str:
    """The answer, or the error it raised as text (a wrong answer is what is counted)."""
    try:
        return ask(model, question, stream=stream)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def close(sdk: Any) -> None:
    """Close either face's SDK."""
    if isinstance(sdk, AsyncChatSDK):
        asyncio.run(sdk.aclose())
    else:
        sdk.close()


def report(**counts: Any) -> None:
    """The script's result, one JSON line on stdout."""
    print(json.dumps(counts), flush=True)
