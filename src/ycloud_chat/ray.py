"""Chat and embeddings over Ray Data, with one set of limits for the whole cluster.

`ChatProcessor` and `EmbeddingsProcessor` are callable classes for `Dataset.map_batches`: Ray
makes one per actor, and each makes its own `AsyncChatSDK` from plain settings, so nothing
unpicklable is shipped. `ClusterLimits` is a Ray actor that holds the `Limits` for every
actor at once (the same schedule as one SDK's) and the pause a 429 asks for; each SDK asks it
for every attempt's place, retries included. `chat()` and `embed()` wire the three together.

Needs the `ray` extra: `pip install "ycloud-chat[ray]"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

try:
    import pyarrow as pa
    import ray
except ImportError as exc:  # pragma: no cover - depends on what is installed
    raise ImportError('ycloud_chat.ray needs Ray Data: pip install "ycloud-chat[ray]"') from exc

from ._async._limiter import take_place
from ._async.client import AsyncChatSDK
from ._batch import BatchItem
from ._deadline import Deadline
from ._exceptions import APITimeoutError, ConfigurationError
from ._exchange import Exchange
from ._limits import Limiter, Limits, RemoteLimiter, Ticket, check_limits

if TYPE_CHECKING:
    from ray.data import Dataset

__all__ = [
    "CHAT_COLUMNS",
    "EMBEDDINGS_COLUMNS",
    "ChatProcessor",
    "ClusterLimits",
    "EmbeddingsProcessor",
    "chat",
    "embed",
]

CHAT_COLUMNS = pa.schema(
    [
        ("text", pa.string()),
        ("finish_reason", pa.string()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("request_id", pa.string()),
        ("error", pa.string()),
    ]
)
"""The columns `ChatProcessor` adds; `error` is set only on rows that failed."""

EMBEDDINGS_COLUMNS = pa.schema(
    [
        ("vector", pa.list_(pa.float64())),
        ("input_tokens", pa.int64()),
        ("request_id", pa.string()),
        ("error", pa.string()),
    ]
)
"""The columns `EmbeddingsProcessor` adds; `error` is set only on rows that failed."""


# The cluster's buckets allow a burst of a quarter of a second's worth (one SDK's: half a
# second's), and a grant taken up more than a quarter of a second after its start is given
# back unused (held up by the actor's loop or the caller's). The schedule puts at most
# rate * (T + 0.25) starts in T seconds; held up by up to 0.25 s, they are rate * (T + 0.5)
# at most, which leaves a quarter of a second's worth of the rate * (T + 1) that `Limits`
# promises for the way from the actor to the caller (a millisecond on one machine) and from
# the caller to the server.
CLUSTER_BURST_SECONDS = 0.25
LATE_GRANT_SECONDS = 0.25
# Late grants given back in a row before a call takes the next one however late it comes (a
# cluster so stalled that every grant is late still moves, over its bound).
LATE_GRANTS_GIVEN_BACK = 3


class _LimitsActor:
    """The cluster's limits: one `Limiter` in an async Ray actor, granting places on request."""

    def __init__(self, limits: Limits) -> None:
        self._limiter = Limiter(limits, burst=CLUSTER_BURST_SECONDS)
        self._tickets: dict[int, Ticket] = {}
        self._issued = 0

    async def grant(self, tokens: int, remaining: float | None) -> tuple[int, float] | None:
        """Wait until an attempt may start; None when time ran out first.

        The grant is its ticket's key and the seconds it has been due: how late this
        actor's loop sends it. The caller adds how late its own loop takes it up.
        """
        taken = await self._take(tokens, remaining)
        if taken is None:
            return None
        key, due = taken
        return key, max(0.0, time.monotonic() - due)

    async def _take(self, tokens: int, remaining: float | None) -> tuple[int, float] | None:
        """A place once its start comes: its ticket's key and when it was due."""
        try:
            ticket = await take_place(self._limiter, tokens, Exchange(Deadline(remaining)))
        except APITimeoutError:
            return None
        due = time.monotonic() + self._limiter.delay(ticket)  # pauses included
        self._issued += 1
        self._tickets[self._issued] = ticket
        return self._issued, due

    async def release(self, key: int, used: int | None) -> None:
        """Free a ticket's place; correct its token charge by what the answer used."""
        ticket = self._tickets.pop(key, None)
        if ticket is not None:
            self._limiter.release(ticket, used)

    async def pause(self, seconds: float) -> None:
        """Hold back every grant for `seconds` (a 429 said so)."""
        self._limiter.pause(seconds)

    async def in_flight(self) -> int:
        """The places granted and not yet released."""
        return self._limiter.in_flight


