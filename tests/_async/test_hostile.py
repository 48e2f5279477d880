"""The hostile-server suite: a server written to misbehave, tried as a new user's would be.

Every fault of `tests/hostile/server.py` is tried on each face (generated to the sync face;
the async one runs on asyncio and trio). Each test checks the error's class, that the call
ends within its deadline plus `SLACK` (a correctness bound, not a benchmark), the peak of
traced memory where a size limit is involved, and that the server saw every socket closed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sniffio

from tests.hostile.server import (
    TALLY,
    HostileServer,
    MiB,
    Script,
    compressed_bomb,
    cut_inside_event,
    empty_event_stream,
    empty_events,
    endless_line,
    finished_without_done,
    garbage_status_line,
    hang_up,
    json_without_content_type,
    keepalive_comments,
    large_answer,
    large_event,
    silence_after_done,
    streams,
    trickled_event,
    trickled_head,
    unfinished_stream,
    whole_answers,
)
from ycloud_chat import (
    APIConnectionError,
    APITimeoutError,
    AsyncChatSDK,
    ChatModelStatus,
    ConfigurationError,
    IncompleteStreamError,
    InvalidMessageError,
    ResponseTooLargeError,
)
from ycloud_chat._constants import ENV_HTTP_BACKEND

pytestmark = pytest.mark.usefixtures("http_backend")

TIMEOUT = 1.0  # the stream and call timeouts of most tests
SLACK = 2.0  # how late after its deadline a call may end (scheduling on a loaded machine)
GRACE = 1.0  # how long a stream may wait for the end of its body after `[DONE]`
SECRET = "sk-hostile-SECRET-9e2f"  # a marker searched for in everything printed
PASSWORD = "hunter2-PASSWORD-77"


def face() -> str:
    """The face under test: `sync`, `asyncio` (with its HTTP backend) or `trio`."""
    try:
        library = sniffio.current_async_library()
    except RuntimeError:  # sniffio: no event loop runs here
        return "sync"
    if library == "asyncio":
        return f"asyncio/{os.environ.get(ENV_HTTP_BACKEND, 'aiohttp')}"
    return library


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ycloud_chat")
    caplog.set_level(logging.DEBUG, logger="httpx")


def plan(server: HostileServer, script: Script, **options: Any) -> AsyncChatSDK:
    """Plan the script and return an SDK (with its own pool, no retries) pointed at the server."""
    TALLY.tried += 1
    TALLY.faces[face()] += 1
    TALLY.kinds.add(script.name)
    server.plan(script)
    options.setdefault("max_retries", 0)
    return AsyncChatSDK(auth=SECRET, base_url=server.base_url, **options)


async def settle(sdk: AsyncChatSDK, server: HostileServer) -> None:
    """Close the SDK: the server must then see every socket it accepted closed."""
    await sdk.aclose()
    left_open = server.open_sockets()
    TALLY.sockets_left_open += left_open
    assert left_open == 0
    TALLY.passed += 1


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """The block must end within `seconds` (its deadline) plus `SLACK`."""
    started = time.monotonic()
    yield
    margin = time.monotonic() - started - seconds
    TALLY.deadline(margin)
    assert margin <= SLACK, f"{margin:.2f}s past the deadline"


@contextlib.contextmanager
def peak_memory(name: str, limit: int) -> Iterator[None]:
    """The traced memory of the block must peak near `limit`, whatever the body's size."""
    tracemalloc.start()
    try:
        yield
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    TALLY.peak(name, peak, limit)
    assert peak <= limit * 1.25 + 4 * MiB, f"peak {peak / MiB:.1f} MiB for a {limit} B limit"


async def stream_texts(sdk: AsyncChatSDK, seen: list[str], timeout: float = TIMEOUT) -> None:
    """Run a stream inside its context, keeping each partial text."""
    async with sdk.chat.completions("m").run_stream("hi", timeout=timeout) as stream:
        async for partial in stream:
            seen.append(partial.text)


