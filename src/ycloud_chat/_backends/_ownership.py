"""Which client serves this process and this event loop: the one rule, for both faces.

An SDK and its `with_options` copies share one `ClientPool` (sync) or `AsyncClientPool`.
It makes the SDK's own client on first use, and

- per process: after a fork the child never uses a client its parent made; it makes its own
  (and fresh locks) on first use, and drops the parent's without closing them
  (`os.register_at_fork`, and a pid check on use for a fork that skips the hooks);
- per event loop, on the async face: each loop (an `asyncio.run`, a thread's own loop, a
  `trio.run`) gets a client of its own, closed on that loop when the loop shuts down. An
  async generator parked on the loop does it: loops close the async generators still alive
  as they end (asyncio.run, trio.run), while the loop can still run the client's close;
- at exit: what is still open is closed when that needs no event loop, dropped quietly when
  it does.

A caller's `http_client` is the caller's: served as it is, never closed or replaced.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import ssl
import sys
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from .._arguments import HTTPBackend, check_http_backend
from .._constants import DEFAULT_LIMITS, ENV_HTTP_BACKEND
from .._exceptions import ClientClosedError, ConfigurationError
from ._interface import AsyncHTTPClient, HTTPClient

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncClientPool", "ClientPool", "current_loop"]

logger = logging.getLogger("ycloud_chat")

C = TypeVar("C", AsyncHTTPClient, HTTPClient)

_POOLS: weakref.WeakSet[_Pool[Any]] = weakref.WeakSet()
# The keepers parked on trio loops: trio reports an async generator collected unfinished, so
# they live until their loop ends (asyncio closes a collected one quietly: an SDK dropped
# unclosed gets its client closed then).
_PARKED: set[_Entry[Any]] = set()


def current_loop() -> object | None:
    """The event loop running in this thread (asyncio's loop, trio's token), else None.

    Neither is imported here: a loop runs only once its library is.
    """
    asyncio = sys.modules.get("asyncio")
    loop: object | None = None if asyncio is None else asyncio._get_running_loop()
    if loop is not None:
        return loop
    trio = sys.modules.get("trio")
    if trio is not None:
        with contextlib.suppress(RuntimeError):
            token: object = trio.lowlevel.current_trio_token()
            return token
    return None


class _Entry(Generic[C]):
    """A client, the loop it serves, and what closes it with that loop."""

    __slots__ = ("client", "keeper", "loop")

    def __init__(self, client: C, loop: object | None) -> None:
        self.client: C = client
        self.loop = loop
        self.keeper: AsyncGenerator[None, None] | None = None


class _Pool(Generic[C]):
    """The clients of one SDK (and its copies): one per process, or per process and loop."""

    backend: HTTPBackend
    bounded_reads: bool
    _per_loop: ClassVar[bool]

    def __init__(
        self,
        given: C | None,
        backend: HTTPBackend,
        *,
        verify: ssl.SSLContext | bool,
        max_connections: int,
        routes: dict[str, str | None],
    ) -> None:
        self.backend = backend
        self.closed = False
        self._given: C | None = given
        self._settings = (verify, max_connections, routes)
        self._clients: dict[object | None, _Entry[C]] = {}
        self._pid = os.getpid()
        self._lock = threading.Lock()
        _POOLS.add(self)

    def _client_settings(self) -> tuple[ssl.SSLContext, int, dict[str, str | None]]:
        """What a new client is made with: TLS as the process's shared context (see `_tls`)."""
        from ._tls import ssl_context

        verify, max_connections, routes = self._settings
        return ssl_context(verify), max_connections, routes

    @property
    def owns_client(self) -> bool:
        """Whether the clients are the SDK's own (not a caller's `http_client`)."""
        return self._given is None

    def client(self) -> C:
        """The client for this process and (on the async face) this event loop."""
        if self._given is not None:
            return self._given
        if self._pid != os.getpid():
            self.after_fork()
        loop = current_loop() if self._per_loop else None
        entry = self._clients.get(loop)
        return entry.client if entry is not None else self._open(loop)

    def after_fork(self) -> None:
        """In a forked child: drop the parent's clients, unclosed and untouched; new locks."""
        self._lock = threading.Lock()
        self._pid = os.getpid()
        entries, self._clients = self._clients, {}
        for entry in entries.values():
            _forget(entry.client)

    def forget_all(self) -> None:
        """Drop every client whose event loop is not running here: it cannot be closed."""
        with self._lock:
            for loop, entry in list(self._clients.items()):
                if loop is not None and loop is not current_loop():
                    del self._clients[loop]
                    _forget(entry.client)

    def _open(self, loop: object | None) -> C:
        with self._lock:
            if self.closed:
                raise ClientClosedError("this SDK is closed: make a new one")
            entry = self._clients.get(loop)
            if entry is None:
                self._forget_dead_loops()
                entry = _Entry(self._make(), loop)
                self._keep(entry)
                self._clients[loop] = entry
            return entry.client

    def _forget_dead_loops(self) -> None:
        """Drop the clients of asyncio loops closed without closing their async generators."""
        for loop, entry in list(self._clients.items()):
            if _is_closed_asyncio_loop(loop):
                del self._clients[loop]
                _forget(entry.client)

    def _take(self) -> list[_Entry[C]]:
        with self._lock:
            self.closed = True
            entries, self._clients = self._clients, {}
        return list(entries.values())

    def _make(self) -> C:
        raise NotImplementedError

    def _keep(self, entry: _Entry[C]) -> None:
        """Have the client closed with its event loop (the async face's)."""


