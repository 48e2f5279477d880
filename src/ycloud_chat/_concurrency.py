"""The places where the async and the sync face genuinely differ, as named pairs.

Every `async_*` name here has a sync twin without the prefix (`async_sleep` / `sleep`), and
`build_tools/unasync.py` reads the pairs from `__all__` below: this list is the only one.
Nothing else in `_async/` touches anyio or an event loop (ruff's banned-api rule keeps it so).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import sys
import threading
import time
import types
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Sequence
from contextlib import AbstractAsyncContextManager as AsyncContextManager
from contextlib import AbstractContextManager as ContextManager
from typing import Any, TypeVar

from ._backends import bounded_by_deadline

T = TypeVar("T")

logger = logging.getLogger("ycloud_chat")

__all__ = [
    "async_call_function",
    "async_cancel_shield",
    "async_deadline_scope",
    "async_end_generator",
    "async_run_process",
    "async_settle_all",
    "async_sleep",
    "async_wait_event",
    "call_function",
    "cancel_shield",
    "deadline_scope",
    "end_generator",
    "run_process",
    "settle_all",
    "sleep",
    "wait_event",
]


async def async_sleep(seconds: float) -> None:
    """Wait without blocking the event loop (anyio: asyncio and trio)."""
    import anyio  # imported on first use, so the sync face never pays for it

    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Block the calling thread."""
    time.sleep(seconds)


def async_deadline_scope(seconds: float | None) -> AsyncContextManager[object]:
    """Cancel the block after `seconds`, raising TimeoutError; no limit for None.

    On asyncio (Python 3.11 and later) this is `asyncio.timeout`, a third of the cost of an
    anyio cancel scope, paid on every request; elsewhere it is anyio's `fail_after`.
    """
    if seconds is None:
        return contextlib.nullcontext()
    if sys.version_info >= (3, 11) and _async_library() == "asyncio":
        import asyncio

        return asyncio.timeout(seconds)
    return _fail_after(seconds)


@contextlib.asynccontextmanager
async def _fail_after(seconds: float) -> AsyncIterator[None]:
    import anyio

    with anyio.fail_after(seconds):
        yield


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


async def async_end_generator(generator: AsyncGenerator[Any, None], most: int = 64) -> None:
    """End an async generator and every one it iterates, without waiting for anything.

    `aclose()` ends this generator only: one suspended inside it (in an `async for`) is left
    to the garbage collector, which trio reports. Resumed in a cancelled scope instead, the
    chain ends on its first wait, each generator raising on the way out; at most `most`
    pieces already at hand are read (and dropped) before that.
    """
    if isinstance(generator, types.AsyncGeneratorType) and generator.ag_frame is None:
        return  # run to its end already
    import anyio

    # Its end, whatever it is (an error, the cancellation): the caller wants no more of it.
    ended = contextlib.suppress(Exception, anyio.get_cancelled_exc_class())
    with anyio.CancelScope(shield=True) as scope, ended:
        scope.cancel()
        for _ in range(most):
            await generator.__anext__()
    await generator.aclose()


def end_generator(generator: Generator[Any, None, None], most: int = 64) -> None:
    """End a generator: closing it closes the ones it iterates (nothing is left to report)."""
    generator.close()


def _is_async(function: Callable[..., Any]) -> bool:
    target = function.func if isinstance(function, functools.partial) else function
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004  (an object with an async __call__)
    )


async def async_call_function(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await an async function; run a blocking one in a worker thread, off the event loop.

    What a blocking function returns is awaited too when it is awaitable (a sync wrapper
    around an async function).
    """
    if _is_async(function):
        return await function(*args, **kwargs)
    import anyio.to_thread

    def call() -> tuple[Any]:
        # Boxed: trio refuses a worker-thread function that returns a coroutine.
        return (function(*args, **kwargs),)

    (value,) = await anyio.to_thread.run_sync(call)
    return await value if inspect.isawaitable(value) else value


def call_function(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a function; an async one runs to completion in an event loop of its own.

    When this thread already runs an event loop (a notebook, or sync code called from async
    code), that event loop runs in a helper thread, since a thread runs one loop at a time.
    """
    value = function(*args, **kwargs)
    if not inspect.isawaitable(value):
        return value
    return _await_in_new_loop(value)


def _await_in_new_loop(awaitable: Awaitable[T]) -> T:
    import anyio

    async def wait() -> T:
        return await awaitable

    if not _event_loop_running():
        return anyio.run(wait)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="ycloud-chat-tool") as executor:
        return executor.submit(anyio.run, wait).result()