async def ask(sdk: AsyncChatSDK, call: str, seen: list[str], timeout: float = TIMEOUT) -> None:
    """Run (`call="run"`) or stream the model, keeping each text."""
    if call == "run":
        seen.append((await sdk.chat.completions("m").run("hi", timeout=timeout)).text)
    else:
        await stream_texts(sdk, seen, timeout)


# Timeouts count results, not bytes.


async def test_comments_do_not_keep_a_stream_alive(hostile: HostileServer) -> None:
    sdk = plan(hostile, keepalive_comments(every=0.2))
    seen: list[str] = []
    with within(TIMEOUT), pytest.raises(APITimeoutError, match=r"no result for 1\.0s"):
        await stream_texts(sdk, seen)
    assert seen == []
    await settle(sdk, hostile)


async def test_the_timeout_bounds_the_wait_between_results(hostile: HostileServer) -> None:
    sdk = plan(hostile, keepalive_comments(every=0.2, first_after=0.3))
    seen: list[str] = []
    with within(0.3 + TIMEOUT), pytest.raises(APITimeoutError):
        await stream_texts(sdk, seen)
    assert seen == ["Hel"]  # the first result, 0.3s in, came within the timeout
    await settle(sdk, hostile)


async def test_empty_events_do_not_keep_a_stream_alive(hostile: HostileServer) -> None:
    sdk = plan(hostile, empty_events(every=0.2))
    with within(TIMEOUT), pytest.raises(APITimeoutError):
        await stream_texts(sdk, [])
    await settle(sdk, hostile)


async def test_a_trickled_event_does_not_keep_a_stream_alive(hostile: HostileServer) -> None:
    sdk = plan(hostile, trickled_event(every=0.1))
    with within(TIMEOUT), pytest.raises(APITimeoutError):
        await stream_texts(sdk, [])
    await settle(sdk, hostile)


@pytest.mark.parametrize("call", ["run", "stream"])
@pytest.mark.parametrize("owner", ["sdk", "caller"])
async def test_trickled_headers_cannot_outlast_the_deadline(
    hostile: HostileServer, owner: str, call: str
) -> None:
    client = httpx.AsyncClient() if owner == "caller" else None
    sdk = plan(hostile, trickled_head(every=0.1), http_client=client)
    with within(TIMEOUT), pytest.raises(APITimeoutError):
        await ask(sdk, call, [])
    if client is not None:
        await client.aclose()
    await settle(sdk, hostile)


# A stream is complete or it raises.


@pytest.mark.parametrize(
    ("script", "texts"),
    [
        (unfinished_stream("close"), ["Hel", "Hello"]),
        (unfinished_stream("chunked"), ["Hel", "Hello"]),
        (cut_inside_event("close"), ["Hel"]),  # the half event is dropped, as SSE says
        (cut_inside_event("chunked"), ["Hel"]),
    ],
    ids=lambda value: value.name if isinstance(value, Script) else "",
)
async def test_a_stream_that_ends_unfinished_raises_with_its_partial_result(
    hostile: HostileServer, script: Script, texts: list[str]
) -> None:
    sdk = plan(hostile, script)
    seen: list[str] = []
    with within(TIMEOUT), pytest.raises(IncompleteStreamError, match="ended before") as caught:
        await stream_texts(sdk, seen)
    assert seen == texts
    assert caught.value.result is not None
    assert caught.value.result.text == texts[-1]
    assert caught.value.result.status == ChatModelStatus.PARTIAL
    await settle(sdk, hostile)


async def test_an_empty_event_stream_raises(hostile: HostileServer) -> None:
    sdk = plan(hostile, empty_event_stream())
    with within(TIMEOUT), pytest.raises(IncompleteStreamError) as caught:
        await stream_texts(sdk, [])
    assert caught.value.result is None
    await settle(sdk, hostile)


async def test_json_without_a_content_type_is_not_an_empty_stream(
    hostile: HostileServer,
) -> None:
    sdk = plan(hostile, json_without_content_type())
    with within(TIMEOUT), pytest.raises(IncompleteStreamError, match="not an event stream"):
        await stream_texts(sdk, [])
    await settle(sdk, hostile)


