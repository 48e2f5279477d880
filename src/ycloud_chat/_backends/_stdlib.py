"""The sync face's default backend, on the standard library: sockets and `http.client`'s parser.

`StdlibClient` keeps a pool of keep-alive connections per origin (and proxy) and sends the
transport's requests with exactly the headers httpx would put on the wire. `http.client`
reads each answer's head and its framing (chunked or sized); the body comes raw, as sent:
the SDK decompresses it itself. Every connect, read and write is capped at what is left of
the call's deadline (`_blocking`'s `_DEADLINE`), so a server that trickles bytes cannot
hold a call past it. Failures are raised as the httpx exceptions they correspond to, so
both sync backends' failures are classified, retried and reported the same way.

A request on a kept connection that the server closed meanwhile is not retried here (nor
does httpcore): an idle connection found readable (closed, or sending unasked) is dropped
before reuse, and the rare race left is a `RemoteProtocolError` the SDK's retries cover.

Plain-HTTP proxies only (absolute-form for http:, a CONNECT tunnel for https:): an HTTPS or
SOCKS proxy keeps the httpx backend (see `_ownership`).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import http.client
import io
import os
import re
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from .._constants import DEFAULT_LIMITS, DEFAULT_MAX_KEEPALIVE
from .._proxies import proxy_for
from . import _intercept
from ._blocking import _DEADLINE
from ._httpx import FORGOTTEN
from ._interface import BackendRequest

__all__ = ["StdlibClient", "StdlibResponse"]


def _httpx_defaults() -> tuple[tuple[str, str], ...]:
    """What httpx's client adds unless the request names them (in this order, after Host).

    Read from httpx where it keeps them, else as httpx 0.28 writes them: the SDK's own
    requests name the encodings and the User-Agent, so these serve only requests that do not.
    """
    try:
        from httpx._client import ACCEPT_ENCODING, USER_AGENT
    except ImportError:  # pragma: no cover (a later httpx that moved them)
        ACCEPT_ENCODING, USER_AGENT = "gzip, deflate", f"python-httpx/{httpx.__version__}"
    return (
        ("Accept", "*/*"),
        ("Accept-Encoding", ACCEPT_ENCODING),
        ("Connection", "keep-alive"),
        ("User-Agent", USER_AGENT),
    )


_HTTPX_DEFAULTS = _httpx_defaults()
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # control characters, as h11 refuses
_CHUNK = 65536
_URLS_KEPT = 256

# (scheme, host, port, proxy URL or None): the connections that may serve one another.
Key = tuple[str, str, int, str | None]


class _Target:
    """What a URL resolves to, once: its pool key, request-target, Host and proxy credentials."""

    __slots__ = ("host_header", "key", "path", "proxy_auth", "tunnel")

    def __init__(self, url: str, proxy: str | None) -> None:
        parts = urlsplit(url)
        scheme = parts.scheme
        host = (parts.hostname or "").lower()
        if not host.isascii():  # an internationalised name, written as httpx writes it
            host = host.encode("idna").decode("ascii")
        port = parts.port or _DEFAULT_PORTS.get(scheme, 80)
        shown = f"[{host}]" if ":" in host else host
        self.host_header = shown if port == _DEFAULT_PORTS.get(scheme) else f"{shown}:{port}"
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        if not path.isascii():
            path = quote(path, safe="/%:@!$&'()*+,;=-._~?")
        self.key: Key = (scheme, host, port, proxy)
        self.proxy_auth: str | None = None
        self.tunnel: str | None = None
        if proxy is not None:
            proxied = urlsplit(proxy)
            if proxied.username is not None:
                pair = f"{unquote(proxied.username)}:{unquote(proxied.password or '')}"
                self.proxy_auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
            if scheme == "https":
                self.tunnel = f"{shown}:{port}"
            else:  # absolute-form: the proxy forwards it
                path = f"{scheme}://{self.host_header}{path}"
        self.path = path


def _request_head(method: str, target: _Target, headers: dict[str, str], size: int) -> bytes:
    """The request's head as httpx writes it: Host, its defaults, the given ones, the length."""
    named = {name.lower() for name in headers}
    lines = [f"{method} {target.path} HTTP/1.1"]
    if target.tunnel is None and target.proxy_auth is not None:
        lines.append(f"Proxy-Authorization: {target.proxy_auth}")
    if "host" not in named:
        lines.append(f"Host: {target.host_header}")
    sized = "content-length" in named or "transfer-encoding" in named
    if not size and not sized and method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0")
    lines.extend(f"{name}: {value}" for name, value in _HTTPX_DEFAULTS if name.lower() not in named)
    for name, value in headers.items():
        if not _TOKEN.fullmatch(name) or _BAD_VALUE.search(value):
            raise httpx.LocalProtocolError("the request cannot be sent as it is")
        lines.append(f"{name}: {value}")
    if size and not sized:
        lines.append(f"Content-Length: {size}")
    lines.append("\r\n")
    try:
        return "\r\n".join(lines).encode("ascii")
    except UnicodeEncodeError:
        raise httpx.LocalProtocolError("the request cannot be sent as it is") from None


