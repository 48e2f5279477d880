"""The retry policy, sans I/O: what to retry, how long to wait, and Retry-After parsing."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

from ._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRY_JITTER

__all__ = [
    "RETRYABLE_STATUSES",
    "backoff_delay",
    "retry_after",
    "retry_delay",
    "should_retry_status",
]

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def should_retry_status(status_code: int, headers: Mapping[str, str] | None = None) -> bool:
    """True for statuses worth another attempt: 408, 409, 429 and 5xx.

    A server may overrule with `x-should-retry: true|false`.
    """
    if headers is not None:
        hint = (headers.get("x-should-retry") or "").strip().lower()
        if hint == "true":
            return True
        if hint == "false":
            return False
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait (`retry-after-ms`, `Retry-After` seconds or date).

    Returns None when there is no usable header or the wait is beyond `MAX_RETRY_AFTER`.
    """
    seconds: float | None = None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        seconds = _float(raw_ms, scale=0.001)
    if seconds is None:
        raw = headers.get("retry-after")
        if raw is not None:
            seconds = _float(raw)
            if seconds is None:
                seconds = _http_date_delay(raw, time.time() if now is None else now)
    if seconds is None or not 0 <= seconds <= MAX_RETRY_AFTER:
        return None
    return seconds


def backoff_delay(attempt: int, *, rand: float | None = None) -> float:
    """Exponential backoff with jitter for retry number `attempt` (0 for the first retry)."""
    # The exponent is bounded so a huge attempt number cannot overflow the float.
    base = min(INITIAL_RETRY_DELAY * 2.0 ** min(attempt, 64), MAX_RETRY_DELAY)
    jitter = random.random() if rand is None else rand  # noqa: S311 - not for cryptography
    return base * (1.0 - RETRY_JITTER * jitter)


def retry_delay(attempt: int, headers: Mapping[str, str] | None = None) -> float:
    """How long to wait before retry `attempt`: the server's wish if it gave one, else backoff."""
    if headers is not None:
        asked = retry_after(headers)
        if asked is not None:
            return asked
    return backoff_delay(attempt)


def _float(raw: str, *, scale: float = 1.0) -> float | None:
    try:
        value = float(raw.strip()) * scale
    except ValueError:
        return None
    return value if value == value else None  # NaN is not a delay


def _http_date_delay(raw: str, now: float) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)