class AsyncClientPool(_Pool[AsyncHTTPClient]):
    """The async face's clients: aiohttp's on asyncio (when chosen), httpx's otherwise."""

    _per_loop = True

    async def aclose(self) -> None:
        """Close the clients: this loop's now, another live loop's when that loop ends."""
        here = current_loop()
        for entry in self._take():
            if entry.loop is here or entry.loop is None:
                await (entry.keeper.aclose() if entry.keeper else entry.client.aclose())
            elif _is_closed_asyncio_loop(entry.loop):
                _forget(entry.client)
            # else: another running loop closes it when it ends (its keeper is still parked)

    def _keep(self, entry: _Entry[AsyncHTTPClient]) -> None:
        if entry.loop is not None:
            entry.keeper = _start(_close_with_loop(self._clients, entry))
            if type(entry.loop).__module__.startswith("trio"):
                _PARKED.add(entry)

    def _make(self) -> AsyncHTTPClient:
        verify, max_connections, routes = self._client_settings()
        plain_proxies = all(url is None or url.startswith("http:") for url in routes.values())
        import asyncio

        on_asyncio = asyncio._get_running_loop() is not None
        if self.backend == "aiohttp" and plain_proxies and on_asyncio:
            from ._aiohttp import AiohttpClient

            logger.debug("HTTP backend: aiohttp")
            return AiohttpClient(
                verify=verify,
                max_connections=max_connections,
                keepalive_expiry=DEFAULT_LIMITS.keepalive_expiry,
                routes=routes,
            )
        from ._httpx import async_httpx_client

        # Trio, and a SOCKS or HTTPS proxy (which aiohttp does not speak), keep httpx.
        self.backend = "httpx"
        logger.debug("HTTP backend: httpx")
        return async_httpx_client(verify, max_connections, routes)

    @classmethod
    def choose_backend(cls, given: object, *, own_client: bool) -> HTTPBackend:
        """`http_backend=`, else $YCLOUD_CHAT_HTTP_BACKEND, else aiohttp when installed.

        aiohttp runs on asyncio only: on trio the SDK's client is httpx's whatever this says.
        A caller's `http_client` is an httpx client: httpx.
        """
        if given is not None:
            backend = _given_backend(given, "async", ("aiohttp", "httpx"), own_client=own_client)
            if backend == "aiohttp" and importlib.util.find_spec("aiohttp") is None:
                raise ConfigurationError(
                    'http_backend="aiohttp" needs aiohttp: pip install "ycloud-chat[aiohttp]"'
                )
            return backend
        if own_client:
            return "httpx"
        from_env = os.environ.get(ENV_HTTP_BACKEND, "").strip().lower()
        if from_env:  # "http.client" is the sync face's: here it means the default
            backend = check_http_backend(from_env, ENV_HTTP_BACKEND)
            if backend != "http.client":
                return backend
        return "aiohttp" if importlib.util.find_spec("aiohttp") is not None else "httpx"

    @classmethod
    def wrap(cls, client: httpx.AsyncClient) -> tuple[AsyncHTTPClient, bool]:
        """A caller's client, and whether it keeps the SDK's deadlines (cancel scopes do)."""
        from ._httpx import HttpxAsyncClient

        return HttpxAsyncClient(client), True


