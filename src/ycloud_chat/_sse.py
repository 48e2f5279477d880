"""A sans-I/O server-sent-events decoder: feed it bytes as they arrive, get whole events out.

It follows the WHATWG event-stream rules that matter for chat APIs: lines end in LF, CRLF
or CR; `data:` lines of one event are joined with LF; a blank line dispatches the event;
comments (lines starting with `:`) are ignored. Bytes split anywhere, even inside a UTF-8
character or between CR and LF, decode to the same events.
"""

from __future__ import annotations

__all__ = ["SSEDecoder", "ServerSentEvent"]


class ServerSentEvent:
    """One dispatched event: its type (default `message`), data, and id."""

    __slots__ = ("data", "event", "id")

    def __init__(self, data: str, event: str = "message", id: str | None = None) -> None:
        self.data = data
        self.event = event
        self.id = id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.data, self.event, self.id) == (other.data, other.event, other.id)

    def __repr__(self) -> str:
        return f"ServerSentEvent(data={self.data!r}, event={self.event!r}, id={self.id!r})"


class SSEDecoder:
    """Incremental decoder: `feed(bytes)` returns the events completed by those bytes."""

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add bytes and return the events they complete."""
        buffer = self._buffer + chunk if self._buffer else chunk
        # A trailing CR may be the first half of a CRLF: hold it back until the next feed.
        held_cr = buffer.endswith(b"\r")
        if held_cr:
            buffer = buffer[:-1]
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = buffer.rfind(b"\n") + 1
        rest = buffer[end:]
        self._buffer = rest + b"\r" if held_cr else rest
        if not end:
            return []
        # Whole lines only, so no UTF-8 character is cut: decoding them at once is exact.
        text = buffer[:end].decode("utf-8", errors="replace")
        if self._data or self._event:  # an event is half read: finish it line by line
            return self._decode_lines(text.split("\n")[:-1])
        whole, _, tail = text.rpartition("\n\n")
        events = self._decode_events(whole) if whole else []
        if tail:
            events += self._decode_lines(tail.split("\n")[:-1])
        return events

    def close(self) -> list[ServerSentEvent]:
        """Flush at end of stream: a last event without its blank line is still dispatched."""
        tail = self._buffer.rstrip(b"\r").decode("utf-8", errors="replace")
        self._buffer = b""
        return self._decode_lines([tail, ""] if tail else [""])

    def _decode_events(self, text: str) -> list[ServerSentEvent]:
        """Whole events, each ended by a blank line, when none is half read before them."""
        events: list[ServerSentEvent] = []
        for block in text.split("\n\n"):
            if block.startswith("data: ") and "\n" not in block:  # the usual one-line event
                events.append(ServerSentEvent(block[6:], "message", self._last_id))
            else:
                events += self._decode_lines([*block.split("\n"), ""])
        return events

    def _decode_lines(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if line.startswith("data: "):  # the usual line first, with the fewest checks
                data.append(line[6:])
            elif not line:
                if data:
                    event = ServerSentEvent(
                        "\n".join(data), self._event or "message", self._last_id
                    )
                    events.append(event)
                    data.clear()
                self._event = ""
            else:
                self._field(line)
        return events

    def _field(self, line: str) -> None:
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
