# GENERATED from src/ycloud_chat/_async/_transport.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The HTTP layer: one pooled httpx client per SDK, the retry loop and the deadlines.

Every httpx exception is turned into the SDK's own here (the original kept as `__cause__`);
what to retry, how long to wait and what each error says are decided by `Exchange`.
"""

from __future__ import annotations

import copy as copy_module
import logging
import time
from collections.abc import Generator, Mapping
from typing import Any, cast

import httpx

from .._auth import BaseAuth
from .._compat import cancel_shield, deadline_scope, sleep
from .._constants import DEFAULT_CONNECT_TIMEOUT, HEADER_SERVER_REQUEST_ID
from .._deadline import Deadline
from .._exceptions import ClientClosedError, ConfigurationError, YCloudChatError
from .._exchange import Exchange
from .._network import VerifyTypes, check_verify, pooled_transport
from .._request import build_headers, check_headers
from .._retry import should_retry_status

__all__ = ["Transport"]

logger = logging.getLogger("ycloud_chat")

# Failures where the request itself is at fault: another attempt would fail the same way.
_NOT_RETRYABLE = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.ProxyError)


class Transport:
    """Sends requests with retries over one pooled `httpx.Client`."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: BaseAuth,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        http_client: httpx.Client | None,
        verify: VerifyTypes = True,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                f"http_client must be an httpx.Client, got {type(http_client).__name__}"
            )
        if http_client is not None and verify is not True:
            raise ConfigurationError(
                "verify applies to the client the SDK makes: configure TLS on your http_client"
            )
        self.base_url = base_url
        self.auth = auth
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self._owns_client = http_client is None
        self.client = http_client or httpx.Client(
            transport=pooled_transport(check_verify(verify)), follow_redirects=False
        )

    def shared(self, *, max_retries: int) -> Transport:
        """A transport over the same pool with other settings; closing it leaves the pool open."""
        copy = copy_module.copy(self)
        copy.max_retries = max_retries
        copy._owns_client = False
        return copy

    def close(self) -> None:
        """Close the connection pool, unless the caller (or another SDK) owns the client."""
        if self._owns_client:
            self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None,
    ) -> tuple[bytes, Exchange]:
        """Send a request, retrying as the policy allows, and return the whole 2xx body.

        `timeout` is a total deadline over every attempt and every wait between them.
        """
        exchange = Exchange(Deadline(timeout))
        while True:
            remaining = exchange.deadline.remaining()
            request = self._build_request(
                method, path, exchange, json=json, headers=headers, timeout=_timeout(remaining)
            )
            try:
                with deadline_scope(remaining):
                    _, content = self._attempt(request, exchange, read_body=True)
            except _Retryable as retry:
                if self._wait_before_retry(exchange, retry.headers):
                    continue
                raise retry.error from retry.__cause__
            except TimeoutError as exc:  # the deadline scope ran out
                raise exchange.timeout_error(exc) from exc
            return content, exchange

    def open_stream(
        self, path: str, *, json: Any, timeout: float | None
    ) -> tuple[httpx.Response, Exchange]:
        """Open a streaming POST and return the response once it is a 2xx event stream.

        Retries happen only here, before any byte of the body reaches the caller; `timeout`
        bounds this whole opening phase, then each gap between chunks.
        """
        exchange = Exchange(Deadline(timeout))
        while True:
            remaining = exchange.deadline.remaining()
            # Bounded by what is left, so that a blocking retry cannot outlast the deadline.
            request = self._build_request(
                "POST", path, exchange, json=json, headers=None, timeout=_timeout(remaining)
            )
            try:
                with deadline_scope(remaining):
                    response, _ = self._attempt(request, exchange, read_body=False)
            except _Retryable as retry:
                if self._wait_before_retry(exchange, retry.headers):
                    continue
                raise retry.error from retry.__cause__
            except TimeoutError as exc:
                raise exchange.timeout_error(exc) from exc
            self._check_event_stream(response, exchange)
            return response, exchange

    def iter_body(self, response: httpx.Response, exchange: Exchange) -> Generator[bytes, None]:
        """The decoded body of an open stream, with httpx's failures turned into the SDK's."""
        # httpx annotates aiter_bytes() as an iterator; it is a generator, and it must be
        # closed explicitly when the caller stops early.
        chunks = cast(Generator[bytes, None], response.iter_bytes())
        try:
            for chunk in chunks:
                yield chunk
        except httpx.TimeoutException as exc:
            raise exchange.stalled_stream_error(_read_timeout(response), exc) from exc
        except httpx.DecodingError as exc:
            raise exchange.undecodable_error(response.status_code, exc) from exc
        except httpx.HTTPError as exc:
            raise exchange.broken_stream_error(exc) from exc
        finally:
            chunks.close()

    def close_response(self, response: httpx.Response) -> None:
        """Release a response's connection, even while the caller is being cancelled."""
        if response.is_closed:
            return  # httpx closes a response once its body is read to the end
        with cancel_shield():
            response.close()

    def _build_request(
        self,
        method: str,
        path: str,
        exchange: Exchange,
        *,
        json: Any,
        headers: Mapping[str, str] | None,
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        if self.client.is_closed:
            raise ClientClosedError("this SDK is closed (or its http_client is): make a new one")
        all_headers = build_headers(self.auth, exchange.request_id, self.default_headers)
        if headers:
            all_headers.update(check_headers(headers))
        return self.client.build_request(
            method, self.base_url + path, json=json, headers=all_headers, timeout=timeout
        )

    def _attempt(
        self, request: httpx.Request, exchange: Exchange, *, read_body: bool
    ) -> tuple[httpx.Response, bytes]:
        """One attempt: a 2xx response, read (`read_body`) or left open for streaming."""
        exchange.attempts += 1
        started = time.monotonic()
        try:
            # A caller-owned client may follow redirects; credentials must not.
            response = self.client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise _failure(exchange, exc) from _cause(exc)
        exchange.server_request_id = response.headers.get(HEADER_SERVER_REQUEST_ID)
        content = b""
        try:
            if read_body or response.status_code >= 300:
                content = self._read(response, exchange)
        except httpx.HTTPError as exc:
            raise _failure(exchange, exc, response.status_code) from _cause(exc)
        finally:
            if read_body or response.status_code >= 300:
                self.close_response(response)
        self._log(request, response, exchange, started)
        if response.status_code >= 400:
            error = exchange.status_error(response.status_code, content)
            if should_retry_status(response.status_code, response.headers):
                raise _Retryable(error, response.headers)
            raise error
        if response.status_code >= 300:
            raise exchange.redirect_error(response.status_code, response.headers.get("location"))
        return response, content

    def _read(self, response: httpx.Response, exchange: Exchange) -> bytes:
        """Read the whole body, checking the call's deadline between chunks."""
        parts = []
        for part in response.iter_bytes():
            parts.append(part)
            if exchange.deadline.expired:
                raise httpx.ReadTimeout("the call's deadline ran out while reading the body")
        return b"".join(parts)

    def _check_event_stream(self, response: httpx.Response, exchange: Exchange) -> None:
        content_type = response.headers.get("content-type", "")
        if not content_type or content_type.lower().startswith("text/event-stream"):
            return
        try:
            content = self._read(response, exchange)
        except httpx.HTTPError:
            content = b""
        finally:
            self.close_response(response)
        raise exchange.unexpected_content_error(response.status_code, content_type, content)

    def _wait_before_retry(self, exchange: Exchange, headers: Mapping[str, str] | None) -> bool:
        """Sleep before the next attempt and return True, or False when none is allowed."""
        delay = exchange.delay_before_retry(self.max_retries, headers)
        if delay is None:
            return False
        logger.debug(
            "retrying request_id=%s after attempt %d in %.2fs",
            exchange.request_id,
            exchange.attempts,
            delay,
        )
        sleep(delay)
        return True

    def _log(
        self, request: httpx.Request, response: httpx.Response, exchange: Exchange, started: float
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d request_id=%s server_request_id=%s attempt=%d %.3fs",
                request.method,
                request.url,
                response.status_code,
                exchange.request_id,
                exchange.server_request_id,
                exchange.attempts,
                time.monotonic() - started,
            )


class _Retryable(Exception):
    """Internal: an attempt failed in a way the retry policy may retry."""

    def __init__(self, error: YCloudChatError, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers


def _failure(exchange: Exchange, exc: httpx.HTTPError, status_code: int = 0) -> Exception:
    """The SDK error for an httpx failure, wrapped in `_Retryable` when retrying may help."""
    if isinstance(exc, httpx.TimeoutException):
        return _Retryable(exchange.timeout_error(exc))
    if isinstance(exc, httpx.DecodingError):
        return exchange.undecodable_error(status_code, exc)
    if isinstance(exc, httpx.TransportError) and not isinstance(exc, _NOT_RETRYABLE):
        return _Retryable(exchange.connection_error(exc))
    return exchange.connection_error(exc, detail=_cause(exc) is not None)


def _cause(exc: httpx.HTTPError) -> BaseException | None:
    # h11's complaint about a header quotes the header's value, which may be a secret.
    return None if isinstance(exc, httpx.LocalProtocolError) else exc


def _timeout(seconds: float | None) -> httpx.Timeout:
    connect = DEFAULT_CONNECT_TIMEOUT if seconds is None else min(seconds, DEFAULT_CONNECT_TIMEOUT)
    return httpx.Timeout(seconds, connect=connect)


def _read_timeout(response: httpx.Response) -> float | None:
    timeouts = response.request.extensions.get("timeout", {})
    read: float | None = timeouts.get("read")
    return read
