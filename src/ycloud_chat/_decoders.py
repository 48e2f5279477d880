"""Bounded decoding of a body's content-encoding: raw bytes in, small decoded pieces out.

httpx decodes a compressed body one network read at a time, however much that read expands
to, and a read of a few kilobytes can expand to many megabytes. The SDK reads the raw body and
decodes it here instead, never more than `PIECE` bytes at a time, so that a size limit is
checked on what the body decompresses to before that is in memory. The SDK asks for gzip and
deflate only (`ACCEPT_ENCODING`), and refuses another compression a server sends anyway.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

__all__ = ["ACCEPT_ENCODING", "PIECE", "BodyDecoder", "UndecodableBody"]

ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024
"""The most bytes one step of decoding gives out."""

# Compressions httpx knows (with optional packages) that the SDK never asks for.
_REFUSED = frozenset(("br", "zstd", "compress", "x-compress"))


class UndecodableBody(ValueError):
    """The body's content-encoding is broken, or is one the SDK did not ask for."""


class _Zlib:
    """gzip or deflate, given out `PIECE` bytes at a time."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._head = b""
        self._decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16) if encoding == "gzip" else None

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._decompressor is None:
            # HTTP's deflate is zlib-wrapped (RFC 1950), but some servers send it raw: the
            # first two bytes tell which.
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._decompressor = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            while data:
                piece = self._decompressor.decompress(data, PIECE)
                data = self._decompressor.unconsumed_tail
                if piece:
                    yield piece
        except zlib.error as exc:
            raise UndecodableBody(f"{self._encoding}: {exc}") from None

    def flush(self) -> bytes:
        # What is left once all input is in: at most the rest of one match (258 bytes).
        if self._decompressor is None:
            if self._head:
                raise UndecodableBody(f"{self._encoding}: the body is cut short")
            return b""
        try:
            return self._decompressor.flush()
        except zlib.error as exc:
            raise UndecodableBody(f"{self._encoding}: {exc}") from None


class BodyDecoder:
    """Decodes one body by its `Content-Encoding` values (in the order they were applied)."""

    def __init__(self, encodings: Sequence[str]) -> None:
        names = [name.strip().lower() for name in encodings if name.strip()]
        refused = [name for name in names if name in _REFUSED]
        if refused:
            raise UndecodableBody(
                f"the server used content-encoding {refused[0]!r}, which the SDK did not ask for"
            )
        # Unknown codings pass through, as httpx does; the last one applied is undone first.
        self._decoders = [_Zlib(name) for name in reversed(names) if name in ("gzip", "deflate")]

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next raw bytes, each at most `PIECE` bytes long."""
        return self._through(0, data) if self._decoders else iter((data,) if data else ())

    def flush(self) -> Iterator[bytes]:
        """The decoded pieces still held at the end of the body."""
        for position, decoder in enumerate(self._decoders):
            tail = decoder.flush()
            if tail:
                yield from self._through(position + 1, tail)

    def _through(self, position: int, data: bytes) -> Iterator[bytes]:
        if position == len(self._decoders):
            yield data
            return
        for piece in self._decoders[position].decode(data):
            yield from self._through(position + 1, piece)
