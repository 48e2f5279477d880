"""Tracing on the async face only (cancellation), without OpenTelemetry, and its pure parts."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest

from tests.helpers import chunk, sse
from tests.telemetry import Telemetry, attributes
from ycloud_chat import (
    APIConnectionError,
    APITimeoutError,
    AsyncChatSDK,
    ChatSDK,
    InternalServerError,
)
from ycloud_chat._tracing import NO_CALL, TOKEN_BUCKETS, Tracing, error_type
from ycloud_chat.testing import FakeChatAPI


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    telemetry = Telemetry()
    yield telemetry
    telemetry.shutdown()


class EndlessStream(httpx.AsyncByteStream):
    """Sends one event, then waits until cancelled."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in sse(chunk("first")):
            yield event
        await anyio.sleep_forever()


def endless_sdk(telemetry: Telemetry) -> AsyncChatSDK:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=EndlessStream()))
    client = httpx.AsyncClient(transport=transport)
    return AsyncChatSDK("f", "k", http_client=client, **telemetry.providers)


async def test_a_cancelled_stream_ends_its_span_once(telemetry: Telemetry) -> None:
    async with endless_sdk(telemetry) as sdk:
        with anyio.move_on_after(0.2) as scope:
            async with sdk.chat.completions("m").run_stream("hi") as stream:
                async for _ in stream:
                    pass
        assert scope.cancelled_caught
    span = telemetry.only_span()
    assert span.status.status_code.name == "ERROR"
    assert attributes(span)["error.type"] == "cancelled"


async def test_a_cancelled_stream_without_with_ends_its_span_once(telemetry: Telemetry) -> None:
    async with endless_sdk(telemetry) as sdk:
        stream = sdk.chat.completions("m").run_stream("hi")
        with anyio.move_on_after(0.2):
            async for _ in stream:
                pass
        telemetry.only_span()
        await stream.aclose()
    telemetry.only_span()


async def test_a_cancelled_run_ends_its_span_once(telemetry: Telemetry) -> None:
    async with endless_sdk(telemetry) as sdk:
        with anyio.move_on_after(0.2):
            await sdk.chat.completions("m").run("hi")
    assert attributes(telemetry.only_span())["error.type"] == "cancelled"


def test_no_provider_set_means_no_span_and_no_header() -> None:
    fake = FakeChatAPI()
    fake.reply("a")
    with ChatSDK("f", "k", http_client=fake.client()) as sdk:
        assert sdk._transport.settings.tracing.chat("m", None, b"", stream=False) is NO_CALL
        sdk.chat.completions("m").run("hi")
    assert "traceparent" not in fake.last_request.headers


WITHOUT_OPENTELEMETRY = """
import asyncio, importlib.abc, json, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, Block())
from ycloud_chat import AsyncChatSDK, ChatSDK
from ycloud_chat.testing import FakeChatAPI

fake = FakeChatAPI()
fake.reply("a", times=3)
fake.reply_stream(["b"])
with ChatSDK("f", "k", http_client=fake.client()) as sdk:
    sdk.chat.completions("m").run("hi")
    with sdk.chat.completions("m").run_stream("hi") as stream:
        list(stream)

async def main():
    async with AsyncChatSDK("f", "k", http_client=fake.async_client()) as sdk:
        await sdk.chat.completions("m").run("hi")

asyncio.run(main())
try:
    ChatSDK("f", "k", tracing=True)
except ImportError as exc:
    refused = str(exc)
loaded = [name for name in sys.modules if name.startswith("opentelemetry")]
print(json.dumps({"loaded": loaded, "refused": refused, "traceparent": [
    "traceparent" in request.headers for request in fake.requests]}))
"""


def test_without_opentelemetry_nothing_of_it_is_imported() -> None:
    output = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WITHOUT_OPENTELEMETRY)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    report = json.loads(output)
    assert report["loaded"] == []
    assert report["traceparent"] == [False, False, False]
    assert 'pip install "ycloud-chat[otel]"' in report["refused"]


def test_tracing_off_by_environment_imports_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    probe = (
        "import json, sys\n"
        "from ycloud_chat import ChatSDK\n"
        "from ycloud_chat.testing import FakeChatAPI\n"
        "fake = FakeChatAPI(); fake.reply('a')\n"
        "ChatSDK('f', 'k', http_client=fake.client()).chat.completions('m').run('hi')\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('opentelemetry')]))"
    )
    monkeypatch.setenv("YCLOUD_CHAT_TRACING", "off")
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == []


def test_error_types() -> None:
    assert error_type(InternalServerError("boom", status_code=503)) == "503"
    assert error_type(APITimeoutError("slow")) == "timeout"
    assert error_type(APIConnectionError("down")) == "ycloud_chat.APIConnectionError"
    assert error_type(ValueError("x")) == "ValueError"
    assert error_type(asyncio.CancelledError()) == "cancelled"


def test_the_server_attributes_never_hold_url_credentials() -> None:
    tracing = Tracing(enabled=False, base_url="https://user:pass@llm.example:8443/v1")
    assert (tracing.address, tracing.port) == ("llm.example", 8443)
    assert Tracing(enabled=False, base_url="http://127.0.0.1/v1").port == 80


def test_bad_tracing_flag_is_refused() -> None:
    with pytest.raises(TypeError, match="tracing must be"):
        ChatSDK("f", "k", tracing="yes")  # type: ignore[arg-type]


def test_token_buckets_are_the_conventions() -> None:
    assert TOKEN_BUCKETS[:3] == [1, 4, 16]
    assert TOKEN_BUCKETS[-1] == 67108864


def test_pickled_sdks_keep_their_tracing_setting(telemetry: Telemetry) -> None:
    sdk = ChatSDK("f", "k", base_url="http://127.0.0.1:9/v1", tracing=False)
    copy = pickle.loads(pickle.dumps(sdk.with_options(tracing=True)))
    assert copy._transport.settings.tracing.enabled
    assert not pickle.loads(pickle.dumps(sdk))._transport.settings.tracing.enabled
    with pytest.raises(TypeError, match="tracer_provider"):
        pickle.dumps(sdk.with_options(tracer_provider=telemetry.tracer_provider))
