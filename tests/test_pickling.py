"""Every public exception and every result pickles (protocols 0 to 5) and copies with its fields."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import ycloud_chat
from ycloud_chat import RateLimitError

from .pickling_samples import ERROR_NAMES, check_copies, errors, fields, results

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def test_every_public_exception_is_sampled() -> None:
    assert {type(error).__name__ for error in errors()} == set(ERROR_NAMES)
    assert len(ERROR_NAMES) >= 28


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_exception_round_trips_pickle(protocol: int) -> None:
    for error in errors():
        copied = pickle.loads(pickle.dumps(error, protocol=protocol))
        assert fields(copied) == fields(error), type(error).__name__
        assert copied.__notes__ == ["a note"]


def test_every_exception_copies_and_deep_copies() -> None:
    for error in errors():
        check_copies(error)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_http_error_keeps_its_details(protocol: int) -> None:
    error = next(e for e in errors() if type(e) is RateLimitError)
    copied = pickle.loads(pickle.dumps(error, protocol=protocol))
    assert (copied.status_code, copied.retry_after, copied.attempts) == (429, 7.0, 3)
    assert (copied.request_id, copied.server_request_id) == ("rid-1", "srv-2")
    assert copied.headers["x-request-id"] == "srv-2"
    assert copied.body == {"error": {"message": "m"}}
    assert str(copied) == str(error)


def test_headers_pickle_with_every_protocol() -> None:
    headers = ycloud_chat.Headers({"A": "1", "b": "2"})
    for protocol in PROTOCOLS:
        assert pickle.loads(pickle.dumps(headers, protocol=protocol)) == {"a": "1", "b": "2"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_result_round_trips_pickle(protocol: int) -> None:
    made = results()
    assert len(made) >= 9
    for value in made:
        copied: Any = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert fields(copied) == fields(value), type(value).__name__
        check_copies(value)
