"""The async face's HTTP backends: which one runs, and the promises that hold on both.

Over real sockets, on each backend (the `http_backend` fixture): redirects are refused,
`max_connections` bounds the pool, a cancelled call releases its connection, proxies come
from the environment. The rest of the suites run on both backends too (faults, replays).
"""

from __future__ import annotations

import base64
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import anyio
import httpx
import pytest

from tests.faults.server import (
    FaultServer,
    checked_out,
    echo,
    gzipped,
    ok,
    stall,
    status,
    stream_ok,
)
from ycloud_chat import (
    APIResponseValidationError,
    APIStatusError,
    AsyncChatSDK,
    ConfigurationError,
)
from ycloud_chat._backends._httpx import HttpxAsyncClient
from ycloud_chat._constants import ENV_HTTP_BACKEND

# --- which backend runs ---------------------------------------------------------------------


async def test_aiohttp_is_the_default_on_asyncio_and_httpx_on_trio(
    anyio_backend: tuple[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_HTTP_BACKEND, raising=False)
    async with AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1") as sdk:
        assert "http_backend='aiohttp'" in repr(sdk)  # the plan, before any request
        client = sdk._transport.client  # made on the first request, on this event loop
        expected = "aiohttp" if anyio_backend[0] == "asyncio" else "httpx"
        assert sdk._transport.backend == expected
        assert f"http_backend={expected!r}" in repr(sdk)
        assert isinstance(client, HttpxAsyncClient) == (expected == "httpx")


async def test_httpx_is_pinned_by_argument_environment_or_own_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_HTTP_BACKEND, raising=False)
    async with AsyncChatSDK(
        auth="k", base_url="http://127.0.0.1:9/v1", http_backend="httpx"
    ) as sdk:
        assert isinstance(sdk._transport.client, HttpxAsyncClient)
    monkeypatch.setenv(ENV_HTTP_BACKEND, "httpx")
    async with AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1") as sdk:
        assert isinstance(sdk._transport.client, HttpxAsyncClient)
    monkeypatch.delenv(ENV_HTTP_BACKEND)
    async with httpx.AsyncClient() as own:
        sdk = AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1", http_client=own)
        wrapped = sdk._transport.client
        assert isinstance(wrapped, HttpxAsyncClient)
        assert wrapped.client is own
        assert "http_backend='httpx'" in repr(sdk)


async def test_the_debug_log_names_the_backend(
    anyio_backend: tuple[str, object],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv(ENV_HTTP_BACKEND, raising=False)
    caplog.set_level(logging.DEBUG, logger="ycloud_chat")
    async with AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1") as sdk:
        _ = sdk._transport.client
    expected = "aiohttp" if anyio_backend[0] == "asyncio" else "httpx"
    assert f"HTTP backend: {expected}" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"http_backend": "requests"}, 'http_backend must be "aiohttp" or "httpx"'),
        ({"http_backend": "aiohttp", "http_client": "own"}, "cannot use an http_client"),
        ({"max_connections": 0}, "max_connections must be a positive integer"),
        ({"max_connections": True}, "max_connections must be a positive integer"),
    ],
)
def test_bad_backend_arguments_fail_at_construction(
    kwargs: dict[str, object], message: str
) -> None:
    if kwargs.get("http_client") == "own":
        kwargs["http_client"] = httpx.AsyncClient()
    with pytest.raises(ConfigurationError, match=message):
        AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1", **kwargs)  # type: ignore[arg-type]


def test_a_bad_environment_value_fails_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_HTTP_BACKEND, "curl")
    with pytest.raises(ConfigurationError, match="YCLOUD_CHAT_HTTP_BACKEND must be"):
        AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1")


def test_aiohttp_missing_is_a_clear_error_or_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_HTTP_BACKEND, raising=False)
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None)
    with pytest.raises(ConfigurationError, match=r"pip install \"ycloud-chat\[aiohttp\]\""):
        AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1", http_backend="aiohttp")
    sdk = AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1")
    assert sdk._transport.backend == "httpx"


def test_importing_the_async_sdk_does_not_import_aiohttp() -> None:
    probe = "import sys\nfrom ycloud_chat import AsyncChatSDK\nprint('aiohttp' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "False"


# --- the promises, over real sockets, on both backends --------------------------------------


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


@pytest.mark.usefixtures("http_backend")
async def test_a_redirect_is_refused_with_credentials_kept(server: FaultServer) -> None:
    server.plan(status(302, "moved", location="http://elsewhere.example/v1/chat/completions"))
    async with AsyncChatSDK(auth="k", base_url=server.base_url, max_retries=0) as sdk:
        with pytest.raises(APIStatusError, match="redirects are not followed") as caught:
            await sdk.chat.completions("m").run("hi", timeout=5)
        assert checked_out(sdk._transport.client) == 0
    assert caught.value.status_code == 302
    assert server.requests == 1


