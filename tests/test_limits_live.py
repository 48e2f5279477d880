"""The SDK's limits against a loopback server that records when each request came.

Both faces: tasks on the async face (asyncio and trio), threads on the sync face.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from tests.ratefake import RateFake, most_in_window, serve
from ycloud_chat import APITimeoutError, AsyncChatSDK, ChatSDK, Limits
from ycloud_chat.testing import FakeChatAPI


@pytest.fixture
def fake() -> RateFake:
    return RateFake()


@pytest.fixture
def base_url(fake: RateFake) -> Iterator[str]:
    with serve(fake) as url:
        yield url


def async_sdk(base_url: str, limits: Limits | None, **options: object) -> AsyncChatSDK:
    return AsyncChatSDK(base_url=base_url, limits=limits, max_connections=400, **options)  # type: ignore[arg-type]


async def run_all(sdk: AsyncChatSDK, prompts: list[str]) -> None:
    model = sdk.chat.completions("m")

    async def one(prompt: str) -> None:
        result = await model.run(prompt)
        assert result.text == f"echo {prompt}"

    async with anyio.create_task_group() as group:
        for prompt in prompts:
            group.start_soon(one, prompt)


@pytest.mark.slow
async def test_requests_per_minute_is_smooth_in_every_window(fake: RateFake, base_url: str) -> None:
    async with async_sdk(base_url, Limits(requests_per_minute=3000)) as sdk:
        began = time.monotonic()
        await run_all(sdk, [f"row {n}" for n in range(300)])
        took = time.monotonic() - began
    starts = fake.starts()
    assert len(starts) == 300
    for seconds in (1.0, 1.5, 2.0, 3.0):
        assert most_in_window(starts, seconds) <= 50 * (seconds + 1)
    assert took >= 5.0 - 0.05


async def test_max_in_flight_is_what_the_server_sees(fake: RateFake, base_url: str) -> None:
    fake.delay = 0.01
    async with async_sdk(base_url, Limits(max_in_flight=10)) as sdk:
        await run_all(sdk, [f"row {n}" for n in range(200)])
        assert sdk._transport.limiter is not None
        assert sdk._transport.limiter.in_flight == 0
    assert len(fake.arrivals) == 200
    assert fake.max_in_flight <= 10


def assert_paused(fake: RateFake, calls: int) -> None:
    """Nothing started from the 429 until 1.9 s after it, and every call succeeded.

    Requests may still arrive for a moment after the 429 was sent: those the callers sent
    before it reached them (a busy machine delays both ways).
    """
    (answered,) = fake.answered_429
    in_transit = [when - answered for when in fake.starts() if answered < when < answered + 0.3]
    later = [when for when in fake.starts() if when >= answered + 0.3]
    assert later, "nothing started after the pause"
    assert min(later) >= answered + 1.9, (min(later) - answered, in_transit)
    assert fake.ok_count() == calls


@pytest.mark.slow
async def test_a_429_pauses_every_task(fake: RateFake, base_url: str) -> None:
    fake.delay, fake.retry_after, fake.throttle_arrivals = 0.02, "2", {30}
    async with async_sdk(base_url, Limits(max_in_flight=100)) as sdk:
        model = sdk.chat.completions("m")

        async def task(number: int) -> None:
            for step in range(3):
                await model.run(f"task {number} step {step}")

        async with anyio.create_task_group() as group:
            for number in range(20):
                group.start_soon(task, number)
    assert_paused(fake, 60)


@pytest.mark.slow
def test_a_429_pauses_every_thread(fake: RateFake, base_url: str) -> None:
    fake.delay, fake.retry_after, fake.throttle_arrivals = 0.02, "2", {40}
    with ChatSDK(base_url=base_url, limits=Limits(max_in_flight=100)) as sdk:
        model = sdk.chat.completions("m")

        def thread(number: int) -> None:
            for step in range(3):
                model.run(f"thread {number} step {step}")

        with ThreadPoolExecutor(32) as threads:
            list(threads.map(thread, range(32)))
    assert_paused(fake, 96)


async def test_waiting_for_a_place_counts_against_the_timeout(
    fake: RateFake, base_url: str
) -> None:
    async with async_sdk(base_url, Limits(max_in_flight=1)) as sdk:
        model = sdk.chat.completions("m")

        async def hang() -> None:
            with pytest.raises(APITimeoutError, match=r"deadline of 1\.5s ran out"):
                await model.run("hang", timeout=1.5)

        async with anyio.create_task_group() as group:
            group.start_soon(hang)
            await anyio.sleep(0.2)
            with pytest.raises(APITimeoutError, match="waited for the SDK's limits") as info:
                await model.run("second", timeout=0.3)
            assert "max_in_flight=1" in str(info.value)
        assert sdk._transport.limiter is not None
        assert sdk._transport.limiter.in_flight == 0
        assert (await model.run("third")).text == "echo third"  # the place was given back


def test_waiting_for_a_pause_counts_against_the_timeout(fake: RateFake, base_url: str) -> None:
    fake.retry_after, fake.throttle_arrivals = "30", {1}
    with ChatSDK(base_url=base_url, limits=Limits(max_in_flight=5), max_retries=0) as sdk:
        model = sdk.chat.completions("m")
        with pytest.raises(Exception, match="too many requests"):
            model.run("first")
        began = time.monotonic()
        with pytest.raises(APITimeoutError, match="waited for the SDK's limits"):
            model.run("second", timeout=0.5)
        assert time.monotonic() - began < 5
    assert len(fake.arrivals) == 1


async def test_tokens_are_corrected_by_usage(fake: RateFake, base_url: str) -> None:
    # Charged 10,000 tokens each, 6,000 a minute: only the usage (15) lets the second start.
    async with async_sdk(base_url, Limits(tokens_per_minute=6000)) as sdk:
        model = sdk.chat.completions("m").configure(max_tokens=10_000)
        for prompt in ("one", "two", "three"):
            assert (await model.run(prompt, timeout=5)).text == f"echo {prompt}"


def test_copies_share_the_limits_unless_given_their_own(base_url: str) -> None:
    with ChatSDK(base_url=base_url, limits=Limits(max_in_flight=3)) as sdk:
        copy = sdk.with_options(timeout=5)
        assert copy._transport.limiter is sdk._transport.limiter
        assert copy.limits == Limits(max_in_flight=3)
        own = sdk.with_options(limits=Limits(requests_per_minute=60))
        assert own._transport.limiter is not sdk._transport.limiter
        assert own.limits == Limits(requests_per_minute=60)
        assert sdk.with_options(limits=None).limits is None
    assert ChatSDK(base_url=base_url).limits is None


def test_a_stream_holds_its_place_until_it_is_closed() -> None:
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b", "c"])
    with (
        fake.client() as client,
        ChatSDK(folder_id="f", auth="k", http_client=client, limits=Limits(max_in_flight=1)) as sdk,
    ):
        limiter = sdk._transport.limiter
        assert limiter is not None
        with sdk.chat.completions("yandexgpt").run_stream("Hi") as stream:
            next(iter(stream))
            assert limiter.in_flight == 1
        assert limiter.in_flight == 0


def test_a_stream_is_charged_its_usage_once_closed() -> None:
    # Charged 10,000 tokens each, 6,000 a minute: only the usage lets the next one start.
    fake = FakeChatAPI()
    fake.reply_stream(["a", "b"], times=None)
    limits = Limits(tokens_per_minute=6000)
    with (
        fake.client() as client,
        ChatSDK(folder_id="f", auth="k", http_client=client, limits=limits) as sdk,
    ):
        model = sdk.chat.completions("yandexgpt").configure(max_tokens=10_000)
        for _ in range(3):
            with model.run_stream("Hi", timeout=5) as stream:
                assert [partial.text for partial in stream][-1] == "ab"


def test_a_pickled_sdk_keeps_its_limits_and_counts_on_its_own(base_url: str) -> None:
    import pickle

    with ChatSDK(base_url=base_url, limits=Limits(max_in_flight=3)) as sdk:
        copy = sdk.with_options(limits=Limits(requests_per_minute=60))
        unpickled = pickle.loads(pickle.dumps(sdk))
        unpickled_copy = pickle.loads(pickle.dumps(copy))
        none = pickle.loads(pickle.dumps(sdk.with_options(limits=None)))
    with unpickled, unpickled_copy, none:
        assert unpickled.limits == Limits(max_in_flight=3)
        assert unpickled._transport.limiter is not sdk._transport.limiter
        assert unpickled_copy.limits == Limits(requests_per_minute=60)
        assert none.limits is None
