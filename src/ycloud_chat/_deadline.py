"""A monotonic deadline for one call, shared by its attempts and by both faces."""

from __future__ import annotations

import math
import time

from ._constants import MIN_ATTEMPT_TIME
from ._exceptions import ConfigurationError, ConfigurationTypeError
from .types.misc import UNDEFINED, UndefinedOr

__all__ = ["Deadline", "check_timeout", "resolve_timeout"]


def check_timeout(value: object, name: str = "timeout") -> float | None:
    """Return a timeout as float seconds (None: no limit), or raise naming the argument."""
    if value is None:
        return None
    problem = f"{name} must be a positive, finite number of seconds or None, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationTypeError(problem)
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(problem)
    return float(value)


def resolve_timeout(
    given: UndefinedOr[float | None], default: float | None, fallback: float
) -> float | None:
    """The timeout of one call: the one it was given, else the SDK's default, else `fallback`."""
    if given is not UNDEFINED:
        return check_timeout(given)
    return fallback if default is None else default


class Deadline:
    """The moment a call must be over by; `None` seconds means no deadline."""

    __slots__ = ("_expires_at", "seconds")

    def __init__(self, seconds: float | None, *, clock: float | None = None) -> None:
        self.seconds = seconds
        start = time.monotonic() if clock is None else clock
        self._expires_at = None if seconds is None else start + seconds

    def remaining(self) -> float | None:
        """Seconds left (never negative), or None without a deadline."""
        if self._expires_at is None:
            return None
        return max(0.0, self._expires_at - time.monotonic())

    @property
    def expired(self) -> bool:
        """True once no time is left."""
        remaining = self.remaining()
        return remaining is not None and remaining <= 0.0

    def allows(self, delay: float) -> bool:
        """True when waiting `delay` seconds still leaves time for a real attempt.

        An attempt started with almost no time left would only time out, hiding the error
        that made it necessary.
        """
        remaining = self.remaining()
        return remaining is None or delay + MIN_ATTEMPT_TIME < remaining
