# GENERATED from tests/_async/test_proxies.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""Proxies: from the environment by default, `proxy=` when given, through a real CONNECT proxy.

The proxy (tests/proxy.py) resolves `.test` names and AI Studio's host to servers on this
machine; the SDK cannot resolve them itself, so an answer proves the request went through it.
Credentials go only where they belong: the key inside the TLS tunnel to the server, the
proxy's own password to the proxy alone.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from tests.helpers import SECRET
from tests.proxy import Proxy, TLSFront
from ycloud_chat import APIConnectionError, ChatSDK, ConfigurationError
from ycloud_chat._constants import AI_STUDIO_HOST
from ycloud_chat.testing import FakeChatAPI

pytestmark = pytest.mark.usefixtures("http_backend")

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
PROXY_PASSWORD = "proxy-Pa55word"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROXY_VARIABLES, "YC_FOLDER_ID", "YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


class Network:
    """The servers of one test: the fake chat API, its HTTPS front, and the proxy to them."""

    def __init__(self, fake: FakeChatAPI, proxy: Proxy, ca_file: Path) -> None:
        self.fake = fake
        self.proxy = proxy
        self.ca_file = str(ca_file)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("chat.test", AI_STUDIO_HOST).configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    fake = FakeChatAPI()
    with fake.serve() as base_url:
        plain_port = httpx.URL(base_url).port
        assert plain_port is not None
        with TLSFront(server_context, plain_port).running() as front:
            routes = {"chat.test": front.port, AI_STUDIO_HOST: front.port, "plain.test": plain_port}
            with Proxy(routes).running() as proxy:
                yield Network(fake, proxy, ca_file)


def seen_by_proxy(proxy: Proxy) -> bytes:
    return b"".join(proxy.seen)


def test_https_proxy_from_the_environment_tunnels_to_ai_studio(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", network.proxy.url)
    monkeypatch.setenv("YC_API_KEY", SECRET)
    monkeypatch.setenv("YC_FOLDER_ID", "folder1")
    network.fake.reply("through the tunnel")
    network.fake.reply_stream(["stre", "amed"])

    with ChatSDK(verify=network.ca_file) as sdk:
        model = sdk.chat.completions("yandexgpt")
        assert (model.run("Hi")).text == "through the tunnel"
        with model.run_stream("Hi") as stream:
            assert [partial.text for partial in stream][-1] == "streamed"

    assert network.proxy.connects[0] == f"{AI_STUDIO_HOST}:443"
    assert set(network.proxy.connects) == {f"{AI_STUDIO_HOST}:443"}
    # The key travelled inside the tunnel only: the proxy never saw it, nor any credentials.
    assert SECRET.encode() not in seen_by_proxy(network.proxy)
    assert b"proxy-authorization" not in seen_by_proxy(network.proxy).lower()
    for request in network.fake.requests:
        assert request.headers["authorization"] == f"Api-Key {SECRET}"
        assert not any(name.startswith("proxy-") for name in request.headers)


def test_proxy_argument_with_credentials_sends_them_to_the_proxy_alone(
    network: Network,
) -> None:
    network.proxy.credentials = base64.b64encode(f"user:{PROXY_PASSWORD}".encode()).decode()
    network.fake.reply("hello")
    host, port = network.proxy.url.removeprefix("http://").split(":")
    proxy = f"http://user:{PROXY_PASSWORD}@{host}:{port}"

    with ChatSDK(
        base_url="https://chat.test/v1", auth=SECRET, verify=network.ca_file, proxy=proxy
    ) as sdk:
        assert (sdk.chat.completions("m").run("Hi")).text == "hello"
        assert PROXY_PASSWORD not in repr(sdk)

    assert network.proxy.connects == ["chat.test:443"]
    assert SECRET.encode() not in seen_by_proxy(network.proxy)
    [request] = network.fake.requests
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert not any(name.startswith("proxy-") for name in request.headers)


def test_a_proxy_that_refuses_is_a_clear_error_not_retried(network: Network) -> None:
    network.proxy.credentials = base64.b64encode(b"user:right").decode()
    host, port = network.proxy.url.removeprefix("http://").split(":")
    proxy = f"http://user:{PROXY_PASSWORD}@{host}:{port}"

    with (
        ChatSDK(
            base_url="https://chat.test/v1", auth=SECRET, verify=network.ca_file, proxy=proxy
        ) as sdk,
        pytest.raises(APIConnectionError, match="407") as info,
    ):
        sdk.chat.completions("m").run("Hi")

    assert info.value.attempts == 1
    assert PROXY_PASSWORD not in str(info.value)
    assert network.fake.requests == []


def test_http_proxy_forwards_plain_http(network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", network.proxy.url)
    network.fake.reply("forwarded")

    with ChatSDK(base_url="http://plain.test/v1", allow_insecure_http=True) as sdk:
        assert (sdk.chat.completions("m").run("Hi")).text == "forwarded"

    assert network.proxy.seen[0].startswith(b"POST http://plain.test/v1/chat/completions ")
    assert network.fake.last_request.path == "/v1/chat/completions"


@pytest.mark.parametrize("how", ["no_proxy", "proxy=None"])
def test_hosts_in_no_proxy_and_proxy_none_go_direct(
    network: Network, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", network.proxy.url)
    options: dict[str, Any] = {}
    if how == "no_proxy":
        monkeypatch.setenv("NO_PROXY", "example.com, .test")
    else:
        options["proxy"] = None

    with ChatSDK(base_url="https://chat.test/v1", auth=SECRET, max_retries=0, **options) as sdk:
        # Direct, the name cannot be resolved: the error of a machine without the proxy.
        with pytest.raises(APIConnectionError, match="ConnectError"):
            sdk.chat.completions("m").run("Hi")

    assert network.proxy.seen == []


def test_this_machine_is_never_reached_through_an_environment_proxy(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, network.proxy.url)
    fake = FakeChatAPI()
    fake.reply("direct")
    fake.reply("direct")

    with fake.serve() as base_url:
        with ChatSDK(base_url=base_url) as sdk:
            assert (sdk.chat.completions("m").run("Hi")).text == "direct"
        local = base_url.replace("127.0.0.1", "localhost")
        with ChatSDK(base_url=local) as sdk:
            assert (sdk.chat.completions("m").run("Hi")).text == "direct"

    assert network.proxy.seen == []


def test_a_proxy_goes_to_the_client_the_sdk_makes() -> None:
    with pytest.raises(ConfigurationError, match="configure proxies on your http_client"):
        ChatSDK(auth="k", proxy="http://proxy:3128", http_client=httpx.Client())
    with pytest.raises(ConfigurationError, match="proxy URL") as info:
        ChatSDK(auth="k", proxy="ftp://user:hidden@proxy:21")
    assert "hidden" not in str(info.value)
