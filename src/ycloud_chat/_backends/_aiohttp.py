"""The aiohttp backend of the async face, on asyncio: the SDK's requests without httpx's objects.

`AiohttpClient` sends the transport's requests over one `aiohttp.ClientSession`, and its
responses offer the few attributes the transport reads of an `httpx.Response`. aiohttp's
failures are raised as the httpx exceptions they correspond to, so both backends' failures
are classified, retried and reported the same way. Only the async face imports this module,
and only for a client on asyncio; trio, the sync face and a caller's `http_client` use httpx.
"""

from __future__ import annotations

import asyncio
import io
import ssl
from collections.abc import AsyncIterator, Mapping

import aiohttp
import httpx
import yarl
from multidict import CIMultiDict

from .._proxies import proxy_for
from . import _intercept
from ._httpx import FORGOTTEN
from ._interface import BackendRequest

__all__ = ["AiohttpClient", "AiohttpResponse"]

# aiohttp warns of a larger body given as bytes (it is written in one piece): such a body goes
# as a file-like object instead, written in chunks.
_LARGE_BODY = 1 << 20

# `asyncio.TimeoutError` is the builtin TimeoutError from Python 3.11; aiohttp raises the
# former, the SDK's deadline scopes the latter.
_TIMEOUTS = (asyncio.TimeoutError, TimeoutError)


class AiohttpResponse:
    """An open aiohttp response, read and closed the way the transport reads httpx's.

    Its body comes raw, as sent: the SDK decompresses it itself, within its size limits.
    """

    __slots__ = ("_response", "headers", "is_closed", "request", "status_code")

    is_stream_consumed = False  # the transport reads the raw body (`aiter_raw`)

    def __init__(self, response: aiohttp.ClientResponse, request: BackendRequest) -> None:
        self._response = response
        self.request = request
        self.status_code = response.status
        # A copy: the answer's headers outlive it, in results and errors (which pickle).
        self.headers: Mapping[str, str] = CIMultiDict(response.headers)
        self.is_closed = False

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body as it arrives, undecoded; the connection is released at its end."""
        content = self._response.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                yield chunk
        except _FAILURES as exc:
            raise _httpx_error(exc, reading=True) from _safe_cause(exc)
        self._response.release()
        self.is_closed = True

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives: undecoded too, as the SDK decodes it (`is_stream_consumed`)."""
        return self.aiter_raw()

    async def aclose(self) -> None:
        """Release the connection: back to the pool when the body was read to its end."""
        if self.is_closed:
            return
        self.is_closed = True
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()  # the rest of the body is not wanted: drop the connection


