"""Pure request builders: model URIs, headers and the JSON body, from config and messages."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._arguments import is_printable_header_value
from ._auth import BaseAuth
from ._constants import AI_STUDIO_HOST, HEADER_CLIENT_REQUEST_ID, USER_AGENT
from ._decoders import ACCEPT_ENCODING
from ._exceptions import (
    ConfigurationError,
    ConfigurationTypeError,
    CredentialsError,
    InvalidMessageError,
)

if TYPE_CHECKING:
    from .types.config import ChatModelConfig
    from .types.embeddings import ChatEmbeddingsModelConfig

__all__ = [
    "build_chat_body",
    "build_embeddings_body",
    "build_headers",
    "coerce_texts",
    "encode_body",
    "is_ai_studio",
    "model_uri",
    "new_request_id",
    "redacted_headers",
]


def is_ai_studio(base_url: str) -> bool:
    """True when the base URL points at Yandex AI Studio (API keys use the Api-Key scheme)."""
    return urlsplit(base_url).hostname == AI_STUDIO_HOST


def model_uri(
    name: str, version: str, folder_id: str | None, *, ai_studio: bool, scheme: str = "gpt"
) -> str:
    """Build `<scheme>://<folder>/<name>/<version>`; a name containing `://` is used verbatim.

    The scheme is `gpt` for chat models and `emb` for embedding models. Without a folder, an
    OpenAI-compatible server gets the bare name; AI Studio needs one.
    """
    for argument, value in (("model_name", name), ("model_version", version)):
        if not isinstance(value, str):
            raise ConfigurationTypeError(f"{argument} must be a non-empty str, got {value!r}")
        if not value.strip():
            raise ConfigurationError(f"{argument} must be a non-empty str, got {value!r}")
        if not _encodable(value):
            raise ConfigurationError(f"{argument} {_UNENCODABLE}: {value!r}")
    name = name.strip()
    if "://" in name:
        return name
    if folder_id:
        return f"{scheme}://{folder_id}/{name}/{version.strip()}"
    if ai_studio:
        raise CredentialsError(
            f"the model {name!r} needs a folder: pass folder_id= or set YC_FOLDER_ID "
            f"(or give a full {scheme}:// URI)"
        )
    return name


def new_request_id() -> str:
    """A fresh `x-client-request-id` for one call (kept across its retries): a UUID4.

    What `str(uuid.uuid4())` gives, from the same random bytes, without the UUID object.
    """
    digits = os.urandom(16).hex()
    return (
        f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-"
        f"{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"
    )


# The first digit of a UUID's fourth group holds its variant (RFC 4122: binary 10xx).
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def build_headers(
    auth: BaseAuth,
    request_id: str,
    default_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Headers for one call: User-Agent, request id, caller defaults, then Authorization.

    `Accept-Encoding` asks for what the SDK decodes within its size limits, whatever the
    client would offer by itself.
    """
    headers = {
        "User-Agent": USER_AGENT,
        HEADER_CLIENT_REQUEST_ID: request_id,
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    if default_headers:
        headers.update(default_headers)
    authorization = auth.authorization()
    if authorization is not None:
        if not isinstance(authorization, str) or not is_printable_header_value(authorization):
            # Checked here too because a custom BaseAuth is not checked when it is made.
            raise CredentialsError(
                f"{type(auth).__name__} gave an Authorization value that cannot be sent "
                "in an HTTP header (it must be printable ASCII, without line breaks)"
            )
        headers["Authorization"] = authorization
    return headers


# Header names whose values are, or may be, credentials: never logged as they are.
_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "password", "signature")


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers for a log line: a credential keeps only its scheme (`Bearer <redacted>`)."""
    shown = {}
    for name, value in headers.items():
        if any(word in name.lower() for word in _SECRET_HEADER_WORDS):
            scheme, _, rest = value.partition(" ")
            named = rest and scheme.replace("-", "").isalpha()  # Bearer, Api-Key
            value = f"{scheme} <redacted>" if named else "<redacted>"
        shown[name] = value
    return shown


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


def coerce_texts(texts: Any) -> list[str]:
    """Check the texts to embed: one str, or an iterable of them; return them as a list.

    Every text must be a non-empty str (servers refuse empty ones); an error names the index
    of the first bad one, before any request.
    """
    if isinstance(texts, str):
        items = [texts]
    elif isinstance(texts, (bytes, bytearray, Mapping)) or not isinstance(texts, Iterable):
        raise ConfigurationTypeError(
            f"input must be a str or a sequence of str, got {type(texts).__name__}"
        )
    else:
        items = list(texts)
    if not items:
        raise ConfigurationError("input is empty: give at least one text to embed")
    for index, text in enumerate(items):
        if not isinstance(text, str):
            raise ConfigurationTypeError(
                f"input[{index}] is a {type(text).__name__}; every text to embed is a str"
            )
        if not text:
            raise ConfigurationError(f"input[{index}] is an empty str; a text to embed has text")
    return items


def build_embeddings_body(
    uri: str, texts: list[str], config: ChatEmbeddingsModelConfig
) -> dict[str, Any]:
    """The embeddings body: the model, the texts (always a list), then the config's keys."""
    return {"model": uri, "input": texts, **config.wire_fragment()}


# One encoder for every body, not one made by `json.dumps` per request.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def encode_body(body: Mapping[str, Any], extra_keys: Collection[str] = ()) -> bytes:
    """The JSON body as httpx sends it (compact UTF-8), or an error naming what cannot be sent.

    UTF-8 cannot encode a lone surrogate (left by a broken decode, or by slicing an emoji in
    half): `InvalidMessageError` names the message that holds one, `ConfigurationError` the
    text to embed or the setting (`extra_keys` are those that came from `extra_query`).
    """
    try:
        return _encode(body).encode("utf-8")
    except UnicodeEncodeError:
        raise _unencodable(body, extra_keys) from None


_UNENCODABLE = "has text that cannot be encoded as UTF-8 (a lone surrogate, such as half an emoji)"


def _unencodable(body: Mapping[str, Any], extra_keys: Collection[str]) -> ConfigurationError:
    for index, message in enumerate(body.get("messages") or ()):
        if not _encodable(message):
            return InvalidMessageError(f"message {index} {_UNENCODABLE}")
    for index, text in enumerate(body.get("input") or ()):
        if not _encodable(text):
            return ConfigurationError(f"input[{index}] {_UNENCODABLE}")
    bad = next((key for key, value in body.items() if not _encodable(value)), "?")
    where = f"extra_query[{bad!r}]" if bad in extra_keys else bad
    return ConfigurationError(f"{where} {_UNENCODABLE}")


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
