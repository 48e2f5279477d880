"""The hook behind `FakeChatAPI.intercept()`: the SDK's own clients answered by a stand-in.

The pooled transports the SDK makes on httpx are these subclasses of httpx's, and the aiohttp
backend's client asks `stand_in()` itself: while a stand-in is set, every request goes to it
instead of the network. A client made before the stand-in was set is answered too, so an SDK
made at import time is covered.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol, TypeVar

import httpx

__all__ = [
    "AsyncInterceptableTransport",
    "InterceptableTransport",
    "StandIn",
    "intercepted",
    "stand_in",
]

T = TypeVar("T")


class StandIn(Protocol):
    """A transport for both faces, such as the testing kit's `FakeTransport`."""

    def handle_request(self, request: httpx.Request) -> httpx.Response: ...

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response: ...


_stand_in: StandIn | None = None
_lock = threading.Lock()


class InterceptableTransport(httpx.HTTPTransport):
    """httpx's pooled transport, answered by the stand-in while one is set."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stand_in = _stand_in
        if stand_in is not None:
            return stand_in.handle_request(request)
        return super().handle_request(request)


class AsyncInterceptableTransport(httpx.AsyncHTTPTransport):
    """httpx's async pooled transport, answered by the stand-in while one is set."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        stand_in = _stand_in
        if stand_in is not None:
            return await stand_in.handle_async_request(request)
        return await super().handle_async_request(request)


def stand_in() -> StandIn | None:
    """The stand-in answering the SDK's clients now, if any (the aiohttp backend asks)."""
    return _stand_in


@contextlib.contextmanager
def intercepted(stand_in: StandIn, value: T) -> Iterator[T]:
    """Within the block, `stand_in` answers every SDK-made client; yield `value`."""
    global _stand_in
    with _lock:
        if _stand_in is not None:
            raise RuntimeError("another FakeChatAPI already answers the SDK's clients")
        _stand_in = stand_in
    try:
        yield value
    finally:
        with _lock:
            _stand_in = None
