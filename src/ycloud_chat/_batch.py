"""Batches over a dataset, sans I/O: the items they yield, their rows, their checks.

`model.batch(rows)` (in `_async/model.py` and its sync twin) runs each row as `run()` would,
concurrently, through `_concurrency.async_map_unordered`; what a row is and what its item
holds are decided here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._exceptions import ConfigurationError, ConfigurationTypeError

if TYPE_CHECKING:
    from .types.embeddings import ChatEmbeddingsModelResult

__all__ = [
    "AsyncRows",
    "BatchItem",
    "Rows",
    "check_batch_size",
    "check_rows",
    "one_text",
    "split_row",
]

R = TypeVar("R")

Rows = Iterable[Any]
"""What the sync face's `batch()` takes: any iterable of rows."""
AsyncRows = Iterable[Any] | AsyncIterable[Any]
"""What the async face's `batch()` takes: an iterable or an async iterable of rows."""


@dataclasses.dataclass(frozen=True)
class BatchItem(Generic[R]):
    """One row of a batch, done: exactly one of `result` and `error` is set.

    Attributes:
        custom_id: the row's id: the one given with it in a `(custom_id, messages)` pair,
            else its index as a str.
        index: the row's position in the input, from 0.
        result: what `run()` returned for the row (None when it failed).
        error: why the row failed, after its retries (None when it succeeded); a batch
            records a row's failure here and goes on.
    """

    custom_id: str
    index: int
    result: R | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """True when the row succeeded."""
        return self.error is None


def split_row(index: int, row: Any) -> tuple[str, Any]:
    """A row's custom_id and what to run: a `(custom_id, input)` pair, or the input alone.

    A pair is a `tuple` of two whose first item is a str; anything else (a str, a message, a
    list of messages) is the input itself, numbered by its index.
    """
    if type(row) is tuple and len(row) == 2 and isinstance(row[0], str):
        return row[0], row[1]
    return str(index), row


def check_batch_size(value: object, name: str) -> int:
    """Return a batch's `concurrency` (or another count) checked to be an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationTypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_rows(rows: object, iterable: type) -> None:
    """Check that a batch's rows are an iterable (`AsyncIterable` too on the async face)."""
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (Iterable, iterable)):
        what = "an iterable or async iterable" if iterable is AsyncIterable else "an iterable"
        raise ConfigurationTypeError(
            f"rows must be {what} of rows (one input per row), got {type(rows).__name__}"
        )


def one_text(result: ChatEmbeddingsModelResult, position: int) -> ChatEmbeddingsModelResult:
    """The result of one text of a request that embedded several: its vector only."""
    return result.model_copy(update={"embeddings": (result.embeddings[position],)})
