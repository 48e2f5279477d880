"""Multimodal content without a network: `image_part`, `text_part` and message checks."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ycloud_chat import ConfigurationError, InvalidMessageError, image_part, text_part
from ycloud_chat._content import check_image_url
from ycloud_chat._messages import coerce_messages

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF87 = b"GIF87a" + b"\x00" * 16
GIF89 = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16
BMP = b"BM" + b"\x00" * 16
UNKNOWN = b"\x00\x01\x02\x03 not an image"
PNG_URL = "data:image/png;base64,iVBORw0KGgo="


def url_of(part: Any) -> str:
    url: str = part["image_url"]["url"]
    return url


def decoded(url: str) -> tuple[str, bytes]:
    head, data = url.split(",", 1)
    return head, base64.b64decode(data)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (GIF87, "image/gif"),
        (GIF89, "image/gif"),
        (WEBP, "image/webp"),
        (BMP, "image/bmp"),
    ],
)
def test_image_part_from_bytes_sniffs_the_media_type(data: bytes, media_type: str) -> None:
    part = image_part(data)
    assert part["type"] == "image_url"
    assert list(part["image_url"]) == ["url"]
    assert decoded(url_of(part)) == (f"data:{media_type};base64", data)


def test_image_part_accepts_bytearray_and_memoryview() -> None:
    # The annotation says bytes; bytearray and memoryview work as well.
    from_bytearray = image_part(bytearray(PNG))
    from_memoryview = image_part(memoryview(PNG))
    assert url_of(from_bytearray) == url_of(from_memoryview) == url_of(image_part(PNG))


def test_image_part_from_a_file_sniffs_the_content(tmp_path: Path) -> None:
    path = tmp_path / "picture.bin"
    path.write_bytes(JPEG)
    assert decoded(url_of(image_part(path))) == ("data:image/jpeg;base64", JPEG)
    assert decoded(url_of(image_part(str(path)))) == ("data:image/jpeg;base64", JPEG)


def test_the_content_wins_over_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "really-a-png.jpg"
    path.write_bytes(PNG)
    assert url_of(image_part(path)).startswith("data:image/png;base64,")


def test_image_part_from_a_file_falls_back_to_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "drawing.svg"
    path.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    head, data = decoded(url_of(image_part(path)))
    assert head == "data:image/svg+xml;base64"
    assert data == path.read_bytes()


def test_a_file_with_an_unknown_type_needs_media_type(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(UNKNOWN)
    with pytest.raises(ConfigurationError, match="cannot tell the image's media type") as info:
        image_part(path)
    assert str(path) in str(info.value)
    assert url_of(image_part(path, media_type="image/x-raw")).startswith("data:image/x-raw;")


def test_a_file_whose_extension_is_not_an_image_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    with pytest.raises(ConfigurationError, match="'text/plain' is not an image type"):
        image_part(path)


def test_an_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ConfigurationError, match="an image cannot be empty"):
        image_part(path)


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "missing.png"
    with pytest.raises(OSError, match=r"missing\.png"):
        image_part(path)


def test_media_type_overrides_the_sniffed_one() -> None:
    assert url_of(image_part(PNG, media_type="image/apng")).startswith("data:image/apng;base64,")


@pytest.mark.parametrize("media_type", ["text/plain", "application/octet-stream", "png"])
def test_a_non_image_media_type_is_rejected(media_type: str) -> None:
    with pytest.raises(ConfigurationError, match="is not an image type"):
        image_part(PNG, media_type=media_type)


def test_unknown_bytes_without_media_type_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match=r"the image bytes: cannot tell.*media_type="):
        image_part(UNKNOWN)


def test_empty_bytes_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="an image cannot be empty"):
        image_part(b"")
    with pytest.raises(ConfigurationError, match="an image cannot be empty"):
        image_part(b"", media_type="image/png")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/cat.png",
        "http://example.com/cat.png?size=large",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/svg+xml;base64,PHN2Zy8+",
    ],
)
def test_urls_are_passed_through(url: str) -> None:
    assert image_part(url) == {"type": "image_url", "image_url": {"url": url}}
    assert image_part(url, detail="high")["image_url"] == {"url": url, "detail": "high"}


@pytest.mark.parametrize(
    "url",
    [
        "data:text/plain;base64,aGVsbG8=",
        "data:image/png,rawbytes",
        "data:image/png;base64,",
        "data:;base64,AAAA",
    ],
)
def test_a_bad_data_url_is_rejected(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"data URL that is not `data:image/<type>;base64"):
        image_part(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/cat.png", "file:///tmp/cat.png", "s3://bucket/cat.png"]
)
def test_image_part_rejects_other_url_schemes(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"http\(s\):// or data: URL"):
        image_part(url)


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("ftp://example.com/cat.png", False),
        ("/home/me/cat.png", True),
        ("cat.png", True),
    ],
)
def test_check_image_url_rejects_other_schemes_with_a_hint(url: str, hint: bool) -> None:
    with pytest.raises(ConfigurationError, match=r"the picture must have an http\(s\)://") as info:
        check_image_url(url, "the picture")
    assert ("use image_part(path)" in str(info.value)) is hint


@pytest.mark.parametrize("url", [None, "", 5])
def test_check_image_url_needs_a_url(url: Any) -> None:
    with pytest.raises(ConfigurationError, match="the picture has no URL"):
        check_image_url(url, "the picture")


@pytest.mark.parametrize("detail", ["auto", "low", "high"])
def test_detail(detail: Any) -> None:
    assert image_part(PNG, detail=detail)["image_url"]["detail"] == detail


@pytest.mark.parametrize("detail", ["medium", "HIGH", "", 1])
def test_a_bad_detail_is_rejected(detail: Any) -> None:
    with pytest.raises(ConfigurationError, match=r'detail must be "auto", "low" or "high"'):
        image_part(PNG, detail=detail)


@pytest.mark.parametrize("source", [5, None, ["a.png"]])
def test_image_part_needs_bytes_a_path_or_a_url(source: Any) -> None:
    with pytest.raises(ConfigurationError, match="made from bytes, a file path or a URL"):
        image_part(source)


def test_text_part() -> None:
    assert text_part("hello") == {"type": "text", "text": "hello"}
    assert text_part("") == {"type": "text", "text": ""}
    with pytest.raises(ConfigurationError, match="a text part needs a str, got bytes"):
        text_part(b"hello")  # type: ignore[arg-type]


# --- multimodal messages ------------------------------------------------------------------


def user(*parts: Any, role: str = "user") -> dict[str, Any]:
    return {"role": role, "content": list(parts)}


def test_an_image_in_a_user_message_is_accepted() -> None:
    parts = [text_part("What is this?"), image_part(PNG, detail="low")]
    assert coerce_messages([user(*parts)]) == [{"role": "user", "content": parts}]
    # a dict without a role is a user message; "text" holds the parts as well as "content"
    assert coerce_messages({"text": parts}) == [{"role": "user", "content": parts}]


def test_a_url_image_and_a_bare_url_string_are_accepted() -> None:
    bare = {"type": "image_url", "image_url": "https://example.com/cat.png"}
    assert coerce_messages(user(bare))[0]["content"] == [bare]


@pytest.mark.parametrize("role", ["assistant", "system"])
def test_an_image_outside_a_user_message_is_rejected(role: str) -> None:
    with pytest.raises(
        InvalidMessageError, match=r"messages\[1\]\['content'\]\[1\] is an image in a"
    ):
        coerce_messages(["hi", user(text_part("see"), image_part(PNG), role=role)])


def test_text_parts_outside_user_messages_are_fine() -> None:
    message = user(text_part("Be brief."), role="system")
    assert coerce_messages(message) == [message]


@pytest.mark.parametrize(
    ("part", "match"),
    [
        (
            {"type": "image_url", "image_url": {"url": "ftp://example.com/cat.png"}},
            r"must have an http\(s\):// or data: URL",
        ),
        (
            {"type": "image_url", "image_url": {"url": "cat.png"}},
            r"use image_part\(path\)",
        ),
        (
            {"type": "image_url", "image_url": {"url": "data:text/plain;base64,aGk="}},
            "data URL that is not",
        ),
        (
            {"type": "image_url", "image_url": {"url": PNG_URL, "detail": "ultra"}},
            "has detail 'ultra'",
        ),
        ({"type": "image_url", "image_url": {}}, "image part without"),
        ({"type": "image_url"}, "image part without"),
        ({"type": "text", "text": 5}, 'text part without a str "text"'),
        ({"type": "audio", "audio": "..."}, r'must be a \{"type": "text"\}'),
        ("just a string", r'must be a \{"type": "text"\}'),
    ],
)
def test_bad_parts_name_their_place(part: Any, match: str) -> None:
    messages = ["hello", user(text_part("look"), part)]
    with pytest.raises(InvalidMessageError, match=match) as info:
        coerce_messages(messages)
    assert isinstance(info.value, ConfigurationError)
    assert str(info.value).startswith("messages[1]['content'][1]")


def test_an_empty_parts_list_is_rejected() -> None:
    with pytest.raises(InvalidMessageError, match=r"messages\[0\]\['content'\] is an empty list"):
        coerce_messages([user()])
