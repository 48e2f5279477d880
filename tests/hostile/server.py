"""A hostile HTTP/1.1 server on 127.0.0.1: raw asyncio, every byte written by a script.

The server runs an event loop of its own in a thread of its own, so that the sync face,
asyncio and trio are tried against the same thing. Each request is answered by the planned
`Script`: it writes the status line, the headers and the body itself, byte by byte when it
wants, and may trickle, stall, lie about the framing, compress a bomb or hang up.

Every connection is watched until the client closes it: `open_sockets()` says how many the
client has left open. Nothing runs for ever: a connection the client never closes is
dropped after `connection_lifetime` (and counted as left open), every loop of a script ends
when the client hangs up, and the server stops with its context or after `lifetime`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.faults.server import Received as Request
from tests.faults.server import parse_head
from tests.helpers import chunk, completion

MiB = 1 << 20
WRITE_SIZE = 64 * 1024


class Peer:
    """One accepted connection, seen from the server: read requests, write bytes, hang up."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buffer = b""
        self.gone = False
        """True once the client closed (or reset) the connection."""

    async def read_request(self) -> Request | None:
        """The next request on this connection, or None once the client closed it."""
        while b"\r\n\r\n" not in self.buffer:
            if not await self._receive():
                return None
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        method, path, headers = parse_head(head)
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not await self._receive():
                return None
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Request(method, path, headers, body)

    async def _receive(self) -> bool:
        """Read what the client sent into the buffer; False once it closed the connection."""
        try:
            data = await self.reader.read(65536)
        except OSError:
            data = b""
        if not data:
            self.gone = True
            return False
        self.buffer += data
        return True

    async def send(self, data: bytes) -> bool:
        """Write the bytes (small ones in one packet); False when the client is gone.

        Large data goes out `WRITE_SIZE` bytes at a time, so that the server's own buffers stay
        small: a test measures the memory of the whole process.
        """
        view = memoryview(data)
        try:
            for start in range(0, len(data), WRITE_SIZE):
                if self.gone:
                    break
                self.writer.write(view[start : start + WRITE_SIZE])
                await self.writer.drain()
        except OSError:
            self.gone = True
        return not self.gone

    async def trickle(self, data: bytes, every: float) -> bool:
        """Write the bytes one at a time, `every` seconds apart; False when the client is gone."""
        for index in range(len(data)):
            if not await self.send(data[index : index + 1]) or not await self.pause(every):
                return False
        return True

    async def pause(self, seconds: float) -> bool:
        """Wait; False as soon as the client hangs up meanwhile."""
        deadline = time.monotonic() + seconds
        while not self.gone:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._receive(), left)
        return False

    def finish(self) -> None:
        """Half-close: send a FIN (the end of a body framed by the connection's close)."""
        if not self.gone and self.writer.can_write_eof():
            with contextlib.suppress(OSError):
                self.writer.write_eof()

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        sock = self.writer.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.gone = True


# What a script does with one request: write its answer; True keeps the connection for the
# next request, False ends it (the server then half-closes and waits for the client's close).
Act = Callable[[Peer, Request], Awaitable[bool]]


@dataclass
class Script:
    """One planned behaviour: its name (for the tally), what it does, and what it needs made.

    `prepare` makes the script's large bodies when it is planned, before a test measures.
    """

    name: str
    act: Act
    prepare: Callable[[], object] | None = None


