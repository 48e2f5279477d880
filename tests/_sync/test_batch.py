# GENERATED from tests/_async/test_batch.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`model.batch()` and `text_embeddings(...).batch()`: every row once, failures recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.ratefake import RateFake, serve
from ycloud_chat import (
    BadRequestError,
    BatchItem,
    ChatSDK,
    ConfigurationError,
    ConfigurationTypeError,
    Limits,
)


@pytest.fixture
def fake() -> RateFake:
    return RateFake()


@pytest.fixture
def base_url(fake: RateFake) -> Iterator[str]:
    with serve(fake) as url:
        yield url


def collect(items: Iterator[BatchItem[Any]]) -> list[BatchItem[Any]]:
    return [item for item in items]


def test_every_row_comes_once_with_its_id_and_result_or_error(
    fake: RateFake, base_url: str
) -> None:
    rows: list[Any] = [f"row {n}" for n in range(20)]
    rows[3] = ("ticket-3", "status400 please")
    rows[5] = ("ticket-5", [{"role": "user", "content": "five"}])
    with ChatSDK(base_url=base_url) as sdk:
        items = collect(sdk.chat.completions("m").batch(rows, concurrency=4))
    assert sorted(item.index for item in items) == list(range(20))
    by_index = {item.index: item for item in items}
    assert by_index[0].custom_id == "0"
    assert by_index[0].result is not None
    assert by_index[0].result.text == "echo row 0"
    assert by_index[5].custom_id == "ticket-5"
    assert by_index[5].result is not None
    assert by_index[5].result.text == "echo five"
    failed = by_index[3]
    assert (failed.custom_id, failed.result, failed.ok) == ("ticket-3", None, False)
    assert isinstance(failed.error, BadRequestError)
    assert all((item.result is None) != (item.error is None) for item in items)
    assert len(fake.arrivals) == 20


def test_a_bad_row_is_recorded_not_raised(base_url: str) -> None:
    with ChatSDK(base_url=base_url) as sdk:
        items = collect(sdk.chat.completions("m").batch(["fine", 42, ""]))
    errors = {item.index: item.error for item in items}
    assert errors[0] is None
    assert isinstance(errors[1], ConfigurationError)
    assert len(items) == 3


@pytest.mark.parametrize(
    ("rows", "options", "error"),
    [
        (["a"], {"concurrency": 0}, ConfigurationError),
        (["a"], {"concurrency": 2.0}, ConfigurationTypeError),
        ("a string", {}, ConfigurationTypeError),
        (7, {}, ConfigurationTypeError),
        (["a"], {"timeout": -1}, ConfigurationError),
    ],
)
def test_bad_configuration_raises_before_any_request(
    fake: RateFake, base_url: str, rows: Any, options: dict[str, Any], error: type[Exception]
) -> None:
    with ChatSDK(base_url=base_url) as sdk:
        with pytest.raises(error):
            sdk.chat.completions("m").batch(rows, **options)
        with pytest.raises(error):
            sdk.chat.text_embeddings("e").batch(rows, **options)
    assert fake.arrivals == []


def test_rows_are_taken_lazily_and_concurrency_holds(fake: RateFake, base_url: str) -> None:
    fake.delay = 0.01
    taken = []

    def rows() -> Iterator[str]:
        for number in range(1000):
            taken.append(number)
            yield f"row {number}"

    with ChatSDK(base_url=base_url) as sdk:
        items = sdk.chat.completions("m").batch(rows(), concurrency=5)
        first = items.__next__()
        assert first.ok
        assert len(taken) <= 2 * 5 + 1  # those running, and as many done but not yet seen
        count = 1
        for _ in items:
            count += 1
    assert count == 1000
    assert fake.max_in_flight <= 5


def test_a_batch_obeys_the_sdk_limits(fake: RateFake, base_url: str) -> None:
    fake.delay = 0.01
    with ChatSDK(base_url=base_url, limits=Limits(max_in_flight=2)) as sdk:
        items = collect(sdk.chat.completions("m").batch(map(str, range(30)), concurrency=8))
    assert all(item.ok for item in items)
    assert fake.max_in_flight <= 2


def test_leaving_a_batch_early_stops_it(fake: RateFake, base_url: str) -> None:
    fake.delay = 0.05
    with ChatSDK(base_url=base_url) as sdk:
        items = sdk.chat.completions("m").batch(map(str, range(100)), concurrency=4)
        for _ in items:
            break
        items.close()  # type: ignore[attr-defined]
        assert (sdk.chat.completions("m").run("after")).text == "echo after"
    assert len(fake.arrivals) < 20


def test_embeddings_are_batched_per_request(fake: RateFake, base_url: str) -> None:
    texts: list[Any] = ["a", "bb", ("doc-c", "ccc"), "dddd", "eeeee", "f", "gg", "hhh", "i", "jj"]
    with ChatSDK(base_url=base_url) as sdk:
        model = sdk.chat.text_embeddings("e")
        items = collect(model.batch(texts, texts_per_request=4, concurrency=2))
    assert len(fake.arrivals) == 3
    by_index = {item.index: item for item in items}
    assert sorted(by_index) == list(range(10))
    assert by_index[2].custom_id == "doc-c"
    for index, item in by_index.items():
        text = texts[index] if isinstance(texts[index], str) else texts[index][1]
        assert item.result is not None
        assert list(item.result) == [float(len(text)), 0.5]
        assert len(item.result.embeddings) == 1


def test_a_failed_embeddings_request_fails_each_of_its_texts(base_url: str) -> None:
    with ChatSDK(base_url=base_url) as sdk:
        model = sdk.chat.text_embeddings("e")
        items = collect(model.batch(["ok", "status400", "ok2"], texts_per_request=2))
    errors = {item.index: type(item.error) for item in items}
    assert errors == {0: BadRequestError, 1: BadRequestError, 2: type(None)}
