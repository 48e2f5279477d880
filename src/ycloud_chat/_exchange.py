"""One call across its attempts: its request id, deadline, attempts, and what went wrong (no I/O).

The retry decision, the classification of httpx's failures and the errors that name the call
live here, so that the transport and the stream of both faces only do the I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._constants import DEFAULT_CONNECT_TIMEOUT, HEADER_SERVER_REQUEST_ID
from ._deadline import Deadline
from ._decoders import BodyDecoder, UndecodableBody
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    E,
    IncompleteStreamError,
    ResponseTooLargeError,
    YCloudChatError,
    request_error,
    too_large_error,
)
from ._request import new_request_id
from ._retry import retry_delay
from ._tracing import NO_CALL, Call, NoCall

if TYPE_CHECKING:
    from ._backends._interface import AnyResponse

__all__ = [
    "BodyReader",
    "Exchange",
    "Retryable",
    "attempt_timeout",
    "error_cause",
    "failure",
    "read_timeout",
]

# Failures where the request itself is at fault: another attempt would fail the same way.
_NOT_RETRYABLE = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.ProxyError)


class Exchange:
    """The identity of one call, shared by all its attempts (the same request id on each)."""

    __slots__ = (
        "attempts",
        "call",
        "deadline",
        "headers",
        "request_id",
        "server_request_id",
        "ticket",
    )

    def __init__(self, deadline: Deadline, call: Call | NoCall = NO_CALL) -> None:
        self.request_id = new_request_id()
        self.deadline = deadline
        self.call = call
        """What traces the call (`NO_CALL` when nothing does)."""
        self.attempts = 0
        self.server_request_id: str | None = None
        self.headers: Mapping[str, str] | None = None
        """The headers of the latest answer (None until one came)."""
        self.ticket: Any = None
        """The SDK limits' place of the open attempt (a stream's, until it is closed)."""

    def answered(self, headers: Mapping[str, str]) -> None:
        """Note an attempt's answer: its headers, and the server's request id among them."""
        self.headers = headers
        self.server_request_id = headers.get(HEADER_SERVER_REQUEST_ID)

    def delay_before_retry(
        self, max_retries: int, headers: Mapping[str, str] | None = None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when no attempt is left.

        None once `max_retries` retries were made, or when the wait would use up the deadline.
        """
        retry_number = self.attempts - 1
        if retry_number >= max_retries:
            return None
        delay = retry_delay(retry_number, headers)
        return delay if self.deadline.allows(delay) else None

    def _error(self, kind: type[E], message: str, **details: Any) -> E:
        return request_error(kind, message, self, **details)

    def timeout_error(self, cause: BaseException) -> APITimeoutError:
        """The error for a timeout or for the call's deadline running out."""
        if self.deadline.expired:
            reason = f"the call's deadline of {self.deadline.seconds}s ran out"
        else:
            reason = _TIMEOUT_REASONS.get(_name(cause), "a timeout ran out")
        return self._error(APITimeoutError, f"request timed out: {reason} ({_name(cause)})")

    def limit_timeout_error(self, limits: object) -> APITimeoutError:
        """The error for a call whose deadline ran out while it waited for the SDK's limits."""
        message = (
            f"request timed out: it waited for the SDK's limits ({limits}) and its deadline "
            f"of {self.deadline.seconds}s ran out before it could start"
        )
        return self._error(APITimeoutError, message)

    def redirect_error(self, status_code: int, location: str | None) -> APIStatusError:
        """The error for a 3xx answer: redirects are never followed with credentials."""
        message = (
            f"the server redirected to {location or 'another URL'}; redirects are not followed, "
            "so that credentials never go to another host: check base_url"
        )
        return self._error(APIStatusError, message, status_code=status_code)

    def unexpected_content_error(
        self, status_code: int, content_type: str, content: bytes
    ) -> IncompleteStreamError:
        """The error for a stream answered with something other than server-sent events."""
        snippet = " ".join(content[:300].decode("utf-8", errors="replace").split())
        message = (
            "the stream ended before the answer was complete: the answer is not an event "
            f"stream (text/event-stream) but {content_type}: {snippet!r}"
        )
        return self._error(IncompleteStreamError, message, status_code=status_code, body=snippet)

    def undecodable_error(
        self, status_code: int, cause: BaseException
    ) -> APIResponseValidationError:
        """The error for a body that cannot be decoded (a broken content-encoding)."""
        message = f"the answer's body cannot be decoded: {_described(cause)}"
        return self._error(APIResponseValidationError, message, status_code=status_code)

    def connection_error(self, cause: BaseException, *, detail: bool = True) -> APIConnectionError:
        """The error for a request that got no HTTP answer.

        `detail=False` leaves out the cause's text, for causes that may quote a header.
        """
        text = _described(cause) if detail else _name(cause)
        return self._error(APIConnectionError, f"connection failed: {text}")

    def status_error(self, status_code: int, content: bytes) -> APIStatusError:
        """The error for an HTTP error answer, with the server's message and body."""
        from ._response import error_from_response  # the parsers load pydantic: on first use

        return error_from_response(status_code, content, call=self)

    def stalled_stream_error(self, cause: BaseException) -> APITimeoutError:
        """The error for a stream that gave no result for longer than its timeout."""
        message = f"the stream stalled: no result for {self.deadline.seconds}s ({_name(cause)})"
        return self._error(APITimeoutError, message)

    def broken_stream_error(self, cause: BaseException) -> IncompleteStreamError:
        """The error for a stream whose connection broke after it started."""
        message = (
            "the stream ended before the answer was complete: the stream broke: "
            + _described(cause)
        )
        return self._error(IncompleteStreamError, message)

    def body_reader(self, response: AnyResponse, limit: int | None = None) -> BodyReader:
        """A reader of `response`'s raw body: decoded in small pieces, within `limit` bytes."""
        return BodyReader(self, response, limit)


