"""The call identity shared by attempts: retry decisions against the deadline, and its errors."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ycloud_chat import (
    APIConnectionError,
    APITimeoutError,
    IncompleteStreamError,
    InternalServerError,
)
from ycloud_chat._deadline import Deadline
from ycloud_chat._exchange import Exchange


@pytest.fixture(autouse=True)
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ycloud_chat._retry.random.random", lambda: 0.0)


def after_attempts(n: int, seconds: float | None = None) -> Exchange:
    exchange = Exchange(Deadline(seconds))
    exchange.attempts = n
    return exchange


def test_request_id_is_a_fresh_uuid4() -> None:
    first, second = Exchange(Deadline(None)), Exchange(Deadline(None))
    assert uuid.UUID(first.request_id).version == 4
    assert first.request_id != second.request_id


def test_retries_stop_after_max_retries() -> None:
    assert after_attempts(1).delay_before_retry(2) == 0.5
    assert after_attempts(2).delay_before_retry(2) == 1.0
    assert after_attempts(3).delay_before_retry(2) is None
    assert after_attempts(1).delay_before_retry(0) is None


def test_retry_after_header_wins_over_backoff() -> None:
    assert after_attempts(1).delay_before_retry(2, {"retry-after": "3"}) == 3.0
    assert after_attempts(1).delay_before_retry(2, {"retry-after-ms": "20"}) == pytest.approx(0.02)


def test_no_retry_whose_wait_would_outlast_the_deadline() -> None:
    assert after_attempts(1, seconds=10).delay_before_retry(2, {"retry-after": "3"}) == 3.0
    assert after_attempts(1, seconds=2).delay_before_retry(2, {"retry-after": "3"}) is None
    assert after_attempts(1, seconds=0.1).delay_before_retry(2) is None


def test_errors_carry_the_ids_and_attempts() -> None:
    exchange = after_attempts(3, seconds=5)
    exchange.server_request_id = "srv"
    slow = exchange.timeout_error(httpx.ReadTimeout("slow"))
    stalled = exchange.stalled_stream_error(httpx.ReadTimeout("slow"))
    exchange.deadline = Deadline(0)
    timeout = exchange.timeout_error(httpx.ReadTimeout("slow"))
    refused = exchange.connection_error(httpx.ConnectError("refused"))
    status = exchange.status_error(503, b'{"error": {"message": "busy"}}')
    broken = exchange.broken_stream_error(httpx.RemoteProtocolError("cut"))
    assert isinstance(timeout, APITimeoutError)
    assert "deadline of 0s" in str(timeout)
    assert "the server sent nothing for too long" in str(slow)
    assert isinstance(refused, APIConnectionError)
    assert not isinstance(refused, APITimeoutError)
    assert "refused" in str(refused)
    assert isinstance(status, InternalServerError)
    assert status.message == "busy"
    assert isinstance(stalled, APITimeoutError)
    assert "no result for 5s" in str(stalled)
    assert isinstance(broken, IncompleteStreamError)
    assert "the stream broke: RemoteProtocolError: cut" in str(broken)
    redirect = exchange.redirect_error(301, "https://elsewhere/v1")
    assert redirect.status_code == 301
    assert "https://elsewhere/v1" in str(redirect)
    unexpected = exchange.unexpected_content_error(200, "text/html", b"<html>\n proxy </html>")
    assert "text/html" in str(unexpected)
    assert "<html> proxy </html>" in str(unexpected)
    for error in (slow, timeout, refused, status, stalled, broken, redirect, unexpected):
        assert error.request_id == exchange.request_id
        assert error.server_request_id == "srv"
        assert error.attempts == 3
