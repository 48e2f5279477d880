"""The limits' state, sans I/O: validation, the buckets' windows, places in flight, pauses."""

from __future__ import annotations

import json
import os

import pytest

from tests.ratefake import most_in_window
from ycloud_chat import ConfigurationError, ConfigurationTypeError, Limits
from ycloud_chat._limits import Limiter, Ticket, check_limits, estimate_tokens, used_tokens


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Waiter:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


def ticket(outcome: Ticket | float | None) -> Ticket:
    assert isinstance(outcome, Ticket), outcome
    return outcome


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"max_in_flight": 0}, ConfigurationError),
        ({"max_in_flight": 2.5}, ConfigurationTypeError),
        ({"max_in_flight": True}, ConfigurationTypeError),
        ({"requests_per_minute": -1}, ConfigurationError),
        ({"requests_per_minute": float("inf")}, ConfigurationError),
        ({"tokens_per_minute": "100"}, ConfigurationTypeError),
    ],
)
def test_bad_limits_are_named(arguments: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error, match=next(iter(arguments))):
        Limits(**arguments)  # type: ignore[arg-type]


def test_no_limits_is_none() -> None:
    assert check_limits(None) is None
    assert check_limits(Limits()) is None
    assert check_limits(Limits(max_in_flight=3)) == Limits(max_in_flight=3)
    with pytest.raises(ConfigurationTypeError, match="limits must be"):
        check_limits({"max_in_flight": 3})


def starts_of(limiter: Limiter, clock: Clock, count: int, tokens: int = 0) -> list[float]:
    starts = []
    for _ in range(count):
        reserved = ticket(limiter.try_reserve(tokens))
        starts.append(clock.now + limiter.delay(reserved))
        limiter.release(reserved)
    return starts


@pytest.mark.parametrize("rpm", [60, 600, 3000, 12_345])
def test_requests_are_smooth_in_every_window(rpm: int) -> None:
    clock = Clock()
    limiter = Limiter(Limits(requests_per_minute=rpm), clock)
    starts = starts_of(limiter, clock, int(rpm / 60 * 6))
    for seconds in (1.0, 1.5, 2.0, 3.0, 5.0):
        # The promise is rpm / 60 * (T + 1); half a second's worth is left for the network.
        assert most_in_window(starts, seconds) <= rpm / 60 * seconds + max(rpm / 120, 1)
    # A burst of half a second's worth, then the rate: six seconds' worth takes 5.5 s.
    assert max(starts) - clock.now == pytest.approx(5.5, abs=60 / rpm + 1e-6)


def test_a_late_caller_gets_the_burst_back() -> None:
    clock = Clock()
    limiter = Limiter(Limits(requests_per_minute=600), clock)
    starts_of(limiter, clock, 30)
    clock.now += 60
    assert starts_of(limiter, clock, 5) == [clock.now] * 5  # half a second's worth


def test_a_smaller_burst_lets_fewer_start_at_once() -> None:
    clock = Clock()
    one_sdk = starts_of(Limiter(Limits(requests_per_minute=600), clock), clock, 60)
    limiter = Limiter(Limits(requests_per_minute=600), clock, burst=0.25)
    starts = starts_of(limiter, clock, 60)
    assert (one_sdk.count(clock.now), starts.count(clock.now)) == (5, 2)
    assert most_in_window(starts, 1.0) <= 10 * 1.25 + 1
    assert max(starts) - clock.now == pytest.approx(5.75, abs=0.1 + 1e-6)


def test_places_in_flight_queue_waiters_and_wake_them_in_order() -> None:
    limiter = Limiter(Limits(max_in_flight=2), Clock())
    first, second = ticket(limiter.try_reserve(0)), ticket(limiter.try_reserve(0))
    early, late = Waiter(), Waiter()
    assert limiter.try_reserve(0, early) is None
    assert limiter.try_reserve(0, late) is None
    assert limiter.in_flight == 2
    limiter.release(first)
    limiter.release(first)  # twice is once
    assert (early.woken, late.woken, limiter.in_flight) == (1, 0, 1)
    assert limiter.forget(late)
    assert not limiter.forget(early)  # already woken
    limiter.release(second)
    assert late.woken == 0
    assert limiter.max_seen_in_flight == 2


def test_a_woken_waiter_that_gives_up_passes_its_turn_on() -> None:
    limiter = Limiter(Limits(max_in_flight=1), Clock())
    held = ticket(limiter.try_reserve(0))
    first, second = Waiter(), Waiter()
    limiter.try_reserve(0, first)
    limiter.try_reserve(0, second)
    limiter.release(held)
    assert first.woken == 1
    limiter.pass_on()
    assert second.woken == 1


