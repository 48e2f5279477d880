"""A fault-injection HTTP/1.1 server on 127.0.0.1, on raw sockets in threads.

Each request takes the next `Fault` from the plan (the last one repeats): a normal answer, or
a reset, a stall, a body cut halfway, a bad body, an error status... The server counts the
requests it received and the connections open right now, so a test can check the number of
attempts the SDK made and what it left behind. Connections are kept alive as HTTP/1.1 wants,
so the SDK's pool is really used.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.helpers import chunk, completion, sse

# What a fault does with one request: answer on the connection; return False to close it.
Action = Callable[["Connection", "Received"], bool]


@dataclass
class Fault:
    """One planned answer: its name (for the tally) and what it does."""

    name: str
    act: Action


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """The method, path and headers (names in lower case) of a request's head."""
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, path, headers


class Connection:
    """One accepted socket, with helpers to answer on it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self.stopping = stopping
        self.buffer = b""

    def read_request(self) -> Received | None:
        """The next request on this connection, or None when the client closed it."""
        while b"\r\n\r\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        method, path, headers = parse_head(head)
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buffer += data
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Received(method, path, headers, body)

    def send_head(self, status: int, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send(self, status: int, body: bytes, content_type: str, **headers: str) -> bool:
        all_headers = {"content-type": content_type, "content-length": str(len(body))}
        all_headers.update({name.replace("_", "-"): value for name, value in headers.items()})
        self.send_head(status, all_headers)
        self.sock.sendall(body)
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep; return False early when the client hung up or the server stops."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stopping.is_set():
            readable, _, _ = select.select([self.sock], [], [], 0.02)
            if readable and not self.sock.recv(1, socket.MSG_PEEK):
                return False
        return not self.stopping.is_set()

    def reset(self) -> bool:
        """Close with an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False


class FaultServer:
    """The server: `plan(...)` the faults, point the SDK at `base_url`, read the counts."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.received: list[Received] = []
        self.open_connections = 0
        self.most_connections = 0  # the most open at once
        self._plan: list[Fault] = [ok()]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> FaultServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def plan(self, *faults: Fault) -> None:
        """Answer the next requests with these faults, in order; the last one repeats."""
        with self._lock:
            self._plan = list(faults)
            self.received.clear()

    @property
    def requests(self) -> int:
        """How many requests arrived since the last `plan()`."""
        with self._lock:
            return len(self.received)

    def connections_once_settled(self, expected: int, seconds: float = 15) -> int:
        """The open connections, once they are `expected` or `seconds` have passed.

        A client's closed socket is counted once the server's thread for it reads the end,
        which on a busy machine may come a while after the client is gone.
        """
        given_up = time.monotonic() + seconds
        while self.open_connections != expected and time.monotonic() < given_up:
            time.sleep(0.01)
        return self.open_connections

    def stop(self) -> None:
        self._stopping.set()
        _shutdown(self.listener)  # wakes the blocked accept()
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                _shutdown(sock)
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            with self._lock:
                self._sockets.add(sock)
                self.open_connections += 1
                self.most_connections = max(self.most_connections, self.open_connections)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        connection = Connection(sock, self._stopping)
        try:
            while not self._stopping.is_set():
                request = connection.read_request()
                if request is None:
                    return
                if not self._next_fault(request).act(connection, request):
                    return
        except OSError:
            pass  # the client went away mid-answer: that is what some faults provoke
        finally:
            with self._lock:
                self._sockets.discard(sock)
                self.open_connections -= 1
            sock.close()

    def _next_fault(self, request: Received) -> Fault:
        with self._lock:
            self.received.append(request)
            index = min(len(self.received), len(self._plan)) - 1
            return self._plan[index]


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def checked_out(client: object) -> int:
    """Connections of an SDK's client held by a request or an unclosed response."""
    in_use: int = getattr(client, "connections_in_use")  # noqa: B009  (every backend has it)
    return in_use


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

STREAM_EVENTS = [chunk("Hel"), chunk("lo"), chunk(" there"), chunk(finish_reason="stop")]


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _sse_body(*payloads: Any) -> bytes:
    return b"".join(sse(*payloads))


# The faults. Each returns a `Fault`; their names are what the tally counts.


def echo() -> Fault:
    """Answer each request with its own last message: JSON, or an event stream if asked."""

    def act(connection: Connection, request: Received) -> bool:
        body = json.loads(request.body)
        text = body["messages"][-1]["content"]
        if body["stream"]:
            events = _sse_body(chunk(text[:3]), chunk(text[3:], finish_reason="stop"), "[DONE]")
            return connection.send(200, events, "text/event-stream")
        return connection.send(200, _json(completion(text)), "application/json")

    return Fault("echo", act)


def fail_first_attempt(first: Fault, then: Fault) -> Fault:
    """Answer each call's first attempt (by its request id) with `first`, retries with `then`."""
    seen: set[str] = set()
    lock = threading.Lock()

    def act(connection: Connection, request: Received) -> bool:
        request_id = request.headers["x-client-request-id"]
        with lock:
            retry = request_id in seen
            seen.add(request_id)
        return (then if retry else first).act(connection, request)

    return Fault(f"{first.name}_then_{then.name}", act)


def ok(text: str = "hello") -> Fault:
    """A normal answer: a JSON completion."""

    def act(connection: Connection, request: Received) -> bool:
        return connection.send(200, _json(completion(text)), "application/json")

    return Fault("ok", act)


