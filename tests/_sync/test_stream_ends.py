# GENERATED from tests/_async/test_stream_ends.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""How a stream ends, over real sockets on every backend: nothing left for the collector.

pytest turns every warning into an error, those raised in finalisers too (as unraisable
ones): an async generator left unfinished, a response or session left open fails the test
once `gc.collect()` has run.
"""

from __future__ import annotations

import gc
import json

import pytest

from tests.faults.server import (
    FaultServer,
    checked_out,
    echo,
    error_event,
    first_chunk_then_wait,
    stream_ok,
)
from ycloud_chat import ChatSDK, ChatStream, StreamError, YCloudChatError

pytestmark = pytest.mark.usefixtures("http_backend")


def read(stream: ChatStream, closing: ChatSDK | None = None) -> None:
    """Read the stream to its end in its block; close `closing` at the first result."""
    with stream:
        for _partial in stream:
            if closing is not None:
                closing.close()


def test_a_break_inside_the_block_leaves_nothing_behind(server: FaultServer) -> None:
    server.plan(stream_ok())
    with ChatSDK(auth="k", base_url=server.base_url) as sdk:
        for _ in range(3):
            with sdk.chat.completions("m").run_stream("hi") as stream:
                for _partial in stream:
                    break
            gc.collect()
        assert checked_out(sdk._transport.client) == 0
    gc.collect()


def test_an_error_event_leaves_nothing_behind(server: FaultServer) -> None:
    server.plan(error_event())
    with ChatSDK(auth="k", base_url=server.base_url, max_retries=0) as sdk:
        with pytest.raises(StreamError, match="model crashed"):
            read(sdk.chat.completions("m").run_stream("hi"))
        gc.collect()
        assert checked_out(sdk._transport.client) == 0
    gc.collect()


def test_closing_the_sdk_under_a_running_stream_raises_an_sdk_error(
    server: FaultServer,
) -> None:
    server.plan(first_chunk_then_wait(30))
    sdk = ChatSDK(auth="k", base_url=server.base_url, max_retries=0)
    copy = sdk.with_options(timeout=30)
    with pytest.raises(YCloudChatError):
        read(copy.chat.completions("m").run_stream("hi"), closing=sdk)
    with pytest.raises(YCloudChatError, match="closed"):
        copy.chat.completions("m").run("again")
    gc.collect()


def test_a_body_over_a_mebibyte_is_sent_without_a_warning(server: FaultServer) -> None:
    server.plan(echo())
    long = "word " * 300_000  # 1.5 MB of JSON
    with ChatSDK(auth="k", base_url=server.base_url) as sdk:
        answer = sdk.chat.completions("m").run(long)
    assert answer.text == long
    assert len(json.dumps(long)) > 1 << 20
