"""Checks of the SDK's constructor arguments, run before any request is built."""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from collections.abc import Mapping
from typing import Literal, Union
from urllib.parse import urlsplit

import httpx

from ._exceptions import ConfigurationError, ConfigurationTypeError

__all__ = [
    "HTTPBackend",
    "VerifyTypes",
    "check_base_url_scheme",
    "check_folder_id",
    "check_headers",
    "check_http_backend",
    "check_max_connections",
    "check_max_retries",
    "check_size_limit",
    "check_verify",
    "is_printable_header_value",
    "normalise_base_url",
    "redact_url",
]

VerifyTypes = Union[bool, str, "os.PathLike[str]", ssl.SSLContext]
HTTPBackend = Literal["aiohttp", "httpx", "http.client"]

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e\t]*$")
_FOLDER_ID = re.compile(r"^[\x21-\x7e]+$")


def normalise_base_url(base_url: str) -> str:
    """Check a base URL and drop its trailing slash.

    Any URL httpx could not send to, or that carries a user name or password, is refused
    here, before any request; no message shows what comes before an `@`.
    """
    if not isinstance(base_url, str):
        raise ConfigurationTypeError(f"base_url must be a str, got {type(base_url).__name__}")
    url = base_url.strip()
    shown = redact_url(url)
    if not url.isprintable() or " " in url:
        raise ConfigurationError(
            f"base_url has a space, a line break or another character a URL cannot hold: {shown!r}"
        )
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ConfigurationError(f"base_url is not a valid URL: {shown!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base_url must be an http(s) URL such as https://host/v1, got {shown!r}"
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"base_url must not hold a user name or password ({shown!r}): "
            "give credentials with auth=, never in the URL"
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigurationError(f"base_url's port must be a number from 1 to 65535: {shown!r}")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ConfigurationError(f"base_url must not have a query or a fragment: {shown!r}")
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError):  # e.g. a host name IDNA cannot encode
        raise ConfigurationError(f"base_url is not a valid URL: {shown!r}") from None
    return url.rstrip("/")


def redact_url(url: str) -> str:
    """`url` with whatever comes before its last `@` (a user name, a password) as `***`."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, slashes, _ = head.partition("//")
    return f"{scheme}{slashes}***@{tail}" if slashes else f"***@{tail}"


def check_base_url_scheme(base_url: str, *, allow_insecure_http: bool) -> None:
    """Refuse plain `http://` to a host other than this machine, unless the caller opts in.

    Credentials sent over plain HTTP can be read by anyone on the way; on loopback
    (`localhost`, 127.0.0.0/8, `::1`) nothing leaves the machine.
    """
    if not isinstance(allow_insecure_http, bool):
        raise ConfigurationTypeError(
            f"allow_insecure_http must be a bool, got {type(allow_insecure_http).__name__}"
        )
    parts = urlsplit(base_url)
    if parts.scheme != "http" or allow_insecure_http or _is_loopback(parts.hostname or ""):
        return
    raise ConfigurationError(
        f"base_url {base_url!r} is plain http:// to another host, which would send credentials "
        "unencrypted: use https://, or pass allow_insecure_http=True if you accept that"
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_size_limit(value: object, name: str) -> int:
    """Check a size limit in bytes (`max_body_bytes`, `max_event_bytes`): a positive int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationTypeError(f"{name} must be a positive number of bytes, got {value!r}")
    if value < 1:
        raise ConfigurationError(f"{name} must be a positive number of bytes, got {value!r}")
    return value


def check_folder_id(folder_id: object) -> str | None:
    """Check a folder id (it travels in model URIs and a header); None stays None."""
    if folder_id is None:
        return None
    if not isinstance(folder_id, str) or not _FOLDER_ID.match(folder_id.strip()):
        error = ConfigurationError if isinstance(folder_id, str) else ConfigurationTypeError
        raise error(f"folder_id must be a non-empty str of printable ASCII, got {folder_id!r}")
    return folder_id.strip()


def check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Check `default_headers` before any request; an error names the header, never its value."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ConfigurationTypeError(
            f"default_headers must be a dict of str to str, got {type(headers).__name__}"
        )
    checked = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            error = ConfigurationError if isinstance(name, str) else ConfigurationTypeError
            raise error(f"default_headers has an invalid header name: {name!r}")
        if not isinstance(value, str) or not is_printable_header_value(value):
            error = ConfigurationError if isinstance(value, str) else ConfigurationTypeError
            raise error(
                f"default_headers[{name!r}] must be a str of printable ASCII (no line breaks)"
            )
        checked[name] = value
    return checked


def is_printable_header_value(value: str) -> bool:
    """True when `value` can travel in an HTTP header: printable ASCII, no line breaks."""
    return _HEADER_VALUE.match(value) is not None


def check_verify(verify: object) -> ssl.SSLContext | bool:
    """Turn `verify=` (True, False, a CA bundle file or folder, an SSLContext) into httpx's form."""
    if isinstance(verify, (bool, ssl.SSLContext)):
        return verify
    if not isinstance(verify, (str, os.PathLike)):
        raise ConfigurationTypeError(
            "verify must be True, False, a CA bundle path or an ssl.SSLContext, "
            f"got {type(verify).__name__}"
        )
    path = os.fspath(verify)
    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"verify={path!r} is not a readable CA bundle: {type(exc).__name__}: {exc}"
        ) from exc


def check_http_backend(value: object, name: str) -> HTTPBackend:
    """Check `http_backend=` (or the environment variable `name`): a backend of either face."""
    if value == "aiohttp" or value == "httpx" or value == "http.client":
        return value
    raise ConfigurationError(
        f'{name} must be "aiohttp" or "httpx" (the async face) or "http.client" or "httpx" '
        f"(the sync face), got {value!r}"
    )


def check_max_connections(value: object) -> int:
    """Check `max_connections=`: a positive number of connections."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"max_connections must be a positive integer, got {value!r}")
    return value


def check_max_retries(value: object) -> int:
    """Return `max_retries` checked to be an int >= 0, or raise naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationTypeError(f"max_retries must be an integer >= 0, got {value!r}")
    if value < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, got {value!r}")
    return value
