"""Pure request builders: model URIs, headers and the JSON body, from config and messages."""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._auth import BaseAuth
from ._constants import AI_STUDIO_HOST, HEADER_CLIENT_REQUEST_ID, USER_AGENT
from ._exceptions import ConfigurationError, CredentialsError

if TYPE_CHECKING:
    from .types.config import ChatModelConfig

__all__ = [
    "build_chat_body",
    "build_headers",
    "check_base_url_scheme",
    "check_folder_id",
    "check_headers",
    "is_ai_studio",
    "model_uri",
    "new_request_id",
    "normalise_base_url",
]


def normalise_base_url(base_url: str) -> str:
    """Check a base URL and drop its trailing slash."""
    if not isinstance(base_url, str):
        raise ConfigurationError(f"base_url must be a str, got {type(base_url).__name__}")
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"base_url must be an http(s) URL such as https://host/v1, got {base_url!r}"
        )
    return base_url.strip().rstrip("/")


def check_base_url_scheme(base_url: str, *, allow_insecure_http: bool) -> None:
    """Refuse plain `http://` to a host other than this machine, unless the caller opts in.

    Credentials sent over plain HTTP can be read by anyone on the way; on loopback
    (`localhost`, 127.0.0.0/8, `::1`) nothing leaves the machine.
    """
    if not isinstance(allow_insecure_http, bool):
        raise ConfigurationError(
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


def is_ai_studio(base_url: str) -> bool:
    """True when the base URL points at Yandex AI Studio (API keys use the Api-Key scheme)."""
    return urlsplit(base_url).hostname == AI_STUDIO_HOST


def model_uri(name: str, version: str, folder_id: str | None, *, ai_studio: bool) -> str:
    """Build `gpt://<folder>/<name>/<version>`; a name containing `://` is used verbatim.

    Without a folder, an OpenAI-compatible server gets the bare name; AI Studio needs one.
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(f"model_name must be a non-empty str, got {name!r}")
    if not isinstance(version, str) or not version.strip():
        raise ConfigurationError(f"model_version must be a non-empty str, got {version!r}")
    name = name.strip()
    if "://" in name:
        return name
    if folder_id:
        return f"gpt://{folder_id}/{name}/{version.strip()}"
    if ai_studio:
        raise CredentialsError(
            f"the model {name!r} needs a folder: pass folder_id= or set YC_FOLDER_ID "
            "(or give a full gpt:// URI)"
        )
    return name


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e\t]*$")


_FOLDER_ID = re.compile(r"^[\x21-\x7e]+$")


def check_folder_id(folder_id: object) -> str | None:
    """Check a folder id (it travels in model URIs and a header); None stays None."""
    if folder_id is None:
        return None
    if not isinstance(folder_id, str) or not _FOLDER_ID.match(folder_id.strip()):
        raise ConfigurationError(
            f"folder_id must be a non-empty str of printable ASCII, got {folder_id!r}"
        )
    return folder_id.strip()


def check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Check `default_headers` before any request; an error names the header, never its value."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ConfigurationError(
            f"default_headers must be a dict of str to str, got {type(headers).__name__}"
        )
    checked = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise ConfigurationError(f"default_headers has an invalid header name: {name!r}")
        if not isinstance(value, str) or not _HEADER_VALUE.match(value):
            raise ConfigurationError(
                f"default_headers[{name!r}] must be a str of printable ASCII (no line breaks)"
            )
        checked[name] = value
    return checked


def new_request_id() -> str:
    """A fresh `x-client-request-id` for one call (kept across its retries)."""
    return str(uuid.uuid4())


def build_headers(
    auth: BaseAuth,
    request_id: str,
    default_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Headers for one call: User-Agent, request id, caller defaults, then Authorization."""
    headers = {"User-Agent": USER_AGENT, HEADER_CLIENT_REQUEST_ID: request_id}
    if default_headers:
        headers.update(default_headers)
    authorization = auth.authorization()
    if authorization is not None:
        if not isinstance(authorization, str) or not _HEADER_VALUE.match(authorization):
            # Checked here too because a custom BaseAuth is not checked when it is made.
            raise CredentialsError(
                f"{type(auth).__name__} gave an Authorization value that cannot be sent "
                "in an HTTP header (it must be printable ASCII, without line breaks)"
            )
        headers["Authorization"] = authorization
    return headers


def build_chat_body(
    uri: str,
    messages: list[dict[str, Any]],
    config: ChatModelConfig,
    *,
    stream: bool,
    stream_usage: bool = False,
) -> dict[str, Any]:
    """The chat-completions body, keys in the order the service documents, each only when set.

    With `stream_usage`, a stream asks for the closing usage chunk (OpenAI-style servers
    send it only when asked), unless `extra_query` sets `stream_options` itself.
    """
    body = {"model": uri, "messages": messages, "stream": stream, **config.wire_fragment()}
    if stream and stream_usage and "stream_options" not in body:
        body["stream_options"] = {"include_usage": True}
    return body
