"""Client-side rate limits, sans I/O: what may start now, and how long the others wait.

`Limits` is the public setting; `Limiter` is the state one SDK shares across its copies,
threads and tasks: the calls in flight, two token buckets (requests and tokens per minute)
and the moment a 429 paused everything until. It is plain thread-safe state behind one
`threading.Lock`; the faces only wait (`_async/_limiter.py`, each with its own primitives
per event loop or thread), so no event-loop object is ever shared.

The buckets are kept as GCRA schedules (a "theoretical arrival time" per bucket): each call
reserves its place at once and sleeps until it, so waiting callers do not each retry, and
in any window of T seconds at most `rate * (T + 1)` units start (see BURST_SECONDS).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from ._exceptions import ConfigurationError, ConfigurationTypeError

__all__ = [
    "Limiter",
    "Limits",
    "RemoteLimiter",
    "Ticket",
    "Waiter",
    "check_limits",
    "estimate_tokens",
]

# The burst each bucket allows: half a second's worth. Any window of T seconds then holds at
# most rate * (T + 0.5) starts as the SDK makes them, which leaves half a second's worth for
# what the network and the event loop do to them on the way (the promise is rate * (T + 1)).
BURST_SECONDS = 0.5
# Characters per token in the charge made before a call (corrected by its usage after).
CHARS_PER_TOKEN = 4


@dataclasses.dataclass(frozen=True)
class Limits:
    """Limits shared by every call of one SDK (its copies, threads and tasks alike).

    Every limit is off when None (the default). Waiting for a limit counts against a call's
    `timeout`; a call that cannot start in time raises `APITimeoutError`.

    Attributes:
        max_in_flight: the most calls the server sees at once; a stream counts until closed.
        requests_per_minute: requests started (retries count), spread smoothly: in any window
            of T >= 1 seconds at most `requests_per_minute / 60 * (T + 1)` start.
        tokens_per_minute: tokens billed: each call is charged before it starts (its prompt
            estimated, plus `max_tokens` when set) and corrected by its `usage` when it ends.
    """

    max_in_flight: int | None = None
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None

    def __post_init__(self) -> None:
        _check_positive(self.max_in_flight, "max_in_flight", integer=True)
        _check_positive(self.requests_per_minute, "requests_per_minute", integer=False)
        _check_positive(self.tokens_per_minute, "tokens_per_minute", integer=False)

    @property
    def unlimited(self) -> bool:
        """True when no limit is set."""
        return self == Limits()

    def __repr__(self) -> str:
        fields = dataclasses.fields(self)
        given = [f"{f.name}={getattr(self, f.name)!r}" for f in fields if getattr(self, f.name)]
        return f"Limits({', '.join(given)})"


def _check_positive(value: object, name: str, *, integer: bool) -> None:
    if value is None:
        return
    kind = "a positive integer" if integer else "a positive number"
    problem = f"Limits({name}=...) must be {kind} or None, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationTypeError(problem)
    if integer and not isinstance(value, int):
        raise ConfigurationTypeError(problem)
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(problem)


def check_limits(value: object) -> Limits | None:
    """The SDK's `limits=` checked: a `Limits` (None when it sets nothing), or None."""
    if value is None:
        return None
    if not isinstance(value, Limits):
        raise ConfigurationTypeError(
            f"limits must be a ycloud_chat.Limits or None, got {type(value).__name__}"
        )
    return None if value.unlimited else value


def estimate_tokens(body: bytes) -> int:
    """The charge of a request before it runs: its text at 4 characters a token, plus its cap.

    The cap is `max_tokens` (or `max_completion_tokens`) when the body sets one. A body that
    is not JSON is charged by its length.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return len(body) // CHARS_PER_TOKEN + 1
    if not isinstance(data, dict):
        return len(body) // CHARS_PER_TOKEN + 1
    chars = _text_length(data.get("messages")) + _text_length(data.get("input"))
    cap = data.get("max_tokens", data.get("max_completion_tokens"))
    answer = cap if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0 else 0
    return chars // CHARS_PER_TOKEN + 1 + answer


def _text_length(value: Any) -> int:
    """The characters of every string inside `value` (messages, their parts, input texts)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_length(item) for item in value.values())
    if isinstance(value, list):
        return sum(_text_length(item) for item in value)
    return 0


