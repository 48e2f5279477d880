"""Who owns a connection pool: a process, and on the async face an event loop.

After a fork the child makes its own pool and the parent keeps its own; one `AsyncChatSDK`
serves any number of event loops (successive `asyncio.run`, threads with their own loop,
`trio.run`), each with a client of its own closed as its loop ends. Nothing is printed:
pytest turns every warning (and every unraisable one, from a finaliser) into an error, and
the log is checked for asyncio's and aiohttp's reports.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator

import pytest
import trio

from tests.faults.server import FaultServer, checked_out, echo, first_chunk_then_wait
from ycloud_chat import AsyncChatSDK, AsyncChatStream, ChatSDK
from ycloud_chat._arguments import HTTPBackend
from ycloud_chat._backends._tls import ssl_context

BACKENDS: list[HTTPBackend] = ["aiohttp", "httpx"]


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test when asyncio or aiohttp report an unclosed session or a loop error."""
    caplog.set_level(logging.WARNING)
    yield
    gc.collect()
    reports = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert reports == []


def fork(child: Callable[[], bool]) -> int:
    """Run `child` in a forked process; its exit status (0 when it returned True)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process
        pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 1
        try:
            code = 0 if child() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


# --- processes ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
@pytest.mark.parametrize("sync_backend", ["http.client", "httpx"])
def test_after_fork_the_child_makes_its_own_pool_and_the_parent_keeps_its_own(
    server: FaultServer, sync_backend: HTTPBackend
) -> None:
    server.plan(echo())
    with ChatSDK(
        auth="k", base_url=server.base_url, max_retries=0, http_backend=sync_backend
    ) as sdk:
        copy = sdk.with_options(timeout=10)
        assert copy.chat.completions("m").run("warm").text == "warm"
        parent_client = sdk._transport.client
        assert server.open_connections == 1

        def child() -> bool:
            assert sdk._transport.client is not parent_client  # fresh, made on first use
            answers = [copy.chat.completions("m").run(f"child-{i}").text for i in range(3)]
            return answers == [f"child-{i}" for i in range(3)]

        for round_ in range(5):
            code: list[int] = []
            waiter = threading.Thread(target=lambda codes=code: codes.append(fork(child)))
            waiter.start()
            # The parent calls while its child does, over the connection it opened first.
            text = f"parent-{round_}"
            assert copy.chat.completions("m").run(text).text == text
            waiter.join()
            assert code == [0]
        assert sdk._transport.client is parent_client
        # The children's connections closed with them; the parent's first one is still open
        # (no child shut it down for both) and serves it: one for the parent, one per child.
        assert server.connections_once_settled(1) == 1
        assert sdk.chat.completions("m").run("after").text == "after"
        assert server.open_connections == 1
        assert len(server._threads) == 1 + 5


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_async_sdk_used_before_a_fork_works_in_the_child(
    server: FaultServer, backend: HTTPBackend
) -> None:
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)

    async def call(text: str) -> str:
        return (await sdk.chat.completions("m").run(text)).text

    assert asyncio.run(call("parent")) == "parent"
    assert fork(lambda: asyncio.run(call("child")) == "child") == 0
    assert asyncio.run(call("parent-again")) == "parent-again"


# --- event loops ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_successive_event_loops_share_one_sdk(
    server: FaultServer, backend: HTTPBackend, quiet: None
) -> None:
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)
    copy = sdk.with_options(max_retries=0)

    async def call(text: str) -> list[str]:
        answer = await copy.chat.completions("m").run(text)
        parts = [part.text async for part in sdk.chat.completions("m").run_stream(text)]
        return [answer.text, parts[-1]]

    for i in range(20):
        assert asyncio.run(call(f"run-{i}")) == [f"run-{i}"] * 2
    assert sdk._transport._pool._clients == {}  # each closed as its loop ended
    assert sdk._transport.backend == backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_threads_each_with_its_own_loop_share_one_sdk(
    server: FaultServer, backend: HTTPBackend, quiet: None
) -> None:
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)
    answers: list[str] = []
    failures: list[BaseException] = []

    async def calls(name: str) -> None:
        for i in range(3):
            answers.append((await sdk.chat.completions("m").run(f"{name}-{i}")).text)

    def thread(name: str) -> None:
        try:
            asyncio.run(calls(name))
        except BaseException as exc:  # reported below, with the thread's name
            failures.append(exc)

    threads = [threading.Thread(target=thread, args=(f"t{n}",)) for n in range(8)]
    for started in threads:
        started.start()
    for started in threads:
        started.join()
    assert failures == []
    assert sorted(answers) == sorted(f"t{n}-{i}" for n in range(8) for i in range(3))
    assert sdk._transport._pool._clients == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_loops_client_shares_the_processs_tls_context(
    server: FaultServer, backend: HTTPBackend, quiet: None
) -> None:
    # Loading the certificates again for each loop's client blocked that loop for tens of ms.
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)
    contexts = []

    async def call() -> None:
        await sdk.chat.completions("m").run("hi")
        contexts.append(tls_context_of(sdk._transport.client))

    for _ in range(3):
        asyncio.run(call())
    assert contexts[0] is contexts[1] is contexts[2] is ssl_context(True)
    assert ssl_context(False) is not ssl_context(True)
    own = ssl.create_default_context()
    assert ssl_context(own) is own


def tls_context_of(client: object) -> ssl.SSLContext:
    """The SSL context a backend's client connects with."""
    context = getattr(client, "ssl_context", None)  # aiohttp's
    if context is None:  # httpx's: its transport's pool
        context = client.client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert isinstance(context, ssl.SSLContext)
    return context


