"""A sans-I/O server-sent-events decoder: feed it bytes as they arrive, get whole events out.

It follows the WHATWG event-stream rules that matter for chat APIs: lines end in LF, CRLF
or CR; `data:` lines of one event are joined with LF; a blank line dispatches the event;
comments (lines starting with `:`) are ignored; at the end of the stream an event without
its blank line is dropped, not dispatched. Bytes split anywhere, even inside a UTF-8
character or between CR and LF, decode to the same events, in time linear in the bytes
however they are split; an event larger than `max_event_bytes` is refused.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["EventTooLarge", "SSEDecoder", "ServerSentEvent"]


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


class EventTooLarge(Exception):
    """An event grew past the decoder's `max_event_bytes` (it is not kept)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"an event is larger than {limit} bytes")
        self.limit = limit


class SSEDecoder:
    """Incremental decoder: `feed(bytes)` returns the events completed by those bytes.

    Args:
        max_event_bytes: the largest event (its data and any unfinished line) the decoder
            holds; a larger one raises `EventTooLarge`. None: no limit.
    """

    def __init__(self, max_event_bytes: int | None = None) -> None:
        self.max_event_bytes = max_event_bytes
        # The unfinished last line, in the pieces it came in: joined once, when it ends.
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._held_cr = False  # the pending bytes end in CR, maybe the first half of a CRLF
        self._data: list[str] = []
        self._data_size = 0
        self._event = ""
        self._last_id: str | None = None
        self.dropped = False
        """Set by `close()`: True when the stream ended inside an event, which was dropped."""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add bytes and return the events they complete."""
        return self._feed(chunk, plain=False)

    def feed_data(self, chunk: bytes) -> list[ServerSentEvent | str]:
        """`feed()`, but a `message` event without an id comes out as its data alone, a str.

        That is nearly every event of a chat stream: the stream parser's short path.
        """
        return self._feed(chunk, plain=True)

    def _feed(self, chunk: bytes, plain: bool) -> list[Any]:
        if not self._held_cr and b"\n" not in chunk and b"\r" not in chunk:
            if chunk:  # no line ends here: keep the piece, copying nothing
                self._pending.append(chunk)
                self._pending_size += len(chunk)
                self._check_size()
            return []
        pending = self._pending
        if not pending:
            buffer = chunk
        elif len(pending) == 1:
            buffer = pending[0] + chunk
        else:
            buffer = b"".join([*pending, chunk])
        # A trailing CR may be the first half of a CRLF: hold it back until the next feed.
        held_cr = buffer.endswith(b"\r")
        if held_cr:
            buffer = buffer[:-1]
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = buffer.rfind(b"\n") + 1
        rest = buffer[end:]
        self._pending = [rest, b"\r"] if held_cr else [rest] if rest else []
        self._pending_size = len(rest) + held_cr
        self._held_cr = held_cr
        if not end:
            self._check_size()
            return []
        # Whole lines only, so no UTF-8 character is cut: decoding them at once is exact.
        text = buffer[:end].decode("utf-8", errors="replace")
        if self._data or self._event:  # an event is half read: finish it line by line
            events = self._decode_lines(text.split("\n")[:-1])
        else:
            whole, _, tail = text.rpartition("\n\n")
            events = self._decode_events(whole, plain) if whole else []
            if tail:
                events += self._decode_lines(tail.split("\n")[:-1])
        self._check_size()
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: return what a last CR completes; drop an unfinished event.

        As the SSE rules say, an event whose blank line never came (data lines, or a last
        line that is not a comment) is not dispatched; `dropped` tells whether there was one.
        """
        line = b"".join(self._pending)
        events = []
        if self._held_cr:  # a CR at the very end ends its line
            events = self._decode_lines([line[:-1].decode("utf-8", errors="replace")])
            line = b""
        self.dropped = bool(self._data) or (bool(line) and not line.startswith(b":"))
        self._pending = []
        self._pending_size = 0
        self._held_cr = False
        self._data = []
        self._data_size = 0
        self._event = ""
        return events

    def _check_size(self) -> None:
        limit = self.max_event_bytes
        if limit is not None and self._pending_size + self._data_size > limit:
            self._overflow(limit)

    def _overflow(self, limit: int) -> NoReturn:
        self._pending = []
        self._data = []
        raise EventTooLarge(limit)

    def _decode_events(self, text: str, plain: bool) -> list[Any]:
        """Whole events, each ended by a blank line, when none is half read before them."""
        events: list[Any] = []
        limit = self.max_event_bytes
        plain = plain and self._last_id is None
        for block in text.split("\n\n"):
            if block.startswith("data: ") and "\n" not in block:  # the usual one-line event
                if limit is not None and len(block) - 6 > limit:
                    raise EventTooLarge(limit)
                data = block[6:]
                events.append(data if plain else ServerSentEvent(data, "message", self._last_id))
            else:
                events += self._decode_lines([*block.split("\n"), ""])
        return events

    def _decode_lines(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        for line in lines:
            if line.startswith("data: "):  # the usual line first, with the fewest checks
                self._add_data(line[6:])
            elif not line:
                if self._data:
                    event = ServerSentEvent(
                        "\n".join(self._data), self._event or "message", self._last_id
                    )
                    events.append(event)
                    self._data.clear()
                    self._data_size = 0
                self._event = ""
            else:
                self._field(line)
        return events

    def _add_data(self, value: str) -> None:
        self._data.append(value)
        self._data_size += len(value) + 1
        limit = self.max_event_bytes
        if limit is not None and self._data_size > limit:
            self._overflow(limit)

    def _field(self, line: str) -> None:
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._add_data(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
