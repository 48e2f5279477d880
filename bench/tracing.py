"""What tracing costs: non-stream runs with tracing off, on without a provider, and recording.

`python -m bench.tracing` starts `bench.server`, then alternates rounds of three SDKs on the
async face (asyncio, the default backend) at concurrency 1 and 128, and of the sync face at
1: tracing off (`tracing=False`: the path of an install without OpenTelemetry), the API
installed with no provider set (the default), and an OpenTelemetry SDK provider whose
exporter drops every span. It prints medians as ratios to "off" and the CPU per call.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import defaultdict
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from ycloud_chat import AsyncChatSDK, ChatSDK

from .run import Samples, Window, running_server

MESSAGES = [{"role": "user", "content": "Hello"}]
VARIANTS = ("off", "no provider", "sdk provider")


class DroppingExporter(SpanExporter):
    """Takes every span and does nothing with it."""

    def export(self, spans: Any) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def settings(variant: str) -> dict[str, Any]:
    """The SDK constructor's tracing arguments of a variant."""
    if variant == "off":
        return {"tracing": False}
    if variant == "no provider":
        return {}
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(DroppingExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return {"tracer_provider": tracer_provider, "meter_provider": meter_provider}


async def async_figure(base_url: str, variant: str, concurrency: int, samples: Samples) -> None:
    """Runs per second of one variant on the async face at `concurrency`, on a fresh SDK."""
    sdk = AsyncChatSDK(base_url=base_url, auth="k", max_retries=0, **settings(variant))
    model = sdk.chat.completions("bench")

    async def worker(count: int) -> None:
        for _ in range(count):
            await model.run(MESSAGES)

    async def batch(requests: int) -> None:
        await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))

    try:
        await batch(64 if concurrency > 1 else 8)
        requests = max(256, concurrency * 4) // concurrency * concurrency
        window = Window()
        while window.open:
            await batch(requests)
            window.units += requests
        window.record(samples, f"async c={concurrency} {variant}")
    finally:
        await sdk.aclose()


def sync_figure(base_url: str, variant: str, samples: Samples) -> None:
    """Runs per second of one variant on the sync face, one at a time."""
    with ChatSDK(base_url=base_url, auth="k", max_retries=0, **settings(variant)) as sdk:
        model = sdk.chat.completions("bench")
        for _ in range(8):
            model.run(MESSAGES)
        window = Window()
        while window.open:
            for _ in range(64):
                model.run(MESSAGES)
            window.units += 64
        window.record(samples, f"sync c=1 {variant}")


COMPLETION = {
    "id": "r1",
    "object": "chat.completion",
    "created": 1,
    "model": "bench",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}


def hot_path_figures(calls: int) -> dict[str, float]:
    """Microseconds of tracing per run, each variant: the steps a run takes, without I/O."""
    from ycloud_chat._deadline import Deadline
    from ycloud_chat._exchange import Exchange

    figures = {}
    for variant in VARIANTS:
        sdk = ChatSDK(base_url="http://127.0.0.1:9/v1", auth="k", **settings(variant))
        model = sdk.chat.completions("bench")
        body = model._body(MESSAGES, stream=False)
        result = model._parse(json.dumps(COMPLETION).encode(), Exchange(Deadline(None)))
        started = time.perf_counter()
        for _ in range(calls):
            with model._trace(body, stream=False) as call:
                call.inject({})
                call.succeeded(result)
        figures[variant] = (time.perf_counter() - started) / calls * 1e6
        sdk.close()
    return figures


def reference_figures(count: int) -> dict[str, float]:
    """Microseconds of the OpenTelemetry SDK alone: one span, one histogram record."""
    tracer = settings("sdk provider")["tracer_provider"].get_tracer("bench")
    meter_provider = settings("sdk provider")["meter_provider"]
    histogram = meter_provider.get_meter("bench").create_histogram("bench")
    attributes = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "bench"}
    started = time.perf_counter()
    for _ in range(count):
        tracer.start_span("bench", attributes=attributes).end()
    span = (time.perf_counter() - started) / count * 1e6
    started = time.perf_counter()
    for _ in range(count):
        histogram.record(0.5, attributes)
    record = (time.perf_counter() - started) / count * 1e6
    return {"otel sdk: one span": span, "otel sdk: one record": record}


def main(argv: list[str] | None = None) -> None:
    """Measure every variant in alternating rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--hot-path-only", action="store_true")
    options = parser.parse_args(argv)
    rounds = [{**hot_path_figures(20_000), **reference_figures(5_000)} for _ in range(5)]
    print(f"{'hot path (no I/O)':<28}{'µs/call':>10}")
    for name in rounds[0]:
        print(f"{name:<28}{statistics.median(r[name] for r in rounds):>10.2f}")
    if options.hot_path_only:
        return
    samples: Samples = defaultdict(list)
    with running_server() as base_url:
        for number in range(options.rounds):
            order = list(VARIANTS)
            random.Random(number).shuffle(order)
            for variant in order:
                for concurrency in (1, 128):
                    asyncio.run(async_figure(base_url, variant, concurrency, samples))
                sync_figure(base_url, variant, samples)
            time.sleep(0.1)
    print(f"{'figure':<28}{'req/s':>10}{'ratio':>8}{'CPU µs/call':>14}{'+µs':>8}")
    for figure in ("async c=1", "async c=128", "sync c=1"):
        base = statistics.median(samples[f"{figure} off"])
        base_cpu = statistics.median(samples[f"{figure} off cpu"])
        for variant in VARIANTS:
            rate = statistics.median(samples[f"{figure} {variant}"])
            cpu = statistics.median(samples[f"{figure} {variant} cpu"])
            print(
                f"{figure + ' ' + variant:<28}{rate:>10.0f}{rate / base:>8.3f}"
                f"{cpu:>14.1f}{cpu - base_cpu:>8.1f}"
            )


if __name__ == "__main__":
    main()
