"""The benchmark: alternating rounds of every client against the loopback server, then a report.

`python -m bench.run` (or `nox -s bench`) starts `bench.server` in its own process, measures
in one run, and writes `bench/results/results.{json,md,png}`. Every figure is a median over
rounds; the table gives ratios to raw httpx measured in the same run, because the machine is
shared and absolute times drift.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import clients
from .report import write_report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
CONCURRENCY = (1, 8, 32, 128, 512)
# Every async client gets the same pool: 100 connections, the default of ycloud_chat, httpx
# and aiohttp. At 512 in flight the requests beyond it wait for a connection.
CONNECTIONS = 100
STREAM_CHUNKS = 10_000
# The stream figures: (figure, the server's answer, what the loop reads of each chunk). The
# raw clients and openai take each event's new content in every figure; ycloud_chat reads
# `delta`, or in "text read" the cumulative `text`, as a UI re-rendering the answer does.
STREAM_FIGURES = (
    ("text", "text", "delta"),
    ("text read", "text", "text"),
    ("tools", "tools", "delta"),
)
# The many-streams memory test: the raw clients, both backends of ours, openai.
MEMORY_NAMES = ("httpx", "aiohttp", "ycloud_chat", "ycloud_chat httpx", "openai")

_STREAM_READS = {figure: (kind, read) for figure, kind, read in STREAM_FIGURES}

Samples = dict[str, list[float]]


def expected_count(name: str, kind: str) -> int:
    """What a client's loop counts on a stream: every event, for the baseline and openai.

    ycloud_chat gives a result only for a chunk that brings news: not for the role-only chunk,
    nor for each piece of a tool call's arguments (the call is shown whole when it finishes).
    """
    if not name.startswith("ycloud_chat"):
        return STREAM_CHUNKS + 3
    return STREAM_CHUNKS + 2 if kind == "text" else 2


@contextmanager
def running_server() -> Iterator[str]:
    """Start the server in its own process (its own CPU and GIL) and yield its base URL."""
    with tempfile.TemporaryDirectory() as folder:
        port_file = os.path.join(folder, "port")
        process = subprocess.Popen([sys.executable, "-m", "bench.server", port_file], cwd=ROOT)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(port_file):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the benchmark server did not start")
                time.sleep(0.02)
            with open(port_file) as file:
                yield f"http://127.0.0.1:{file.read()}/v1"
        finally:
            process.terminate()
            process.wait(10)


@contextmanager
def measured(samples: Samples, key: str, units: int) -> Iterator[None]:
    """Record units/s (wall) under `key` and CPU µs per unit under `key + ' cpu'`."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    samples[key].append(units / wall)
    samples[key + " cpu"].append(cpu / units * 1e6)


# Each non-stream figure repeats its batch of requests for at least this long: a batch of the
# fastest clients is over in a few tens of milliseconds, too short to measure on a busy machine.
MIN_SECONDS = 0.5


class Window:
    """A measurement over repeated batches: the units done, and the wall and CPU time taken."""

    def __init__(self) -> None:
        self.units = 0
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    @property
    def open(self) -> bool:
        """True while the window is shorter than `MIN_SECONDS`."""
        return time.perf_counter() - self.wall < MIN_SECONDS

    def record(self, samples: Samples, key: str) -> None:
        """Record units/s (wall) under `key` and CPU µs per unit under `key + ' cpu'`."""
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        samples[key].append(self.units / wall)
        samples[key + " cpu"].append(cpu / self.units * 1e6)


def _shuffled(names: Any, round_number: int) -> list[str]:
    """The clients in another order each round, so that no client always runs first or last."""
    order = list(names)
    random.Random(round_number).shuffle(order)
    return order


def sync_round(base_url: str, samples: Samples, requests: int, round_number: int) -> None:
    """Sequential non-stream requests, then the two streams, each figure on every sync client."""
    made = {name: clients.SYNC[name](base_url) for name in clients.SYNC}
    try:
        for name in _shuffled(made, round_number):
            client = made[name]
            for _ in range(10):
                client.run()
            window = Window()
            while window.open:
                for _ in range(requests):
                    client.run()
                window.units += requests
            window.record(samples, f"sync run {name}")
        for figure, kind, read in STREAM_FIGURES:
            for name in _shuffled(made, round_number):
                with measured(samples, f"sync stream {figure} {name}", STREAM_CHUNKS + 3):
                    count = made[name].stream(f"{kind}-{STREAM_CHUNKS}", read)
                assert count == expected_count(name, kind), (name, kind, count)
    finally:
        for client in made.values():
            client.close()


