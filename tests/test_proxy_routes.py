"""Proxy routes from `proxy=` and from the environment, without a network."""

from __future__ import annotations

import importlib.util

import httpx
import pytest

from ycloud_chat import ConfigurationError
from ycloud_chat._proxies import check_proxy, proxy_for, proxy_routes
from ycloud_chat.types.misc import UNDEFINED

LOOPBACK = {
    "all://localhost": None,
    "all://127.0.0.1": None,
    "all://[::1]": None,
    "all://169.254.169.254": None,
}


def test_no_variables_no_routes() -> None:
    assert proxy_routes(UNDEFINED, {}) == {}
    assert proxy_routes(UNDEFINED, {"NO_PROXY": "example.com"}) == {}


def test_each_scheme_and_all_proxy() -> None:
    env = {
        "HTTP_PROXY": "http://p1:3128",
        "HTTPS_PROXY": "p2:3128",  # a scheme-less value is an http:// proxy, as curl reads it
        "ALL_PROXY": "http://p3:8080",
    }
    assert proxy_routes(UNDEFINED, env) == {
        "http://": "http://p1:3128",
        "https://": "http://p2:3128",
        "all://": "http://p3:8080",
        **LOOPBACK,
    }


def test_lower_case_wins() -> None:
    env = {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"}
    assert proxy_routes(UNDEFINED, env)["https://"] == "http://lower:1"


def test_no_proxy_entries() -> None:
    env = {
        "HTTPS_PROXY": "http://p:3128",
        "NO_PROXY": " example.com, .corp.test ,10.0.0.7,::2, http://direct.test ,,",
    }
    assert proxy_routes(UNDEFINED, env) == {
        "https://": "http://p:3128",
        "all://example.com": None,
        "all://*.example.com": None,
        "all://corp.test": None,
        "all://*.corp.test": None,
        "all://10.0.0.7": None,
        "all://[::2]": None,
        "http://direct.test": None,
        **LOOPBACK,
    }


def test_no_proxy_star_turns_the_environment_off() -> None:
    assert proxy_routes(UNDEFINED, {"HTTPS_PROXY": "http://p:1", "no_proxy": "*"}) == {}


def test_the_metadata_service_never_goes_through_the_environments_proxy() -> None:
    # Its plain-HTTP answer is an IAM token: through a proxy it would be the proxy's own.
    routes = proxy_routes(UNDEFINED, {"HTTP_PROXY": "http://p:3128", "NO_PROXY": "example.com"})
    url = "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
    assert proxy_for(routes, url) is None
    assert proxy_for(routes, "http://169.254.169.2/") == "http://p:3128"


def test_the_argument_wins_over_the_environment() -> None:
    env = {"HTTPS_PROXY": "http://env:1"}
    assert proxy_routes("http://arg:2", env) == {"all://": "http://arg:2"}
    assert proxy_routes(None, env) == {}


@pytest.mark.parametrize("value", ["", "  ", 3128, b"http://p:1"])
def test_a_proxy_must_be_a_url(value: object) -> None:
    with pytest.raises(ConfigurationError, match="proxy must be a proxy URL"):
        check_proxy(value)


def test_a_bad_scheme_is_named_and_the_password_is_not() -> None:
    with pytest.raises(ConfigurationError, match="not ftp://") as info:
        check_proxy("ftp://user:s3cret@p:21")
    assert "s3cret" not in str(info.value)
    with pytest.raises(ConfigurationError, match="environment variable HTTPS_PROXY") as env:
        proxy_routes(UNDEFINED, {"HTTPS_PROXY": "ftp://user:s3cret@p:21"})
    assert "s3cret" not in str(env.value)


def test_socks_needs_socksio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigurationError, match="socksio"):
        check_proxy("socks5://p:1080")


ENVIRONMENT = {
    "HTTP_PROXY": "http://web-proxy:3128",
    "HTTPS_PROXY": "http://tls-proxy:3128",
    "ALL_PROXY": "http://any-proxy:3128",
    "NO_PROXY": "internal.example, 10.0.0.7, [fd00::1], http://pinned.example:8080",
}
URLS = [
    "http://api.example/v1/chat/completions",
    "https://api.example/v1/chat/completions",
    "https://internal.example/v1",
    "https://deep.internal.example/v1",
    "https://notinternal.example/v1",
    "http://10.0.0.7:8000/v1",
    "http://[fd00::1]:8000/v1",
    "http://pinned.example:8080/v1",
    "http://pinned.example:9090/v1",
    "http://localhost:8080/v1",
    "http://127.0.0.1/v1",
    "ws://api.example/v1",
]


@pytest.mark.parametrize("url", URLS)
def test_proxy_for_chooses_as_httpx_mounts_do(url: str) -> None:
    """The aiohttp backend's choice of proxy is httpx's choice among the same routes."""
    routes = proxy_routes(UNDEFINED, environ=ENVIRONMENT)
    direct = httpx.MockTransport(lambda request: httpx.Response(200))
    proxied = {
        proxy: httpx.MockTransport(lambda request: httpx.Response(200))
        for proxy in routes.values()
        if proxy
    }
    mounts = {
        pattern: None if proxy is None else proxied[proxy] for pattern, proxy in routes.items()
    }
    with httpx.Client(transport=direct, mounts=mounts) as client:
        chosen = client._transport_for_url(httpx.URL(url))
    expected = next((proxy for proxy, transport in proxied.items() if transport is chosen), None)
    assert proxy_for(routes, url) == expected