def test_a_429_pause_holds_every_start_and_moves_reserved_ones() -> None:
    clock = Clock()
    limiter = Limiter(Limits(requests_per_minute=60), clock)
    starts_of(limiter, clock, 1)  # the burst is used up
    reserved = ticket(limiter.try_reserve(0))
    assert limiter.delay(reserved) == pytest.approx(1.0)
    limiter.pause(2.0)
    assert limiter.try_reserve(0) == pytest.approx(2.0)
    assert limiter.pause_remaining() == pytest.approx(2.0)
    assert limiter.delay(reserved) == pytest.approx(3.0)
    limiter.pause(1.0)  # shorter than the pause under way: nothing changes
    assert limiter.delay(reserved) == pytest.approx(3.0)
    clock.now += 2.5
    assert limiter.try_reserve(0) is not None
    assert limiter.delay(reserved) == pytest.approx(0.5)


def test_a_pause_without_a_rate_holds_starts_until_it_ends() -> None:
    clock = Clock()
    limiter = Limiter(Limits(max_in_flight=5), clock)
    limiter.pause(2.0)
    assert limiter.try_reserve(0) == pytest.approx(2.0)
    clock.now += 2.0
    assert limiter.delay(ticket(limiter.try_reserve(0))) <= 0


def test_tokens_are_charged_then_corrected_by_usage() -> None:
    clock = Clock()
    limiter = Limiter(Limits(tokens_per_minute=6000), clock)  # 100 a second
    assert limiter.charges_tokens
    big = ticket(limiter.try_reserve(10_000))
    assert limiter.delay(big) <= 0  # the first call always starts
    limiter.release(big, used=15)  # it really cost 15
    assert limiter.delay(ticket(limiter.try_reserve(50))) <= 0
    uncorrected = Limiter(Limits(tokens_per_minute=6000), clock)
    uncorrected.release(ticket(uncorrected.try_reserve(10_000)))
    assert uncorrected.delay(ticket(uncorrected.try_reserve(50))) > 90


def test_cancelled_tickets_give_their_place_and_reservation_back() -> None:
    clock = Clock()
    limiter = Limiter(Limits(max_in_flight=1, requests_per_minute=60), clock)
    limiter.release(ticket(limiter.try_reserve(0)))
    reserved = ticket(limiter.try_reserve(0))
    assert limiter.delay(reserved) == pytest.approx(1.0)
    limiter.cancel(reserved)
    assert limiter.in_flight == 0
    assert limiter.delay(ticket(limiter.try_reserve(0))) == pytest.approx(1.0)


def test_a_forked_child_starts_afresh() -> None:
    from ycloud_chat._limits import _reset_after_fork

    limiter = Limiter(Limits(max_in_flight=1), Clock())
    limiter.try_reserve(0)
    limiter.pause(5)
    _reset_after_fork()
    assert limiter.in_flight == 0
    assert limiter.pause_remaining() == 0
    assert isinstance(limiter.try_reserve(0), Ticket)


def test_the_token_estimate_reads_text_and_the_cap() -> None:
    chat = {"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 50}
    assert estimate_tokens(json.dumps(chat).encode()) == (4 + 400) // 4 + 1 + 50  # role too
    parts = {"messages": [{"role": "user", "content": [{"type": "text", "text": "y" * 40}]}]}
    assert estimate_tokens(json.dumps(parts).encode()) == (4 + 4 + 40) // 4 + 1
    assert estimate_tokens(json.dumps({"input": ["a" * 8, "b" * 8]}).encode()) == 5
    assert estimate_tokens(b"not json at all") == 4
    assert used_tokens(b'{"usage": {"total_tokens": 42}}') == 42
    assert used_tokens(b'{"usage": null}') is None
    assert used_tokens(b"[]") is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")  # 3.12+ with other threads
def test_a_real_fork_child_has_none_of_the_parent_places() -> None:
    limiter = Limiter(Limits(max_in_flight=1))
    held = ticket(limiter.try_reserve(0))
    limiter.pause(30)
    child = os.fork()
    if child == 0:  # the child: its own, empty limits
        fresh = isinstance(limiter.try_reserve(0), Ticket) and limiter.pause_remaining() == 0
        os._exit(0 if fresh else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert limiter.in_flight == 1  # the parent still holds its place
    limiter.release(held)