def _left(timeout: float | None, error: type[httpx.TimeoutException]) -> float | None:
    """`timeout` capped at what is left of the call's deadline; `error` once nothing is."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the call's deadline ran out")
    return left if timeout is None else min(timeout, left)


class _Connection:
    """One socket, the key it serves, and since when it has been idle."""

    __slots__ = ("idle_since", "key", "read_timeout", "sock")

    def __init__(self, sock: socket.socket, key: Key) -> None:
        self.sock = sock
        self.key = key
        self.idle_since = 0.0
        self.read_timeout: float | None = None

    def makefile(self, mode: str) -> io.BufferedReader:
        """The reader `http.client.HTTPResponse` parses: each read capped by the deadline."""
        return io.BufferedReader(_BoundedReader(self), _CHUNK)

    def close(self) -> None:
        """Close the socket; a read blocked in another thread wakes on the shutdown."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def detach(self) -> None:
        """Close this process's file descriptor only: no shutdown, no TLS close_notify."""
        with contextlib.suppress(OSError):
            descriptor = self.sock.detach()
            if descriptor >= 0:
                os.close(descriptor)

    def is_stale(self) -> bool:
        """Whether the idle connection was closed by the server (or has bytes nobody asked)."""
        sock = self.sock
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock, select.POLLIN)
                return bool(poller.poll(0))
            return bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True


class _BoundedReader(io.RawIOBase):
    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        connection = self._connection
        connection.sock.settimeout(_left(connection.read_timeout, httpx.ReadTimeout))
        return connection.sock.recv_into(buffer)


class StdlibResponse:
    """An answer whose head has been read, its body read raw the way the transport reads httpx's."""

    __slots__ = (
        "_connection",
        "_pool",
        "_response",
        "headers",
        "is_closed",
        "request",
        "status_code",
    )

    is_stream_consumed = False  # the transport reads the raw body (`iter_raw`)

    def __init__(
        self,
        response: http.client.HTTPResponse,
        request: BackendRequest,
        connection: _Connection,
        pool: _Pool,
    ) -> None:
        self._response = response
        self._connection: _Connection | None = connection
        self._pool = pool
        self.request = request
        self.status_code = response.status
        self.headers = _headers(response.getheaders())
        self.is_closed = False

    def iter_raw(self) -> Iterator[bytes]:
        """The body as it arrives, undecoded; the connection goes back to the pool at its end."""
        response = self._response
        try:
            while chunk := response.read1(_CHUNK):
                yield chunk
            if response.length:
                raise http.client.IncompleteRead(b"", response.length)
        except BaseException as exc:
            self.close()
            if isinstance(exc, Exception) and not isinstance(exc, httpx.HTTPError):
                raise _httpx_error(exc, httpx.ReadTimeout, httpx.ReadError) from exc
            raise
        self._release(reusable=not response.will_close)

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as it arrives: undecoded too, as the SDK decodes it (`is_stream_consumed`)."""
        return self.iter_raw()

    def close(self) -> None:
        """Drop the connection: the rest of the body is not wanted (or could not be read)."""
        self._release(reusable=False)

    def _release(self, *, reusable: bool) -> None:
        connection, self._connection = self._connection, None
        self.is_closed = True
        if connection is not None:
            self._pool.release(connection, reusable=reusable)


def _headers(items: list[tuple[str, str]]) -> httpx.Headers:
    """A copy of the answer's headers (they outlive it, in results and errors, which pickle)."""
    try:
        return httpx.Headers(items)
    except UnicodeEncodeError:  # bytes beyond ASCII: decoded as httpx decodes them
        return httpx.Headers([(k.encode("latin-1"), v.encode("latin-1")) for k, v in items])


