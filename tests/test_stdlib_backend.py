"""The sync face's default backend on the standard library: its selection, wire and pool.

The suites that test transport behaviour (faults, hostile server, replays, proxies, threads)
run on both sync backends through the `http_backend` fixture; here is what only this backend
has: the headers it writes (byte for byte httpx's), its pool (reuse, expiry, a connection the
server closed while idle, the bound and its wait, closing from another thread) and the
httpx exceptions its failures are raised as.
"""

from __future__ import annotations

import contextlib
import gc
import re
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator

import httpx
import pytest
import trustme

from tests.faults.server import (
    Connection,
    Fault,
    FaultServer,
    Received,
    checked_out,
    closed_port,
    echo,
    first_chunk_then_wait,
    ok,
    stall,
    stream_ok,
)
from ycloud_chat import (
    APIConnectionError,
    APITimeoutError,
    AsyncChatSDK,
    ChatSDK,
    ConfigurationError,
)
from ycloud_chat._arguments import HTTPBackend
from ycloud_chat._backends._blocking import bounded_by_deadline
from ycloud_chat._backends._httpx import HttpxClient
from ycloud_chat._backends._stdlib import StdlibClient, StdlibResponse, _Target
from ycloud_chat._backends._tls import ssl_context
from ycloud_chat._constants import ENV_HTTP_BACKEND

SLACK = 2.0  # how late after its deadline a call may end (a loaded machine)
BASE = "http://127.0.0.1:9/v1"


@pytest.fixture(autouse=True)
def no_backend_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_HTTP_BACKEND, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def accepted(server: FaultServer) -> int:
    """How many connections the server has accepted so far."""
    return len(server._threads)


# --- which backend runs ---------------------------------------------------------------------


def test_http_client_is_the_sync_default_and_httpx_is_pinned_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ChatSDK(auth="k", base_url=BASE) as sdk:
        assert isinstance(sdk._transport.client, StdlibClient)
        assert "http_backend='http.client'" in repr(sdk)
    monkeypatch.setenv(ENV_HTTP_BACKEND, "aiohttp")  # the async face's: the default here
    with ChatSDK(auth="k", base_url=BASE) as sdk:
        assert isinstance(sdk._transport.client, StdlibClient)
    monkeypatch.setenv(ENV_HTTP_BACKEND, "httpx")
    with ChatSDK(auth="k", base_url=BASE) as sdk:
        assert isinstance(sdk._transport.client, HttpxClient)
        assert "http_backend='httpx'" in repr(sdk)
    monkeypatch.setenv(ENV_HTTP_BACKEND, "http.client")  # the sync face's: the async default
    assert AsyncChatSDK(auth="k", base_url=BASE)._transport.backend in ("aiohttp", "httpx")


