"""One sync `ChatSDK` shared by 32 threads (a threaded web server) over real sockets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.server import (
    TALLY,
    FaultServer,
    checked_out,
    echo,
    fail_first_attempt,
    status,
)
from ycloud_chat import ChatSDK

THREADS = 32
CALLS = 8


pytestmark = pytest.mark.usefixtures("fast_retries", "http_backend")


def work(sdk: ChatSDK, worker: int) -> list[tuple[str, str]]:
    """Each thread runs and streams its own prompts; returns (asked, answered) pairs."""
    model = sdk.chat.completions("m")
    pairs = []
    for call in range(CALLS):
        prompt = f"thread {worker} call {call}"
        if call % 2:
            with model.run_stream(prompt, timeout=10) as stream:
                answer = [partial.text for partial in stream][-1]
        else:
            answer = model.run(prompt, timeout=10).text
        pairs.append((prompt, answer))
    return pairs


def test_one_sdk_shared_by_32_threads(server: FaultServer) -> None:
    TALLY.tried += 1
    TALLY.kinds.add("32_threads")
    server.plan(echo())
    with ChatSDK(auth="k", base_url=server.base_url) as sdk:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda worker: work(sdk, worker), range(THREADS)))
        assert checked_out(sdk._transport.client) == 0
    pairs = [pair for result in results for pair in result]
    assert len(pairs) == THREADS * CALLS
    assert all(asked == answered for asked, answered in pairs)  # no answer crossed threads
    assert server.requests == THREADS * CALLS
    ids = {request.headers["x-client-request-id"] for request in server.received}
    assert len(ids) == THREADS * CALLS
    TALLY.passed += 1


def test_threads_retrying_at_once_share_the_pool_safely(server: FaultServer) -> None:
    TALLY.tried += 1
    # Every call's first attempt fails with 503: retries from many threads interleave.
    server.plan(fail_first_attempt(status(503), echo()))
    with ChatSDK(auth="k", base_url=server.base_url, max_retries=0) as sdk:
        retrying = sdk.with_options(max_retries=1)
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(lambda worker: work(retrying, worker), range(THREADS)))
        assert checked_out(sdk._transport.client) == 0
    pairs = [pair for result in results for pair in result]
    assert all(asked == answered for asked, answered in pairs)
    assert server.requests == 2 * THREADS * CALLS
    TALLY.retries += THREADS * CALLS
    TALLY.passed += 1
