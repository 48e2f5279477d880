"""Serve an httpx test transport on a loopback port, so that tests can run over real sockets.

The async face's aiohttp backend takes no httpx transport: the tests that replay recordings
(or script the testing kit) serve the same transport here and point the SDK at it. Each
request reaches the transport as the SDK meant it: with the URL of the SDK's own base_url.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

# The body goes out decoded, in chunks.
_SKIPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection"}

# While a test runs on the aiohttp backend (the `http_backend` fixture): the servers it
# started, closed after it. None otherwise, and the tests answer through httpx transports.
SERVERS: ExitStack | None = None


class QuietHTTPServer(ThreadingHTTPServer):
    """A test server: a client that hangs up mid-answer (a stream closed early, a process
    killed) is no error to print."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(transport: Any, origin: str) -> Iterator[str]:
    """Serve `transport` on 127.0.0.1 and yield the base URL to send to instead of `origin`.

    `transport` is an httpx transport that also answers blocking calls (`handle_request`),
    as `httpx.MockTransport` and the testing kit's do.
    """

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            request = httpx.Request(
                self.command,
                origin + self.path,
                headers=[(name, value) for name, value in self.headers.items()],
                content=body,
            )
            response = transport.handle_request(request)
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in _SKIPPED_HEADERS:
                    self.send_header(name, value)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            try:
                for chunk in response.iter_bytes():
                    if chunk:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            finally:
                response.close()

    server = QuietHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
