"""Serve a `FakeChatAPI` on a real loopback port with the standard library's HTTP server."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ._fake import FakeChatAPI, RecordedRequest
    from ._wire import Planned

__all__ = ["serve"]


@contextlib.contextmanager
def serve(fake: FakeChatAPI, host: str, port: int) -> Iterator[str]:
    """Run the server in a thread for the `with` block; yield its base URL (`.../v1`)."""
    server = _Server((host, port), _Handler, fake)
    thread = threading.Thread(target=server.serve_forever, name="FakeChatAPI", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.stop()
        thread.join()


class _Server(ThreadingHTTPServer):
    """Joins its handler threads on close, after cutting the connections they wait on."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: Any, fake: FakeChatAPI) -> None:
        self.fake = fake
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (a test leaving a stream early) is no error.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        """End waits and idle keep-alive connections, then join every handler thread."""
        self.stopping.set()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    """Answers each request with what the fake planned for it."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: test output is not the place for an access log."""

    def _answer(self) -> None:
        content = self._read_body()
        planned, record = self.server.fake.answer(
            self.command,
            urlsplit(self.path).path,
            dict(self.headers.items()),
            content,
            host=urlsplit(f"//{self.headers.get('Host', '')}").hostname or "",
        )
        if planned.delay and self.server.stopping.wait(planned.delay):
            self.close_connection = True
            return
        try:
            self._send(planned, record)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            record.response_closed = True

    def _read_body(self) -> bytes:
        """The request body, sent with a `Content-Length` or in chunks."""
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                break
            parts.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline().strip():  # trailer fields, up to the blank line
            pass
        return b"".join(parts)

    def _send(self, planned: Planned, record: RecordedRequest) -> None:
        self.send_response(planned.status)
        for name, value in planned.headers:
            self.send_header(name, value)
        if planned.stream:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(sum(map(len, planned.pieces))))
        self.end_headers()
        for index, piece in enumerate(planned.pieces):
            if index and planned.chunk_delay and self.server.stopping.wait(planned.chunk_delay):
                self.close_connection = True
                return
            self.wfile.write(
                f"{len(piece):X}\r\n".encode() + piece + b"\r\n" if planned.stream else piece
            )
            self.wfile.flush()
        if planned.stream:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        record.response_completed = True
