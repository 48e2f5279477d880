from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from ycloud_chat import _deadline
from ycloud_chat._deadline import Deadline


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_deadline, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


def test_no_deadline() -> None:
    deadline = Deadline(None)
    assert deadline.seconds is None
    assert deadline.remaining() is None
    assert not deadline.expired
    assert deadline.allows(0)
    assert deadline.allows(1e9)


def test_remaining_counts_down(clock: FakeClock) -> None:
    deadline = Deadline(10)
    assert deadline.seconds == 10
    assert deadline.remaining() == 10
    clock.now += 3
    assert deadline.remaining() == 7
    assert not deadline.expired
    clock.now += 7
    assert deadline.remaining() == 0
    assert deadline.expired


def test_remaining_is_never_negative(clock: FakeClock) -> None:
    deadline = Deadline(1)
    clock.now += 50
    assert deadline.remaining() == 0.0
    assert deadline.expired


def test_zero_seconds_is_already_expired(clock: FakeClock) -> None:
    deadline = Deadline(0)
    assert deadline.remaining() == 0.0
    assert deadline.expired
    assert not deadline.allows(0)


def test_allows_needs_time_for_an_attempt_after_the_wait(clock: FakeClock) -> None:
    deadline = Deadline(5)
    assert deadline.allows(0)
    assert deadline.allows(4.49)
    assert not deadline.allows(4.5)  # MIN_ATTEMPT_TIME (0.5 s) must be left for the attempt
    assert not deadline.allows(6)
    clock.now += 4
    assert deadline.allows(0.49)
    assert not deadline.allows(0.5)


def test_explicit_start_clock(clock: FakeClock) -> None:
    deadline = Deadline(10, clock=995.0)
    assert deadline.remaining() == 5
    assert Deadline(10, clock=0.0).expired  # 0.0 is a start time, not "unset"


def test_real_monotonic_clock() -> None:
    deadline = Deadline(100)
    remaining = deadline.remaining()
    assert remaining is not None
    assert 99 < remaining <= 100
    started_long_ago = Deadline(1, clock=time.monotonic() - 10)
    assert started_long_ago.expired