def stream_ok() -> Fault:
    """A whole event stream: four chunks, then `[DONE]`."""
    body = _sse_body(*STREAM_EVENTS, "[DONE]")
    return Fault("stream_ok", lambda c, _: c.send(200, body, "text/event-stream"))


def reset() -> Fault:
    """Read the request, then reset the connection without answering."""
    return Fault("reset", lambda c, _: c.reset())


def stall(seconds: float) -> Fault:
    """Wait before sending the headers (the SDK's timeout should give up first)."""

    def act(connection: Connection, request: Received) -> bool:
        if not connection.wait(seconds):
            return False
        return connection.send(200, _json(completion()), "application/json")

    return Fault("stall_before_headers", act)


def trickle(interval: float, total: int = 400) -> Fault:
    """Headers at once, then one byte of body every `interval` seconds."""

    def act(connection: Connection, request: Received) -> bool:
        body = _json(completion()).ljust(total)
        connection.send_head(200, {"content-type": "application/json", "content-length": "400"})
        for index in range(total):
            connection.sock.sendall(body[index : index + 1])
            if not connection.wait(interval):
                return False
        return True

    return Fault("trickle_body", act)


def cut_body() -> Fault:
    """Promise a whole JSON body, send half of it and close."""

    def act(connection: Connection, request: Received) -> bool:
        body = _json(completion("a long answer " * 20))
        connection.send_head(
            200, {"content-type": "application/json", "content-length": str(len(body))}
        )
        connection.sock.sendall(body[: len(body) // 2])
        return False

    return Fault("cut_body", act)


def cut_stream() -> Fault:
    """Promise a whole event stream, send its first two events and close."""

    def act(connection: Connection, request: Received) -> bool:
        whole = _sse_body(*STREAM_EVENTS, "[DONE]")
        half = _sse_body(*STREAM_EVENTS[:2])
        connection.send_head(
            200, {"content-type": "text/event-stream", "content-length": str(len(whole))}
        )
        connection.sock.sendall(half)
        return False

    return Fault("cut_stream", act)


def malformed_json() -> Fault:
    """A 200 whose JSON body is broken."""
    body = b'{"id": "r1", "choi'
    return Fault("malformed_json", lambda c, _: c.send(200, body, "application/json"))


def html_error(status: int = 502) -> Fault:
    """An HTML error page, as a proxy in front of the API sends."""
    page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    return Fault(f"html_{status}", lambda c, _: c.send(status, page, "text/html"))


def error_event() -> Fault:
    """A stream that sends one chunk, then an `error` event."""
    first = _sse_body(chunk("Hel"))
    error = b'event: error\ndata: {"error": {"message": "model crashed", "code": 500}}\n\n'

    def act(connection: Connection, request: Received) -> bool:
        length = str(len(first) + len(error))
        connection.send_head(200, {"content-type": "text/event-stream", "content-length": length})
        connection.sock.sendall(first)
        # The crash comes later than the first chunk, in its own packet.
        if not connection.wait(0.05):
            return False
        connection.sock.sendall(error)
        return True

    return Fault("sse_error_event", act)


def first_chunk_then_wait(seconds: float) -> Fault:
    """A stream's first chunk, then nothing for `seconds` (then the rest)."""
    first = _sse_body(chunk("Hel"))
    rest = _sse_body(chunk("lo", finish_reason="stop"), "[DONE]")

    def act(connection: Connection, request: Received) -> bool:
        connection.send_head(200, {"content-type": "text/event-stream"})
        connection.sock.sendall(first)
        if not connection.wait(seconds):
            return False
        connection.sock.sendall(rest)
        return False

    return Fault("first_chunk_then_wait", act)


def gzipped(*, stream: bool = False, broken: bool = False) -> Fault:
    """A gzip-compressed answer (JSON, or an event stream), or one that is not gzip at all."""
    body = _sse_body(*STREAM_EVENTS, "[DONE]") if stream else _json(completion("hello"))
    body = b"this is not gzip" if broken else gzip.compress(body)
    content_type = "text/event-stream" if stream else "application/json"
    return Fault(
        "bad_gzip" if broken else "gzip",
        lambda c, _: c.send(200, body, content_type, content_encoding="gzip"),
    )


def status(code: int, message: str = "busy", **headers: str) -> Fault:
    """An error status with an API error body and any headers (e.g. retry_after='1')."""
    body = _json({"error": {"message": message, "code": code}})

    def act(connection: Connection, request: Received) -> bool:
        return connection.send(code, body, "application/json", x_request_id="srv-1", **headers)

    return Fault(f"status_{code}", act)


@dataclass
class Tally:
    """The figures of the fault suite, printed at the end of the test session."""

    tried: int = 0
    passed: int = 0
    retries: int = 0
    leaked: int = 0
    secret_leaks: int = 0
    kinds: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        return [
            f"faults tried: {self.tried} ({len(self.kinds)} kinds), passed: {self.passed}",
            f"retries made: {self.retries}",
            f"connections leaked: {self.leaked}",
            f"secret leaks found: {self.secret_leaks}",
        ]

    def figures(self) -> dict[str, Any]:
        """The figures as plain data, for a pytest-xdist worker to send to the controller."""
        return {**asdict(self), "kinds": sorted(self.kinds)}

    def add(self, figures: dict[str, Any]) -> None:
        """Add a worker's figures (from `figures()`) to these."""
        for name in ("tried", "passed", "retries", "leaked", "secret_leaks"):
            setattr(self, name, getattr(self, name) + figures[name])
        self.kinds.update(figures["kinds"])


TALLY = Tally()