def _event_loop_running() -> bool:
    """Whether this thread runs an asyncio or trio event loop."""
    return _async_library() is not None


def _async_library() -> str | None:
    """The event loop running in this thread, "asyncio" or "trio"; None outside one."""
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_trio_token()
            return "trio"
        except (RuntimeError, AttributeError):  # AttributeError: trio half imported by a thread
            pass
    import asyncio

    try:
        asyncio.get_running_loop()
        return "asyncio"
    except RuntimeError:
        return None


async def async_settle_all(functions: Sequence[Callable[[], Awaitable[T]]]) -> list[T | Exception]:
    """Run the functions concurrently; each one's result or exception, in the given order.

    Every function runs to its end even when another fails (none is cancelled halfway).
    A `BaseException` (cancellation, KeyboardInterrupt) is raised as it is, not in a group.
    """
    if len(functions) == 1:
        return [await _settled(functions[0])]
    import anyio

    outcomes: list[Any] = [None] * len(functions)

    async def run_one(position: int) -> None:
        outcomes[position] = await _settled(functions[position])

    try:
        async with anyio.create_task_group() as group:
            for position in range(len(functions)):
                group.start_soon(run_one, position)
    except BaseException as exc:
        raise _single(exc) from None
    return outcomes


async def _settled(function: Callable[[], Awaitable[T]]) -> T | Exception:
    try:
        return await function()
    except Exception as exc:
        return exc


def _single(error: BaseException) -> BaseException:
    """The one exception inside an exception group of one (as task groups raise them)."""
    inner = getattr(error, "exceptions", None)
    while isinstance(inner, tuple) and len(inner) == 1:
        error = inner[0]
        inner = getattr(error, "exceptions", None)
    return error


def settle_all(functions: Sequence[Callable[[], T]]) -> list[T | Exception]:
    """Run the functions one after another; each one's result or exception, in order."""
    outcomes: list[T | Exception] = []
    for function in functions:
        try:
            outcomes.append(function())
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


async def async_wait_event(event: threading.Event, timeout: float | None) -> bool:
    """Wait for a thread-safe event without blocking the loop; False if `timeout` ran out first.

    The event may be set from any thread or event loop, so it is polled (briefly at first):
    no event-loop primitive is shared between loops.
    """
    import anyio

    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.002
    while not event.is_set():
        if deadline is not None and time.monotonic() >= deadline:
            return False
        await anyio.sleep(pause if deadline is None else min(pause, deadline - time.monotonic()))
        pause = min(pause * 2, 0.05)
    return True


def wait_event(event: threading.Event, timeout: float | None) -> bool:
    """Block until the event is set; False if `timeout` ran out first."""
    return event.wait(timeout)


async def async_run_process(argv: Sequence[str], timeout: float) -> tuple[int, bytes]:
    """Run a command with no input and return its exit code and output; TimeoutError if slow.

    Its error output is discarded (it may hold what the command was given).
    """
    import subprocess

    import anyio

    with anyio.fail_after(timeout):
        done = await anyio.run_process(
            list(argv), check=False, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    return done.returncode, done.stdout


def run_process(argv: Sequence[str], timeout: float) -> tuple[int, bytes]:
    """Run a command with no input and return its exit code and output; TimeoutError if slow."""
    import subprocess

    try:
        done = subprocess.run(  # noqa: S603 - the argv is the SDK's own, never a shell
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"the command ran longer than {timeout}s") from exc
    return done.returncode, done.stdout