class _Pool:
    """The connections of one client: an idle list per key (newest last), a bound on all."""

    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self.max_idle = min(max_connections, DEFAULT_MAX_KEEPALIVE)
        self.expiry = DEFAULT_LIMITS.keepalive_expiry
        self.idle: dict[Key, list[_Connection]] = collections.defaultdict(list)
        self.busy: set[_Connection] = set()
        self.reserved = 0  # slots taken by connections being opened
        self.closed = False
        self.changed = threading.Condition(threading.Lock())

    @property
    def idle_count(self) -> int:
        return sum(len(kept) for kept in self.idle.values())

    def acquire(
        self, key: Key, wait: float | None, connect: Callable[[], socket.socket]
    ) -> _Connection:
        """A connection for `key`: an idle one still alive, else a new one once a slot is free."""
        ends = None if wait is None else time.monotonic() + wait
        while True:
            found, dropped = self._take(key, ends)
            for connection in dropped:
                connection.close()
            if found is None:
                break
            if not found.is_stale():
                return found
            self.release(found, reusable=False)
        try:
            sock = connect()
        except BaseException:
            with self.changed:
                self.reserved -= 1
                self.changed.notify()
            raise
        connection = _Connection(sock, key)
        with self.changed:
            self.reserved -= 1
            if self.closed:
                connection.close()
                raise httpx.ConnectError("the client was closed")
            self.busy.add(connection)
        return connection

    def _take(self, key: Key, ends: float | None) -> tuple[_Connection | None, list[_Connection]]:
        """An idle connection (None: a slot reserved for a new one), and the expired ones."""
        dropped: list[_Connection] = []
        with self.changed:
            while True:
                if self.closed:
                    raise httpx.ConnectError("the client was closed")
                now = time.monotonic()
                self._drop_expired(now, dropped)
                kept = self.idle.get(key)
                if kept:
                    connection = kept.pop()
                    self.busy.add(connection)
                    return connection, dropped
                idle = self.idle_count
                if len(self.busy) + self.reserved + idle < self.max_connections:
                    self.reserved += 1
                    return None, dropped
                if idle:  # make room: the longest idle connection of another origin goes
                    oldest = min(
                        (kept for kept in self.idle.values() if kept),
                        key=lambda kept: kept[0].idle_since,
                    )
                    dropped.append(oldest.pop(0))
                    continue
                left = None if ends is None else ends - now
                if left is not None and left <= 0:
                    raise httpx.PoolTimeout("no connection of the pool became free in time")
                self.changed.wait(left)

    def _drop_expired(self, now: float, dropped: list[_Connection]) -> None:
        """Move the connections idle for longer than the expiry (oldest first) to `dropped`."""
        if self.expiry is None:
            return
        for kept in self.idle.values():
            while kept and now - kept[0].idle_since > self.expiry:
                dropped.append(kept.pop(0))

    def release(self, connection: _Connection, *, reusable: bool) -> None:
        """Give a connection back: kept idle when reusable (and room is left), else closed."""
        with self.changed:
            self.busy.discard(connection)
            keep = reusable and not self.closed and self.idle_count < self.max_idle
            if keep:
                connection.idle_since = time.monotonic()
                self.idle[connection.key].append(connection)
            self.changed.notify()
        if not keep:
            connection.close()

    def take_all(self) -> list[_Connection]:
        """Every connection, idle or busy; the pool closed for good."""
        with self.changed:
            self.closed = True
            connections = [*self.busy, *(c for kept in self.idle.values() for c in kept)]
            self.idle.clear()
            self.changed.notify_all()
        return connections


