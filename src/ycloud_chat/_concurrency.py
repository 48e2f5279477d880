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
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import AbstractAsyncContextManager as AsyncContextManager
from contextlib import AbstractContextManager as ContextManager
from typing import Any, TypeVar

from ._backends import bounded_by_deadline

T = TypeVar("T")

logger = logging.getLogger("ycloud_chat")

__all__ = [
    "async_call_function",
    "async_cancel_shield",
    "async_close_generator",
    "async_deadline_scope",
    "async_end_generator",
    "async_map_unordered",
    "async_run_process",
    "async_settle_all",
    "async_sleep",
    "async_wait_event",
    "async_wakeup",
    "call_function",
    "cancel_shield",
    "close_generator",
    "deadline_scope",
    "end_generator",
    "map_unordered",
    "run_process",
    "run_until_signal",
    "settle_all",
    "sleep",
    "wait_event",
    "wakeup",
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
    if _loop_closes_every_generator():
        return
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


async def async_close_generator(generator: AsyncGenerator[Any, None]) -> None:
    """`aclose()` an async generator, unless its event loop is closing every one itself."""
    if not _loop_closes_every_generator():
        await generator.aclose()


def close_generator(generator: Generator[Any, None, None]) -> None:
    """Close a generator."""
    generator.close()


def _loop_closes_every_generator() -> bool:
    """True once asyncio's loop shuts its async generators down (`asyncio.run` ending).

    It closes each one still open, all at once: a generator's `finally` that closed one it
    iterates would then close it a second time, concurrently ("aclose(): asynchronous
    generator is already running", reported by the loop). Each is closed by the loop instead.
    A loop that does not show the flag (uvloop) keeps the old way: the generator closes them.
    """
    asyncio = sys.modules.get("asyncio")
    loop = None if asyncio is None else asyncio._get_running_loop()
    return bool(getattr(loop, "_asyncgens_shutdown_called", False))


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


class AsyncWakeup:
    """A one-time wake-up for the task that made it, which any thread may trigger.

    It lives on the event loop of its task (asyncio or trio), never on another's: a limit
    shared by tasks on several loops wakes each on its own.
    """

    __slots__ = ("_wait", "wake")

    def __init__(self) -> None:
        if _async_library() == "trio":
            self._wait, self.wake = _trio_wakeup()
        else:
            self._wait, self.wake = _asyncio_wakeup()

    async def wait(self, seconds: float | None) -> bool:
        """Wait until woken (True) or for `seconds` (False); None waits for ever."""
        try:
            async with async_deadline_scope(seconds):
                await self._wait()
        except TimeoutError:
            return False
        return True


def _asyncio_wakeup() -> tuple[Callable[[], Awaitable[object]], Callable[[], None]]:
    import asyncio

    loop = asyncio.get_running_loop()
    future = loop.create_future()
    owner = threading.get_ident()

    def settle() -> None:
        if not future.done():
            future.set_result(None)

    def wake() -> None:
        if threading.get_ident() == owner:
            settle()
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle)

    async def wait() -> object:
        return await future

    return wait, wake


def _trio_wakeup() -> tuple[Callable[[], Awaitable[object]], Callable[[], None]]:
    import trio

    event = trio.Event()
    token = trio.lowlevel.current_trio_token()
    owner = threading.get_ident()

    def wake() -> None:
        if threading.get_ident() == owner:
            event.set()
            return
        with contextlib.suppress(trio.RunFinishedError):
            token.run_sync_soon(event.set)

    return event.wait, wake


