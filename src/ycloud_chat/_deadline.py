"""A monotonic deadline for one call, shared by its attempts and by both faces."""

from __future__ import annotations

import time

__all__ = ["Deadline"]


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
        """True when waiting `delay` seconds still leaves time for an attempt."""
        remaining = self.remaining()
        return remaining is None or delay < remaining