async def test_a_stream_whose_choices_all_finished_is_complete_without_done(
    hostile: HostileServer,
) -> None:
    sdk = plan(hostile, finished_without_done())
    seen: list[str] = []
    with within(TIMEOUT):
        await stream_texts(sdk, seen)
    assert seen[-1] == "Hello there"
    await settle(sdk, hostile)


# Bounded memory, linear time.


@pytest.mark.parametrize(
    ("script", "call", "limit", "options"),
    [
        (compressed_bomb("json", "gzip"), "run", 64 * MiB, {}),
        (compressed_bomb("json", "deflate"), "run", 64 * MiB, {}),
        (compressed_bomb("line", "gzip"), "stream", 16 * MiB, {}),
        (compressed_bomb("line", "deflate"), "stream", 16 * MiB, {}),
        (endless_line(total=40 * MiB), "stream", 16 * MiB, {}),
        (large_answer(3 * MiB, "length"), "run", MiB, {"max_body_bytes": MiB}),
        (large_answer(3 * MiB, "chunked"), "run", MiB, {"max_body_bytes": MiB}),
        (large_event(3 * MiB), "stream", MiB, {"max_event_bytes": MiB}),
    ],
    ids=lambda value: value.name if isinstance(value, Script) else "",
)
async def test_a_body_or_an_event_over_its_limit_stops_there(
    hostile: HostileServer, script: Script, call: str, limit: int, options: dict[str, int]
) -> None:
    sdk = plan(hostile, script, **options)
    what = "a body" if call == "run" else "an event"
    with (
        within(5.0),
        peak_memory(f"{what} ({limit // MiB} MiB{'' if options else ' default'})", limit),
        pytest.raises(ResponseTooLargeError, match=f"{limit // MiB} MiB") as caught,
    ):
        await ask(sdk, call, [], timeout=5.0)
    assert caught.value.limit == limit
    await settle(sdk, hostile)


async def test_a_compressed_bomb_of_blank_lines_times_out(hostile: HostileServer) -> None:
    sdk = plan(hostile, compressed_bomb("newlines", "gzip"))
    with (
        within(TIMEOUT),
        peak_memory("an event (16 MiB default)", 16 * MiB),
        pytest.raises(APITimeoutError),
    ):
        await stream_texts(sdk, [])
    await settle(sdk, hostile)


