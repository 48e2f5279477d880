"""The named pairs where the async and the sync face genuinely differ.

`build_tools/unasync.py` rewrites each async name on the left into its sync twin on the
right; nothing else in `_async/` touches anyio or an event loop.

| async face            | sync face        |
| --------------------- | ---------------- |
| `async_sleep`         | `sleep`          |
| `async_deadline_scope`| `deadline_scope` |
| `async_cancel_shield` | `cancel_shield`  |
| `ASYNC_DRAIN_GRACE`   | `DRAIN_GRACE`    |

The pooled transports the SDK makes are another such pair, in `_network`.
"""

from __future__ import annotations

import contextlib
import time
from contextlib import AbstractContextManager as ContextManager

from ._constants import STREAM_DRAIN_GRACE
from ._network import bounded_by_deadline

# After a stream's `[DONE]`, how long to keep reading to the end of the body so that the
# connection can go back to the pool. A cancel scope bounds the whole drain on the async face;
# a blocking read cannot be bounded from outside, so the sync face gives the connection up.
ASYNC_DRAIN_GRACE = STREAM_DRAIN_GRACE
DRAIN_GRACE = 0.0

__all__ = [
    "ASYNC_DRAIN_GRACE",
    "DRAIN_GRACE",
    "async_cancel_shield",
    "async_deadline_scope",
    "async_sleep",
    "cancel_shield",
    "deadline_scope",
    "sleep",
]


async def async_sleep(seconds: float) -> None:
    """Wait without blocking the event loop (anyio: asyncio and trio)."""
    import anyio  # imported on first use, so the sync face never pays for it

    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Block the calling thread."""
    time.sleep(seconds)


def async_deadline_scope(seconds: float | None) -> ContextManager[object]:
    """Cancel the block after `seconds`, raising TimeoutError; no limit for None."""
    if seconds is None:
        return contextlib.nullcontext()
    import anyio

    return anyio.fail_after(seconds)


def deadline_scope(seconds: float | None) -> ContextManager[object]:
    """Bound the block's network I/O by `seconds` in total; no limit for None.

    A blocking read cannot be interrupted from outside: the network streams of the SDK's own
    client cap each connect, read and write at what is left of `seconds` instead. The
    transport also checks the deadline between the chunks it reads.
    """
    return bounded_by_deadline(seconds)


def async_cancel_shield() -> ContextManager[object]:
    """Shield cleanup (closing a response) from the cancellation that triggered it."""
    import anyio

    return anyio.CancelScope(shield=True)


def cancel_shield() -> ContextManager[object]:
    """Nothing can cancel blocking cleanup: a no-op."""
    return contextlib.nullcontext()