class ClientPool(_Pool[HTTPClient]):
    """The sync face's client: the standard library's (http.client) or httpx's.

    Either way its network I/O is bounded by the call's deadline.
    """

    _per_loop = False

    def close(self) -> None:
        """Close the client."""
        for entry in self._take():
            entry.client.close()

    def _keep(self, entry: _Entry[HTTPClient]) -> None:
        # A pool collected unclosed (an SDK dropped, or a forked child's exit unwinding the
        # frames that held it before the exit hook runs) closes its client, as a file does.
        weakref.finalize(self, _close_in, os.getpid(), entry.client)

    def _make(self) -> HTTPClient:
        verify, max_connections, routes = self._client_settings()
        plain_proxies = all(url is None or url.startswith("http:") for url in routes.values())
        if self.backend == "http.client" and plain_proxies:
            from ._stdlib import StdlibClient

            logger.debug("HTTP backend: http.client")
            return StdlibClient(verify=verify, max_connections=max_connections, routes=routes)
        from ._httpx import httpx_client

        # A SOCKS or HTTPS proxy keeps httpx.
        self.backend = "httpx"
        logger.debug("HTTP backend: httpx")
        return httpx_client(verify, max_connections, routes)

    @classmethod
    def choose_backend(cls, given: object, *, own_client: bool) -> HTTPBackend:
        """`http_backend=`, else $YCLOUD_CHAT_HTTP_BACKEND, else http.client (the stdlib's).

        A caller's `http_client` is an httpx client: httpx. The environment's "aiohttp" is
        the async face's: here it means the default.
        """
        if given is not None:
            return _given_backend(given, "sync", ("http.client", "httpx"), own_client=own_client)
        if own_client:
            return "httpx"
        from_env = os.environ.get(ENV_HTTP_BACKEND, "").strip().lower()
        if from_env and check_http_backend(from_env, ENV_HTTP_BACKEND) == "httpx":
            return "httpx"
        return "http.client"

    @classmethod
    def wrap(cls, client: httpx.Client) -> tuple[HTTPClient, bool]:
        """A caller's client, and whether it keeps the SDK's deadlines (see `bound_client`)."""
        from ._blocking import bound_client
        from ._httpx import HttpxClient

        return HttpxClient(client), bound_client(client)


def _given_backend(
    given: object, face: str, accepted: tuple[HTTPBackend, ...], *, own_client: bool
) -> HTTPBackend:
    """`http_backend=` checked: a backend this face runs on, httpx with an `http_client`."""
    backend = check_http_backend(given, "http_backend")
    if backend not in accepted:
        names = " or ".join(f'"{name}"' for name in accepted)
        raise ConfigurationError(
            f'the {face} face runs on {names}, not "{backend}" (the other face\'s)'
        )
    if own_client and backend != "httpx":
        raise ConfigurationError(
            f'http_backend="{backend}" cannot use an http_client (an httpx client): '
            "pass one or the other"
        )
    return backend


def _close_in(pid: int, client: HTTPClient) -> None:
    """Close a sync client its collected pool left open, in the process that made it only."""
    if os.getpid() == pid:
        with contextlib.suppress(Exception):
            client.close()


def _is_closed_asyncio_loop(loop: object) -> bool:
    is_closed = getattr(loop, "is_closed", None)  # a trio token has none
    return is_closed is not None and bool(is_closed())


def _start(keeper: AsyncGenerator[None, None]) -> AsyncGenerator[None, None]:
    """Run the keeper to its `yield` now: the running loop then closes it as it shuts down."""
    with contextlib.suppress(StopIteration):
        keeper.asend(None).send(None)
    return keeper


async def _close_with_loop(
    clients: dict[object | None, _Entry[AsyncHTTPClient]], entry: _Entry[AsyncHTTPClient]
) -> AsyncGenerator[None, None]:
    """Parked on the entry's loop until closed: by `aclose()`, or by the loop as it ends."""
    try:
        yield
    finally:
        _PARKED.discard(entry)
        if clients.get(entry.loop) is entry:
            del clients[entry.loop]
        try:
            await entry.client.aclose()
        except Exception:  # a loop shutting down reports nothing the caller could act on
            logger.debug("closing a client as its event loop ends", exc_info=True)


def _forget(client: AsyncHTTPClient | HTTPClient) -> None:
    client.forget()


def _after_fork_in_child() -> None:
    for pool in list(_POOLS):
        pool.after_fork()


def _at_exit() -> None:
    """Close the sync clients still open; drop the async ones, whose loops have stopped."""
    for pool in list(_POOLS):
        if isinstance(pool, ClientPool):
            with contextlib.suppress(Exception):
                pool.close()
        else:
            pool.forget_all()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