class HostileServer:
    """The server: `plan(script)`, point the SDK at `base_url`, then read what it saw."""

    def __init__(self, *, lifetime: float = 120.0, connection_lifetime: float = 20.0) -> None:
        self.lifetime = lifetime
        self.connection_lifetime = connection_lifetime
        self.requests: list[Request] = []
        self.connections = 0
        """Connections accepted since the last `plan()`."""
        self.abandoned = 0
        """Connections the client never closed, dropped at `connection_lifetime`."""
        self.port = 0
        self._open = 0
        self._script = whole_answers()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)

    @property
    def base_url(self) -> str:
        """The API root to give the SDK."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended by itself
                self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def plan(self, script: Script) -> None:
        """Answer the next requests with this script."""
        if script.prepare is not None:
            script.prepare()
        with self._lock:
            self._script = script
            self.requests.clear()
            self.connections = 0

    def open_sockets(self, wait: float = 15.0) -> int:
        """How many connections the client has not closed, once `wait` seconds gave it time."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with self._lock:
                if not self._open:
                    break
            time.sleep(0.01)
        with self._lock:
            return self._open + self.abandoned

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.lifetime)
        server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = Peer(reader, writer)
        with self._lock:
            self.connections += 1
            self._open += 1
        try:
            await asyncio.wait_for(self._serve(peer), self.connection_lifetime)
        except asyncio.TimeoutError:
            with self._lock:
                self.abandoned += 1
        except (OSError, asyncio.CancelledError):
            pass  # the client reset the connection mid-answer, or the server is stopping
        finally:
            with self._lock:
                self._open -= 1
            writer.close()
            self._tasks.discard(task)

    async def _serve(self, peer: Peer) -> None:
        while True:
            request = await peer.read_request()
            if request is None:
                return  # the client closed the connection
            with self._lock:
                self.requests.append(request)
                script = self._script
            if not await script.act(peer, request):
                break
        # The script ended the exchange: say so, and wait for the client to close its side.
        peer.finish()
        while await peer._receive():
            pass


# Framing.


def head(status: int = 200, **headers: str) -> bytes:
    """A status line and headers (`content_type="..."` is sent as `content-type`)."""
    lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Status'}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


SSE_CHUNKED = head(content_type="text/event-stream", transfer_encoding="chunked")
SSE_UNTIL_CLOSE = head(content_type="text/event-stream")  # the body ends when the server closes
LAST_CHUNK = b"0\r\n\r\n"


