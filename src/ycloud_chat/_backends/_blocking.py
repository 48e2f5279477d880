"""The sync face's network backend: every connect, read and write ends by the call's deadline.

The async face bounds a call with a cancel scope. A blocking read cannot be cancelled from
outside, so the sync face's pool uses network streams that cap each connect, read and write at
what is left of the call's deadline (set for the current context by `bounded_by_deadline`),
and fail once nothing is left: a server that trickles bytes cannot keep a call alive past it.

httpcore is imported with the first client, not with this module: its classes are named here
for the type checker only, and the streams below work by duck typing at run time.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from .._constants import DEFAULT_LIMITS, DEFAULT_MAX_KEEPALIVE
from ._intercept import InterceptableTransport

if TYPE_CHECKING:
    import httpcore
    from httpcore import NetworkBackend as _NetworkBackend
    from httpcore import NetworkStream as _NetworkStream
else:
    _NetworkBackend = _NetworkStream = object

__all__ = ["bound_client", "bounded_by_deadline", "limits_for", "pooled_transport"]

# The monotonic time the current call must be over by (None: no deadline).
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "ycloud_chat_deadline", default=None
)


@contextlib.contextmanager
def bounded_by_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, the sync network streams give up after `seconds` in total."""
    if seconds is None:
        yield
        return
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def limits_for(max_connections: int) -> httpx.Limits:
    """An httpx pool's limits for `max_connections=` (the keep-alive ones as the defaults)."""
    return httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=min(max_connections, DEFAULT_MAX_KEEPALIVE),
        keepalive_expiry=DEFAULT_LIMITS.keepalive_expiry,
    )


def pooled_transport(
    verify: ssl.SSLContext | bool, limits: httpx.Limits, proxy: str | None = None
) -> httpx.HTTPTransport:
    """The sync face's pooled transport (through `proxy`), its I/O bounded by the deadline."""
    import httpcore

    context = httpx.create_ssl_context(verify=verify)
    transport = InterceptableTransport(verify=context, limits=limits, proxy=proxy)
    # httpx takes no network backend: its pool (a proxy's too) is still empty, so the backend
    # its connections will use can still be swapped for ours.
    transport._pool._network_backend = _DeadlineBackend(httpcore.SyncBackend())
    return transport


def bound_client(client: httpx.Client) -> bool:
    """Make a caller's client keep the SDK's deadlines too; True when all its transports do.

    The network backend of each httpx pool the client has (its transport and its mounts) is
    wrapped in the deadline-bounded one, for the connections it opens from now on. It bounds
    nothing outside the SDK's calls, where no deadline is set. A transport without such a pool
    (a mock, a custom transport) is left as it is: there the SDK checks its deadlines between
    reads only.
    """
    bound = True
    for transport in (client._transport, *client._mounts.values()):
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            bound = False
        elif not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return bound


def _bounded(timeout: float | None, error: str) -> float | None:
    """`timeout` capped at what is left of the deadline; httpcore's `error` once nothing is."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        import httpcore

        raise getattr(httpcore, error)("the call's deadline ran out")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(_NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, "ReadTimeout"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, "WriteTimeout"))

    def close(self) -> None:
        # A read blocked in another thread (a stream closed from there) wakes on a shutdown
        # only; a TLS socket's shutdown sends no close_notify. (A forked child never gets
        # here for its parent's connections: it detaches them, see `_ownership`.)
        sock = self._stream.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, "ConnectTimeout")
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(_NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, "ConnectTimeout")
        stream = self._backend.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, "ConnectTimeout")
        return _DeadlineStream(self._backend.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