async def _async_runs(client: Any, concurrency: int, requests: int) -> None:
    async def worker(count: int) -> None:
        for _ in range(count):
            await client.run()

    await asyncio.gather(*(worker(requests // concurrency) for _ in range(concurrency)))


async def _async_figure(
    base_url: str, name: str, samples: Samples, figure: str, concurrency: int, requests: int
) -> None:
    """One figure of one async client ("run" or a stream figure), on a fresh client."""
    client = clients.ASYNC[name](base_url, max_connections=CONNECTIONS)
    try:
        await _async_runs(client, 8, 64)  # warm up: connections, imports, first schemas
        if figure == "run":
            batch = max(requests, concurrency * 4) // concurrency * concurrency
            window = Window()
            while window.open:
                await _async_runs(client, concurrency, batch)
                window.units += batch
            window.record(samples, f"async run c={concurrency} {name}")
        else:
            kind, read = _STREAM_READS[figure]
            await client.stream(f"{kind}-100", read)
            with measured(samples, f"async stream {figure} {name}", STREAM_CHUNKS + 3):
                count = await client.stream(f"{kind}-{STREAM_CHUNKS}", read)
            assert count == expected_count(name, kind), (name, kind, count)
    finally:
        await client.close()


def async_round(base_url: str, samples: Samples, requests: int, round_number: int) -> None:
    """Async throughput at every concurrency, then the two streams, each on every async client.

    The clients take turns figure by figure, so a burst of load on the shared machine falls
    on all of them rather than on one.
    """
    figures = [("run", concurrency) for concurrency in CONCURRENCY]
    figures += [(figure, 0) for figure, _, _ in STREAM_FIGURES]
    for figure, concurrency in figures:
        for name in _shuffled(clients.ASYNC, round_number):
            asyncio.run(_async_figure(base_url, name, samples, figure, concurrency, requests))


IMPORTS = {
    "python": "pass",
    "httpx": "import httpx",
    "httpx+pydantic": "import httpx, pydantic",
    "import ycloud_chat": "import ycloud_chat",
    "from ycloud_chat import ChatSDK": "from ycloud_chat import ChatSDK",
    "from ycloud_chat import AsyncChatSDK": "from ycloud_chat import AsyncChatSDK",
    "aiohttp": "import aiohttp",
    # What a serverless function's cold start pays before its first request goes out.
    "ChatSDK, a first model and request": (
        "from ycloud_chat import ChatSDK; "
        "ChatSDK(base_url='http://127.0.0.1:9/v1').chat.completions('m')"
        "._body(['Hello'], stream=False)"
    ),
    "openai": "import openai",
}

_IMPORT_PROBE = """
import time
started, cpu = time.perf_counter(), time.process_time()
{statement}
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
import json, sys
rss = hwm = 0
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
print(json.dumps({{"ms": elapsed * 1000, "cpu_ms": cpu * 1000, "rss_kb": rss, "faces": sorted(
    name for name in ("ycloud_chat._sync.client", "ycloud_chat._async.client", "httpx",
                      "pydantic", "anyio", "aiohttp") if name in sys.modules)}}))
"""


def _importtime_ms(statement: str, environment: dict[str, str]) -> float:
    """The summed top-level cumulative time `python -X importtime` reports, in ms."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    total = 0
    for line in result.stderr.splitlines():
        parts = line.split("|")
        top_level = len(parts) == 3 and not parts[2].startswith("  ")
        if top_level and parts[1].strip().isdigit():
            total += int(parts[1])
    return total / 1000


def _compiled_environment(folder: str) -> dict[str, str]:
    """The environment of the probes: bytecode cached in `folder`, as an installed package has it.

    Without it (PYTHONDONTWRITEBYTECODE, or a read-only tree) every import compiles its
    sources again, which no installed program pays.
    """
    environment = {**os.environ, "PYTHONPYCACHEPREFIX": folder}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def import_figures(repeats: int) -> dict[str, Any]:
    """Import wall time, -X importtime and RSS of each statement, in fresh interpreters."""
    samples: Samples = defaultdict(list)
    modules: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        environment = _compiled_environment(folder)
        for statement in IMPORTS.values():  # compile once, untimed
            subprocess.run([sys.executable, "-c", statement], env=environment, check=True)
        for _ in range(repeats):
            for label, statement in IMPORTS.items():
                probe = _IMPORT_PROBE.format(statement=statement)
                output = subprocess.run(
                    [sys.executable, "-c", probe],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=environment,
                ).stdout
                data = json.loads(output)
                samples[f"import ms {label}"].append(data["ms"])
                samples[f"import cpu ms {label}"].append(data["cpu_ms"])
                samples[f"import rss MB {label}"].append(data["rss_kb"] / 1024)
                samples[f"importtime ms {label}"].append(_importtime_ms(statement, environment))
                modules[label] = data["faces"]
            samples["cli help ms"].append(_cli_help_ms(environment))
    return {"samples": samples, "modules": modules}


def _cli_help_ms(environment: dict[str, str]) -> float:
    """Wall time of `ycloud-chat --help`, the whole process, in ms."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ycloud_chat", "--help"],
        capture_output=True,
        check=True,
        env=environment,
    )
    return (time.perf_counter() - started) * 1000


_MANY_STREAMS = """
import asyncio, json, sys
from bench import clients

def rss_mb():
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

async def main(name, base_url, streams, chunks):
    client = clients.ASYNC[name](base_url, max_connections=streams)
    marks = {{}}
    iterators = [client.open_stream(f"text-{{chunks}}") for _ in range(streams)]
    async def advance(iterator, count):
        for _ in range(count):
            await iterator.__anext__()
    # Open every stream and read a few chunks of each, then read on in lockstep.
    await asyncio.gather(*(advance(it, 3) for it in iterators))
    marks["open"] = rss_mb()[0]
    read = 3
    for step in (chunks // 4, chunks // 2, chunks - 3):
        await asyncio.gather(*(advance(it, step - read) for it in iterators))
        read = step
        marks[f"after {{step}} chunks"] = rss_mb()[0]
    for iterator in iterators:
        await iterator.aclose()
    await client.close()
    marks["peak"] = rss_mb()[1]
    print(json.dumps(marks))

asyncio.run(main({name!r}, {base_url!r}, {streams}, {chunks}))
"""


def many_streams(base_url: str, streams: int, chunks: int) -> dict[str, dict[str, float]]:
    """RSS of a process holding `streams` open streams, as they are read chunk by chunk."""
    figures = {}
    for name in MEMORY_NAMES:
        script = _MANY_STREAMS.format(name=name, base_url=base_url, streams=streams, chunks=chunks)
        output = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        figures[name] = json.loads(output)
    return figures


def main(argv: list[str] | None = None) -> None:
    """Run every round, then write the report under bench/results/."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=400, help="non-stream calls per figure")
    parser.add_argument("--import-repeats", type=int, default=7)
    parser.add_argument("--streams", type=int, default=1000, help="concurrent open streams")
    parser.add_argument("--stream-chunks", type=int, default=200, help="chunks of each of them")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    started = time.monotonic()
    samples: Samples = defaultdict(list)
    with running_server() as base_url:
        for round_number in range(args.rounds):
            gc.collect()
            sync_round(base_url, samples, args.requests, round_number)
            async_round(base_url, samples, args.requests, round_number)
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
        memory = many_streams(base_url, args.streams, args.stream_chunks)
    imports = import_figures(args.import_repeats)
    samples.update(imports["samples"])
    run = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}",
        "python": platform.python_version(),
        "versions": _versions(),
        "rounds": args.rounds,
        "seconds": round(time.monotonic() - started, 1),
        "streams": {"count": args.streams, "chunks": args.stream_chunks, "rss_mb": memory},
        "modules after import": imports["modules"],
    }
    write_report(samples, run, args.out)


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ("httpx", "aiohttp", "pydantic", "openai", "ycloud-chat")
    return {name: version(name) for name in names}


if __name__ == "__main__":
    main()
