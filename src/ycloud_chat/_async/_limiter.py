"""Waiting for the SDK's limits: a place in flight, a reserved start, the end of a 429 pause.

The state is `_limits.Limiter`'s, shared by every thread and task; what waits here is the
caller's own (a wake-up on its event loop, a sleep), bounded by the call's deadline.
"""

from __future__ import annotations

from .._concurrency import AsyncWakeup, async_sleep, async_wakeup
from .._exceptions import APITimeoutError
from .._exchange import Exchange
from .._limits import Limiter, RemoteLimiter, Ticket

__all__ = ["take_place"]


async def take_place(limiter: Limiter, tokens: int, exchange: Exchange) -> Ticket:
    """Wait until the limits let one attempt of the call start; its ticket.

    Raises `APITimeoutError` when the call's deadline would run out first.
    """
    if isinstance(limiter, RemoteLimiter):  # the state lives elsewhere, and so does the waiting
        granted = await limiter.async_grant(tokens, exchange.deadline.remaining())
        if granted is None:
            raise limit_timeout_error(limiter, exchange)
        return granted
    ticket = await _reserve(limiter, tokens, exchange)
    try:
        while (delay := limiter.delay(ticket)) > 0:
            _check_time_for(delay, limiter, exchange)
            await async_sleep(delay)
    except BaseException:
        limiter.cancel(ticket)
        raise
    return ticket


async def _reserve(limiter: Limiter, tokens: int, exchange: Exchange) -> Ticket:
    woken = False
    while True:
        outcome = limiter.try_reserve(tokens)
        if outcome is None:
            waiter = async_wakeup()
            outcome = limiter.try_reserve(tokens, waiter, woken=woken)
            if outcome is None:
                await _wait_for_place(limiter, waiter, exchange)
                woken = True
                continue
        if isinstance(outcome, Ticket):
            return outcome
        _check_time_for(outcome, limiter, exchange)  # a 429 pause
        await async_sleep(outcome)


async def _wait_for_place(limiter: Limiter, waiter: AsyncWakeup, exchange: Exchange) -> None:
    """Wait to be woken by a call that ends; the next waiter is woken if this one gives up."""
    woke = False
    try:
        woke = await waiter.wait(exchange.deadline.remaining())
    finally:
        if not woke and not limiter.forget(waiter):
            limiter.pass_on()  # it was woken as it gave up: the place goes to the next one
    if not woke:
        raise limit_timeout_error(limiter, exchange)


def _check_time_for(delay: float, limiter: Limiter, exchange: Exchange) -> None:
    if not exchange.deadline.allows(delay):
        raise limit_timeout_error(limiter, exchange)


def limit_timeout_error(limiter: Limiter, exchange: Exchange) -> APITimeoutError:
    """The error of a call whose deadline ran out while it waited for the limits."""
    return exchange.limit_timeout_error(limiter.limits)
