"""with_options(), TLS settings, plain-http refusal, bad arguments and the secret sweep."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any

import certifi
import httpx
import pytest

from tests.faults.server import TALLY, FaultServer, echo, status
from tests.helpers import SECRET, Recorder
from ycloud_chat import (
    APIKeyAuth,
    AsyncChatSDK,
    AuthenticationError,
    BearerTokenAuth,
    ClientClosedError,
    ConfigurationError,
    IAMTokenAuth,
    InternalServerError,
)

pytestmark = pytest.mark.usefixtures("fast_retries", "http_backend")


def ssl_context_of(sdk: AsyncChatSDK) -> Any:
    """The TLS context of the SDK's client, on either backend."""
    client = sdk._transport.client
    if hasattr(client, "ssl_context"):  # the aiohttp backend's client
        return client.ssl_context
    return client.client._transport._pool._ssl_context  # type: ignore[attr-defined]


async def test_with_options_shares_the_pool_and_the_original_owns_it(server: FaultServer) -> None:
    server.plan(status(503), echo())
    sdk = AsyncChatSDK(auth="k", base_url=server.base_url, max_retries=1, timeout=30)
    patient = sdk.with_options(max_retries=4)
    quick = sdk.with_options(timeout=5)
    assert (patient.max_retries, quick.max_retries, sdk.max_retries) == (4, 1, 1)
    assert quick._transport.settings.default_timeout == 5.0
    assert patient._transport.settings.default_timeout == 30.0
    assert patient._transport.client is sdk._transport.client
    assert (await patient.chat.completions("m").run("one")).text == "one"
    await patient.aclose()
    assert (await sdk.chat.completions("m").run("two")).text == "two"  # pool still open
    assert server.open_connections == 1  # one connection, reused by both SDK objects
    await sdk.aclose()
    with pytest.raises(ClientClosedError):
        await quick.chat.completions("m").run("three")


async def test_with_options_max_retries_zero_does_not_retry(server: FaultServer) -> None:
    server.plan(status(503, "down"))
    async with AsyncChatSDK(auth="k", base_url=server.base_url) as sdk:
        with pytest.raises(InternalServerError, match="down") as caught:
            await sdk.with_options(max_retries=0).chat.completions("m").run("x")
    assert caught.value.attempts == 1
    assert server.requests == 1


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": "5"}, "timeout"),
    ],
)
async def test_with_options_rejects_bad_values(kwargs: dict[str, Any], named: str) -> None:
    async with AsyncChatSDK(auth="k", base_url="http://127.0.0.1:9/v1") as sdk:
        with pytest.raises(ConfigurationError, match=named):
            sdk.with_options(**kwargs)


async def test_tls_is_verified_by_default() -> None:
    async with AsyncChatSDK("f", "k") as sdk:
        context = ssl_context_of(sdk)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


async def test_verify_takes_a_ca_bundle_a_context_or_false() -> None:
    async with AsyncChatSDK("f", "k", verify=certifi.where()) as sdk:
        assert ssl_context_of(sdk).verify_mode == ssl.CERT_REQUIRED
    context = ssl.create_default_context()
    async with AsyncChatSDK("f", "k", verify=context) as sdk:
        assert ssl_context_of(sdk) is context
    async with AsyncChatSDK("f", "k", verify=False) as sdk:
        assert ssl_context_of(sdk).verify_mode == ssl.CERT_NONE


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"verify": "/no/such/bundle.pem"}, r"verify='/no/such/bundle\.pem' is not a readable"),
        ({"verify": 1}, "verify must be True, False, a CA bundle path"),
        ({"allow_insecure_http": "yes"}, "allow_insecure_http must be a bool"),
    ],
)
async def test_bad_tls_settings_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AsyncChatSDK("f", "k", **kwargs)


async def test_verify_is_for_the_sdks_own_client_only() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigurationError, match="configure TLS on your http_client"):
            AsyncChatSDK("f", "k", http_client=client, verify=False)