class AiohttpClient:
    """A pooled aiohttp session behind the backend interface, on one event loop.

    The session is made on the first request, on the event loop that sends it (aiohttp binds
    a session to one loop); `_ownership` gives each loop a client of its own.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool,
        max_connections: int,
        keepalive_expiry: float | None,
        routes: dict[str, str | None],
    ) -> None:
        self.ssl_context = httpx.create_ssl_context(verify=verify)
        self._routes = routes
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[yarl.URL | None, dict[str, str] | None]] = {}
        self.is_closed = False

    async def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
    ) -> AiohttpResponse | httpx.Response:
        """Send a request and return once the response's head has come; never redirects.

        While the testing kit intercepts the SDK's clients, its stand-in answers instead.
        """
        request = BackendRequest(method, url, headers, content, timeout)
        stand_in = _intercept.stand_in()
        if stand_in is not None:
            as_httpx = request.as_httpx()
            answer = await stand_in.handle_async_request(as_httpx)
            answer.request = as_httpx
            return answer
        session = self._session or self._new_session()
        timeouts = request.extensions["timeout"]
        headers = request.headers
        proxy, proxy_headers = self._proxy_for(request.url)
        if proxy_headers is not None and request.url.startswith("http:"):
            # Plain HTTP goes through the proxy as is: the credentials go with the request
            # (for HTTPS they go with the CONNECT that opens the tunnel).
            headers, proxy_headers = {**headers, **proxy_headers}, None
        try:
            response = await session.request(
                request.method,
                request.url,
                data=_body(request.content),
                headers=headers,
                allow_redirects=False,
                proxy=proxy,
                proxy_headers=proxy_headers,
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=timeouts["connect"], sock_read=timeouts["read"]
                ),
            )
        except _FAILURES as exc:
            raise _httpx_error(exc, reading=False) from _safe_cause(exc)
        return AiohttpResponse(response, request)

    @property
    def connections_in_use(self) -> int:
        """Connections held by a request or a response that is not released yet."""
        connector = self._session.connector if self._session is not None else None
        return 0 if connector is None else len(connector._acquired)

    async def aclose(self) -> None:
        """Close the pool and its connections."""
        self.is_closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def forget(self) -> None:
        """Drop the session unclosed and quiet: its event loop is gone (or another process's).

        Marked closed, aiohttp's finalisers neither report it nor touch the loop; the session
        itself is kept, so that its sockets are never closed from here.
        """
        self.is_closed = True
        session, self._session = self._session, None
        connector = None if session is None else session.connector
        if connector is not None:
            connector._closed = True
            FORGOTTEN.append(session)

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            keepalive_timeout=self._keepalive_expiry,
            ssl=self.ssl_context,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,  # the SDK decompresses, within its size limits
            # Proxies are read from the environment below, once per host: aiohttp's
            # trust_env would also read ~/.netrc in a worker thread on every request.
            trust_env=False,
        )
        return self._session

    def _proxy_for(self, url: str) -> tuple[yarl.URL | None, dict[str, str] | None]:
        """The proxy for the URL (see `_proxies`), and its credentials as a header."""
        found = self._proxies.get(url)
        if found is None:
            proxy = proxy_for(self._routes, url)
            found = self._proxies[url] = (None, None) if proxy is None else _split(proxy)
        return found


def _body(content: bytes | None) -> bytes | io.BytesIO | None:
    return io.BytesIO(content) if content is not None and len(content) > _LARGE_BODY else content


def _split(proxy: str) -> tuple[yarl.URL, dict[str, str] | None]:
    """A proxy URL less its credentials, which go in a `Proxy-Authorization` header."""
    url = yarl.URL(proxy)
    auth = aiohttp.BasicAuth.from_url(url)
    return url.with_user(None), None if auth is None else {"Proxy-Authorization": auth.encode()}


# What sending or reading may raise: aiohttp's errors, its own timeouts (the SDK's deadline
# scopes cancel instead), and ValueError for a header aiohttp refuses to send.
_FAILURES = (aiohttp.ClientError, *_TIMEOUTS, ValueError)


def _httpx_error(exc: BaseException, *, reading: bool) -> httpx.HTTPError:
    """The httpx exception an aiohttp failure corresponds to, with aiohttp's message.

    Less anything that could quote a request header: see `_safe_cause` for the cause kept.
    """
    if not isinstance(exc, aiohttp.ClientError):
        if isinstance(exc, _TIMEOUTS):
            error = httpx.ReadTimeout if reading else httpx.ConnectTimeout
            return error(str(exc) or "timed out")
        return httpx.LocalProtocolError("the request cannot be sent as it is")
    message = _message(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)):
        return httpx.ProxyError(message)
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return httpx.UnsupportedProtocol(message)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    # A body cut short (the SDK decompresses it itself), a server gone, a head not HTTP.
    protocol = (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError)
    if isinstance(exc, (*protocol, aiohttp.ClientResponseError)):
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, aiohttp.ClientConnectionError):  # after connecting: a reset, mostly
        return httpx.ReadError(message)
    return httpx.TransportError(message)


def _message(exc: aiohttp.ClientError) -> str:
    if isinstance(exc, aiohttp.ClientResponseError):
        # Its str() is safe, but the request it carries holds the headers: keep only words.
        return f"{exc.status}, {exc.message}" if exc.status else str(exc.message)
    return " ".join(str(exc).split()) or type(exc).__name__


def _safe_cause(exc: BaseException) -> BaseException | None:
    """The failure itself, unless it carries the request (headers) or may quote a header."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return None
    if isinstance(exc, ValueError) and not isinstance(exc, aiohttp.ClientError):
        return None
    return exc