class StdlibClient:
    """A pooled HTTP/1.1 client on sockets and `http.client`, behind the backend interface."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext,
        max_connections: int,
        routes: dict[str, str | None],
    ) -> None:
        self.ssl_context = verify
        self._routes = routes
        self._pool = _Pool(max_connections)
        self._targets: dict[str, _Target] = {}
        self.is_closed = False

    @property
    def connections_in_use(self) -> int:
        """Connections held by a request or a response that is not released yet."""
        return len(self._pool.busy)

    def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> StdlibResponse | httpx.Response:
        """Send a request and return once the response's head has come; never redirects.

        While the testing kit intercepts the SDK's clients, its stand-in answers instead.
        """
        request = BackendRequest(method, url, headers, content, timeout)
        stand_in = _intercept.stand_in()
        if stand_in is not None:
            as_httpx = request.as_httpx()
            answer = stand_in.handle_request(as_httpx)
            answer.request = as_httpx
            return answer
        target = self._target(url)
        head = _request_head(method, target, headers, len(content) if content else 0)
        pool_wait = _left(timeout.pool, httpx.PoolTimeout)
        connection = self._pool.acquire(
            target.key, pool_wait, lambda: self._connect(target, timeout.connect)
        )
        try:
            self._write(connection, head, content, timeout.write)
            connection.read_timeout = timeout.read
            response = http.client.HTTPResponse(connection, method=method)  # type: ignore[arg-type]
            try:
                response.begin()
            except httpx.HTTPError:
                raise
            except Exception as exc:
                raise _httpx_error(exc, httpx.ReadTimeout, httpx.ReadError) from exc
        except BaseException:
            self._pool.release(connection, reusable=False)
            raise
        return StdlibResponse(response, request, connection, self._pool)

    def close(self) -> None:
        """Close the pool and its connections (a read blocked in another thread wakes)."""
        self.is_closed = True
        for connection in self._pool.take_all():
            connection.close()

    def forget(self) -> None:
        """Drop the pool unclosed, detaching its sockets (another process owns them)."""
        self.is_closed = True
        # After a fork the parent's lock may be held by a thread that is not in this process.
        self._pool.changed = threading.Condition(threading.Lock())
        for connection in self._pool.take_all():
            connection.detach()
        FORGOTTEN.append(self)

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            if len(self._targets) >= _URLS_KEPT:
                self._targets.clear()
            target = self._targets[url] = _Target(url, proxy_for(self._routes, url))
        return target

    def _connect(self, target: _Target, timeout: float | None) -> socket.socket:
        """A connected socket for `target`: through its proxy, TLS when https."""
        scheme, host, port, proxy = target.key
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"the URL's scheme must be http or https: {scheme}")
        address = (host, port)
        if proxy is not None:
            proxied = urlsplit(proxy)
            address = ((proxied.hostname or "").lower(), proxied.port or 80)
        try:
            sock = socket.create_connection(address, _left(timeout, httpx.ConnectTimeout))
        except httpx.HTTPError:
            raise
        except Exception as exc:
            raise _httpx_error(exc, httpx.ConnectTimeout, httpx.ConnectError) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if target.tunnel is not None:
                self._open_tunnel(sock, target, timeout)
            if scheme == "https":
                sock = self._start_tls(sock, host, timeout)
        except BaseException:
            sock.close()
            raise
        return sock

    def _open_tunnel(self, sock: socket.socket, target: _Target, timeout: float | None) -> None:
        """Ask the proxy for a tunnel to the target (CONNECT), as httpcore asks."""
        lines = [f"CONNECT {target.tunnel} HTTP/1.1", f"Host: {target.tunnel}", "Accept: */*"]
        if target.proxy_auth is not None:
            lines.append(f"Proxy-Authorization: {target.proxy_auth}")
        lines.append("\r\n")
        connection = _Connection(sock, target.key)
        connection.read_timeout = timeout
        try:
            sock.settimeout(_left(timeout, httpx.ConnectTimeout))
            sock.sendall("\r\n".join(lines).encode("ascii"))
            response = http.client.HTTPResponse(connection, method="CONNECT")  # type: ignore[arg-type]
            response.begin()
        except httpx.HTTPError:
            raise
        except Exception as exc:
            raise _httpx_error(exc, httpx.ConnectTimeout, httpx.ProxyError) from exc
        if not 200 <= response.status < 300:
            raise httpx.ProxyError(f"the proxy refused the tunnel: {response.status}")

    def _start_tls(self, sock: socket.socket, host: str, timeout: float | None) -> socket.socket:
        try:
            wrapped = self.ssl_context.wrap_socket(
                sock, server_hostname=host, do_handshake_on_connect=False
            )
        except Exception as exc:
            raise _httpx_error(exc, httpx.ConnectTimeout, httpx.ConnectError) from exc
        try:
            wrapped.settimeout(_left(timeout, httpx.ConnectTimeout))
            wrapped.do_handshake()
        except httpx.HTTPError:
            wrapped.close()
            raise
        except Exception as exc:
            wrapped.close()
            raise _httpx_error(exc, httpx.ConnectTimeout, httpx.ConnectError) from exc
        except BaseException:
            wrapped.close()
            raise
        return wrapped

    @staticmethod
    def _write(
        connection: _Connection, head: bytes, content: bytes | None, timeout: float | None
    ) -> None:
        sock = connection.sock
        try:
            sock.settimeout(_left(timeout, httpx.WriteTimeout))
            if content and len(content) <= _CHUNK:
                sock.sendall(head + content)
                return
            sock.sendall(head)
            if content:
                sock.settimeout(_left(timeout, httpx.WriteTimeout))
                sock.sendall(content)
        except OSError as exc:
            raise _httpx_error(exc, httpx.WriteTimeout, httpx.WriteError) from exc


def _httpx_error(
    exc: Exception, timed_out: type[httpx.HTTPError], broken: type[httpx.HTTPError]
) -> httpx.HTTPError:
    """The httpx exception a socket or `http.client` failure corresponds to, in that phase."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, http.client.RemoteDisconnected):
        return httpx.RemoteProtocolError("the server disconnected without sending a response")
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(f"the answer is not valid HTTP: {message}")
    if isinstance(exc, TimeoutError):
        return timed_out(message)
    if isinstance(exc, OSError):
        return broken(message)
    return httpx.RemoteProtocolError(message)