class ClusterLimits:
    """`Limits` held for every Ray actor at once, by one Ray actor that grants the places.

    Make it on the driver (after `ray.init()`) and hand it to the processors: it pickles as
    a handle to that actor. Every attempt of every call (retries too) asks it for a place,
    and a 429 seen anywhere pauses every actor for the server's `Retry-After`. With no
    limits set it still shares the pauses. A grant that reaches its call more than a
    quarter of a second after its start is given back and another asked for, so that
    calls held up on the way do not reach the server together.

    Args:
        limits: the cluster's limits (`Limits()`: only the 429 pauses).
        name: a name for the actor, so that several jobs can share it by name; None for an
            anonymous actor that lives as long as the driver.
        detached: keep a named actor alive after the driver ends (`ray.kill` it when done).
    """

    def __init__(
        self, limits: Limits | None = None, *, name: str | None = None, detached: bool = False
    ) -> None:
        self.limits = check_limits(limits) or Limits()
        if detached and name is None:
            raise ConfigurationError("ClusterLimits(detached=True) needs a name=")
        options: dict[str, Any] = {"num_cpus": 0, "max_concurrency": 100_000}
        if name is not None:
            options.update(name=name, get_if_exists=True)
        if detached:
            options["lifetime"] = "detached"
        self.actor: Any = ray.remote(_LimitsActor).options(**options).remote(self.limits)

    def in_flight(self) -> int:
        """The places granted across the cluster and not yet released."""
        return int(ray.get(self.actor.in_flight.remote()))

    def __repr__(self) -> str:
        return f"ClusterLimits({self.limits!r})"


@dataclasses.dataclass
class _RemoteTicket(Ticket):
    key: int = 0


class _ClusterLimiter(RemoteLimiter):
    """What one SDK's transport talks to: the `ClusterLimits` actor's grants, over Ray."""

    def __init__(self, cluster: ClusterLimits) -> None:
        super().__init__(cluster.limits)
        self._actor: Any = cluster.actor
        limits = cluster.limits
        self._scheduled = limits.requests_per_minute is not None or (
            limits.tokens_per_minute is not None
        )

    async def async_grant(self, tokens: int, remaining: float | None) -> Ticket | None:
        """The actor's grant, once one reaches this caller in time for its start.

        A late grant is given back (its places in the schedules stay spent) and another is
        asked for. How late is measured in durations, at both ends (no clock is shared
        between nodes): the actor's delay in sending it, and this loop's in taking it up
        once it landed. The time the request waited to be heard does not count: its start
        was reckoned when it was.
        """
        deadline = Deadline(remaining)
        given_back = 0
        while True:
            granted = await self._ask(tokens, deadline.remaining())
            if granted is None:
                return None
            key, late = granted
            in_time = late <= LATE_GRANT_SECONDS
            if in_time or not self._scheduled or given_back == LATE_GRANTS_GIVEN_BACK:
                return _RemoteTicket(start_at=0.0, tokens=tokens, shift=0.0, key=key)
            self._actor.release.remote(key, None)
            given_back += 1

    async def _ask(self, tokens: int, remaining: float | None) -> tuple[int, float] | None:
        """The actor's grant: its key and how late it is here, or None (time ran out)."""
        reply = self._actor.grant.remote(tokens, remaining)
        landed: list[float] = []
        # Ray completes this future on its own thread as the reply lands, whatever the loop does.
        future = reply.future()
        future.add_done_callback(lambda _: landed.append(time.monotonic()))
        try:
            granted: tuple[int, float] | None = await asyncio.wrap_future(future)
        except BaseException:
            # Cancelled while waiting: a place granted after all must still be given back.
            reply.future().add_done_callback(self._release_late_grant)
            raise
        if granted is None:
            return None
        key, late = granted
        return key, late + time.monotonic() - landed[0]

    def _release_late_grant(self, future: Any) -> None:
        if not future.cancelled() and future.exception() is None and future.result() is not None:
            key, _ = future.result()
            self._actor.release.remote(key, 0)

    def release(self, ticket: Ticket, used: int | None = None) -> None:
        if ticket.released or not isinstance(ticket, _RemoteTicket):
            return
        ticket.released = True
        self._actor.release.remote(ticket.key, used)

    def pause(self, seconds: float) -> None:
        self._actor.pause.remote(seconds)


