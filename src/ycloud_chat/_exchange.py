"""One call across its attempts: its request id, deadline and attempt count (no I/O).

The retry decision and the errors that name the call live here, so that the transport and
the stream of both faces only do the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from ._deadline import Deadline
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    StreamError,
    _RequestError,
)
from ._request import new_request_id
from ._response import error_from_response
from ._retry import retry_delay

__all__ = ["Exchange"]

E = TypeVar("E", bound=_RequestError)


class Exchange:
    """The identity of one call, shared by all its attempts (the same request id on each)."""

    __slots__ = ("attempts", "deadline", "request_id", "server_request_id")

    def __init__(self, deadline: Deadline) -> None:
        self.request_id = new_request_id()
        self.deadline = deadline
        self.attempts = 0
        self.server_request_id: str | None = None

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
        return kind(
            message,
            request_id=self.request_id,
            server_request_id=self.server_request_id,
            attempts=self.attempts,
            **details,
        )

    def timeout_error(self, cause: BaseException) -> APITimeoutError:
        """The error for a timeout or for the call's deadline running out."""
        seconds = self.deadline.seconds
        reason = f"the call's deadline of {seconds}s ran out" if seconds else "a timeout ran out"
        return self._error(APITimeoutError, f"request timed out: {reason} ({_name(cause)})")

    def connection_error(self, cause: BaseException) -> APIConnectionError:
        """The error for a request that got no HTTP answer."""
        return self._error(APIConnectionError, f"connection failed: {_name(cause)}: {cause}")

    def status_error(self, status_code: int, content: bytes) -> APIStatusError:
        """The error for an HTTP error answer, with the server's message and body."""
        return error_from_response(
            status_code,
            content,
            request_id=self.request_id,
            server_request_id=self.server_request_id,
            attempts=self.attempts,
        )

    def stalled_stream_error(self, seconds: float | None, cause: BaseException) -> APITimeoutError:
        """The error for a stream that sent nothing for longer than its timeout."""
        message = f"the stream stalled: no data for {seconds}s ({_name(cause)})"
        return self._error(APITimeoutError, message)

    def broken_stream_error(self, status_code: int, cause: BaseException) -> StreamError:
        """The error for a stream whose connection broke after it started."""
        message = f"the stream broke: {_name(cause)}: {cause}"
        return self._error(StreamError, message, status_code=status_code)


def _name(cause: BaseException) -> str:
    return type(cause).__name__
