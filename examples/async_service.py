"""An async service answering several requests at once over one pooled SDK.

    python examples/async_service.py http://127.0.0.1:8080/v1

One `AsyncChatSDK` is shared by every task (as a web service would share it between
handlers); the requests run concurrently, so the whole batch takes about as long as the
server needs for its parallel slots, not the sum of the requests.
"""

from __future__ import annotations

import asyncio
import time

from _common import base_url, model_name, timed

from ycloud_chat import AsyncChatModel, AsyncChatSDK

QUESTIONS = [
    "Name a fruit that is yellow.",
    "What is the capital of France?",
    "Give one word that rhymes with cat.",
    "What colour is the sky on a clear day?",
    "How many legs does a spider have?",
    "What do bees make?",
]


async def handle(model: AsyncChatModel, number: int, question: str) -> float:
    """Answer one request as a service handler would; return how long it took."""
    started = time.perf_counter()
    result = await model.run(question)
    elapsed = time.perf_counter() - started
    print(f"  request {number} ({elapsed:.2f} s): {question} -> {result.text.strip()[:60]!r}")
    return elapsed


async def main() -> None:
    """Handle every question concurrently and compare the wall time with the summed time."""
    async with AsyncChatSDK(base_url=base_url()) as sdk:
        model = sdk.chat.completions(model_name()).configure(temperature=0, max_tokens=30)
        print(f"handling {len(QUESTIONS)} requests concurrently")
        started = time.perf_counter()
        durations = await asyncio.gather(
            *(handle(model, number, question) for number, question in enumerate(QUESTIONS, 1))
        )
        wall = time.perf_counter() - started
        print(f"wall time {wall:.2f} s for {sum(durations):.2f} s of requests")


if __name__ == "__main__":
    with timed("async_service.py"):
        asyncio.run(main())