class _Processor:
    """What both processors share: the SDK made in the actor, the column, the row loop."""

    columns: pa.Schema

    def __init__(
        self,
        model: str,
        *,
        column: str,
        sdk: Mapping[str, Any] | None,
        config: Mapping[str, Any] | None,
        limits: ClusterLimits | None,
        calls_per_batch: int,
        timeout: float | None,
    ) -> None:
        options = dict(sdk or {})
        if "limits" in options:
            raise ConfigurationError("pass the limits as limits=ClusterLimits(...), not in sdk=")
        self.column = column
        self.calls_per_batch = calls_per_batch
        self.timeout = timeout
        self.sdk = AsyncChatSDK(**options)
        if limits is not None:
            self.sdk._transport.limiter = _ClusterLimiter(limits)
        self.model = self._make_model(model, dict(config or {}))
        self._loop: asyncio.AbstractEventLoop | None = None

    def _make_model(self, name: str, config: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _items(self, values: list[Any]) -> Any:
        raise NotImplementedError

    def _record(self, item: BatchItem[Any]) -> dict[str, Any]:
        raise NotImplementedError

    async def __call__(self, batch: Any) -> Any:
        """The batch with the answer's columns added, one row per row, in order."""
        self._loop = asyncio.get_running_loop()  # Ray's loop for the actor's batches
        values = _column_values(batch, self.column)
        records: list[dict[str, Any]] = [{} for _ in values]
        async for item in self._items(values):
            records[item.index] = (
                {"error": _error_text(item.error)} if item.error else self._record(item)
            )
        return _with_columns(batch, self.columns, records)

    async def aclose(self) -> None:
        """Close the SDK: Ray does it when it lets the processor go; call it when used alone."""
        await self.sdk.aclose()

    def __del__(self) -> None:
        """Close the actor's SDK (its connections) when Ray lets the processor go."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return
        with contextlib.suppress(Exception):
            if asyncio.get_running_loop() is loop:
                return  # not on Ray's own thread: the loop's tasks close with it
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.sdk.aclose(), loop).result(timeout=5)


class ChatProcessor(_Processor):
    """Runs a chat model over a column of messages (or prompts), for `Dataset.map_batches`.

    Adds the columns of `CHAT_COLUMNS`: `text`, `finish_reason`, `input_tokens`,
    `output_tokens`, `request_id`, and `error` on the rows that failed after their retries
    (the job goes on). Give `map_batches` `concurrency=` (actors), a fraction of a CPU
    (`num_cpus=0.25`: the actors wait on the network) and `batch_format="pyarrow"`.

    Args:
        model: the model's name or URI, as `sdk.chat.completions(model)` takes it.
        column: the column of messages (a list of `{"role", "content"}`) or prompt strings.
        sdk: the `AsyncChatSDK` keyword arguments (plain values: they are pickled to
            the actors; leave the key out to have each actor read it from its environment).
        config: what `model.configure()` takes (temperature, max_tokens, ...).
        limits: the cluster's `ClusterLimits`; None for none.
        calls_per_batch: calls in flight for each batch the actor runs (Ray runs a few
            batches at once in each actor).
        timeout: each row's deadline in seconds, as in `run()`.
    """

    columns = CHAT_COLUMNS

    def __init__(
        self,
        model: str,
        *,
        column: str = "messages",
        sdk: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        limits: ClusterLimits | None = None,
        calls_per_batch: int = 16,
        timeout: float | None = None,
    ) -> None:
        super().__init__(
            model,
            column=column,
            sdk=sdk,
            config=config,
            limits=limits,
            calls_per_batch=calls_per_batch,
            timeout=timeout,
        )

    def _make_model(self, name: str, config: dict[str, Any]) -> Any:
        model = self.sdk.chat.completions(name)
        return model.configure(**config) if config else model

    def _items(self, values: list[Any]) -> Any:
        rows = [(str(index), value) for index, value in enumerate(values)]
        return self.model.batch(rows, concurrency=self.calls_per_batch, timeout=self.timeout)

    def _record(self, item: BatchItem[Any]) -> dict[str, Any]:
        result: Any = item.result
        usage = result.usage
        return {
            "text": result.text,
            "finish_reason": result.finish_reason,
            "input_tokens": None if usage is None else usage.prompt_tokens,
            "output_tokens": None if usage is None else usage.completion_tokens,
            "request_id": result.server_request_id or result.request_id,
        }


class EmbeddingsProcessor(_Processor):
    """Embeds a column of texts, several per request, for `Dataset.map_batches`.

    Adds the columns of `EMBEDDINGS_COLUMNS`: `vector`, `input_tokens` (of the request the
    text went in), `request_id`, and `error` on the rows that failed after their retries.

    Args:
        model: the model's name or URI, as `sdk.chat.text_embeddings(model)` takes it.
        column: the column of texts.
        sdk: the `AsyncChatSDK` keyword arguments (plain values).
        config: what the embeddings model's `configure()` takes (dimensions, ...).
        limits: the cluster's `ClusterLimits`; None for none.
        calls_per_batch: requests in flight for each batch the actor runs.
        texts_per_request: texts sent in one request.
        timeout: each request's deadline in seconds.
    """

    columns = EMBEDDINGS_COLUMNS

    def __init__(
        self,
        model: str,
        *,
        column: str = "text",
        sdk: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        limits: ClusterLimits | None = None,
        calls_per_batch: int = 4,
        texts_per_request: int = 16,
        timeout: float | None = None,
    ) -> None:
        self.texts_per_request = texts_per_request
        super().__init__(
            model,
            column=column,
            sdk=sdk,
            config=config,
            limits=limits,
            calls_per_batch=calls_per_batch,
            timeout=timeout,
        )

    def _make_model(self, name: str, config: dict[str, Any]) -> Any:
        model = self.sdk.chat.text_embeddings(name)
        return model.configure(**config) if config else model

    def _items(self, values: list[Any]) -> Any:
        return self.model.batch(
            values,
            concurrency=self.calls_per_batch,
            texts_per_request=self.texts_per_request,
            timeout=self.timeout,
        )

    def _record(self, item: BatchItem[Any]) -> dict[str, Any]:
        result: Any = item.result
        return {
            "vector": list(result.embedding),
            "input_tokens": None if result.usage is None else result.usage.prompt_tokens,
            "request_id": result.server_request_id or result.request_id,
        }


def chat(
    dataset: Dataset,
    model: str,
    *,
    column: str = "messages",
    sdk: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    limits: Limits | ClusterLimits | None = None,
    concurrency: int = 4,
    calls_per_batch: int = 16,
    batch_size: int = 64,
    num_cpus: float = 0.25,
    timeout: float | None = None,
) -> Dataset:
    """The dataset with a chat model's answer added to each row (`ChatProcessor`'s columns).

    `concurrency` actors, each asking for `num_cpus` of a CPU; `limits` are held for the
    whole cluster (a `Limits` makes a `ClusterLimits`; the 429 pauses are shared even
    without one). See `ChatProcessor` for the rest.
    """
    kwargs = {"column": column, "sdk": sdk, "config": config, "timeout": timeout}
    kwargs["calls_per_batch"] = calls_per_batch
    return _map(dataset, ChatProcessor, model, kwargs, limits, concurrency, batch_size, num_cpus)


def embed(
    dataset: Dataset,
    model: str,
    *,
    column: str = "text",
    sdk: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    limits: Limits | ClusterLimits | None = None,
    concurrency: int = 4,
    calls_per_batch: int = 4,
    texts_per_request: int = 16,
    batch_size: int = 64,
    num_cpus: float = 0.25,
    timeout: float | None = None,
) -> Dataset:
    """The dataset with each text's vector added (`EmbeddingsProcessor`'s columns).

    The same arguments as `chat()`, plus `texts_per_request`.
    """
    kwargs = {"column": column, "sdk": sdk, "config": config, "timeout": timeout}
    kwargs.update(calls_per_batch=calls_per_batch, texts_per_request=texts_per_request)
    return _map(
        dataset, EmbeddingsProcessor, model, kwargs, limits, concurrency, batch_size, num_cpus
    )


def _map(
    dataset: Dataset,
    processor: Callable[..., Any],
    model: str,
    kwargs: dict[str, Any],
    limits: Limits | ClusterLimits | None,
    concurrency: int,
    batch_size: int,
    num_cpus: float,
) -> Dataset:
    cluster = limits if isinstance(limits, ClusterLimits) else ClusterLimits(limits)
    return dataset.map_batches(
        processor,
        fn_constructor_args=(model,),
        fn_constructor_kwargs={**kwargs, "limits": cluster},
        batch_format="pyarrow",
        batch_size=batch_size,
        concurrency=concurrency,
        num_cpus=num_cpus,
    )


def _column_values(batch: Any, column: str) -> list[Any]:
    """A batch's column as plain Python values (a pyarrow table's, or a dict of arrays')."""
    if isinstance(batch, pa.Table):
        if column not in batch.column_names:
            raise ConfigurationError(f"the batch has no column {column!r}: {batch.column_names}")
        return list(batch.column(column).to_pylist())
    return [_plain(value) for value in batch[column]]


def _plain(value: Any) -> Any:
    """The nested object arrays of numpy (Ray's "numpy" batches) as lists."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _with_columns(batch: Any, columns: pa.Schema, records: list[dict[str, Any]]) -> Any:
    """The batch with one column per field of `columns`, typed (so every block agrees)."""
    added = {
        field.name: pa.array([record.get(field.name) for record in records], type=field.type)
        for field in columns
    }
    if isinstance(batch, pa.Table):
        for name, values in added.items():
            if name in batch.column_names:
                batch = batch.drop_columns([name])
            batch = batch.append_column(name, values)
        return batch
    import numpy as np  # Ray Data's own dependency

    return {**batch, **{name: np.array(v.to_pylist(), dtype=object) for name, v in added.items()}}


def _error_text(error: BaseException) -> str:
    """A failed row's `error`: the error's type and its message on one line."""
    message = " ".join(str(getattr(error, "message", error)).split())
    return f"{type(error).__name__}: {message}"