class BodyReader:
    """One answer's body as it arrives: decompressed a small piece at a time (no I/O).

    `decode()` and `flush()` give the pieces of a stream; `add()` and `finish()` collect a
    whole body, and raise `ResponseTooLargeError` as soon as it passes `limit` bytes (counted
    after decompression), before more is in memory. A broken or unasked-for
    content-encoding raises `APIResponseValidationError`.

    `raw` says which bytes to feed it: the raw body (`aiter_raw`), or, for an answer httpx
    has already read (an in-memory transport), the bytes httpx decoded (`aiter_bytes`).
    """

    __slots__ = ("_decoder", "_exchange", "_limit", "_parts", "_size", "_status", "raw")

    def __init__(self, exchange: Exchange, response: AnyResponse, limit: int | None) -> None:
        self._exchange = exchange
        self._status = response.status_code
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self.raw = not response.is_stream_consumed
        encoding = response.headers.get("content-encoding") if self.raw else None
        encodings = encoding.split(",") if encoding else []
        try:
            self._decoder = BodyDecoder(encodings)
        except UndecodableBody as exc:
            raise exchange.undecodable_error(self._status, exc) from exc
        length = response.headers.get("content-length", "")
        if limit is not None and not encodings and length.isdigit() and int(length) > limit:
            raise self._too_large()

    def decode(self, raw: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next raw bytes."""
        try:
            yield from self._decoder.decode(raw)
        except UndecodableBody as exc:
            raise self._exchange.undecodable_error(self._status, exc) from exc

    def flush(self) -> Iterator[bytes]:
        """The decoded pieces still held at the end of the body."""
        try:
            yield from self._decoder.flush()
        except UndecodableBody as exc:
            raise self._exchange.undecodable_error(self._status, exc) from exc

    def add(self, raw: bytes) -> None:
        """Collect the next raw bytes, decoded."""
        self._collect(self.decode(raw))

    def finish(self) -> bytes:
        """The whole decoded body, once its raw bytes are all added."""
        self._collect(self.flush())
        parts, self._parts = self._parts, []
        return b"".join(parts)

    def _collect(self, pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            self._size += len(piece)
            if self._limit is not None and self._size > self._limit:
                self._parts.clear()
                raise self._too_large()
            self._parts.append(piece)

    def _too_large(self) -> ResponseTooLargeError:
        assert self._limit is not None
        return too_large_error(
            self._exchange, "max_body_bytes", self._limit, status_code=self._status
        )


_TIMEOUT_REASONS = {
    "ConnectTimeout": "connecting took too long",
    "ReadTimeout": "the server sent nothing for too long",
    "WriteTimeout": "sending the request took too long",
    "PoolTimeout": "no connection in the pool became free in time",
}


def _described(cause: BaseException) -> str:
    """`Name: message`; an empty message is taken from what caused it, else left out."""
    reason: BaseException | None = cause
    for _ in range(4):  # a few links: the network error under httpx's or anyio's
        if reason is None:
            break
        text = " ".join(str(reason).split())
        if text:
            return f"{_name(cause)}: {text}"
        reason = reason.__cause__ or reason.__context__
    return _name(cause)


def _name(cause: BaseException) -> str:
    return type(cause).__name__


class Retryable(Exception):
    """An attempt failed in a way the retry policy may retry; `error` is raised if it may not."""

    def __init__(self, error: YCloudChatError, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.headers = headers


def failure(exchange: Exchange, exc: httpx.HTTPError, status_code: int = 0) -> Exception:
    """The SDK error for an httpx failure, wrapped in `Retryable` when retrying may help."""
    if isinstance(exc, httpx.TimeoutException):
        return Retryable(exchange.timeout_error(exc))
    if isinstance(exc, httpx.DecodingError):
        return exchange.undecodable_error(status_code, exc)
    if isinstance(exc, httpx.TransportError) and not isinstance(exc, _NOT_RETRYABLE):
        return Retryable(exchange.connection_error(exc))
    return exchange.connection_error(exc, detail=error_cause(exc) is not None)


def error_cause(exc: httpx.HTTPError) -> BaseException | None:
    """What to keep as an SDK error's `__cause__`: nothing for a failure that may quote a secret.

    h11's complaint about a header quotes the header's value, which may be a credential.
    """
    return None if isinstance(exc, httpx.LocalProtocolError) else exc


def attempt_timeout(seconds: float | None) -> httpx.Timeout:
    """Httpx's timeouts for one attempt with `seconds` left; connecting is capped on its own."""
    connect = DEFAULT_CONNECT_TIMEOUT if seconds is None else min(seconds, DEFAULT_CONNECT_TIMEOUT)
    return httpx.Timeout(seconds, connect=connect)


def read_timeout(response: AnyResponse) -> float | None:
    """The read timeout a response was requested with: how long httpx lets each read wait."""
    timeouts = response.request.extensions.get("timeout", {})
    read: float | None = timeouts.get("read")
    return read
