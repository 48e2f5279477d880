"""The named pairs where the async and the sync face genuinely differ.

`build_tools/unasync.py` rewrites each async name on the left into its sync twin on the
right; nothing else in `_async/` touches anyio or an event loop.

| async face            | sync face        |
| --------------------- | ---------------- |
| `async_sleep`         | `sleep`          |
| `async_deadline_scope`| `deadline_scope` |
| `async_cancel_shield` | `cancel_shield`  |
| `ASYNC_DRAIN_GRACE`   | `DRAIN_GRACE`    |
| `async_call_function` | `call_function`  |
| `async_run_all`       | `run_all`        |
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager as ContextManager
from typing import Any, TypeVar

from ._constants import STREAM_DRAIN_GRACE

# After a stream's `[DONE]`, how long to keep reading to the end of the body so that the
# connection can go back to the pool. A cancel scope bounds the whole drain on the async face;
# a blocking read cannot be bounded from outside, so the sync face gives the connection up.
ASYNC_DRAIN_GRACE = STREAM_DRAIN_GRACE
DRAIN_GRACE = 0.0

T = TypeVar("T")

__all__ = [
    "ASYNC_DRAIN_GRACE",
    "DRAIN_GRACE",
    "async_call_function",
    "async_cancel_shield",
    "async_deadline_scope",
    "async_run_all",
    "async_sleep",
    "call_function",
    "cancel_shield",
    "deadline_scope",
    "run_all",
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


@contextlib.contextmanager
def deadline_scope(seconds: float | None) -> Iterator[None]:
    """Blocking reads cannot be interrupted from outside: each is bounded by its httpx timeout.

    The transport also checks the deadline between the chunks it reads.
    """
    yield


def async_cancel_shield() -> ContextManager[object]:
    """Shield cleanup (closing a response) from the cancellation that triggered it."""
    import anyio

    return anyio.CancelScope(shield=True)


def cancel_shield() -> ContextManager[object]:
    """Nothing can cancel blocking cleanup: a no-op."""
    return contextlib.nullcontext()


def _is_async(function: Callable[..., Any]) -> bool:
    target = function.func if isinstance(function, functools.partial) else function
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004  (an object with an async __call__)
    )


async def async_call_function(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await an async function; run a blocking one in a worker thread, off the event loop."""
    if _is_async(function):
        return await function(*args, **kwargs)
    import anyio.to_thread

    return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))


def call_function(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a function; an async one runs to completion in an event loop of its own."""
    if _is_async(function):
        import anyio

        return anyio.run(functools.partial(function, *args, **kwargs))
    return function(*args, **kwargs)


async def async_run_all(functions: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run the functions concurrently; their results in order, or the first one's error.

    Every function runs to its end even when another fails (none is cancelled halfway);
    the error raised is that of the first failing function in the given order.
    """
    import anyio

    outcomes: list[Any] = [None] * len(functions)
    failed: list[bool] = [False] * len(functions)

    async def run_one(position: int) -> None:
        try:
            outcomes[position] = await functions[position]()
        except Exception as exc:
            outcomes[position], failed[position] = exc, True

    async with anyio.create_task_group() as group:
        for position in range(len(functions)):
            group.start_soon(run_one, position)
    for position, outcome in enumerate(outcomes):
        if failed[position]:
            raise outcome
    return outcomes


def run_all(functions: Sequence[Callable[[], T]]) -> list[T]:
    """Run the functions one after another; their results in order, or the first error."""
    return [function() for function in functions]
