"""Which requests go through which proxy: the `proxy=` argument, else the environment (no I/O).

The routes are httpx mount patterns, each mapped to a proxy URL or to None (go direct). From
the environment: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` (lower case wins, as in curl),
with the hosts in `NO_PROXY` going direct. This machine's loopback addresses always go direct
when the proxy comes from the environment: a local model server is never behind the proxy.
Nor is the instance metadata service (link-local): through a proxy, the token that came back
would be the proxy machine's, if any.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from ._exceptions import ConfigurationError
from .types.misc import UNDEFINED, UndefinedOr

__all__ = ["ProxyInput", "check_proxy", "proxy_for", "proxy_routes"]

ProxyInput = UndefinedOr["str | None"]
"""What `proxy=` takes: a proxy URL, None for none, or left out for the environment's."""

_SCHEMES = ("http", "https", "socks5", "socks5h")
_LOOPBACK = ("all://localhost", "all://127.0.0.1", "all://[::1]", "all://169.254.169.254")


def check_proxy(proxy: object) -> str | None:
    """Return a proxy URL with its scheme (`host:3128` is `http://host:3128`), or None.

    The error never quotes the URL: it may carry the proxy's password.
    """
    if proxy is None:
        return None
    if not isinstance(proxy, str) or not proxy.strip():
        raise ConfigurationError(
            f"proxy must be a proxy URL such as http://proxy:3128, or None; "
            f"got {type(proxy).__name__}"
        )
    url = proxy.strip()
    if "://" not in url:
        url = f"http://{url}"
    scheme = url.split("://", 1)[0].lower()
    if scheme not in _SCHEMES:
        raise ConfigurationError(
            f"a proxy URL starts with http://, https:// or socks5://, not {scheme}://"
        )
    if scheme.startswith("socks"):
        import importlib.util

        if importlib.util.find_spec("socksio") is None:  # httpx speaks SOCKS with it
            raise ConfigurationError(
                "a SOCKS proxy needs the socksio package: pip install 'httpx[socks]'"
            )
    return url


def proxy_routes(
    proxy: UndefinedOr[str | None], environ: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """The mount patterns and their proxy URL (None: direct); empty when nothing is proxied.

    An explicit `proxy` carries every request; `None` turns proxies off, environment included.
    """
    if proxy is not UNDEFINED:
        url = check_proxy(proxy)
        return {} if url is None else {"all://": url}
    env = os.environ if environ is None else environ
    routes: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        value = _variable(env, f"{scheme}_proxy")
        if value:
            routes[f"{scheme}://"] = _environment_proxy(value, f"{scheme.upper()}_PROXY")
    if not routes:
        return {}
    for host in _variable(env, "no_proxy").split(","):
        host = host.strip()
        if host == "*":
            return {}
        for pattern in _direct_patterns(host):
            routes[pattern] = None
    for pattern in _LOOPBACK:
        routes[pattern] = None
    return routes


def _variable(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or env.get(name.upper()) or "").strip()


def _environment_proxy(value: str, variable: str) -> str:
    try:
        return check_proxy(value) or ""
    except ConfigurationError as exc:
        raise ConfigurationError(f"the environment variable {variable}: {exc}") from None


def _direct_patterns(host: str) -> list[str]:
    """The mount patterns of one `NO_PROXY` entry: a host (and its subdomains), an IP, a URL."""
    if not host:
        return []
    if "://" in host:
        return [host]
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        domain = host.lstrip(".*")
        return [f"all://{domain}", f"all://*.{domain}"] if domain else []
    return [f"all://[{address}]" if address.version == 6 else f"all://{address}"]


def proxy_for(routes: Mapping[str, str | None], url: str) -> str | None:
    """The proxy `routes` give `url` (None: direct), chosen as httpx chooses among mounts.

    The most specific pattern that matches wins: one with a port, then the longest host,
    then a scheme over `all`. (The aiohttp backend asks this; httpx mounts the routes.)
    """
    target = urlsplit(url)
    host = (target.hostname or "").lower()
    best: tuple[bool, int, bool] | None = None
    chosen = None
    for pattern, proxy in routes.items():
        parts = urlsplit(pattern)
        if parts.scheme not in ("all", target.scheme):
            continue
        pattern_host = (parts.hostname or "").lower()
        if pattern_host.startswith("*."):
            if not host.endswith(pattern_host[1:]):
                continue
        elif pattern_host and pattern_host != host:
            continue
        if parts.port is not None and parts.port != target.port:
            continue
        rank = (parts.port is not None, len(pattern_host), parts.scheme != "all")
        if best is None or rank > best:
            best, chosen = rank, proxy
    return chosen
