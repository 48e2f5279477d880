from __future__ import annotations

import email.utils
import itertools
import math

import httpx
import pytest

from ycloud_chat._constants import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
)
from ycloud_chat._retry import (
    RETRYABLE_STATUSES,
    backoff_delay,
    retry_after,
    retry_delay,
    should_retry_status,
)

NOW = 1_700_000_000.0


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


# --- should_retry_status --------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_retryable_statuses(status: int) -> None:
    assert should_retry_status(status)
    assert should_retry_status(status, {})


@pytest.mark.parametrize("status", [200, 301, 400, 401, 403, 404, 413, 422, 499])
def test_not_retryable_statuses(status: int) -> None:
    assert not should_retry_status(status)


def test_retryable_set() -> None:
    assert {408, 409, 429} == RETRYABLE_STATUSES


def test_server_can_ask_for_a_retry() -> None:
    assert should_retry_status(400, {"x-should-retry": "true"})
    assert should_retry_status(404, httpx.Headers({"X-Should-Retry": "true"}))


def test_server_can_forbid_a_retry() -> None:
    assert not should_retry_status(503, {"x-should-retry": "false"})
    assert not should_retry_status(429, httpx.Headers({"X-Should-Retry": "false"}))


@pytest.mark.parametrize("hint", ["yes", "1", "", "maybe"])
def test_other_hints_are_ignored(hint: str) -> None:
    assert should_retry_status(503, {"x-should-retry": hint})
    assert not should_retry_status(400, {"x-should-retry": hint})


# --- retry_after ----------------------------------------------------------------------------


def test_no_header() -> None:
    assert retry_after({}, now=NOW) is None


@pytest.mark.parametrize(("raw", "want"), [("1500", 1.5), ("0", 0.0), ("250.5", 0.2505)])
def test_retry_after_ms(raw: str, want: float) -> None:
    assert retry_after({"retry-after-ms": raw}, now=NOW) == pytest.approx(want)


@pytest.mark.parametrize(("raw", "want"), [("2", 2.0), ("0", 0.0), ("1.5", 1.5), (" 3 ", 3.0)])
def test_retry_after_seconds(raw: str, want: float) -> None:
    assert retry_after({"retry-after": raw}, now=NOW) == want


def test_ms_wins_over_seconds() -> None:
    assert retry_after({"retry-after-ms": "100", "retry-after": "5"}, now=NOW) == pytest.approx(0.1)


def test_bad_ms_falls_back_to_seconds() -> None:
    assert retry_after({"retry-after-ms": "soon", "retry-after": "4"}, now=NOW) == 4.0


def test_case_insensitive_headers() -> None:
    assert retry_after(httpx.Headers({"Retry-After": "7"}), now=NOW) == 7.0
    assert retry_after(httpx.Headers({"Retry-After-Ms": "70"}), now=NOW) == pytest.approx(0.07)


def test_http_date() -> None:
    assert retry_after({"retry-after": http_date(NOW + 10)}, now=NOW) == pytest.approx(10.0)
    assert retry_after({"retry-after": http_date(NOW + 60)}, now=NOW) == pytest.approx(60.0)


def test_http_date_in_the_past_means_now() -> None:
    assert retry_after({"retry-after": http_date(NOW - 100)}, now=NOW) == 0.0


def test_http_date_literal() -> None:
    # 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT
    assert retry_after({"retry-after": "Tue, 14 Nov 2023 22:13:25 GMT"}, now=NOW) == 5.0


@pytest.mark.parametrize(
    "raw", ["", "soon", "nan", "NaN", "-1", "-0.5", "inf", "1e400", "Tue, 99 Nov 2023", "1 2"]
)
def test_garbage_is_ignored(raw: str) -> None:
    assert retry_after({"retry-after": raw}, now=NOW) is None
    assert retry_after({"retry-after-ms": raw}, now=NOW) is None


def test_over_the_cap_is_ignored() -> None:
    assert retry_after({"retry-after": str(MAX_RETRY_AFTER)}, now=NOW) == MAX_RETRY_AFTER
    assert retry_after({"retry-after": str(MAX_RETRY_AFTER + 1)}, now=NOW) is None
    too_long_ms = str(int(MAX_RETRY_AFTER * 1000) + 1)
    assert retry_after({"retry-after-ms": too_long_ms}, now=NOW) is None
    far = http_date(NOW + MAX_RETRY_AFTER + 5)
    assert retry_after({"retry-after": far}, now=NOW) is None


def test_retry_after_uses_the_clock_by_default() -> None:
    import time

    delay = retry_after({"retry-after": http_date(time.time() + 30)})
    assert delay is not None
    assert 25 <= delay <= 30


# --- backoff --------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_bounds(attempt: int) -> None:
    base = min(INITIAL_RETRY_DELAY * 2**attempt, MAX_RETRY_DELAY)
    assert backoff_delay(attempt, rand=0) == pytest.approx(base)
    assert backoff_delay(attempt, rand=1) == pytest.approx(base * (1 - RETRY_JITTER))
    for _ in range(20):
        assert base * (1 - RETRY_JITTER) <= backoff_delay(attempt) <= base


def test_first_retry_waits_the_initial_delay() -> None:
    assert backoff_delay(0, rand=0) == INITIAL_RETRY_DELAY


def test_backoff_grows_then_caps() -> None:
    delays = [backoff_delay(attempt, rand=0) for attempt in range(12)]
    capped_from = next(i for i, d in enumerate(delays) if d == MAX_RETRY_DELAY)
    assert capped_from > 0
    for before, after in itertools.pairwise(delays):
        assert after == pytest.approx(min(2 * before, MAX_RETRY_DELAY))
    assert all(d == MAX_RETRY_DELAY for d in delays[capped_from:])


@pytest.mark.parametrize("attempt", [100, 1023, 1024, 10_000])
def test_backoff_for_huge_attempts_stays_at_the_cap(attempt: int) -> None:
    assert backoff_delay(attempt, rand=0) == MAX_RETRY_DELAY
    assert math.isfinite(backoff_delay(attempt))


def test_jitter_is_monotonic_in_rand() -> None:
    values = [backoff_delay(3, rand=r / 10) for r in range(11)]
    assert values == sorted(values, reverse=True)


# --- retry_delay ----------------------------------------------------------------------------


def test_retry_delay_prefers_the_server() -> None:
    assert retry_delay(5, {"retry-after": "3"}) == 3.0
    assert retry_delay(0, {"retry-after-ms": "20"}) == pytest.approx(0.02)


@pytest.mark.parametrize("headers", [None, {}, {"retry-after": "junk"}, {"retry-after": "3600"}])
def test_retry_delay_falls_back_to_backoff(headers: dict[str, str] | None) -> None:
    delay = retry_delay(2, headers)
    base = min(INITIAL_RETRY_DELAY * 4, MAX_RETRY_DELAY)
    assert base * (1 - RETRY_JITTER) <= delay <= base
