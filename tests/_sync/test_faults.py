# GENERATED from tests/_async/test_faults.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The fault-injection suite: every fault of `tests/faults/server.py` over real sockets.

Each test checks the error's type and message, the attempts (counted by the server and by
the error), the time against the deadline, that no connection is left checked out of the
pool, that every socket is closed once the SDK is, and that the secret shows nowhere.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from typing import Any

import pytest

from tests.faults.server import (
    TALLY,
    Fault,
    FaultServer,
    checked_out,
    closed_port,
    cut_body,
    cut_stream,
    error_event,
    html_error,
    malformed_json,
    ok,
    reset,
    stall,
    status,
    stream_ok,
    trickle,
)
from tests.helpers import SECRET
from ycloud_chat import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    ChatSDK,
    InternalServerError,
    RateLimitError,
    StreamError,
)
from ycloud_chat._concurrency import sleep

from .support import Result, collect

SLACK = 2.0  # how late after its deadline a call may fail (scheduling, loaded CI machines)
# A call stalled before the headers: long enough for a first request (a lazy import, the
# connection) to reach the server on a loaded machine, as the tests count what it received.
STALL_DEADLINE = 1.5


pytestmark = pytest.mark.usefixtures("fast_retries", "http_backend")


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ycloud_chat")


def plan(server: FaultServer, *faults: Fault, max_retries: int = 2) -> ChatSDK:
    """Plan the faults and return an SDK (with its own pool) pointed at the server."""
    TALLY.tried += 1
    TALLY.kinds.update(fault.name for fault in faults)
    server.plan(*faults)
    return ChatSDK(auth=SECRET, base_url=server.base_url, max_retries=max_retries)


def in_use(sdk: ChatSDK) -> int:
    """Connections of the SDK's pool that are checked out (a request or response holds them)."""
    return checked_out(sdk._transport.client)


def no_secret(caplog: pytest.LogCaptureFixture, *objects: Any) -> None:
    """The secret is in no log line, and in no str/repr of the objects and their causes."""
    texts = [caplog.text]
    for obj in objects:
        seen: set[int] = set()
        while obj is not None and id(obj) not in seen:
            seen.add(id(obj))
            texts += [str(obj), repr(obj), repr(getattr(obj, "args", ""))]
            obj = getattr(obj, "__cause__", None) or getattr(obj, "__context__", None)
    leaks = sum(SECRET in text for text in texts)
    TALLY.secret_leaks += leaks
    assert leaks == 0


def settle(
    sdk: ChatSDK,
    server: FaultServer,
    caplog: pytest.LogCaptureFixture,
    *,
    attempts: int,
    calls: int = 1,
    error: BaseException | None = None,
) -> None:
    """After the calls: the attempts, nothing checked out, every socket closed, no secret."""
    assert server.requests == attempts
    if error is not None:
        assert getattr(error, "attempts", attempts) == attempts
    leaked = in_use(sdk)
    sdk.close()
    given_up = time.monotonic() + 15  # the server notices the closed sockets within moments
    while server.open_connections and time.monotonic() < given_up:
        sleep(0.01)
    leaked += server.open_connections
    TALLY.leaked += leaked
    TALLY.retries += attempts - calls
    assert leaked == 0
    no_secret(caplog, sdk, error)
    TALLY.passed += 1


def request_ids(server: FaultServer) -> set[str]:
    return {request.headers["x-client-request-id"] for request in server.received}


def logged_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [float(d) for d in re.findall(r"retrying .* in ([\d.]+)s", caplog.text)]


def test_a_refused_connection_is_retried_then_a_connection_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    TALLY.tried += 1
    TALLY.kinds.add("refused")
    sdk = ChatSDK(auth=SECRET, base_url=f"http://127.0.0.1:{closed_port()}/v1")
    with pytest.raises(APIConnectionError, match="connection failed: ConnectError") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    assert caught.value.attempts == 3
    assert in_use(sdk) == 0
    sdk.close()
    TALLY.retries += 2
    no_secret(caplog, sdk, caught.value)
    TALLY.passed += 1


def test_a_reset_connection_is_retried_then_a_connection_error(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, reset())
    with pytest.raises(APIConnectionError, match="connection failed: ReadError") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    assert request_ids(server) == {caught.value.request_id}
    settle(sdk, server, caplog, attempts=3, error=caught.value)


def test_a_reset_then_an_answer_succeeds(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, reset(), ok("second time"))
    result = sdk.chat.completions("m").run("hi", timeout=5)
    assert result.text == "second time"
    assert len(request_ids(server)) == 1
    settle(sdk, server, caplog, attempts=2)


