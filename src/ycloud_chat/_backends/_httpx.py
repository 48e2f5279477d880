"""httpx behind the backend interface: the SDK's pooled clients and a caller's, on both faces.

`HttpxAsyncClient` and `HttpxClient` wrap an httpx client (the SDK's own or a caller's) and
send the transport's requests over it, never following a redirect. `forget()` drops the pool
without closing it (see `_ownership`): the sockets of a sync pool are detached and their file
descriptors closed in this process only, so that no shutdown or TLS close_notify reaches the
peer that another process still talks to.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import httpx

from ._blocking import limits_for, pooled_transport
from ._intercept import AsyncInterceptableTransport

__all__ = ["HttpxAsyncClient", "HttpxClient", "async_httpx_client", "httpx_client"]

T = TypeVar("T")

# Clients dropped without being closed (their pool's event loop is gone, or they belong to the
# parent of this forked process): kept here, never used again, so that no finaliser touches
# their sockets or their event loop.
FORGOTTEN: list[object] = []


ClientT = TypeVar("ClientT", httpx.AsyncClient, httpx.Client)


class _Wrapped(Generic[ClientT]):
    __slots__ = ("client",)

    def __init__(self, client: ClientT) -> None:
        self.client: ClientT = client

    @property
    def is_closed(self) -> bool:
        """Whether the client is closed."""
        return self.client.is_closed

    @property
    def connections_in_use(self) -> int:
        """Connections held by a request or an unclosed response (of the unproxied pool)."""
        pool = getattr(self.client._transport, "_pool", None)
        if pool is None:
            return 0
        busy = [conn for conn in pool.connections if not (conn.is_idle() or conn.is_closed())]
        return len(pool._requests) + len(busy)


class HttpxAsyncClient(_Wrapped[httpx.AsyncClient]):
    """An `httpx.AsyncClient` behind the interface the transport uses."""

    __slots__ = ()

    async def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        """Send a request and return once the response's head has come; never redirect."""
        client = self.client
        request = client.build_request(
            method, url, content=content, headers=headers, timeout=timeout
        )
        # A caller-owned client may follow redirects; credentials must not.
        return await client.send(request, stream=True, follow_redirects=False)

    async def aclose(self) -> None:
        """Close the client and its pool."""
        await self.client.aclose()

    def forget(self) -> None:
        """Drop the client unclosed: its sockets belong to an event loop that is gone."""
        FORGOTTEN.append(self.client)


class HttpxClient(_Wrapped[httpx.Client]):
    """An `httpx.Client` behind the interface the transport uses."""

    __slots__ = ()

    def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        """Send a request and return once the response's head has come; never redirect."""
        client = self.client
        request = client.build_request(
            method, url, content=content, headers=headers, timeout=timeout
        )
        return client.send(request, stream=True, follow_redirects=False)

    def close(self) -> None:
        """Close the client and its pool."""
        self.client.close()

    def forget(self) -> None:
        """Drop the client unclosed, detaching its sockets (another process owns them)."""
        for transport in _transports(self.client):
            for connection in getattr(getattr(transport, "_pool", None), "connections", ()):
                _detach(connection)
        FORGOTTEN.append(self.client)


def async_httpx_client(
    verify: ssl.SSLContext | bool, max_connections: int, routes: dict[str, str | None]
) -> HttpxAsyncClient:
    """The async face's pooled httpx client, through the proxies of `routes`."""
    limits = limits_for(max_connections)

    def pooled(proxy: str | None = None) -> httpx.AsyncHTTPTransport:
        return AsyncInterceptableTransport(verify=verify, limits=limits, proxy=proxy)

    return HttpxAsyncClient(
        httpx.AsyncClient(
            transport=pooled(), mounts=_mounts(routes, pooled), follow_redirects=False
        )
    )


def httpx_client(
    verify: ssl.SSLContext | bool, max_connections: int, routes: dict[str, str | None]
) -> HttpxClient:
    """The sync face's pooled client, whose network I/O is bounded by the call's deadline."""
    limits = limits_for(max_connections)

    def pooled(proxy: str | None = None) -> httpx.HTTPTransport:
        return pooled_transport(verify, limits, proxy)

    return HttpxClient(
        httpx.Client(transport=pooled(), mounts=_mounts(routes, pooled), follow_redirects=False)
    )


def _mounts(routes: dict[str, str | None], pooled: Callable[[str], T]) -> dict[str, T | None]:
    """Httpx's mounts for the proxy routes: a pooled transport per proxy, None for direct."""
    return {pattern: None if url is None else pooled(url) for pattern, url in routes.items()}


def _transports(client: httpx.Client | httpx.AsyncClient) -> Iterator[Any]:
    yield client._transport
    yield from (mounted for mounted in client._mounts.values() if mounted is not None)


def _detach(connection: Any) -> None:
    """Close this process's file descriptor of a pooled connection, and nothing more."""
    inner = getattr(connection, "_connection", None)
    stream = getattr(inner, "_network_stream", None)
    sock = None if stream is None else stream.get_extra_info("socket")
    if sock is None or not hasattr(sock, "detach"):
        return
    descriptor = sock.detach()  # the socket object is closed for good, the peer told nothing
    if descriptor >= 0:
        os.close(descriptor)