async def test_answers_within_the_limits_pass(hostile: HostileServer) -> None:
    sdk = plan(hostile, large_answer(MiB // 2, "chunked"), max_body_bytes=MiB)
    result = await sdk.chat.completions("m").run("hi", timeout=5.0)
    assert len(result.text) == MiB // 2
    hostile.plan(large_event(MiB // 2))
    seen: list[str] = []
    await stream_texts(sdk, seen, timeout=5.0)
    assert len(seen[0]) == MiB // 2
    await settle(sdk, hostile)


# Credentials never come from or show in a URL; no raw exception, ever.


@pytest.mark.parametrize(
    "template",
    [
        "http://user:{password}@{host}/v1",
        "http://:{password}@{host}/v1",
        "https://user:{password}@example.com/v1",
        "ftp://user:{password}@{host}/v1",
        "http://user:{password}@[::1/v1",
        "http://user:{password}@{host}/v1\nX-Injected: yes",
    ],
)
async def test_a_password_in_the_base_url_is_refused_and_never_shown(
    hostile: HostileServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    template: str,
) -> None:
    url = template.format(password=PASSWORD, host=f"127.0.0.1:{hostile.port}")
    TALLY.tried += 1
    TALLY.faces[face()] += 1
    TALLY.kinds.add("password_in_base_url")
    errors = []
    with pytest.raises(ConfigurationError) as caught:
        AsyncChatSDK(auth=SECRET, base_url=url)
    errors.append(caught.value)
    monkeypatch.setenv("YC_BASE_URL", url)
    with pytest.raises(ConfigurationError) as caught:
        AsyncChatSDK(auth=SECRET)
    errors.append(caught.value)
    for error in errors:
        chain: BaseException | None = error
        while chain is not None:
            for text in (str(chain), repr(chain), repr(chain.args)):
                assert PASSWORD not in text
                assert SECRET not in text
            chain = chain.__cause__ or chain.__context__
    assert PASSWORD not in caplog.text
    assert hostile.connections == 0
    TALLY.passed += 1


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1/v1\nX: y",
        "http://127.0.0.1/v1\r\nX: y",
        "http://127.0.0.1/v\x001",
        "http://127.0.0.1 /v1",
        "http://[::1/v1",
        "http://127.0.0.1:99999/v1",
        "http://127.0.0.1:-1/v1",
        "http://127.0.0.1:8o80/v1",
        "http:///v1",
        "http://user@127.0.0.1/v1",
        "http://exa mple.com/v1",
        "http://\udcff.example/v1",
    ],
)
async def test_every_bad_base_url_is_a_configuration_error(
    hostile: HostileServer, base_url: str
) -> None:
    TALLY.tried += 1
    TALLY.faces[face()] += 1
    TALLY.kinds.add("bad_base_url")
    with pytest.raises(ConfigurationError, match="base_url"):
        AsyncChatSDK(base_url=base_url, allow_insecure_http=True)
    TALLY.passed += 1


async def test_text_that_cannot_be_encoded_is_named_before_any_request(
    hostile: HostileServer,
) -> None:
    sdk = plan(hostile, whole_answers())
    model = sdk.chat.completions("m")
    with pytest.raises(InvalidMessageError, match="message 1"):
        await model.run(["fine", {"role": "user", "content": "lone \udc80 surrogate"}])
    with pytest.raises(InvalidMessageError, match="message 0"):
        model.run_stream("lone \ud800")
    with pytest.raises(ConfigurationError, match="model"):
        sdk.chat.completions("model-\udc80")
    with pytest.raises(ConfigurationError, match="extra_query"):
        await model.configure(extra_query={"stop": ["\udc80"]}).run("hi")
    with pytest.raises(ConfigurationError, match="default_headers"):
        AsyncChatSDK(base_url=hostile.base_url, default_headers={"X-Note": "\udc80"})
    assert hostile.connections == 0
    await settle(sdk, hostile)


@pytest.mark.parametrize("script", [garbage_status_line(), hang_up()], ids=lambda s: s.name)
async def test_a_connection_that_is_not_http_is_a_connection_error(
    hostile: HostileServer, script: Script
) -> None:
    sdk = plan(hostile, script)
    for call in ("run", "stream"):
        with within(TIMEOUT), pytest.raises(APIConnectionError):
            await ask(sdk, call, [])
    await settle(sdk, hostile)


async def test_a_port_out_of_range_never_reaches_the_network() -> None:
    TALLY.tried += 1
    TALLY.faces[face()] += 1
    TALLY.kinds.add("port_out_of_range")
    with pytest.raises(ConfigurationError, match="port"):
        AsyncChatSDK(base_url="http://127.0.0.1:99999/v1")
    TALLY.passed += 1


async def test_the_repr_of_a_half_built_sdk_never_raises() -> None:
    TALLY.tried += 1
    TALLY.faces[face()] += 1
    TALLY.kinds.add("half_built_repr")
    half_built = AsyncChatSDK.__new__(AsyncChatSDK)
    assert repr(half_built).startswith(type(half_built).__name__)
    TALLY.passed += 1


# Streams give their connection back.


@pytest.mark.parametrize("end", ["together", "apart"])
async def test_sequential_streams_reuse_one_connection(hostile: HostileServer, end: str) -> None:
    sdk = plan(hostile, streams(end))
    for _ in range(10):
        seen: list[str] = []
        with within(TIMEOUT + GRACE):
            await stream_texts(sdk, seen)
        assert seen[-1] == "Hello there"
    assert hostile.connections == 1
    await settle(sdk, hostile)


async def test_a_body_held_open_after_done_is_given_up_after_a_grace(
    hostile: HostileServer,
) -> None:
    sdk = plan(hostile, silence_after_done())
    seen: list[str] = []
    with within(GRACE):
        await stream_texts(sdk, seen, timeout=30)
    assert seen[-1] == "Hello there"
    await settle(sdk, hostile)