def test_trio_runs_one_after_another_share_one_sdk(server: FaultServer, quiet: None) -> None:
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url)

    async def call(text: str) -> str:
        return (await sdk.chat.completions("m").run(text)).text

    assert [trio.run(call, f"trio-{i}") for i in range(3)] == ["trio-0", "trio-1", "trio-2"]
    assert asyncio.run(call("asyncio")) == "asyncio"  # and then asyncio
    assert sdk._transport._pool._clients == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_loop_closed_without_its_generators_leaves_its_client_quietly(
    server: FaultServer, backend: HTTPBackend, quiet: None
) -> None:
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)

    async def call(text: str) -> str:
        return (await sdk.chat.completions("m").run(text)).text

    loop = asyncio.new_event_loop()
    assert loop.run_until_complete(call("manual")) == "manual"
    loop.close()  # no shutdown_asyncgens: the client could not be closed on its loop
    assert asyncio.run(call("next")) == "next"
    assert sdk._transport._pool._clients == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stream_left_open_when_the_loop_ends_is_closed_without_an_error(
    server: FaultServer, backend: HTTPBackend, quiet: None
) -> None:
    # asyncio.run closes every generator at once: the stream's, and the body's it was reading.
    server.plan(first_chunk_then_wait(5))
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)
    errors: list[dict[str, object]] = []

    async def read_one_and_leave() -> AsyncChatStream:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: errors.append(context))
        stream = await sdk.chat.completions("m").run_stream("hi").__aenter__()
        async for _partial in stream:
            break
        return stream

    left = [asyncio.run(read_one_and_leave()) for _ in range(3)]
    assert errors == []
    assert len(left) == 3


@pytest.mark.parametrize("backend", BACKENDS)
async def test_closing_on_the_loop_closes_its_client(
    server: FaultServer, backend: HTTPBackend, anyio_backend: tuple[str, object]
) -> None:
    if backend == "aiohttp" and anyio_backend[0] != "asyncio":
        pytest.skip("aiohttp runs on asyncio only")
    server.plan(echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, http_backend=backend)
    assert (await sdk.chat.completions("m").run("one")).text == "one"
    client = sdk._transport.client
    await sdk.aclose()
    assert client.is_closed
    assert sdk._transport._pool._clients == {}


# --- exit -----------------------------------------------------------------------------------

EXIT_SCRIPT = """
import asyncio, sys
from ycloud_chat import AsyncChatSDK, AsyncChatStream, ChatSDK
face, url = sys.argv[1], sys.argv[2]
if face == "sync":
    sdk = ChatSDK(auth="k", base_url=url)
    print(sdk.chat.completions("m").run("bye").text)
else:
    sdk = AsyncChatSDK(auth="k", base_url=url, http_backend=face)
    async def main():
        print((await sdk.chat.completions("m").run("bye")).text)
        async for _ in sdk.chat.completions("m").run_stream("bye"):
            break
    asyncio.run(main())
"""


@pytest.mark.slow
@pytest.mark.parametrize("face", ["sync", *BACKENDS])
def test_exit_without_close_prints_nothing(server: FaultServer, face: str) -> None:
    server.plan(echo())
    for flags in ([], ["-W", "always::ResourceWarning"], ["-W", "error::ResourceWarning"]):
        done = subprocess.run(
            [sys.executable, *flags, "-c", EXIT_SCRIPT, face, server.base_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, "bye\n", ""), flags


# --- stream ends ----------------------------------------------------------------------------


@pytest.mark.parametrize("sync_backend", ["http.client", "httpx"])
def test_a_sync_stream_closed_from_another_thread_ends_the_waiting_loop(
    server: FaultServer, sync_backend: HTTPBackend
) -> None:
    server.plan(first_chunk_then_wait(30))
    seen: list[str] = []
    with ChatSDK(auth="k", base_url=server.base_url, http_backend=sync_backend) as sdk:
        stream = sdk.chat.completions("m").run_stream("hi", timeout=60)

        def consume() -> None:
            seen.extend(partial.text for partial in stream)

        reader = threading.Thread(target=consume)
        reader.start()
        while not seen:
            time.sleep(0.01)
        closed_at = time.monotonic()
        stream.close()
        reader.join(10)
        assert not reader.is_alive()
        assert time.monotonic() - closed_at < 5  # the server's next chunk is 30 s away
        assert seen == ["Hel"]
        assert checked_out(sdk._transport.client) == 0