@pytest.mark.usefixtures("http_backend")
async def test_max_connections_bounds_the_pool(server: FaultServer) -> None:
    server.plan(echo())
    async with AsyncChatSDK(auth="k", base_url=server.base_url, max_connections=2) as sdk:
        model = sdk.chat.completions("m")
        async with anyio.create_task_group() as group:
            for index in range(8):
                group.start_soon(model.run, f"call {index}")
        assert checked_out(sdk._transport.client) == 0
    assert server.requests == 8
    assert server.most_connections <= 2


@pytest.mark.usefixtures("http_backend")
async def test_a_cancelled_call_releases_its_connection(server: FaultServer) -> None:
    server.plan(stall(30), ok())
    async with AsyncChatSDK(auth="k", base_url=server.base_url) as sdk:
        async with anyio.create_task_group() as calls:
            calls.start_soon(sdk.chat.completions("m").run, "hi")
            with anyio.fail_after(30):  # cancelled once the server holds it, however slow
                while server.requests == 0:  # noqa: ASYNC110 (a server thread: polled)
                    await anyio.sleep(0.01)
            calls.cancel_scope.cancel()
        assert calls.cancel_scope.cancelled_caught
        assert checked_out(sdk._transport.client) == 0
        assert (await sdk.chat.completions("m").run("again")).text == "hello"
        assert checked_out(sdk._transport.client) == 0


@pytest.mark.usefixtures("http_backend")
async def test_a_stream_left_early_releases_its_connection(server: FaultServer) -> None:
    server.plan(stream_ok())
    async with AsyncChatSDK(auth="k", base_url=server.base_url) as sdk:
        async with sdk.chat.completions("m").run_stream("hi") as stream:
            async for _ in stream:
                break
        assert checked_out(sdk._transport.client) == 0


@pytest.mark.usefixtures("http_backend")
async def test_compressed_answers_are_decoded_and_broken_ones_are_errors(
    server: FaultServer,
) -> None:
    async with AsyncChatSDK(auth="k", base_url=server.base_url, max_retries=0) as sdk:
        model = sdk.chat.completions("m")
        server.plan(gzipped())
        assert (await model.run("hi")).text == "hello"
        server.plan(gzipped(stream=True))
        texts = [partial.text async for partial in model.run_stream("hi")]
        assert texts[-1] == "Hello there"
        server.plan(gzipped(broken=True))
        with pytest.raises(APIResponseValidationError, match="cannot be decoded"):
            await model.run("hi")
        server.plan(gzipped(stream=True, broken=True))
        with pytest.raises(APIResponseValidationError, match="cannot be decoded"):
            async for _ in model.run_stream("hi"):
                pass
        assert checked_out(sdk._transport.client) == 0


class _Proxy:
    """A plain-HTTP forward proxy that answers every request itself and records the target."""

    def __init__(self) -> None:
        self.targets: list[str] = []
        self.authorizations: list[str | None] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                lines = head.decode("latin-1").split("\r\n")
                self.targets.append(lines[0].split(" ")[1])
                fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
                self.authorizations.append(fields.get("proxy-authorization"))
                body = b'{"choices": [{"message": {"content": "via proxy"}}]}'
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(body), body)
                )

    def close(self) -> None:
        self._sock.close()


@pytest.mark.usefixtures("http_backend")
async def test_proxies_come_from_the_environment_or_the_argument(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):  # the machine's own, in both cases
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    proxy = _Proxy()
    base_url = "http://model-host.invalid/v1"
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("://", "://user:pa55@"))
    try:
        async with AsyncChatSDK(
            auth="k", base_url=base_url, allow_insecure_http=True, max_retries=0
        ) as sdk:
            assert (await sdk.chat.completions("m").run("hi")).text == "via proxy"
        assert proxy.targets == [base_url + "/chat/completions"]
        assert proxy.authorizations == ["basic " + base64.b64encode(b"user:pa55").decode().lower()]
        monkeypatch.setenv("NO_PROXY", "model-host.invalid")
        async with AsyncChatSDK(
            auth="k", base_url=base_url, allow_insecure_http=True, max_retries=0
        ) as sdk:
            with pytest.raises(Exception, match="connection failed"):
                await sdk.chat.completions("m").run("hi", timeout=5)
        assert len(proxy.targets) == 1
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.delenv("HTTP_PROXY")
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        async with AsyncChatSDK(
            auth="k", base_url=base_url, allow_insecure_http=True, max_retries=0
        ) as sdk:
            assert (await sdk.chat.completions("m").run("hi")).text == "via proxy"
        assert len(proxy.targets) == 2
        monkeypatch.delenv("ALL_PROXY")
        async with AsyncChatSDK(
            auth="k", base_url=base_url, allow_insecure_http=True, max_retries=0, proxy=proxy.url
        ) as sdk:
            assert (await sdk.chat.completions("m").run("hi")).text == "via proxy"
        assert len(proxy.targets) == 3
    finally:
        proxy.close()
