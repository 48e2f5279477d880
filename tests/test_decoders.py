"""Bounded decoding of a body's content-encoding, and the body reader that keeps its limit."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest

from tests.helpers import TrackedStream
from ycloud_chat import APIResponseValidationError, ResponseTooLargeError
from ycloud_chat._deadline import Deadline
from ycloud_chat._decoders import PIECE, BodyDecoder, UndecodableBody
from ycloud_chat._exchange import Exchange

TEXT = b"the platypus lays eggs; " * 40_000


def decode(decoder: BodyDecoder, body: bytes, step: int) -> list[bytes]:
    pieces: list[bytes] = []
    for start in range(0, len(body), step):
        pieces += decoder.decode(body[start : start + step])
    return [*pieces, *decoder.flush()]


@pytest.mark.parametrize(
    ("encodings", "body"),
    [
        (["gzip"], gzip.compress(TEXT)),
        (["deflate"], zlib.compress(TEXT)),  # zlib-wrapped, as HTTP says
        (["deflate"], zlib.compress(TEXT)[2:-4]),  # raw, as some servers send
        (["gzip", "deflate"], zlib.compress(gzip.compress(TEXT))),
        (["identity"], TEXT),
        (["x-unknown"], TEXT),  # passed through, as httpx does
        ([], TEXT),
    ],
    # Named, not shown: a gzip body holds the time it was made, and pytest-xdist's workers
    # must collect the same test ids.
    ids=["gzip", "deflate", "raw-deflate", "gzip-deflate", "identity", "unknown", "none"],
)
@pytest.mark.parametrize("step", [1, 7, 4096, 10**9])
def test_every_split_decodes_in_small_pieces(encodings: list[str], body: bytes, step: int) -> None:
    pieces = decode(BodyDecoder(encodings), body, step)
    assert b"".join(pieces) == TEXT
    if body != TEXT:  # decompressed: never more than a piece at a time
        assert max(map(len, pieces)) <= PIECE


def test_a_bomb_comes_out_a_piece_at_a_time() -> None:
    bomb = gzip.compress(b"\0" * (64 << 20))  # 64 KiB that expand to 64 MiB
    pieces = BodyDecoder(["gzip"]).decode(bomb)
    first = next(pieces)
    assert len(first) == PIECE  # the rest is not decoded until asked for


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress"])
def test_compressions_the_sdk_never_asks_for_are_refused(encoding: str) -> None:
    with pytest.raises(UndecodableBody, match=f"'{encoding}', which the SDK did not ask for"):
        BodyDecoder(["gzip", encoding])


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_broken_body_is_undecodable(encoding: str) -> None:
    with pytest.raises(UndecodableBody, match=encoding):
        decode(BodyDecoder([encoding]), b"\x1f\x8b not really compressed", 100)


def unread(**headers: str) -> httpx.Response:
    """An answer whose body is still to be read, as the network gives one."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    return httpx.Response(200, headers=named, stream=TrackedStream([]))


def test_a_body_over_its_limit_stops_before_it_is_in_memory() -> None:
    exchange = Exchange(Deadline(None))
    body = exchange.body_reader(unread(content_encoding="gzip"), 1 << 20)
    with pytest.raises(ResponseTooLargeError, match=r"max_body_bytes \(1 MiB") as caught:
        body.add(gzip.compress(b"a" * (8 << 20)))
    assert caught.value.limit == 1 << 20
    assert caught.value.request_id == exchange.request_id


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    exchange = Exchange(Deadline(None))
    with pytest.raises(ResponseTooLargeError):
        exchange.body_reader(unread(content_length=str(2 << 20)), 1 << 20)


def test_a_body_within_its_limit_is_whole() -> None:
    exchange = Exchange(Deadline(None))
    body = exchange.body_reader(unread(content_encoding="gzip"), 1 << 20)
    compressed = gzip.compress(TEXT)
    for start in range(0, len(compressed), 1000):
        body.add(compressed[start : start + 1000])
    assert body.finish() == TEXT


def test_encoding_errors_are_the_sdks() -> None:
    exchange = Exchange(Deadline(None))
    with pytest.raises(APIResponseValidationError, match="did not ask for"):
        exchange.body_reader(unread(content_encoding="br"))


def test_an_answer_httpx_has_read_is_taken_as_decoded() -> None:
    exchange = Exchange(Deadline(None))
    read = httpx.Response(200, headers={"content-encoding": "br"}, content=b"as read")
    body = exchange.body_reader(read, 1 << 20)
    assert not body.raw
    body.add(read.content)
    assert body.finish() == b"as read"
