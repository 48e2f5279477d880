"""The HTTP layer: one pooled httpx client per SDK, the retry loop and the deadlines.

Every httpx exception is turned into the SDK's own here (the original kept as `__cause__`);
what to retry, how long to wait and what each error says are decided by `Exchange` and
`BaseTransport`, which do no I/O.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Mapping
from typing import Any, cast

import httpx

from .._base_client import BaseTransport
from .._concurrency import (
    async_cancel_shield,
    async_deadline_scope,
    async_pooled_transport,
    async_sleep,
)
from .._constants import HEADER_SERVER_REQUEST_ID
from .._deadline import Deadline
from .._exchange import Exchange, Retryable, attempt_timeout, error_cause, failure, read_timeout

__all__ = ["AsyncTransport"]


class AsyncTransport(BaseTransport[httpx.AsyncClient]):
    """Sends requests with retries over one pooled `httpx.AsyncClient`."""

    _client_class = httpx.AsyncClient
    _pooled_transport = staticmethod(async_pooled_transport)

    async def aclose(self) -> None:
        """Close the connection pool, unless the caller (or another SDK) owns the client."""
        if self._owns_client:
            await self.client.aclose()

    async def request(
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
        _, content, exchange = await self._send(method, path, json, headers, timeout, stream=False)
        return content, exchange

    async def open_stream(
        self, path: str, *, json: Any, timeout: float | None
    ) -> tuple[httpx.Response, Exchange]:
        """Open a streaming POST and return the response once it is a 2xx event stream.

        Retries happen only here, before any byte of the body reaches the caller; `timeout`
        bounds this whole opening phase, then each gap between chunks.
        """
        response, _, exchange = await self._send("POST", path, json, None, timeout, stream=True)
        await self._check_event_stream(response, exchange)
        return response, exchange

    async def _send(
        self,
        method: str,
        path: str,
        json: Any,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        *,
        stream: bool,
    ) -> tuple[httpx.Response, bytes, Exchange]:
        """The retry loop: attempts until a 2xx answer, an error not worth retrying, or the end.

        A stream's answer is returned with its body unread; any other is read whole.
        """
        exchange = Exchange(Deadline(timeout))
        while True:
            remaining = exchange.deadline.remaining()
            # Bounded by what is left, so that a blocking retry cannot outlast the deadline.
            request = self.build_request(
                method,
                path,
                exchange,
                json=json,
                headers=headers,
                timeout=attempt_timeout(remaining),
            )
            try:
                with async_deadline_scope(remaining):
                    response, content = await self._attempt(request, exchange, read_body=not stream)
            except Retryable as retry:
                delay = self.delay_before_retry(exchange, retry.headers)
                if delay is None:
                    raise retry.error from retry.__cause__
                await async_sleep(delay)
                continue
            except TimeoutError as exc:  # the deadline scope ran out
                raise exchange.timeout_error(exc) from exc
            return response, content, exchange

    async def iter_body(
        self, response: httpx.Response, exchange: Exchange
    ) -> AsyncGenerator[bytes, None]:
        """The decoded body of an open stream, with httpx's failures turned into the SDK's."""
        # httpx annotates aiter_bytes() as an iterator; it is a generator, and it must be
        # closed explicitly when the caller stops early.
        chunks = cast(AsyncGenerator[bytes, None], response.aiter_bytes())
        try:
            async for chunk in chunks:
                yield chunk
        except httpx.TimeoutException as exc:
            raise exchange.stalled_stream_error(read_timeout(response), exc) from exc
        except httpx.DecodingError as exc:
            raise exchange.undecodable_error(response.status_code, exc) from exc
        except httpx.HTTPError as exc:
            raise exchange.broken_stream_error(exc) from exc
        finally:
            await chunks.aclose()

    async def close_response(self, response: httpx.Response) -> None:
        """Release a response's connection, even while the caller is being cancelled."""
        if response.is_closed:
            return  # httpx closes a response once its body is read to the end
        with async_cancel_shield():
            await response.aclose()

    async def _attempt(
        self, request: httpx.Request, exchange: Exchange, *, read_body: bool
    ) -> tuple[httpx.Response, bytes]:
        """One attempt: a 2xx response, read (`read_body`) or left open for streaming."""
        exchange.attempts += 1
        started = time.monotonic()
        try:
            # A caller-owned client may follow redirects; credentials must not.
            response = await self.client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise failure(exchange, exc) from error_cause(exc)
        exchange.server_request_id = response.headers.get(HEADER_SERVER_REQUEST_ID)
        read_body = read_body or response.status_code >= 300
        content = b""
        try:
            if read_body:
                content = await self._read(response, exchange)
        except httpx.HTTPError as exc:
            raise failure(exchange, exc, response.status_code) from error_cause(exc)
        finally:
            if read_body:
                await self.close_response(response)
        self.judge(response, content, exchange, started)
        return response, content

    async def _read(self, response: httpx.Response, exchange: Exchange) -> bytes:
        """Read the whole body, checking the call's deadline between chunks."""
        parts = []
        async for part in response.aiter_bytes():
            parts.append(part)
            if exchange.deadline.expired:
                raise httpx.ReadTimeout("the call's deadline ran out while reading the body")
        return b"".join(parts)

    async def _check_event_stream(self, response: httpx.Response, exchange: Exchange) -> None:
        content_type = response.headers.get("content-type", "")
        if not content_type or content_type.lower().startswith("text/event-stream"):
            return
        try:
            content = await self._read(response, exchange)
        except httpx.HTTPError:
            content = b""
        finally:
            await self.close_response(response)
        raise exchange.unexpected_content_error(response.status_code, content_type, content)
