"""The IAM token an exchanging credential holds, and the single flight that renews it.

A credential is shared by every copy of an SDK (`with_options`), by its threads and, on the
async face, by tasks on any number of event loops. So the state here is guarded by a
`threading.Lock` held only for a few assignments (never across I/O), and the caller that
finds the token stale leads one "flight": it exchanges, the others wait for its
`threading.Event`. No event-loop primitive is involved, so a loop's waiter never depends on
another loop. After a fork the child starts with a fresh lock and no flight (the parent's
leader does not exist there) but keeps the token, which is still valid.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

from ._exceptions import CredentialsError

__all__ = ["Flight", "Token", "TokenCache", "clock"]

logger = logging.getLogger("ycloud_chat")

# Renew this long before expiry at most (the IAM's tokens live 12 hours), and at half the
# lifetime for short-lived tokens.
REFRESH_AHEAD = 3600.0
# A token this close to its expiry is not sent: the request would race it.
EXPIRY_MARGIN = 30.0
# A token is held at least this long, whatever its expiry says: a clock far off the server's
# must not make every call exchange again.
MIN_LIFETIME = 120.0
# After a failed renewal while the old token still serves, wait this long before trying again.
RETRY_RENEWAL_AFTER = 30.0


def clock() -> float:
    """Seconds since the epoch; tokens' expiry times are wall-clock times."""
    return time.time()


@dataclass(frozen=True)
class Token:
    """An IAM token, when to renew it and when it stops working (epoch seconds)."""

    value: str = field(repr=False)
    expires_at: float
    refresh_at: float

    @classmethod
    def lasting(cls, value: str, lifetime: float, now: float) -> Token:
        """A token that expires `lifetime` seconds after `now`, renewed ahead of that."""
        lifetime = max(lifetime, MIN_LIFETIME)
        ahead = min(lifetime / 2, REFRESH_AHEAD)
        return cls(value, now + lifetime, now + lifetime - ahead)

    def fresh(self, now: float) -> bool:
        """True until it is time to renew."""
        return now < self.refresh_at

    def usable(self, now: float) -> bool:
        """True while it can still be sent, renewal due or not."""
        return now < self.expires_at - EXPIRY_MARGIN


class Flight:
    """One exchange in progress: its leader fills `token` or `error`, then sets `done`."""

    __slots__ = ("done", "error", "token")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.token: Token | None = None
        self.error: CredentialsError | None = None


class TokenCache:
    """The current token of one credential and the flight renewing it, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._flight: Flight | None = None
        self.token: Token | None = None
        self.fallen = False  # to the credential's fallback, for good

    def join(self) -> tuple[Flight | None, bool]:
        """(None, False) if the token is fresh; else the flight to wait for and whether to lead."""
        self._after_fork()
        with self._lock:
            token = self.token
            if token is not None and token.fresh(clock()):
                return None, False
            if self._flight is None:
                self._flight = Flight()
                return self._flight, True
            return self._flight, False

    def land(self, flight: Flight, token: Token | None, error: CredentialsError | None) -> bool:
        """End the flight with its outcome; True if the caller may go on with a token.

        A failed renewal is forgiven while the old token is still usable: it serves on, and
        renewal is tried again a little later. A flight with neither outcome (its leader was
        cancelled) lets the next caller lead another.
        """
        with self._lock:
            if token is not None:
                self.token = token
            elif error is not None and self._serves_on(error):
                token, error = self.token, None
            flight.token = token
            flight.error = error
            if self._flight is flight:
                self._flight = None
        flight.done.set()
        return flight.token is not None

    def _serves_on(self, error: CredentialsError) -> bool:
        """Keep a usable old token after a failed renewal, trying again a little later."""
        old = self.token
        now = clock()
        if old is None or not old.usable(now):
            return False
        logger.warning("%s; the current IAM token serves until it is renewed", error)
        retry_at = min(now + RETRY_RENEWAL_AFTER, old.expires_at - EXPIRY_MARGIN)
        self.token = Token(old.value, old.expires_at, retry_at)
        return True

    def fall_back(self, flight: Flight) -> bool:
        """End the flight by giving way to the fallback; False if a token was ever obtained."""
        with self._lock:
            if self.token is not None:
                return False
            self.fallen = True
            if self._flight is flight:
                self._flight = None
        flight.done.set()
        return True

    def reject(self, value: str) -> None:
        """Mark the token stale if it is still `value`, which the server refused (a 401)."""
        with self._lock:
            token = self.token
            if token is not None and token.value == value:
                self.token = Token(token.value, expires_at=0.0, refresh_at=0.0)

    def _after_fork(self) -> None:
        if self._pid != os.getpid():
            self._lock = threading.Lock()
            self._flight = None
            self._pid = os.getpid()