def test_a_stall_before_headers_fails_at_the_deadline(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, stall(30))
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="request timed out") as caught:
        sdk.chat.completions("m").run("hi", timeout=STALL_DEADLINE)
    assert time.monotonic() - started <= STALL_DEADLINE + SLACK
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_a_stream_stalled_before_headers_fails_at_its_timeout(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, stall(30))
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="request timed out") as caught:
        collect(sdk.chat.completions("m").run_stream("hi", timeout=STALL_DEADLINE), [])
    assert time.monotonic() - started <= STALL_DEADLINE + SLACK
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_a_trickling_body_cannot_outlast_the_deadline(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    # One byte every 0.9 s: each read alone is within a 1 s read timeout, the call is not.
    sdk = plan(server, trickle(0.9))
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"deadline of 1\.0s ran out") as caught:
        sdk.chat.completions("m").run("hi", timeout=1.0)
    assert time.monotonic() - started <= 1.0 + SLACK
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_a_body_cut_halfway_is_retried_then_a_connection_error(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, cut_body())
    with pytest.raises(APIConnectionError, match="RemoteProtocolError") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    settle(sdk, server, caplog, attempts=3, error=caught.value)


def test_a_stream_cut_halfway_is_a_stream_error_and_not_retried(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, cut_stream())
    seen: list[Result] = []
    with pytest.raises(StreamError, match="the stream broke") as caught:
        collect(sdk.chat.completions("m").run_stream("hi", timeout=5), seen)
    assert [partial.text for partial in seen] == ["Hel", "Hello"]
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_a_whole_stream_returns_its_connection_to_the_pool(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, stream_ok())
    model = sdk.chat.completions("m")
    for _ in range(3):
        texts = [partial.text for partial in model.run_stream("hi", timeout=5)]
        assert texts[-1] == "Hello there"
        assert in_use(sdk) == 0
    settle(sdk, server, caplog, attempts=3, calls=3)


def test_malformed_json_is_a_validation_error_and_not_retried(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, malformed_json())
    with pytest.raises(APIResponseValidationError, match="not JSON") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_an_html_error_page_is_retried_then_quoted(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, html_error(502))
    with pytest.raises(InternalServerError, match="502 Bad Gateway") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    assert caught.value.status_code == 502
    assert str(caught.value).startswith("HTTP 502: ")
    settle(sdk, server, caplog, attempts=3, error=caught.value)


def test_an_error_event_inside_a_stream(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, error_event())
    seen: list[Result] = []
    with pytest.raises(StreamError, match="model crashed") as caught:
        collect(sdk.chat.completions("m").run_stream("hi", timeout=5), seen)
    assert [partial.text for partial in seen] == ["Hel"]
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_429_retry_after_seconds_is_honoured(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, status(429, "slow down", retry_after="1"), ok())
    assert (sdk.chat.completions("m").run("hi", timeout=5)).text == "hello"
    assert logged_delays(caplog) == [1.0]
    settle(sdk, server, caplog, attempts=2)


def test_429_retry_after_http_date_is_honoured(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    sdk = plan(server, status(429, "slow down", retry_after=when), ok())
    assert (sdk.chat.completions("m").run("hi", timeout=5)).text == "hello"
    [delay] = logged_delays(caplog)
    assert 0.5 < delay <= 2.0
    settle(sdk, server, caplog, attempts=2)


def test_429_retry_after_ms_is_honoured(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, status(429, "slow down", retry_after_ms="150"), ok())
    assert (sdk.chat.completions("m").run("hi", timeout=5)).text == "hello"
    assert logged_delays(caplog) == [0.15]
    settle(sdk, server, caplog, attempts=2)


def test_429_every_time_gives_up_with_the_server_message(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, status(429, "quota exceeded", retry_after_ms="10"))
    with pytest.raises(RateLimitError, match="quota exceeded") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    assert caught.value.server_request_id == "srv-1"
    settle(sdk, server, caplog, attempts=3, error=caught.value)


def test_503_n_times_then_success(server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    sdk = plan(server, status(503), status(503), status(503), ok("finally"), max_retries=3)
    assert (sdk.chat.completions("m").run("hi", timeout=5)).text == "finally"
    assert len(request_ids(server)) == 1
    settle(sdk, server, caplog, attempts=4)


def test_503_more_times_than_retries_allow(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, status(503, "overloaded"), ok())
    sdk_once = sdk.with_options(max_retries=0)
    with pytest.raises(InternalServerError, match="overloaded") as caught:
        sdk_once.chat.completions("m").run("hi", timeout=5)
    sdk_once.close()  # the copy does not own the pool: the SDK still works
    assert str(caught.value).startswith("HTTP 503: overloaded | request_id=")
    assert caught.value.server_request_id == "srv-1"
    settle(sdk, server, caplog, attempts=1, error=caught.value)


def test_a_stream_is_retried_before_its_first_chunk(
    server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    sdk = plan(server, status(503), reset(), stream_ok())
    texts = [partial.text for partial in sdk.chat.completions("m").run_stream("hi")]
    assert texts[-1] == "Hello there"
    settle(sdk, server, caplog, attempts=3)


def test_401_is_not_retried(server: FaultServer, caplog: pytest.LogCaptureFixture) -> None:
    sdk = plan(server, status(401, "bad key"))
    with pytest.raises(AuthenticationError, match="bad key") as caught:
        sdk.chat.completions("m").run("hi", timeout=5)
    assert server.received[0].headers["authorization"] == f"Bearer {SECRET}"
    settle(sdk, server, caplog, attempts=1, error=caught.value)
