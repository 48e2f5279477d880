"""A stream's common chunk as text: every byte of it but its one piece, read without parsing.

Chunk after chunk, a server sends the same JSON with only the new piece changed: a piece of
content, or of a tool call's arguments. A chunk that is the template's prefix, then one JSON
string, then its suffix, is the template's chunk with that string as its piece, exactly: the
piece is read off the text, and the rest need not be parsed. A template is made from a chunk
already parsed, and only when the string between prefix and suffix is proven to be the
piece: two probes put there parse to the chunk with each probe as its piece.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import from_json

__all__ = ["ChunkTemplate"]

_PROBES = ("a", "b")


class ChunkTemplate:
    """The text of a chunk around its piece: `piece(data)` reads another chunk's piece."""

    __slots__ = ("_prefix", "_start", "_suffix", "_suffix_size")

    def __init__(self, prefix: str, suffix: str) -> None:
        self._prefix = prefix
        self._suffix = suffix
        self._start = len(prefix)
        self._suffix_size = len(suffix)

    @classmethod
    def of(
        cls, data: str, key: str, with_piece: Callable[[str], dict[str, Any]]
    ) -> ChunkTemplate | None:
        """The template of `data`, whose piece is the string of its one `key`, or None.

        `with_piece(probe)` is the chunk `data` parses to with `probe` as its piece.
        """
        quoted = f'"{key}":'
        found = data.find(quoted)
        if found < 0 or data.find(quoted, found + 1) >= 0:
            return None  # which one holds the piece is not told by the text alone
        start = found + len(quoted)
        while data[start : start + 1] in (" ", "\t", "\r", "\n"):
            start += 1
        end = _string_end(data, start)
        if end is None:
            return None
        template = cls(data[:start], data[end:])
        for probe in _PROBES:
            try:
                if from_json(f'{template._prefix}"{probe}"{template._suffix}') != with_piece(probe):
                    return None
            except ValueError:
                return None
        return template

    def piece(self, data: str) -> str | None:
        """The piece of a chunk that fits the template (never empty), else None."""
        if not (data.startswith(self._prefix) and data.endswith(self._suffix)):
            return None
        # Empty, or shorter than its quotes, where prefix and suffix overlap.
        literal = data[self._start : len(data) - self._suffix_size]
        if len(literal) < 3 or literal[0] != '"' or literal[-1] != '"':
            return None
        text = literal[1:-1]
        if '"' in text or "\\" in text or not text.isprintable():
            # Escapes, or characters JSON may not hold raw: the string parsed on its own
            # (`from_json` refuses a raw control character, and anything after the string).
            try:
                text = from_json(literal)
            except ValueError:
                return None
            if type(text) is not str or not text:
                return None
        return text


def _string_end(data: str, start: int) -> int | None:
    """Where the JSON string opening at `start` ends (past its closing quote), or None."""
    if data[start : start + 1] != '"':
        return None
    position = start + 1
    while True:
        quote = data.find('"', position)
        if quote < 0:
            return None
        escapes = data[position:quote]
        if (len(escapes) - len(escapes.rstrip("\\"))) % 2 == 0:
            return quote + 1
        position = quote + 1