def framed(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def event(payload: Any) -> bytes:
    """One SSE event; dicts are JSON-encoded, strings sent as they are."""
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


CONTENT = [event(chunk("Hel")), event(chunk("lo"))]
FINISHED = [*CONTENT, event(chunk(" there")), event(chunk(finish_reason="stop"))]
DONE = event("[DONE]")
EMPTY_CHUNK = b'data: {"choices":[]}\n\n'


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


@functools.cache
def bomb(kind: str, encoding: str, expanded: int) -> bytes:
    """A compressed body that expands to `expanded` bytes: a JSON text, one SSE line or blank lines.

    `encoding` is `gzip` or `deflate` (zlib-wrapped, as HTTP's deflate is).
    """
    prefix, filler = {
        "json": (b'{"choices": [{"message": {"content": "', b"a"),
        "line": (b"data: ", b"x"),
        "newlines": (b"", b"\n"),
    }[kind]
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    parts = [compressor.compress(prefix)]
    block = filler * MiB
    parts += [compressor.compress(block) for _ in range(expanded // MiB)]
    parts.append(compressor.flush())
    return b"".join(parts)


# The scripts. Each returns a `Script`; their names are what the tally counts.


def whole_answers() -> Script:
    """A normal answer, kept alive: a JSON completion, or a whole event stream if asked."""

    async def act(peer: Peer, request: Request) -> bool:
        if json.loads(request.body or b"{}").get("stream"):
            return await peer.send(SSE_CHUNKED + framed(b"".join([*FINISHED, DONE])) + LAST_CHUNK)
        return await peer.send(_answer(_json(completion("hello"))))

    return Script("whole_answers", act)


def _answer(body: bytes, content_type: str = "application/json") -> bytes:
    return head(content_type=content_type, content_length=str(len(body))) + body


def keepalive_comments(every: float, first_after: float | None = None) -> Script:
    """An event stream of `: keepalive` comments, for ever; one content event at `first_after`."""

    async def act(peer: Peer, request: Request) -> bool:
        started = time.monotonic()
        pending = first_after is not None
        if not await peer.send(SSE_CHUNKED):
            return False
        while await peer.send(framed(b": keepalive\n\n")) and await peer.pause(every):
            if pending and first_after is not None and time.monotonic() - started >= first_after:
                pending = False
                await peer.send(framed(CONTENT[0]))
        return False

    return Script("keepalive_comments", act)


def empty_events(every: float) -> Script:
    """An event stream of `data: {"choices":[]}` events that carry nothing, for ever."""

    async def act(peer: Peer, request: Request) -> bool:
        if not await peer.send(SSE_CHUNKED):
            return False
        while await peer.send(framed(EMPTY_CHUNK)) and await peer.pause(every):
            pass
        return False

    return Script("empty_events", act)


def trickled_event(every: float) -> Script:
    """An event stream whose first event comes one byte at a time."""

    async def act(peer: Peer, request: Request) -> bool:
        if await peer.send(SSE_UNTIL_CLOSE):
            await peer.trickle(CONTENT[0] * 50, every)
        return False

    return Script("trickled_event", act)


def trickled_head(every: float) -> Script:
    """The status line and headers, one byte at a time."""

    async def act(peer: Peer, request: Request) -> bool:
        await peer.trickle(head(content_type="application/json", x_padding="p" * 400), every)
        return False

    return Script("trickled_head", act)


def unfinished_stream(ending: str) -> Script:
    """Two content events, then the body ends: `close` (FIN) or `chunked` (the last chunk)."""

    async def act(peer: Peer, request: Request) -> bool:
        if ending == "close":
            await peer.send(SSE_UNTIL_CLOSE + b"".join(CONTENT))
            return False
        return await peer.send(SSE_CHUNKED + framed(b"".join(CONTENT)) + LAST_CHUNK)

    return Script(f"unfinished_stream_{ending}", act)


def cut_inside_event(ending: str) -> Script:
    """One content event and half of the next, then the body ends (`close` or `chunked`)."""
    half = CONTENT[1][: len(CONTENT[1]) // 2]

    async def act(peer: Peer, request: Request) -> bool:
        if ending == "close":
            await peer.send(SSE_UNTIL_CLOSE + CONTENT[0] + half)
            return False
        return await peer.send(SSE_CHUNKED + framed(CONTENT[0] + half) + LAST_CHUNK)

    return Script(f"cut_inside_event_{ending}", act)


def finished_without_done() -> Script:
    """A whole answer whose every choice finished, but no `[DONE]`: complete all the same."""

    async def act(peer: Peer, request: Request) -> bool:
        return await peer.send(SSE_CHUNKED + framed(b"".join(FINISHED)) + LAST_CHUNK)

    return Script("finished_without_done", act)


def empty_event_stream() -> Script:
    """`200 text/event-stream` with an empty body."""

    async def act(peer: Peer, request: Request) -> bool:
        return await peer.send(head(content_type="text/event-stream", content_length="0"))

    return Script("empty_event_stream", act)


def json_without_content_type() -> Script:
    """A JSON completion with no content type, whatever was asked."""

    async def act(peer: Peer, request: Request) -> bool:
        body = _json(completion("not a stream"))
        return await peer.send(head(content_length=str(len(body))) + body)

    return Script("json_without_content_type", act)


def compressed_bomb(kind: str, encoding: str, expanded: int = 256 * MiB) -> Script:
    """A small compressed body that expands to `expanded` bytes (see `bomb`)."""
    content_type = "application/json" if kind == "json" else "text/event-stream"

    def prepare() -> bytes:
        body = bomb(kind, encoding, expanded)  # made once, when first planned
        length = str(len(body))
        return head(content_type=content_type, content_encoding=encoding, content_length=length)

    async def act(peer: Peer, request: Request) -> bool:
        return await peer.send(prepare() + bomb(kind, encoding, expanded))

    return Script(f"{encoding}_bomb_{kind}", act, prepare)


def endless_line(total: int, piece: int = 256 * 1024) -> Script:
    """An event stream of one `data:` line that never ends, `total` bytes in all."""
    block = framed(b"x" * piece)  # one block, sent again and again

    async def act(peer: Peer, request: Request) -> bool:
        if not await peer.send(SSE_CHUNKED + framed(b"data: ")):
            return False
        for _ in range(total // piece):
            if not await peer.send(block):
                return False
        return await peer.send(LAST_CHUNK)

    return Script("endless_line", act)


def large_answer(size: int, framing: str) -> Script:
    """A JSON completion of about `size` bytes, its length given (`length`) or not (`chunked`)."""

    @functools.cache
    def prepare() -> bytes:
        body = _json(completion("a" * size))
        if framing == "length":
            return _answer(body)
        headers = head(content_type="application/json", transfer_encoding="chunked")
        pieces = [framed(body[start : start + MiB]) for start in range(0, len(body), MiB)]
        return headers + b"".join(pieces) + LAST_CHUNK

    async def act(peer: Peer, request: Request) -> bool:
        return await peer.send(prepare())

    return Script(f"large_answer_{framing}", act, prepare)


def large_event(size: int) -> Script:
    """An event stream whose first event's data is about `size` bytes."""

    @functools.cache
    def prepare() -> bytes:
        return SSE_CHUNKED + framed(event(chunk("a" * size))) + framed(DONE) + LAST_CHUNK

    async def act(peer: Peer, request: Request) -> bool:
        return await peer.send(prepare())

    return Script("large_event", act, prepare)


def streams(end: str) -> Script:
    """Whole streams on a kept-alive connection; the body's end comes `together` with `[DONE]`
    (one packet) or `apart` (0.2 s later)."""

    async def act(peer: Peer, request: Request) -> bool:
        body = SSE_CHUNKED + framed(b"".join(FINISHED)) + framed(DONE)
        if end == "together":
            return await peer.send(body + LAST_CHUNK)
        return await peer.send(body) and await peer.pause(0.2) and await peer.send(LAST_CHUNK)

    return Script(f"streams_end_{end}", act)


def silence_after_done() -> Script:
    """A whole stream with `[DONE]`, then the body never ends: the connection is held open."""

    async def act(peer: Peer, request: Request) -> bool:
        await peer.send(SSE_CHUNKED + framed(b"".join([*FINISHED, DONE])))
        while await peer.pause(1.0):
            pass
        return False

    return Script("silence_after_done", act)


def garbage_status_line() -> Script:
    """Something that is not HTTP instead of a status line."""

    async def act(peer: Peer, request: Request) -> bool:
        await peer.send(b"HTTP/1.1 2OO Fine\r\nthis is: not\r\n\r\n")
        return False

    return Script("garbage_status_line", act)


def hang_up() -> Script:
    """Read the request, answer nothing and close."""

    async def act(peer: Peer, request: Request) -> bool:
        return False

    return Script("hang_up", act)


@dataclass
class HostileTally:
    """The hostile suite's figures, printed at the end of the test session."""

    tried: int = 0
    passed: int = 0
    faces: Counter[str] = field(default_factory=Counter)
    kinds: set[str] = field(default_factory=set)
    worst_margin: float | None = None
    """The most time any call took past its deadline (negative: all ended before it)."""
    peaks: dict[str, tuple[int, int]] = field(default_factory=dict)
    """For each limit tried: the highest peak of traced memory seen, and the limit."""
    sockets_left_open: int = 0

    def deadline(self, margin: float) -> None:
        """Record how long past its deadline a call ended."""
        if self.worst_margin is None or margin > self.worst_margin:
            self.worst_margin = margin

    def peak(self, name: str, peak: int, limit: int) -> None:
        """Record the peak of traced memory of a call that ran into a size limit."""
        seen, _ = self.peaks.get(name, (0, limit))
        self.peaks[name] = (max(seen, peak), limit)

    def lines(self) -> list[str]:
        faces = ", ".join(f"{face} {count}" for face, count in sorted(self.faces.items()))
        lines = [
            f"hostile faults tried: {self.tried} ({len(self.kinds)} kinds; {faces}), "
            f"passed: {self.passed}",
            f"sockets left open: {self.sockets_left_open}",
        ]
        if self.worst_margin is not None:
            lines.append(f"latest end against a deadline: {self.worst_margin:+.2f}s")
        for name, (peak, limit) in sorted(self.peaks.items()):
            lines.append(f"peak memory, {name}: {peak / MiB:.1f} MiB (limit {limit / MiB:g} MiB)")
        return lines

    def figures(self) -> dict[str, Any]:
        """The figures as plain data, for a pytest-xdist worker to send to the controller."""
        return {
            "tried": self.tried,
            "passed": self.passed,
            "faces": dict(self.faces),
            "kinds": sorted(self.kinds),
            "worst_margin": self.worst_margin,
            "peaks": {name: list(seen) for name, seen in self.peaks.items()},
            "sockets_left_open": self.sockets_left_open,
        }

    def add(self, figures: dict[str, Any]) -> None:
        """Add a worker's figures (from `figures()`) to these."""
        self.tried += figures["tried"]
        self.passed += figures["passed"]
        self.faces.update(figures["faces"])
        self.kinds.update(figures["kinds"])
        if figures["worst_margin"] is not None:
            self.deadline(figures["worst_margin"])
        for name, (peak, limit) in figures["peaks"].items():
            self.peak(name, peak, limit)
        self.sockets_left_open += figures["sockets_left_open"]


TALLY = HostileTally()
