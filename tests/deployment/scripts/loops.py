"""One AsyncChatSDK, many event loops: successive `asyncio.run`, or threads with a loop each.

Usage: loops.py runs|threads BACKEND COUNT
"""

from __future__ import annotations

import asyncio
import sys
import threading

from tests.deployment.scripts.process_kit import ask_async, report
from ycloud_chat import AsyncChatModel, AsyncChatSDK


async def three(model: AsyncChatModel, tag: str) -> list[bool]:
    """Two concurrent calls and a stream, in this loop."""
    questions = [f"{tag}-a", f"{tag}-b"]
    answers = await asyncio.gather(*(ask_async(model, question) for question in questions))
    streamed = await ask_async(model, f"{tag} streamed", stream=True)
    checks = [answer == f"echo:{q}" for answer, q in zip(answers, questions, strict=True)]
    return [*checks, streamed == f"echo:{tag} streamed"]


def main(mode: str, backend: str, count: int) -> None:
    sdk = AsyncChatSDK(http_backend=backend)  # type: ignore[arg-type]
    model = sdk.chat.completions("m")
    results: list[bool] = []
    errors: list[str] = []

    def one_loop(tag: str) -> None:
        try:
            results.extend(asyncio.run(three(model, tag)))
        except Exception as error:
            errors.append(f"{tag}: {type(error).__name__}: {error}")

    if mode == "runs":
        for number in range(count):
            one_loop(f"run-{number}")
    else:
        threads = [threading.Thread(target=one_loop, args=(f"t{n}",)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    asyncio.run(sdk.aclose())
    report(loops=count, calls=len(results), right=sum(results), errors=errors[:5])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
