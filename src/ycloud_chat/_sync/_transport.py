# GENERATED from src/ycloud_chat/_async/_transport.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The HTTP layer: the SDK's pooled clients, the retry loop and the deadlines.

The client is httpx's, aiohttp's (async face) or the standard library's (sync face) behind
the same interface; which client serves this process (and event loop) is `_backends`' rule.

Every httpx exception is turned into the SDK's own here (the original kept as `__cause__`);
what to retry, how long to wait and what each error says are decided by `Exchange` and
`BaseTransport`, which do no I/O.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping
from typing import cast

import httpx

from .._backends import ClientPool, HTTPClient, HTTPResponse
from .._base_client import BaseTransport
from .._concurrency import (
    cancel_shield,
    deadline_scope,
    end_generator,
    sleep,
)
from .._credentials import ExchangingAuth
from .._deadline import Deadline
from .._exceptions import AuthenticationError, YCloudChatError
from .._exchange import (
    BodyReader,
    Exchange,
    Retryable,
    attempt_timeout,
    error_cause,
    failure,
)
from .._tracing import NO_CALL, Call, NoCall
from ._credentials import obtain_token
from ._limiter import take_place

__all__ = ["Transport"]


class Transport(BaseTransport[httpx.Client]):
    """Sends requests with retries over a pooled client (see `_backends`)."""

    _client_class = httpx.Client
    _pool_class = ClientPool
    _pool: ClientPool

    @property
    def client(self) -> HTTPClient:
        """The client for this process and event loop: the caller's, or made on first use."""
        return self._pool.client()

    def close(self) -> None:
        """Close the connection pools, unless the caller (or another SDK) owns the client."""
        if self.owns_pool:
            self._pool.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None,
        call: Call | NoCall = NO_CALL,
    ) -> tuple[bytes, Exchange]:
        """Send a request, retrying as the policy allows, and return the whole 2xx body.

        `timeout` is a total deadline over every attempt and every wait between them; `call`
        traces it.
        """
        _, body, exchange = self._send(
            method, path, content, headers, timeout, stream=False, call=call
        )
        return body, exchange

    def open_stream(
        self, path: str, *, content: bytes, timeout: float | None, call: Call | NoCall = NO_CALL
    ) -> tuple[HTTPResponse, Exchange]:
        """Open a streaming POST and return the response once it is a 2xx event stream.

        Retries happen only here, before any byte of the body reaches the caller; `timeout`
        bounds this whole opening phase, then each gap between chunks.
        """
        response, _, exchange = self._send(
            "POST", path, content, None, timeout, stream=True, call=call
        )
        try:
            self._check_event_stream(response, exchange)
        except BaseException:
            self.settle_place(exchange)
            raise
        return response, exchange

    def _send(
        self,
        method: str,
        path: str,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        *,
        stream: bool,
        call: Call | NoCall,
    ) -> tuple[HTTPResponse, bytes, Exchange]:
        """The retry loop: attempts until a 2xx answer, an error not worth retrying, or the end.

        A stream's answer is returned with its body unread; any other is read whole.
        """
        exchange = Exchange(Deadline(timeout), call)
        limiter = self.limiter
        tokens = self.charge_for(content)
        renewed = False
        while True:
            if (auth := self.exchanging_auth) is not None:
                self._obtain_token(auth, exchange)
            # Bounded by what is left, so that a blocking retry cannot outlast the deadline.
            sent = self.attempt_headers(method, path, exchange, content=content, headers=headers)
            if limiter is not None:
                exchange.ticket = take_place(limiter, tokens, exchange)
            remaining = exchange.deadline.remaining()
            try:
                with deadline_scope(remaining):
                    response, body = self._attempt(
                        method,
                        path,
                        content,
                        sent,
                        attempt_timeout(remaining),
                        exchange,
                        read_body=not stream,
                    )
            except Retryable as retry:
                self.settle_place(exchange)
                delay = self.delay_before_retry(exchange, retry.headers, retry.error)
                self.pause_after(exchange, retry, delay)
                if delay is None:
                    raise retry.error from retry.__cause__
                sleep(delay)
                continue
            except AuthenticationError as refused:
                self.settle_place(exchange)
                if renewed or not self.reject_token(sent):
                    raise
                renewed = True  # a token refused once is renewed, and the call tried again
                exchange.call.retrying(exchange.attempts, 0.0, refused)
                continue
            except TimeoutError as exc:  # the deadline scope ran out
                self.settle_place(exchange)
                raise exchange.timeout_error(exc) from exc
            except BaseException:
                self.settle_place(exchange)
                raise
            if not stream:
                self.settle_place(exchange, body)
            return response, body, exchange

    def _obtain_token(self, auth: ExchangingAuth, exchange: Exchange) -> None:
        """Renew the exchanged IAM token ahead of its expiry, within the call's deadline."""
        try:
            obtain_token(auth, self.client, exchange.deadline)
        except TimeoutError as exc:
            raise exchange.timeout_error(exc) from exc

    def iter_body(self, response: HTTPResponse, exchange: Exchange) -> Generator[bytes, None]:
        """The decoded body of an open stream in small pieces, httpx's failures made the SDK's."""
        reader = exchange.body_reader(response)
        chunks = _chunks(response, reader)
        try:
            for chunk in chunks:
                for piece in reader.decode(chunk):
                    yield piece
            for piece in reader.flush():
                yield piece
        except httpx.TimeoutException as exc:
            raise exchange.stalled_stream_error(exc) from exc
        except httpx.HTTPError as exc:
            raise exchange.broken_stream_error(exc) from exc
        finally:
            self._end(response, chunks)

    def close_response(self, response: HTTPResponse) -> None:
        """Release a response's connection, even while the caller is being cancelled."""
        if response.is_closed:
            return  # httpx closes a response once its body is read to the end
        with cancel_shield():
            response.close()

    def _end(self, response: HTTPResponse, chunks: Generator[bytes, None]) -> None:
        """Close the response, then end its body's generators (httpx nests several)."""
        self.close_response(response)
        end_generator(chunks)

    def _attempt(
        self,
        method: str,
        path: str,
        content: bytes | None,
        headers: dict[str, str],
        timeout: httpx.Timeout,
        exchange: Exchange,
        *,
        read_body: bool,
    ) -> tuple[HTTPResponse, bytes]:
        """One attempt: a 2xx response, read (`read_body`) or left open for streaming."""
        client = self._pool.client()
        self.check_open(client)
        exchange.attempts += 1
        started = time.monotonic()
        url = self.settings.base_url + path
        try:
            response = client.send(method, url, content=content, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            raise failure(exchange, exc) from error_cause(exc)
        exchange.answered(response.headers)
        read_body = read_body or response.status_code >= 300
        body = b""
        try:
            if read_body:
                body = self._read(response, exchange)
        except httpx.HTTPError as exc:
            raise failure(exchange, exc, response.status_code) from error_cause(exc)
        finally:
            if read_body:
                self.close_response(response)
        self.judge(response, body, exchange, started)
        return response, body

    def _read(self, response: HTTPResponse, exchange: Exchange) -> bytes:
        """Read the whole body within `max_body_bytes`, checking the deadline between chunks."""
        reader = exchange.body_reader(response, self.settings.max_body_bytes)
        chunks = _chunks(response, reader)
        try:
            for chunk in chunks:
                reader.add(chunk)
                if exchange.deadline.expired:
                    raise httpx.ReadTimeout("the call's deadline ran out while reading the body")
        finally:
            self._end(response, chunks)
        return reader.finish()

    def _check_event_stream(self, response: HTTPResponse, exchange: Exchange) -> None:
        content_type = response.headers.get("content-type", "")
        if not content_type or content_type.lower().startswith("text/event-stream"):
            return
        try:
            content = self._read(response, exchange)
        except (httpx.HTTPError, YCloudChatError):
            content = b""  # only a snippet was wanted for the message
        finally:
            self.close_response(response)
        raise exchange.unexpected_content_error(response.status_code, content_type, content)


def _chunks(response: HTTPResponse, reader: BodyReader) -> Generator[bytes, None]:
    """The body's bytes the reader wants: raw, or as httpx already decoded them."""
    # httpx annotates these as iterators; they are generators, and must be closed explicitly
    # when the caller stops early.
    chunks = response.iter_raw() if reader.raw else response.iter_bytes()
    return cast(Generator[bytes, None], chunks)
