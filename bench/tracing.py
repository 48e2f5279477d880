"""What tracing costs: non-stream runs with tracing off, on without a provider, and recording.

`python -m bench.tracing` times the tracing steps of a run without I/O, then starts
`bench.server` and compares, on the async face (asyncio, the default backend) at
concurrency 1 and 128 and on the sync face, tracing off (`tracing=False`, the path of an
install without OpenTelemetry) with each of: the API installed with no provider set (the
default), and an OpenTelemetry SDK provider whose exporter drops every span. The batches
are short and interleaved, so that the machine's drifting load falls on both alike; it
prints the req/s over all batches and their ratio, the median of the rounds' ratios, and
the median CPU a call adds to "off".
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

from .run import Samples, running_server

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


class Variants:
    """One SDK per variant, all live at once, so that their batches can alternate."""

    def __init__(self, sdk_class: Any, base_url: str, names: tuple[str, ...]) -> None:
        self.names = names
        self.providers = settings("sdk provider")
        self.sdks = {
            variant: sdk_class(
                base_url=base_url,
                auth="k",
                max_retries=0,
                **(self.providers if variant == "sdk provider" else settings(variant)),
            )
            for variant in names
        }
        self.models = {variant: sdk.chat.completions("bench") for variant, sdk in self.sdks.items()}

    def shutdown(self) -> None:
        """Stop the OpenTelemetry SDK's worker thread."""
        self.providers["tracer_provider"].shutdown()
        self.providers["meter_provider"].shutdown()


def record(samples: Samples, figure: str, rounds: dict[str, tuple[int, float, float]]) -> None:
    """Each variant's batch in one round (calls, wall and CPU seconds), and its ratio to "off"."""
    count, wall, cpu = rounds["off"]
    base_rate, base_cpu = count / wall, cpu / count
    for variant, (count, wall, cpu) in rounds.items():
        key = f"{figure} {variant}"
        samples[key + " calls"].append(count)
        samples[key + " wall"].append(wall)
        samples[key + " ratio"].append(count / wall / base_rate)
        samples[key + " +cpu"].append((cpu / count - base_cpu) * 1e6)


async def async_figures(
    base_url: str, names: tuple[str, ...], concurrency: int, rounds: int, samples: Samples
) -> None:
    """Alternating batches of some variants on the async face at `concurrency`."""
    variants = Variants(AsyncChatSDK, base_url, names)
    requests = 32 if concurrency == 1 else concurrency * 2

    async def batch(model: Any, count: int) -> tuple[int, float, float]:
        async def worker() -> None:
            for _ in range(count // concurrency):
                await model.run(MESSAGES)

        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count, time.perf_counter() - wall, time.process_time() - cpu

    try:
        for model in variants.models.values():
            await batch(model, concurrency * 2)  # warm up: connections, first imports
        for number in range(rounds):
            order = list(names)
            random.Random(number).shuffle(order)
            figures = {
                variant: await batch(variants.models[variant], requests) for variant in order
            }
            record(samples, f"async c={concurrency} vs {names[1]}", figures)
    finally:
        for sdk in variants.sdks.values():
            await sdk.aclose()
        variants.shutdown()


def sync_figures(base_url: str, names: tuple[str, ...], rounds: int, samples: Samples) -> None:
    """Alternating batches of some variants on the sync face, one call at a time."""
    variants = Variants(ChatSDK, base_url, names)

    def batch(model: Any, count: int) -> tuple[int, float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            model.run(MESSAGES)
        return count, time.perf_counter() - wall, time.process_time() - cpu

    try:
        for model in variants.models.values():
            batch(model, 4)
        for number in range(rounds):
            order = list(names)
            random.Random(number).shuffle(order)
            figures = {variant: batch(variants.models[variant], 32) for variant in order}
            record(samples, f"sync c=1 vs {names[1]}", figures)
    finally:
        for sdk in variants.sdks.values():
            sdk.close()
        variants.shutdown()


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
    parser.add_argument("--rounds", type=int, default=150, help="of 32 calls (c=128: 256)")
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
        # Two comparisons, each against "off": the recording SDK's worker thread and garbage
        # would otherwise fall on the batches that follow its own.
        for names in (("off", "no provider"), ("off", "sdk provider")):
            asyncio.run(async_figures(base_url, names, 1, options.rounds, samples))
            asyncio.run(async_figures(base_url, names, 128, options.rounds // 3, samples))
            sync_figures(base_url, names, options.rounds, samples)
    print(f"{'figure':<30}{'off req/s':>10}{'req/s':>8}{'ratio':>8}{'median':>8}{'+CPU µs':>9}")
    for figure in ("async c=1", "async c=128", "sync c=1"):
        for other in VARIANTS[1:]:
            phase = f"{figure} vs {other}"
            base = sum(samples[f"{phase} off calls"]) / sum(samples[f"{phase} off wall"])
            key = f"{phase} {other}"
            rate = sum(samples[key + " calls"]) / sum(samples[key + " wall"])
            ratio = statistics.median(samples[key + " ratio"])
            cpu = statistics.median(samples[key + " +cpu"])
            print(
                f"{figure + ' ' + other:<30}{base:>10.0f}{rate:>8.0f}{rate / base:>8.3f}"
                f"{ratio:>8.3f}{cpu:>9.1f}"
            )


if __name__ == "__main__":
    main()
