"""`model.batch()` against a hand-written gather, and the cost of limits, in one run.

    python -m bench.batch [--requests N] [--rounds R]

Against `bench.server` in its own process, rounds alternate, in a shuffled order:

- `batch`: `async for item in model.batch(rows, concurrency=64)`;
- `gather`: `asyncio.gather` of `model.run` under an `asyncio.Semaphore(64)`, as people write it;
- `gather, limits`: the same on an SDK with `Limits` that never bind (the limiter's own cost).

It prints each figure's median requests/s and the ratios, and writes bench/results/batch.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path

from bench.run import running_server
from ycloud_chat import AsyncChatSDK, Limits

CONCURRENCY = 64
RESULTS = Path(__file__).parent / "results" / "batch.md"


async def by_batch(sdk: AsyncChatSDK, count: int) -> None:
    """Run `count` rows through `model.batch`."""
    model = sdk.chat.completions("bench")
    rows = (f"row {n}" for n in range(count))
    done = 0
    async for item in model.batch(rows, concurrency=CONCURRENCY):
        assert item.error is None, item.error
        done += 1
    assert done == count


async def by_gather(sdk: AsyncChatSDK, count: int) -> None:
    """Run `count` calls of `model.run` by hand: gather under a semaphore."""
    model = sdk.chat.completions("bench")
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(n: int) -> None:
        async with semaphore:
            await model.run(f"row {n}")

    await asyncio.gather(*(one(n) for n in range(count)))


async def measure(base_url: str, count: int, rounds: int) -> dict[str, list[float]]:
    """Requests/s of each figure, one sample per round."""
    never_binding = Limits(max_in_flight=100_000, requests_per_minute=1e9)
    plain = AsyncChatSDK(base_url=base_url, max_connections=CONCURRENCY)
    limited = AsyncChatSDK(base_url=base_url, max_connections=CONCURRENCY, limits=never_binding)
    figures = {
        "batch": (by_batch, plain),
        "gather": (by_gather, plain),
        "gather, limits": (by_gather, limited),
    }
    samples: dict[str, list[float]] = {name: [] for name in figures}
    async with plain, limited:
        await by_gather(plain, 200)  # warm the pools
        await by_gather(limited, 200)
        for _ in range(rounds):
            names = list(figures)
            random.shuffle(names)
            for name in names:
                run, sdk = figures[name]
                began = time.perf_counter()
                await run(sdk, count)
                samples[name].append(count / (time.perf_counter() - began))
    return samples


def main() -> None:
    """Measure, print and write bench/results/batch.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with running_server() as base_url:
        samples = asyncio.run(measure(base_url, args.requests, args.rounds))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    lines = [
        "# model.batch and limits (bench/batch.py)",
        "",
        f"{args.requests} non-stream requests per figure at concurrency {CONCURRENCY}, "
        f"{args.rounds} rounds in shuffled order; medians of requests/s.",
        "",
        "| figure | requests/s | ratio |",
        "| --- | --- | --- |",
        f"| gather + Semaphore(64) over model.run | {medians['gather']:.0f} | 1.00 |",
        f"| model.batch(concurrency=64) | {medians['batch']:.0f} | "
        f"{medians['batch'] / medians['gather']:.2f} |",
        f"| gather, with Limits that never bind | {medians['gather, limits']:.0f} | "
        f"{medians['gather, limits'] / medians['gather']:.2f} |",
        "",
        "Per-round ratios batch/gather: "
        + ", ".join(
            f"{b / g:.2f}" for b, g in zip(samples["batch"], samples["gather"], strict=True)
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
