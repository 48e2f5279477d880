"""A fast loopback chat-completions server for the benchmark: canned answers, keep-alive.

Run as `python -m bench.server PORT_FILE`; it writes the port it listens on to PORT_FILE. The
request body's `model` picks the answer: `text-N` streams N content deltas, `tools-N` streams
a tool call whose arguments arrive in N deltas; anything else gets the fixed completion (or a
two-event stream when `stream` is true). Streams follow the vLLM shape of PROTOCOL.md: a
role-only chunk, the deltas, a chunk with `finish_reason`, a usage chunk with `choices: []`
and `data: [DONE]`. Every answer is rendered once and cached; the body is written in one go,
so a client's cost is its own parsing, not the server's pacing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

CREATED = 1_760_000_000
USAGE = {"prompt_tokens": 12, "completion_tokens": 34, "total_tokens": 46}
COMPLETION = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": CREATED,
    "model": "bench",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "The platypus is a semi-aquatic, egg-laying mammal of Australia.",
            },
            "finish_reason": "stop",
        }
    ],
    "usage": USAGE,
}


def _chunk(choices: list[dict[str, Any]], **extra: Any) -> bytes:
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "bench",
        "choices": choices,
        **extra,
    }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def _delta(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    return _chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}])


def text_events(n: int) -> list[bytes]:
    """A streamed answer of `n` content deltas, as SSE events."""
    events = [_delta({"role": "assistant", "content": ""})]
    events += [_delta({"content": f" word{i % 100}"}) for i in range(n)]
    events.append(_delta({}, "stop"))
    return events


def tool_events(n: int) -> list[bytes]:
    """A streamed tool call whose JSON arguments arrive in `n` deltas, as SSE events."""
    first = {"index": 0, "id": "chatcmpl-tool-0", "type": "function"}
    first["function"] = {"name": "get_weather", "arguments": ""}
    events = [_delta({"role": "assistant", "content": None, "tool_calls": [first]})]
    pieces = ['{"cities": ['] + [f'"city{i % 100}", ' for i in range(n - 2)] + ['"end"]}']
    for piece in pieces:
        call = {"index": 0, "function": {"arguments": piece}}
        events.append(_delta({"tool_calls": [call]}))
    events.append(_delta({}, "tool_calls"))
    return events


@cache
def stream_body(model: str) -> bytes:
    """The whole SSE body for a model name, with the usage chunk and `[DONE]`."""
    kind, _, count = model.partition("-")
    n = int(count) if count.isdigit() else 1
    events = tool_events(n) if kind == "tools" else text_events(n)
    events.append(_chunk([], usage=USAGE))
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def _response(content_type: bytes, body: bytes) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: " + content_type + b"\r\n"
        b"x-request-id: bench-server\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


COMPLETION_RESPONSE = _response(b"application/json", json.dumps(COMPLETION).encode())
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"


@cache
def stream_response(model: str) -> bytes:
    """The whole HTTP response for a streamed answer."""
    return _response(b"text/event-stream", stream_body(model))


def answer(path: bytes, body: bytes) -> bytes:
    """The response bytes for one request."""
    if not path.endswith(b"/chat/completions"):
        return NOT_FOUND
    request = json.loads(body)
    if request.get("stream"):
        return stream_response(str(request.get("model", "")))
    return COMPLETION_RESPONSE


class HTTPProtocol(asyncio.Protocol):
    """Just enough HTTP/1.1: Content-Length bodies, keep-alive, one request at a time."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            path = head[0].split(b" ")[1]
            assert self.transport is not None
            self.transport.write(answer(path, body))


async def serve(port_file: str) -> None:
    """Listen on a free loopback port, publish it, and serve until killed."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HTTPProtocol, "127.0.0.1", 0, backlog=2048)
    port = server.sockets[0].getsockname()[1]
    Path(port_file + ".tmp").write_text(str(port))  # noqa: ASYNC240 - before serving
    os.replace(port_file + ".tmp", port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
