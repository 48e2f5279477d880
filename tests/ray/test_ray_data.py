"""Chat over Ray Data against a loopback fake, on a cluster of two CPUs with four actors.

One job of 4,000 rows (examples/ray_data.py's, Parquet in and out, a 429 half-way) is checked
for every row once and a row answered 400 failing alone; a second job, run as a driver of its
own with Ray Data's checkpoints, holds 40 requests a second for the cluster at the server,
pauses every actor for a 429, is killed half-way and run again.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tests.ratefake import RateFake, most_in_window
from tests.ray.conftest import reset
from tests.ray.jobs import example_job, read_answers, write_prompts

pytestmark = [
    pytest.mark.slow,
    # Ray warns of its own deprecations, and of actors a small job leaves idle.
    pytest.mark.filterwarnings(r"ignore:::ray(\..*)?"),
]

ROOT = Path(__file__).parents[2]
ROWS = 4_000
BAD_ROW = 1_234
THROTTLED_ARRIVAL = 2_000
ACTORS = 4
BATCH = 64  # chat()'s batch_size
THROTTLED_AT_40 = 200  # the arrival answered 429 in the job held to 40 requests a second


@dataclass
class Run:
    answers: pa.Table
    arrivals: list[tuple[float, str, int]]
    answered_429: list[float]
    seconds: float


@pytest.fixture(scope="module")
def big_run(fake: RateFake, tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("big")
    write_prompts(folder / "prompts", ROWS, bad=(BAD_ROW,))
    reset(fake, throttle_arrivals={THROTTLED_ARRIVAL})
    started = time.monotonic()
    example_job()(
        str(folder / "prompts"), str(folder / "answers"), requests_per_minute=600_000, blocks=32
    )
    seconds = time.monotonic() - started
    answers = read_answers(folder / "answers")
    return Run(answers, list(fake.arrivals), list(fake.answered_429), seconds)


def test_every_row_goes_from_parquet_to_parquet_once(big_run: Run) -> None:
    ids = big_run.answers.column("id").to_pylist()
    assert sorted(ids) == list(range(ROWS))
    texts = dict(zip(ids, big_run.answers.column("text").to_pylist(), strict=True))
    assert texts[7] == "echo row 7"
    assert set(big_run.answers.column("finish_reason").to_pylist()) == {"stop", None}
    starts = sorted(when for when, _, _ in big_run.arrivals)
    rate = len(starts) / (starts[-1] - starts[0])
    print(
        f"\n{ROWS} rows in {big_run.seconds:.1f}s: {len(starts)} requests,"
        f" {rate:.0f}/s at the server from the first to the last"
    )


def test_a_row_answered_400_fails_alone(big_run: Run) -> None:
    rows = big_run.answers.select(["id", "error", "text"]).to_pylist()
    failed = {row["id"]: row["error"] for row in rows if row["error"] is not None}
    assert list(failed) == [BAD_ROW]
    assert failed[BAD_ROW].startswith("BadRequestError: bad row")
    assert all(row["text"] for row in rows if row["id"] != BAD_ROW)


def test_the_processors_on_the_driver(fake: RateFake) -> None:
    """The processors as `map_batches` calls them: a pyarrow batch or a dict of arrays."""
    import numpy as np

    from ycloud_chat import Limits
    from ycloud_chat.ray import ChatProcessor, ClusterLimits, EmbeddingsProcessor

    reset(fake)
    limits = ClusterLimits(Limits(max_in_flight=3))
    texts = ["one", "two", "status400 three"]
    embed = EmbeddingsProcessor(
        "emb://b1g-ray/text-search-doc/latest", limits=limits, texts_per_request=1
    )
    chat = ChatProcessor("yandexgpt", column="prompt", config={"temperature": 0.1}, limits=limits)

    async def run() -> tuple[pa.Table, dict[str, Any]]:
        try:
            table = await embed(pa.table({"text": texts}))
            out = await chat({"prompt": np.array(["hello", "status400"], dtype=object)})
        finally:
            await embed.aclose()
            await chat.aclose()
        return table, out

    table, out = asyncio.run(run())
    assert table.column("vector").to_pylist() == [[3.0, 0.5], [3.0, 0.5], None]
    errors = table.column("error").to_pylist()
    assert errors[:2] == [None, None]
    assert errors[2].startswith("BadRequestError")
    assert list(out["text"]) == ["echo hello", None]
    assert list(out["output_tokens"]) == [5, None]
    wait_for_releases(limits, 0)


def test_a_grant_that_comes_late_is_given_back(fake: RateFake) -> None:
    """A grant held up on its way (here by the limits' actor) is given back and asked again.

    After LATE_GRANTS_GIVEN_BACK late ones in a row the next is taken however late.
    """
    import ray

    from ycloud_chat import Limits
    from ycloud_chat.ray import (
        LATE_GRANT_SECONDS,
        LATE_GRANTS_GIVEN_BACK,
        ClusterLimits,
        _ClusterLimiter,
        _LimitsActor,
    )

    class Stalling(_LimitsActor):
        stall = 0.0

        async def _take(self, tokens: int, remaining: float | None) -> Any:
            taken = await super()._take(tokens, remaining)
            await asyncio.sleep(self.stall)  # its start has come: the grant goes out late
            return taken

        async def hold_grants(self, seconds: float) -> int:
            self.stall = seconds
            return self._issued

    cluster = ClusterLimits(Limits(requests_per_minute=6_000))
    cluster.actor = ray.remote(Stalling).options(num_cpus=0).remote(cluster.limits)
    limiter = _ClusterLimiter(cluster)

    def grants_for_one_call(stall: float) -> int:
        issued = int(ray.get(cluster.actor.hold_grants.remote(stall)))
        ticket = asyncio.run(limiter.async_grant(1, None))
        assert ticket is not None
        wait_for_releases(cluster, 1)
        limiter.release(ticket)
        wait_for_releases(cluster, 0)
        return int(ray.get(cluster.actor.hold_grants.remote(0.0))) - issued

    assert grants_for_one_call(0.0) == 1
    assert grants_for_one_call(LATE_GRANT_SECONDS + 0.1) == LATE_GRANTS_GIVEN_BACK + 1


def wait_for_releases(limits: Any, in_flight: int) -> None:
    """Places are given back fire-and-forget, handled by the actor in no set order."""
    deadline = time.monotonic() + 30
    while limits.in_flight() != in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    assert limits.in_flight() == in_flight


def test_limits_hold_for_the_cluster_and_a_killed_job_resumes(
    fake: RateFake, tmp_path: Path
) -> None:
    import ray

    rows, rate = 800, 40
    write_prompts(tmp_path / "prompts", rows)
    settings = {
        "input": str(tmp_path / "prompts"),
        "output": str(tmp_path / "answers"),
        "checkpoint": str(tmp_path / "checkpoint"),
        "rpm": rate * 60,
        "blocks": rows // BATCH,  # each written as it is answered
    }
    env = {name: value for name, value in os.environ.items() if name != "RAY_ADDRESS"}
    reset(fake, throttle_arrivals={THROTTLED_AT_40})
    # The first run joins the session's cluster; the run again needs more logical CPUs, and
    # so a Ray of its own (see tests/ray/jobs.py).
    address = ray.get_runtime_context().gcs_address
    first_run = [*_job_command(settings), address]
    job = subprocess.Popen(first_run, cwd=ROOT, start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 180
        while read_answers(tmp_path / "answers").num_rows < rows // 2:
            assert job.poll() is None, "the job ended before it was killed"
            assert time.monotonic() < deadline, "the job wrote too little"
            time.sleep(0.2)
        assert job.poll() is None, "the job ended before it was killed"
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    _wait_until_quiet(fake)  # the killed driver's actors end a moment after it
    first = list(fake.arrivals)
    assert_paused(first, list(fake.answered_429), rate)
    written = set(read_answers(tmp_path / "answers").column("id").to_pylist())

    reset(fake)
    subprocess.run(_job_command(settings), cwd=ROOT, check=True, timeout=180, env=env)
    second = list(fake.arrivals)

    ids = read_answers(tmp_path / "answers").column("id").to_pylist()
    assert sorted(ids) == list(range(rows))
    resent = [text for _, text, _ in second if _row(text) in written]
    print(
        f"\nkilled with {len(written)} rows written; run again: {len(second)} requests,"
        f" {len(resent)} of written rows"
    )
    assert len(second) <= rows - len(written) + ACTORS * BATCH
    for arrivals in (first, second):
        starts = sorted(when for when, _, _ in arrivals)
        window = most_in_window(starts, 1.0)
        span = starts[-1] - starts[0]
        print(f"{len(starts)} requests in {span:.1f}s: at most {window} in 1 s")
        assert window <= 2 * rate
        assert len(starts) <= rate * span + rate


def assert_paused(arrivals: list[tuple[float, str, int]], answered: list[float], rate: int) -> None:
    """After the 429 nothing starts for 0.9 s but the calls granted before the pause landed.

    Those are the grants on their way back from the limits' actor when the pause reached it:
    a tenth of a second's worth at most, one or two per actor.
    """
    (throttled,) = answered
    later = sorted(when for when, _, _ in arrivals if when > throttled)
    granted_before = [when for when in later if when < throttled + 0.9]
    gap = later[len(granted_before)] - max([throttled, *granted_before])
    print(
        f"\nafter the 429: {[round(when - throttled, 3) for when in granted_before]} (s), "
        f"then nothing for {gap:.2f}s"
    )
    assert len(granted_before) <= max(ACTORS, rate // 10)
    assert all(when < throttled + 0.3 for when in granted_before)  # then none until 0.9 s


def _job_command(settings: dict[str, Any]) -> list[str]:
    return [sys.executable, "-m", "tests.ray.jobs", json.dumps(settings)]


def _wait_until_quiet(fake: RateFake, seconds: float = 2.0) -> None:
    """Wait until no request has come for `seconds` (at most 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        last = fake.arrivals[-1][0] if fake.arrivals else 0.0
        if time.monotonic() - last >= seconds:
            return
        time.sleep(0.1)


def _row(text: str) -> int:
    match = re.search(r"row (\d+)", text)
    assert match is not None
    return int(match[1])