def used_tokens(content: bytes) -> int | None:
    """The `usage.total_tokens` of a whole answer body, or None without one."""
    try:
        usage = json.loads(content).get("usage")
        total = usage.get("total_tokens")
    except (ValueError, AttributeError):
        return None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


class Waiter(Protocol):
    """What a face waits on for a free place in flight; `wake()` may be called from any thread."""

    def wake(self) -> None:
        """Let the waiting caller try again."""


@dataclasses.dataclass
class Ticket:
    """One attempt's place: counted in flight, with a start time reserved in the buckets.

    `start_at` is on the `time.monotonic` clock; `shift` is the pauses' total when it was
    reserved (a pause moves every reserved start later by its length).
    """

    start_at: float
    tokens: int
    shift: float
    released: bool = False


class _Bucket:
    """A GCRA schedule: `rate` units a second, a burst of `burst` seconds' worth."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, per_minute: float, burst: float = BURST_SECONDS) -> None:
        self.interval = 60.0 / per_minute  # seconds per unit
        # With this tolerance, n starts span at least (n - 1) * interval - tolerance seconds:
        # at most rate * (T + burst) in any window of T seconds.
        self.tolerance = max(0.0, burst - self.interval)
        self.tat = -math.inf  # when the schedule is next free, were there no burst

    def reserve(self, units: float, now: float) -> float:
        """Reserve `units` and return when they may start (`now` or later)."""
        start = max(now, self.tat - self.tolerance)
        self.tat = max(self.tat, now) + units * self.interval
        return start

    def refund(self, units: float) -> None:
        """Give back units reserved but not (or not all) used."""
        self.tat -= units * self.interval

    def shift(self, seconds: float, now: float) -> None:
        """Move the schedule later, for a pause."""
        self.tat = max(self.tat, now - self.tolerance) + seconds


class Limiter:
    """The limits' state for one SDK: thread-safe, no I/O, no event-loop objects.

    `burst` is the buckets' tolerance in seconds' worth of their rate (BURST_SECONDS); a
    limiter whose starts travel further before they reach the server takes a smaller one.
    """

    def __init__(
        self,
        limits: Limits,
        clock: Callable[[], float] = time.monotonic,
        *,
        burst: float = BURST_SECONDS,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._burst = burst
        self._reset()
        _LIMITERS.add(self)

    def _reset(self) -> None:
        limits = self.limits
        self._lock = threading.Lock()
        self._in_flight = 0
        self._waiters: deque[Waiter] = deque()
        self._requests = (
            None
            if limits.requests_per_minute is None
            else _Bucket(limits.requests_per_minute, self._burst)
        )
        self._tokens = (
            None
            if limits.tokens_per_minute is None
            else _Bucket(limits.tokens_per_minute, self._burst)
        )
        self._paused_until = -math.inf
        self._shift = 0.0
        self.max_seen_in_flight = 0

    @property
    def charges_tokens(self) -> bool:
        """Whether calls need a token estimate (`tokens_per_minute` is set)."""
        return self._tokens is not None

    @property
    def in_flight(self) -> int:
        """The calls holding a place now."""
        return self._in_flight

    def pause_remaining(self) -> float:
        """Seconds left of a 429 pause (0 when none)."""
        return max(0.0, self._paused_until - self._clock())

    def try_reserve(
        self, tokens: int, waiter: Waiter | None = None, *, woken: bool = False
    ) -> Ticket | float | None:
        """A ticket, or the seconds to wait before trying again (a pause), or None.

        None means every place in flight is taken: `waiter` (when given) is queued, and woken
        when one frees; a waiter that was `woken` and lost the place goes back to the front.
        """
        with self._lock:
            now = self._clock()
            if now < self._paused_until:
                return self._paused_until - now
            maximum = self.limits.max_in_flight
            if maximum is not None and (self._in_flight >= maximum):
                if waiter is not None:
                    (self._waiters.appendleft if woken else self._waiters.append)(waiter)
                return None
            self._in_flight += 1
            self.max_seen_in_flight = max(self.max_seen_in_flight, self._in_flight)
            start = now
            if self._requests is not None:
                start = max(start, self._requests.reserve(1, now))
            if self._tokens is not None:
                start = max(start, self._tokens.reserve(tokens, now))
            return Ticket(start_at=start, tokens=tokens, shift=self._shift)

    def forget(self, waiter: Waiter) -> bool:
        """Take a waiter off the queue; False when it was already woken."""
        with self._lock:
            try:
                self._waiters.remove(waiter)
            except ValueError:
                return False
            return True

    def delay(self, ticket: Ticket) -> float:
        """Seconds until the ticket's attempt may start (0 or less: now)."""
        with self._lock:
            start = ticket.start_at + (self._shift - ticket.shift)
            return max(start, self._paused_until) - self._clock()

    def release(self, ticket: Ticket, used: int | None = None) -> None:
        """Free the ticket's place; correct its token charge by what the answer `used`."""
        with self._lock:
            if ticket.released:
                return
            ticket.released = True
            self._in_flight -= 1
            if self._tokens is not None and used is not None:
                self._tokens.refund(ticket.tokens - used)
            waiter = self._waiters.popleft() if self._waiters else None
        if waiter is not None:
            waiter.wake()

    def cancel(self, ticket: Ticket) -> None:
        """Give back a ticket whose attempt never started: its place and its reservations."""
        with self._lock:
            if self._requests is not None and not ticket.released:
                self._requests.refund(1)
        self.release(ticket, used=0)

    def pass_on(self) -> None:
        """Wake the next waiter: one that was woken gave up without taking the place."""
        with self._lock:
            waiter = self._waiters.popleft() if self._waiters else None
        if waiter is not None:
            waiter.wake()

    def pause(self, seconds: float) -> None:
        """Hold back every start of this SDK for `seconds` (a 429 said so).

        Starts already reserved move later by the time the pause adds, so that they do not
        all rush in when it ends.
        """
        with self._lock:
            now = self._clock()
            until = now + seconds
            added = until - max(now, self._paused_until)
            if added <= 0:
                return
            self._paused_until = until
            self._shift += added
            for bucket in (self._requests, self._tokens):
                if bucket is not None:
                    bucket.shift(added, now)

    def __repr__(self) -> str:
        return f"<Limiter {self.limits!r} in_flight={self._in_flight}>"


class RemoteLimiter(Limiter):
    """A limiter whose state lives elsewhere (`ycloud_chat.ray`'s, held for a whole cluster).

    The transport asks it for each attempt's place (`async_grant` on the async face, `grant`
    on the sync one) instead of waiting on local state; `release` and `pause` are sent there.
    """

    async def async_grant(self, tokens: int, remaining: float | None) -> Ticket | None:
        """A ticket once the attempt may start; None when `remaining` seconds ran out first."""
        raise NotImplementedError(f"{type(self).__name__} grants no places on the async face")

    def grant(self, tokens: int, remaining: float | None) -> Ticket | None:
        """A ticket once the attempt may start; None when `remaining` seconds ran out first."""
        raise NotImplementedError(f"{type(self).__name__} grants no places on the sync face")


# After a fork the child has none of the parent's calls: each limiter starts afresh there.
_LIMITERS: weakref.WeakSet[Limiter] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for limiter in list(_LIMITERS):
        limiter._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
