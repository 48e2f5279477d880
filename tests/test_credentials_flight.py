"""One exchange for many callers: tasks, event loops in threads, and threads, each with an
expired token, against the loopback IAM fake (which answers slowly, so that they pile up)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from tests.fake_cloud import OAUTH_TOKEN, FakeCloud
from ycloud_chat import AsyncChatSDK, ChatSDK, OAuthTokenAuth
from ycloud_chat._token_cache import Flight, Token, TokenCache

pytestmark = pytest.mark.usefixtures("loopback_only")

CALLS = 100


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    fake = FakeCloud()
    with fake.running():
        yield fake


@pytest.fixture
def expired(cloud: FakeCloud) -> OAuthTokenAuth:
    """Credentials whose first token has expired; the fake then answers in 0.3s."""
    auth = OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)
    with ChatSDK(folder_id="f", auth=auth, base_url=cloud.base_url) as sdk:
        assert sdk.chat.completions("m").run("hi").text == "t1.fake-1"
    auth.cache.token = Token("t1.fake-1", expires_at=time.time() - 1, refresh_at=0.0)
    cloud.iam_delay = 0.3
    return auth


def async_sdk(cloud: FakeCloud, auth: OAuthTokenAuth) -> AsyncChatSDK:
    return AsyncChatSDK(folder_id="f", auth=auth, base_url=cloud.base_url, max_connections=CALLS)


async def test_100_tasks_make_one_exchange(cloud: FakeCloud, expired: OAuthTokenAuth) -> None:
    texts: list[str] = []
    async with async_sdk(cloud, expired) as sdk:
        model = sdk.chat.completions("m")

        async def call() -> None:
            texts.append((await model.run("hi", timeout=20)).text)

        async with anyio.create_task_group() as tasks:
            for _ in range(CALLS):
                tasks.start_soon(call)
    assert texts == ["t1.fake-2"] * CALLS
    assert cloud.count("iam") == 2


def test_tasks_on_four_event_loops_make_one_exchange(
    cloud: FakeCloud, expired: OAuthTokenAuth
) -> None:
    async def loop_of_calls() -> list[str]:
        async with async_sdk(cloud, expired) as sdk:
            model = sdk.chat.completions("m")
            results = await asyncio.gather(
                *(model.run("hi", timeout=20) for _ in range(CALLS // 4))
            )
        return [result.text for result in results]

    with ThreadPoolExecutor(4) as pool:
        texts = [
            text
            for run in pool.map(lambda _: asyncio.run(loop_of_calls()), range(4))
            for text in run
        ]
    assert texts == ["t1.fake-2"] * CALLS
    assert cloud.count("iam") == 2


def test_32_threads_make_one_exchange(cloud: FakeCloud, expired: OAuthTokenAuth) -> None:
    with ChatSDK(folder_id="f", auth=expired, base_url=cloud.base_url) as sdk:
        model = sdk.chat.completions("m")
        copies = [sdk, sdk.with_options(timeout=30)]
        with ThreadPoolExecutor(32) as pool:
            texts = list(
                pool.map(
                    lambda n: copies[n % 2].chat.completions("m").run("hi", timeout=20).text,
                    range(CALLS),
                )
            )
        assert model.run("hi").text == "t1.fake-2"
    assert texts == ["t1.fake-2"] * CALLS
    assert cloud.count("iam") == 2


def test_a_forked_child_starts_a_flight_of_its_own() -> None:
    cache = TokenCache()
    flight, leading = cache.join()
    assert isinstance(flight, Flight)
    assert leading
    cache._pid = -1  # as if this were the child of a fork while the parent exchanged
    child_flight, child_leading = cache.join()
    assert child_leading
    assert child_flight is not flight


def test_a_cancelled_leader_lets_another_lead() -> None:
    cache = TokenCache()
    flight, _ = cache.join()
    assert flight is not None
    assert not cache.land(flight, None, None)
    assert flight.done.is_set()
    assert cache.join()[1]


def test_a_rejected_token_is_renewed_only_if_still_current() -> None:
    cache = TokenCache()
    now = time.time()
    cache.token = Token.lasting("t1.new", 3600, now)
    cache.reject("t1.old")  # a 401 for a token already replaced: nothing to do
    assert cache.join() == (None, False)
    cache.reject("t1.new")
    assert cache.join()[1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_the_lock_is_not_held_in_a_forked_child() -> None:
    cache = TokenCache()
    cache._lock.acquire()  # held by this thread at the moment of the fork
    started = threading.Event()
    try:
        pid = os.fork()
        if pid == 0:  # the child: joining must not wait for the parent's lock
            code = 0 if cache.join()[1] else 1
            os._exit(code)
        started.set()
        _, status = os.waitpid(pid, 0)
    finally:
        cache._lock.release()
    assert os.waitstatus_to_exitcode(status) == 0
