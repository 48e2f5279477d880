"""Content parts of multimodal messages: `text_part()` and `image_part()`, and their checks."""

from __future__ import annotations

import base64
import mimetypes
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypedDict

from ._exceptions import ConfigurationError, ConfigurationTypeError

__all__ = [
    "ImagePart",
    "TextPart",
    "check_image_detail",
    "check_image_url",
    "image_part",
    "text_part",
]

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"BM", 0, "image/bmp"),
)
_DETAILS = ("auto", "low", "high")
_DATA_URL_HEAD = re.compile(r"^data:image/[\w.+-]+;base64,$", re.IGNORECASE)
_URL_SCHEMES = ("http://", "https://")
_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|data:)", re.IGNORECASE)


class _ImageURL(TypedDict, total=False):
    url: str
    detail: Literal["auto", "low", "high"]


class ImagePart(TypedDict):
    """`{"type": "image_url", "image_url": {"url": ..., "detail"?: ...}}`."""

    type: Literal["image_url"]
    image_url: _ImageURL


class TextPart(TypedDict):
    """`{"type": "text", "text": ...}`."""

    type: Literal["text"]
    text: str


def text_part(text: str) -> TextPart:
    """A text part of a multimodal message."""
    if not isinstance(text, str):
        raise ConfigurationTypeError(f"a text part needs a str, got {type(text).__name__}")
    return {"type": "text", "text": text}


def image_part(
    source: bytes | bytearray | memoryview | str | os.PathLike[str],
    *,
    media_type: str | None = None,
    detail: Literal["auto", "low", "high"] | None = None,
) -> ImagePart:
    """An image part of a multimodal message, from bytes, a file or a URL.

    Bytes and files are sent inline as a base64 `data:` URL; the media type is read from the
    image's first bytes (PNG, JPEG, GIF, WebP, BMP), else from the file's extension, unless
    `media_type` gives it. An `http(s)://` or `data:` URL is sent as it is.

    Args:
        source: the image's bytes, a path to an image file, or a URL.
        media_type: the image's media type, such as `image/png`, when it cannot be guessed.
        detail: `"auto"`, `"low"` or `"high"`: how closely the model looks (OpenAI servers).
    """
    if detail is not None and detail not in _DETAILS:
        raise ConfigurationError(f'detail must be "auto", "low" or "high", got {detail!r}')
    if isinstance(source, str) and _URL.match(source):
        url = source
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        url = _data_url(data, media_type or _sniff(data), "the image bytes")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        data = path.read_bytes()
        guessed = _sniff(data) or mimetypes.guess_type(path.name)[0]
        url = _data_url(data, media_type or guessed, str(path))
    else:
        raise ConfigurationTypeError(
            f"an image part is made from bytes, a file path or a URL, got {type(source).__name__}"
        )
    check_image_url(url, "the image")
    image: _ImageURL = {"url": url}
    if detail is not None:
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}


def _sniff(data: bytes) -> str | None:
    for signature, offset, media_type in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return media_type
    return None


def _data_url(data: bytes, media_type: str | None, what: str) -> str:
    if not data:
        raise ConfigurationError(f"{what}: an image cannot be empty")
    if media_type is None:
        raise ConfigurationError(
            f"{what}: cannot tell the image's media type; pass media_type='image/...'"
        )
    if not media_type.startswith("image/"):
        raise ConfigurationError(f"{what}: media type {media_type!r} is not an image type")
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def check_image_url(url: Any, where: str) -> None:
    """Raise `ConfigurationError` unless `url` is an http(s) URL or a base64 image data URL."""
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"{where} has no URL")
    scheme = url[:8].lower()
    if scheme.startswith(_URL_SCHEMES):
        return
    if scheme.startswith("data:"):
        # Only the header is checked: decoding a large image on every request costs.
        head = url[: url.find(",") + 1]
        if not _DATA_URL_HEAD.match(head) or len(url) == len(head):
            raise ConfigurationError(
                f"{where} has a data URL that is not `data:image/<type>;base64,<data>`: "
                f"{url[:48]!r}"
            )
        return
    raise ConfigurationError(
        f"{where} must have an http(s):// or data: URL, got {url[:64]!r}"
        + (" (to send a file, use image_part(path))" if "://" not in url else "")
    )


def check_image_detail(image: Mapping[str, Any], where: str) -> None:
    """Raise `ConfigurationError` for a `detail` other than auto, low or high."""
    detail = image.get("detail")
    if detail is not None and detail not in _DETAILS:
        raise ConfigurationError(f'{where} has detail {detail!r}; use "auto", "low" or "high"')