class Wakeup:
    """A one-time wake-up for the thread that waits on it, which any thread may trigger."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def wake(self) -> None:
        """Wake the waiting thread."""
        self._event.set()

    def wait(self, seconds: float | None) -> bool:
        """Wait until woken (True) or for `seconds` (False); None waits for ever."""
        return self._event.wait(seconds)


def async_wakeup() -> AsyncWakeup:
    """A wake-up for the calling task, on its own event loop."""
    return AsyncWakeup()


def wakeup() -> Wakeup:
    """A wake-up for the calling thread."""
    return Wakeup()


async def async_map_unordered(
    function: Callable[[int, list[Any]], Awaitable[list[T]]],
    items: Iterable[Any] | AsyncIterable[Any],
    concurrency: int,
    chunk: int = 1,
) -> AsyncIterator[T]:
    """Run `function(first_index, chunk_of_items)` over the items, yield results as they come.

    At most `concurrency` calls run at once, and the items (an iterable or an async one) are
    taken only as calls start: memory is bounded by `concurrency * chunk`, not by the input.
    `function` should not raise; if it does, the others are cancelled and the error raised.
    Closing the iterator early cancels the calls still running. On trio the calls run in
    waves of `concurrency`, each wave's results yielded once it is over.
    """
    if _async_library() == "trio":
        waves = _map_in_waves(function, items, concurrency, chunk)
        async with contextlib.aclosing(waves):
            async for result in waves:
                yield result
        return
    import asyncio

    done: asyncio.Queue[asyncio.Task[list[T]]] = asyncio.Queue()
    running: set[asyncio.Task[list[T]]] = set()
    chunks = _async_chunks(items, chunk)
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < concurrency:
                taken = await anext(chunks, None)
                if taken is None:
                    exhausted = True
                    break
                task = asyncio.ensure_future(function(*taken))
                running.add(task)
                task.add_done_callback(done.put_nowait)
            if not running:
                return
            finished = await done.get()
            running.discard(finished)
            for result in finished.result():
                yield result
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        await chunks.aclose()


async def _map_in_waves(
    function: Callable[[int, list[Any]], Awaitable[list[T]]],
    items: Iterable[Any] | AsyncIterable[Any],
    concurrency: int,
    chunk: int,
) -> AsyncGenerator[T, None]:
    """Trio's way: `concurrency` calls at a time in a task group, their results after each wave.

    Trio has no loose tasks, and a generator must not yield inside a task group (the
    consumer may leave it at any yield), so each wave ends before its results are yielded.
    """
    chunks = _async_chunks(items, chunk)
    async with contextlib.aclosing(chunks):
        while True:
            wave = [taken async for taken in _take(chunks, concurrency)]
            if not wave:
                return
            calls = [functools.partial(function, *taken) for taken in wave]
            for outcome in await async_settle_all(calls):
                if isinstance(outcome, Exception):
                    raise outcome
                for result in outcome:
                    yield result


async def _take(chunks: AsyncIterator[T], count: int) -> AsyncIterator[T]:
    for _ in range(count):
        taken = await anext(chunks, None)
        if taken is None:
            return
        yield taken


async def _async_chunks(
    items: Iterable[Any] | AsyncIterable[Any], size: int
) -> AsyncGenerator[tuple[int, list[Any]], None]:
    """The items in lists of up to `size`, each with the index of its first item."""
    if isinstance(items, AsyncIterable):
        index = 0
        taken: list[Any] = []
        async for item in items:
            taken.append(item)
            if len(taken) == size:
                yield index, taken
                index, taken = index + size, []
        if taken:
            yield index, taken
    else:
        for chunk in _chunks(items, size):
            yield chunk


def map_unordered(
    function: Callable[[int, list[Any]], list[T]],
    items: Iterable[Any],
    concurrency: int,
    chunk: int = 1,
) -> Iterator[T]:
    """Run `function(first_index, chunk_of_items)` in worker threads, yield results as they come.

    At most `concurrency` calls run at once, and the items are taken only as calls start.
    Closing the iterator early waits for the calls still running (a thread cannot be
    cancelled; each ends by its deadline) and starts no more.
    """
    import queue
    from concurrent.futures import Future, ThreadPoolExecutor

    done: queue.SimpleQueue[Future[list[T]]] = queue.SimpleQueue()
    running: set[Future[list[T]]] = set()
    chunks = _chunks(items, chunk)
    exhausted = False
    executor = ThreadPoolExecutor(concurrency, thread_name_prefix="ycloud-chat-batch")
    try:
        while True:
            while not exhausted and len(running) < concurrency:
                taken = next(chunks, None)
                if taken is None:
                    exhausted = True
                    break
                future = executor.submit(function, *taken)
                running.add(future)
                future.add_done_callback(done.put)
            if not running:
                return
            finished = done.get()
            running.discard(finished)
            yield from finished.result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _chunks(items: Iterable[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    index = 0
    taken: list[Any] = []
    for item in items:
        taken.append(item)
        if len(taken) == size:
            yield index, taken
            index, taken = index + size, []
    if taken:
        yield index, taken


def run_until_signal(
    main: Callable[[], Awaitable[T]], signals: Sequence[int]
) -> tuple[T | None, int | None]:
    """Run `main` in a new event loop; the first of `signals` cancels it.

    Returns its result and None, or None and the signal that stopped it (the cancellation
    lets its `finally` blocks run: flushing, summaries). Where the loop cannot take signal
    handlers (Windows), Ctrl-C raises KeyboardInterrupt as usual.
    """
    import asyncio

    async def run() -> tuple[T | None, int | None]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        received: list[int] = []

        def on_signal(number: int) -> None:
            if not received:
                received.append(number)
                task.cancel()

        installed = []
        for number in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(number, on_signal, number)
                installed.append(number)
        try:
            return await main(), None
        except asyncio.CancelledError:
            if not received:
                raise
            return None, received[0]
        finally:
            for number in installed:
                loop.remove_signal_handler(number)

    return asyncio.run(run())


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