def test_http_client_by_argument_and_what_keeps_httpx() -> None:
    with ChatSDK(auth="k", base_url=BASE, http_backend="http.client") as sdk:
        assert isinstance(sdk._transport.client, StdlibClient)
    with ChatSDK(auth="k", base_url=BASE, http_backend="httpx") as sdk:
        assert isinstance(sdk._transport.client, HttpxClient)
    with httpx.Client() as own, ChatSDK(auth="k", base_url=BASE, http_client=own) as sdk:
        assert sdk._transport.client.client is own  # type: ignore[attr-defined]
    # An HTTPS proxy is httpx's to speak.
    with ChatSDK(auth="k", base_url=BASE, proxy="https://127.0.0.1:9") as sdk:
        assert isinstance(sdk._transport.client, HttpxClient)
        assert sdk._transport.backend == "httpx"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ChatSDK(auth="k", base_url=BASE, http_backend="aiohttp"), 'not "aiohttp"'),
        (
            lambda: ChatSDK(
                auth="k", base_url=BASE, http_backend="http.client", http_client=httpx.Client()
            ),
            "cannot use an http_client",
        ),
        (
            lambda: AsyncChatSDK(auth="k", base_url=BASE, http_backend="http.client"),
            'not "http.client"',
        ),
        (
            lambda: ChatSDK(auth="k", base_url=BASE, http_backend="curl"),  # type: ignore[arg-type]
            '"http.client" or',
        ),
    ],
)
def test_a_backend_of_the_other_face_is_a_clear_error(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        make()


# --- the wire -------------------------------------------------------------------------------


def capture(backend: HTTPBackend, call: Callable[[ChatSDK], object]) -> bytes:
    """The bytes of the first request `call` makes on `backend`, as a server receives them."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[bytes] = []

    def serve() -> None:
        sock, _ = listener.accept()
        with sock:
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: (\d+)", head)
            while length and len(body) < int(length.group(1)):
                body += sock.recv(65536)
            seen.append(head + b"\r\n\r\n" + body)
            sock.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    server = threading.Thread(target=serve)
    server.start()
    with (
        listener,
        ChatSDK(
            auth="AQVN-key",
            base_url=f"http://127.0.0.1:{port}/v1",
            folder_id="f",
            max_retries=0,
            http_backend=backend,
            default_headers={"X-Team": "a"},
        ) as sdk,
    ):
        with pytest.raises(Exception):  # noqa: B017 (only the request matters)
            call(sdk)
        server.join(10)
    (raw,) = seen
    raw = re.sub(rb"127\.0\.0\.1:\d+", b"HOST", raw)
    return re.sub(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"ID", raw)


@pytest.mark.parametrize(
    "call",
    [
        lambda sdk: sdk.chat.completions("m").run("hi", timeout=5),
        lambda sdk: list(sdk.chat.completions("m").run_stream("hi", timeout=5)),
        lambda sdk: (
            sdk.with_options(default_headers={"Accept": "text/x"})
            .chat.completions("m")
            .run("hi", timeout=5)
        ),
        lambda sdk: sdk.chat.completions.list(timeout=5),
    ],
    ids=["run", "stream", "given-accept", "get"],
)
def test_the_request_on_the_wire_is_byte_for_byte_httpx(call: Callable[[ChatSDK], object]) -> None:
    assert capture("http.client", call) == capture("httpx", call)


@pytest.mark.parametrize(
    "url",
    [
        "https://bücher.example:8443/v1/models",
        "http://[::1]:80/v1/models?a=1",
        "https://llm.api.cloud.yandex.net:443/v1/chat/completions",
        "http://127.0.0.1:8080/v1",
    ],
)
def test_the_host_and_target_are_httpxs(url: str) -> None:
    target = _Target(url, None)
    sent = httpx.Request("GET", url)
    assert target.host_header == sent.headers["host"]
    assert target.path == sent.url.raw_path.decode("ascii")


# --- the pool -------------------------------------------------------------------------------


def sdk_on(server: FaultServer, **kwargs: object) -> ChatSDK:
    return ChatSDK(auth="k", base_url=server.base_url, http_backend="http.client", **kwargs)  # type: ignore[arg-type]


def test_one_kept_connection_serves_calls_and_streams_one_after_another(
    server: FaultServer,
) -> None:
    server.plan(stream_ok())
    with sdk_on(server) as sdk:
        for _ in range(5):
            assert list(sdk.chat.completions("m").run_stream("hi"))[-1].text == "Hello there"
        server.plan(ok())
        for _ in range(5):
            assert sdk.chat.completions("m").run("hi").text == "hello"
        assert checked_out(sdk._transport.client) == 0
    assert accepted(server) == 1


def test_an_idle_connection_past_its_expiry_is_closed_and_replaced(server: FaultServer) -> None:
    with sdk_on(server) as sdk:
        sdk.chat.completions("m").run("hi")
        client = sdk._transport.client
        assert isinstance(client, StdlibClient)
        client._pool.expiry = 0.05
        time.sleep(0.2)
        sdk.chat.completions("m").run("hi")
        assert server.connections_once_settled(1) == 1  # the expired one was closed
    assert accepted(server) == 2


def test_an_idle_connection_the_server_closed_is_dropped_before_reuse(
    server: FaultServer,
) -> None:
    server.plan(echo())

    def hang_up_after(connection: Connection, request: Received) -> bool:
        echo().act(connection, request)
        # The FIN is sent before the server counts the connection closed (it closes after).
        connection.sock.shutdown(socket.SHUT_RDWR)
        return False

    server.plan(Fault("echo_then_hang_up", hang_up_after))
    with sdk_on(server, max_retries=0) as sdk:
        for i in range(3):
            assert sdk.chat.completions("m").run(f"call {i}").text == f"call {i}"
            assert server.connections_once_settled(0) == 0  # the server hung up
    assert accepted(server) == 3


def test_max_connections_makes_calls_wait_for_a_free_connection(server: FaultServer) -> None:
    server.plan(echo())
    with sdk_on(server, max_connections=2) as sdk:
        model = sdk.chat.completions("m")
        threads = [threading.Thread(target=model.run, args=(f"call {i}",)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert checked_out(sdk._transport.client) == 0
    assert server.requests == 8
    assert server.most_connections <= 2


def test_the_wait_for_a_connection_ends_by_the_calls_deadline(server: FaultServer) -> None:
    server.plan(first_chunk_then_wait(30))
    sdk = sdk_on(server, max_connections=1, max_retries=0)
    with sdk, sdk.chat.completions("m").run_stream("hold", timeout=60) as held:
        next(iter(held))
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            sdk.chat.completions("m").run("wait", timeout=0.5)
        assert time.monotonic() - started < 0.5 + SLACK
    assert server.requests == 1


def test_closing_from_another_thread_wakes_a_blocked_read(server: FaultServer) -> None:
    server.plan(stall(30))
    sdk = sdk_on(server, max_retries=0)
    failed: list[BaseException] = []

    def call() -> None:
        try:
            sdk.chat.completions("m").run("hi", timeout=60)
        except BaseException as exc:
            failed.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    wait_until(lambda: server.requests == 1)
    closed_at = time.monotonic()
    sdk.close()
    caller.join(10)
    assert not caller.is_alive()
    assert time.monotonic() - closed_at < 5  # the server would answer in 30 s
    assert len(failed) == 1
    assert isinstance(failed[0], APIConnectionError)


def test_forget_detaches_the_sockets_without_telling_the_server(server: FaultServer) -> None:
    with sdk_on(server) as sdk:
        sdk.chat.completions("m").run("hi")
        client = sdk._transport.client
        assert isinstance(client, StdlibClient)
        (connection,) = [c for kept in client._pool.idle.values() for c in kept]
        # A duplicate stands for the parent's descriptor: the server must see no EOF.
        twin = connection.sock.dup()
        client.forget()
        assert connection.sock.fileno() == -1
        time.sleep(0.2)
        assert server.open_connections == 1
        twin.close()
        assert server.connections_once_settled(0) == 0


# --- failures, as httpx's exceptions --------------------------------------------------------


@pytest.fixture
def client() -> Iterator[StdlibClient]:
    made = StdlibClient(verify=ssl_context(True), max_connections=4, routes={})
    yield made
    made.close()


def send(client: StdlibClient, url: str, timeout: float = 5) -> object:
    return client.send("GET", url, content=None, headers={}, timeout=httpx.Timeout(timeout))


def test_a_refused_connection_is_a_connect_error(client: StdlibClient) -> None:
    with pytest.raises(httpx.ConnectError) as caught:
        send(client, f"http://127.0.0.1:{closed_port()}/v1/models")
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


@contextlib.contextmanager
def answering(reply: bytes) -> Iterator[int]:
    """A port whose server reads once on each connection, sends `reply` and hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            with sock:
                sock.recv(65536)
                sock.sendall(reply)

    thread = threading.Thread(target=serve)
    thread.start()
    with listener:
        yield listener.getsockname()[1]
        listener.shutdown(socket.SHUT_RDWR)
    thread.join(10)


@pytest.fixture
def plain_port() -> Iterator[int]:
    """A port whose server answers anything (a TLS hello too) in plain HTTP, and hangs up."""
    with answering(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as port:
        yield port


def test_a_failed_tls_handshake_is_a_connect_error(client: StdlibClient, plain_port: int) -> None:
    with pytest.raises(httpx.ConnectError) as caught:
        send(client, f"https://127.0.0.1:{plain_port}/v1/models")
    assert isinstance(caught.value.__cause__, (ssl.SSLError, OSError))
    assert client.connections_in_use == 0


def test_an_untrusted_certificate_is_a_connect_error(client: StdlibClient) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        sock, _ = listener.accept()
        try:
            context.wrap_socket(sock, server_side=True).close()
        except (ssl.SSLError, OSError):
            sock.close()

    thread = threading.Thread(target=serve)
    thread.start()
    with listener, pytest.raises(httpx.ConnectError) as caught:
        send(client, f"https://127.0.0.1:{listener.getsockname()[1]}/v1/models")
    thread.join(10)
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)


def test_a_server_gone_before_answering_is_a_remote_protocol_error(
    client: StdlibClient, server: FaultServer
) -> None:
    server.plan(Fault("hang_up", lambda connection, request: False))
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        send(client, server.base_url + "/models")
    assert client.connections_in_use == 0


def test_a_stalled_answer_is_a_read_timeout_by_the_deadline(
    client: StdlibClient, server: FaultServer
) -> None:
    server.plan(stall(30))
    started = time.monotonic()
    with bounded_by_deadline(0.3), pytest.raises(httpx.ReadTimeout):
        send(client, server.base_url + "/models", timeout=60)
    assert time.monotonic() - started < 0.3 + SLACK
    assert client.connections_in_use == 0


def test_no_failure_leaves_a_socket_behind(
    client: StdlibClient, server: FaultServer, plain_port: int
) -> None:
    server.plan(Fault("hang_up", lambda connection, request: False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for url in (
            f"http://127.0.0.1:{closed_port()}/v1/models",
            f"https://127.0.0.1:{plain_port}/v1/models",
            server.base_url + "/models",
        ):
            with pytest.raises(httpx.TransportError):
                send(client, url)
        with bounded_by_deadline(0.0), pytest.raises(httpx.TimeoutException):
            send(client, server.base_url + "/models")
        client.close()
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_an_answer_with_connection_close_is_not_reused(server: FaultServer) -> None:
    def answer_and_close(connection: Connection, request: Received) -> bool:
        connection.send(200, b"{}", "application/json", connection="close")
        return True  # the server would go on: the client must not

    server.plan(Fault("connection_close", answer_and_close))
    client = StdlibClient(verify=ssl_context(True), max_connections=4, routes={})
    with contextlib.closing(client):
        for _ in range(2):
            response = send(client, server.base_url + "/models")
            assert isinstance(response, StdlibResponse)
            assert b"".join(response.iter_raw()) == b"{}"
        assert client._pool.idle_count == 0
    assert accepted(server) == 2


def test_header_bytes_beyond_ascii_are_decoded_as_httpx_decodes_them(
    client: StdlibClient,
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok"
    with answering(reply) as port:
        response = send(client, f"http://127.0.0.1:{port}/v1/models")
    assert isinstance(response, StdlibResponse)
    assert response.headers["x-name"] == "café"
    assert b"".join(response.iter_raw()) == b"ok"
