"""What the transport asks of an HTTP backend: a client that sends, and the response it gives.

Both faces' backends offer these: httpx's clients (through `_httpx`'s adapters), the aiohttp
client (`_aiohttp`) and the standard library's (`_stdlib`). A response is httpx's own, or
the other backends' in httpx's shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Protocol

import httpx

__all__ = [
    "AnyResponse",
    "AsyncHTTPClient",
    "AsyncHTTPResponse",
    "BackendRequest",
    "HTTPClient",
    "HTTPResponse",
    "SentRequest",
]


class SentRequest(Protocol):
    """The request a response answers: what the logs name, and its timeouts."""

    @property
    def method(self) -> str: ...

    @property
    def url(self) -> object: ...

    @property
    def extensions(self) -> Mapping[str, Any]: ...


class BackendRequest:
    """What one attempt of an SDK-own backend sends: method, URL, headers, body, timeouts."""

    __slots__ = ("content", "extensions", "headers", "method", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        timeout: httpx.Timeout,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content
        self.extensions = {"timeout": timeout.as_dict()}

    def as_httpx(self) -> httpx.Request:
        """The same request as httpx's, for the testing kit's stand-in (see `_intercept`)."""
        return httpx.Request(
            self.method,
            self.url,
            headers=self.headers,
            content=self.content,
            extensions=self.extensions,
        )


class _Response(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def request(self) -> SentRequest: ...

    @property
    def is_closed(self) -> bool: ...

    @property
    def is_stream_consumed(self) -> bool: ...


class AsyncHTTPResponse(_Response, Protocol):
    """An answer whose body is still to read (raw, or decoded by the backend)."""

    def aiter_raw(self) -> AsyncIterator[bytes]: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class HTTPResponse(_Response, Protocol):
    """An answer whose body is still to read (raw, or decoded by the backend)."""

    def iter_raw(self) -> Iterator[bytes]: ...

    def iter_bytes(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


AnyResponse = AsyncHTTPResponse | HTTPResponse


class AsyncHTTPClient(Protocol):
    """A pooled client: sends one request and returns once the answer's head has come."""

    @property
    def is_closed(self) -> bool: ...

    async def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> AsyncHTTPResponse: ...

    async def aclose(self) -> None: ...

    def forget(self) -> None:
        """Drop the client unclosed, never touching its sockets or its event loop again."""


class HTTPClient(Protocol):
    """A pooled client: sends one request and returns once the answer's head has come."""

    @property
    def is_closed(self) -> bool: ...

    def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> HTTPResponse: ...

    def close(self) -> None: ...

    def forget(self) -> None:
        """Drop the client unclosed, never touching its sockets again (another owns them)."""
