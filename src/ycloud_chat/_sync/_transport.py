# GENERATED from src/ycloud_chat/_async/_transport.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The HTTP layer: one pooled httpx client per SDK, the retry loop and the deadlines."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from .._auth import BaseAuth
from .._compat import cancel_shield, deadline_scope, sleep
from .._constants import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_LIMITS,
    HEADER_SERVER_REQUEST_ID,
)
from .._deadline import Deadline
from .._exceptions import ConfigurationError, YCloudChatError
from .._exchange import Exchange
from .._request import build_headers
from .._retry import should_retry_status

__all__ = ["Transport"]

logger = logging.getLogger("ycloud_chat")


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
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise ConfigurationError(
                f"http_client must be an httpx.Client, got {type(http_client).__name__}"
            )
        self.base_url = base_url
        self.auth = auth
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self._owns_client = http_client is None
        self.client = http_client or httpx.Client(limits=DEFAULT_LIMITS, follow_redirects=False)

    def close(self) -> None:
        """Close the connection pool, unless the caller owns the client."""
        if self._owns_client:
            self.client.close()

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
        all_headers = build_headers(self.auth, exchange.request_id, self.default_headers)
        if headers:
            all_headers.update(headers)
        return self.client.build_request(
            method,
            self.base_url + path,
            json=json,
            headers=all_headers,
            timeout=timeout,
        )

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
            per_attempt = httpx.Timeout(remaining, connect=_connect_timeout(remaining))
            request = self._build_request(
                method, path, exchange, json=json, headers=headers, timeout=per_attempt
            )
            try:
                with deadline_scope(remaining):
                    response = self._send(request, exchange, read_body=True)
            except TimeoutError as exc:
                error: YCloudChatError = exchange.timeout_error(exc)
                if self._wait_before_retry(exchange, None):
                    continue
                raise error from exc
            except _RetryableError as retry:
                if self._wait_before_retry(exchange, retry.headers):
                    continue
                raise retry.error from retry.__cause__
            return response.content, exchange

    def open_stream(
        self,
        path: str,
        *,
        json: Any,
        timeout: float | None,
    ) -> tuple[httpx.Response, Exchange]:
        """Open a streaming POST and return the response once its status is a success.

        Retries happen only here, before any byte of the body reaches the caller. `timeout`
        bounds the connect, the wait for the headers and later every gap between chunks.
        """
        exchange = Exchange(Deadline(None))
        while True:
            request = self._build_request(
                "POST",
                path,
                exchange,
                json=json,
                headers=None,
                timeout=httpx.Timeout(timeout, connect=_connect_timeout(timeout)),
            )
            try:
                return self._send(request, exchange, read_body=False), exchange
            except _RetryableError as retry:
                if self._wait_before_retry(exchange, retry.headers):
                    continue
                raise retry.error from retry.__cause__

    def _send(
        self, request: httpx.Request, exchange: Exchange, *, read_body: bool
    ) -> httpx.Response:
        """One attempt. A 2xx response is returned (read, or open for streaming)."""
        exchange.attempts += 1
        started = time.monotonic()
        try:
            response = self.client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise _RetryableError(exchange.timeout_error(exc)) from exc
        except httpx.TransportError as exc:
            raise _RetryableError(exchange.connection_error(exc)) from exc
        exchange.server_request_id = response.headers.get(HEADER_SERVER_REQUEST_ID)
        try:
            if read_body or response.status_code >= 400:
                response.read()
        except httpx.TimeoutException as exc:
            self._close(response)
            raise _RetryableError(exchange.timeout_error(exc)) from exc
        except httpx.TransportError as exc:
            self._close(response)
            raise _RetryableError(exchange.connection_error(exc)) from exc
        except BaseException:
            self._close(response)
            raise
        self._log(request, response, exchange, started)
        if response.status_code >= 400:
            self._close(response)
            error = exchange.status_error(response.status_code, response.content)
            if should_retry_status(response.status_code, response.headers):
                raise _RetryableError(error, response.headers)
            raise error
        if read_body:
            self._close(response)
        return response

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

    def _close(self, response: httpx.Response) -> None:
        with cancel_shield():
            response.close()

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


class _RetryableError(Exception):
    """Internal: an attempt failed in a way the retry policy may retry."""

    def __init__(self, error: YCloudChatError, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers


def _connect_timeout(total: float | None) -> float:
    return DEFAULT_CONNECT_TIMEOUT if total is None else min(total, DEFAULT_CONNECT_TIMEOUT)
