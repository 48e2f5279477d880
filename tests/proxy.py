"""A real HTTP proxy and a TLS front on loopback, for the proxy tests of both faces.

`Proxy` is what a corporate network has: it answers `CONNECT host:port` by opening a tunnel,
and forwards plain `http://` requests sent to it in absolute form. It resolves names from its
own table (`routes`), so a test can use names this machine cannot resolve (`.test` names never
do): a request that reaches the server went through the proxy. Everything the proxy can read
(request heads, forwarded bodies; not what travels inside a tunnel) is kept in `seen`.

`TLSFront` serves HTTPS for some names with a certificate of a test CA and passes the
decrypted bytes on to a plain local server (a `FakeChatAPI` served on loopback).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Proxy", "TLSFront", "relay"]


def relay(one: socket.socket, other: socket.socket) -> None:
    """Pass bytes both ways until either side closes, then close both."""

    def pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for side in (source, target):
                with contextlib.suppress(OSError):
                    side.shutdown(socket.SHUT_RDWR)

    back = threading.Thread(target=pump, args=(other, one), daemon=True)
    back.start()
    pump(one, other)
    back.join()
    one.close()
    other.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Service:
    """A server run in a thread for the length of a `with` block."""

    _server: _Server

    @contextlib.contextmanager
    def running(self) -> Iterator[Self]:
        """Serve in a thread for the `with` block."""
        thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()


class Proxy(_Service):
    """An HTTP proxy on 127.0.0.1: CONNECT tunnels and forwarding, with optional Basic auth."""

    def __init__(self, routes: Mapping[str, int], *, credentials: str | None = None) -> None:
        self.routes = dict(routes)  # host name -> loopback port it stands for
        self.credentials = credentials  # base64 of "user:password", when the proxy wants one
        self.seen: list[bytes] = []  # what the proxy could read, one entry per request
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.connection, self.rfile)

        self._server = _Server(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        """The proxy's URL, as `HTTPS_PROXY` or `proxy=` take it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def connects(self) -> list[str]:
        """The `host:port` of every CONNECT the proxy was asked for."""
        lines = [entry.split(b"\r\n", 1)[0].decode() for entry in self.seen]
        return [line.split()[1] for line in lines if line.startswith("CONNECT ")]

    def _handle(self, client: socket.socket, reader: Any) -> None:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = reader.readline(65536)
            if not line:
                return
            head += line
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        headers = _headers(head)
        body = reader.read(int(headers.get("content-length", "0")))
        self.seen.append(head + body)
        if self.credentials and headers.get("proxy-authorization") != f"Basic {self.credentials}":
            client.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
            )
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = self._open(host, int(port))
            if upstream is None:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay(client, upstream)
            return
        # A forwarded request: `POST http://host:port/path HTTP/1.1`, sent on in origin form.
        scheme, _, rest = target.partition("://")
        authority, _, path = rest.partition("/")
        host, _, port = authority.partition(":")
        upstream = self._open(host, int(port or 80))
        if upstream is None or scheme != "http":
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        lines = head.decode("latin-1").split("\r\n")[1:]
        kept = [line for line in lines if line and not line.lower().startswith("proxy-")]
        request = [f"{method} /{path} HTTP/1.1", *kept, "Connection: close", "", ""]
        upstream.sendall("\r\n".join(request).encode("latin-1") + body)
        relay(client, upstream)

    def _open(self, host: str, port: int) -> socket.socket | None:
        routed = self.routes.get(host)
        if routed is None:
            return None
        return socket.create_connection(("127.0.0.1", routed))


class TLSFront(_Service):
    """HTTPS on 127.0.0.1 with a test CA's certificate, relayed to a plain local port."""

    def __init__(self, context: ssl.SSLContext, backend_port: int) -> None:
        front = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    secure = context.wrap_socket(self.request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                relay(secure, socket.create_connection(("127.0.0.1", front.backend_port)))

        self.backend_port = backend_port
        self._server = _Server(("127.0.0.1", 0), Handler)

    @property
    def port(self) -> int:
        """The loopback port the front listens on."""
        port: int = self._server.server_address[1]
        return port


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return {name.strip().lower(): value.strip() for name, value in pairs}