@pytest.mark.parametrize(
    "base_url", ["http://api.example.com/v1", "http://10.0.0.5:8000/v1", "http://[2001:db8::1]/v1"]
)
async def test_plain_http_to_another_host_is_refused(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http=True"):
        AsyncChatSDK(auth="k", base_url=base_url)
    async with AsyncChatSDK(auth="k", base_url=base_url, allow_insecure_http=True) as sdk:
        assert sdk.base_url == base_url


@pytest.mark.parametrize(
    "base_url",
    [
        "http://localhost:8000/v1",
        "http://127.0.0.1/v1",
        "http://127.8.9.10:1/v1",
        "http://[::1]/v1",
    ],
)
async def test_plain_http_on_loopback_is_allowed(base_url: str) -> None:
    async with AsyncChatSDK(auth="k", base_url=base_url) as sdk:
        assert sdk.base_url == base_url


def no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


BAD_CALLS = [
    ("x", {"timeout": -1}, "timeout"),
    ("x", {"timeout": "1"}, "timeout"),
    ("x", {"timeout": float("inf")}, "timeout"),
    (42, {}, "messages"),
    ([], {}, "messages is empty"),
    ([{"role": "user"}], {}, r"messages\[0\]"),
    (b"bytes", {}, "messages"),
    (["ok", object()], {}, r"messages\[1\]"),
]


@pytest.fixture
async def offline_sdk() -> AsyncIterator[AsyncChatSDK]:
    """An SDK whose every request fails the test: bad input must be caught before sending."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(no_network))
    async with client, AsyncChatSDK("f", "k", http_client=client) as sdk:
        yield sdk


@pytest.mark.parametrize(("messages", "kwargs", "named"), BAD_CALLS)
async def test_bad_run_arguments_are_named_before_any_request(
    offline_sdk: AsyncChatSDK, messages: Any, kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        await offline_sdk.chat.completions("m").run(messages, **kwargs)


@pytest.mark.parametrize(("messages", "kwargs", "named"), BAD_CALLS)
async def test_bad_run_stream_arguments_are_named_before_any_request(
    offline_sdk: AsyncChatSDK, messages: Any, kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        offline_sdk.chat.completions("m").run_stream(messages, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"temperature": -1}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"reasoning_mode": "extreme"}, "reasoning_mode"),
        ({"response_format": 3}, "response_format"),
        ({"tools": 3}, "tools"),
        ({"tool_choice": 3}, "tool_choice"),
        ({"parallel_tool_calls": "yes"}, "parallel_tool_calls"),
        ({"extra_query": [1]}, "extra_query"),
    ],
)
async def test_bad_configure_arguments_are_named(
    offline_sdk: AsyncChatSDK, kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        offline_sdk.chat.completions("m").configure(**kwargs)


@pytest.mark.parametrize(
    ("name", "version", "named"),
    [("", "latest", "model_name"), (3, "latest", "model_name"), ("m", "", "model_version")],
)
async def test_bad_model_names_are_named(
    offline_sdk: AsyncChatSDK, name: Any, version: Any, named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        offline_sdk.chat.completions(name, model_version=version)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"base_url": 5}, "base_url"),
        ({"base_url": "localhost:8000"}, "base_url"),
        ({"folder_id": "has space"}, "folder_id"),
        ({"default_headers": {"bad header": "v"}}, "default_headers"),
        ({"default_headers": {"x-ok": "line\nbreak"}}, "default_headers"),
        ({"default_headers": ["x"]}, "default_headers"),
        ({"auth": ""}, "auth"),
        ({"max_body_bytes": 0}, "max_body_bytes"),
        ({"max_body_bytes": 1.5}, "max_body_bytes"),
        ({"max_event_bytes": True}, "max_event_bytes"),
    ],
)
async def test_bad_sdk_arguments_are_named(kwargs: dict[str, Any], named: str) -> None:
    kwargs = {"folder_id": "f", "auth": "k", **kwargs}
    with pytest.raises(ConfigurationError, match=named):
        AsyncChatSDK(**kwargs)


@pytest.mark.parametrize("auth", [SECRET, APIKeyAuth(SECRET), IAMTokenAuth(SECRET)])
async def test_the_secret_shows_nowhere(
    auth: Any, server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Everything printable while driving the SDK (success and error paths) lacks the secret."""
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx's and httpcore's
    server.plan(echo(), status(401, "denied"), status(500, "boom"), echo())
    sdk = AsyncChatSDK("folder", auth, base_url=server.base_url, max_retries=0)
    copy = sdk.with_options(max_retries=1, timeout=9)
    model = sdk.chat.completions("m").configure(temperature=0.5)
    stream = model.run_stream("streamed")
    printable: list[Any] = [
        sdk,
        copy,
        sdk.chat,
        sdk.chat.completions,
        model,
        stream,
        sdk._transport,
        sdk._transport.settings.auth,
        BearerTokenAuth(SECRET),
    ]
    printable.append(await model.run("hello"))
    with pytest.raises(AuthenticationError) as denied:
        await model.run("x")
    with pytest.raises(InternalServerError) as failed:
        await model.run("y")
    printable += [denied.value, failed.value]
    async with stream:
        printable += [partial async for partial in stream]
    printable.append(stream)
    refusals: list[dict[str, Any]] = [
        {"auth": SECRET, "base_url": "http://example.com/v1"},
        {"auth": SECRET, "default_headers": {"x": "\n" + SECRET}},
        {"auth": "bad\n" + SECRET},
    ]
    for kwargs in refusals:
        with pytest.raises(ConfigurationError) as refused:
            AsyncChatSDK("f", **kwargs)
        printable.append(refused.value)
    await sdk.aclose()
    texts = [caplog.text] + [text for obj in printable for text in _texts(obj)]
    leaks = sum(SECRET in text for text in texts)
    TALLY.secret_leaks += leaks
    assert leaks == 0
    assert server.received[0].headers["authorization"].endswith(SECRET)  # it was really sent


def _texts(obj: Any) -> Iterator[str]:
    """str and repr of an object and of every exception chained to it."""
    seen: set[int] = set()
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        yield str(obj)
        yield repr(obj)
        yield repr(getattr(obj, "args", ""))
        yield repr(getattr(obj, "body", ""))
        obj = getattr(obj, "__cause__", None) or getattr(obj, "__context__", None)


async def test_max_retries_makes_exactly_that_many_retries() -> None:
    recorder = Recorder(httpx.Response(503, text="busy"))
    client = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    async with AsyncChatSDK("f", "k", http_client=client, max_retries=3) as sdk:
        with pytest.raises(InternalServerError) as caught:
            await sdk.chat.completions("m").run("x")
    assert caught.value.attempts == len(recorder.requests) == 4
    await client.aclose()
