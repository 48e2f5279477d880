"""A fast loopback chat API for the limits and batch suites: it records when each request came.

It runs on an asyncio loop in a thread of the test process (so a child process, such as the
command line, reaches it too) and answers `/v1/chat/completions` and `/v1/embeddings`:

- a message containing `status400` gets a 400, one containing `hang` no answer at all (the
  connection stays open until the client gives up);
- `throttle_first=N`: the first N requests seen for the first time (by their text) get a 429
  with `Retry-After: retry_after`;
- `throttle_arrivals={k, ...}`: the k-th request to arrive (from 1) gets that 429;
- `delay`: seconds to wait before each answer.

`arrivals` lists (monotonic time, text, status) per request; `max_in_flight` is the most
requests the server held at once; `answered_429` the times it sent each 429.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


def most_in_window(starts: list[float], seconds: float) -> int:
    """The most starts in any window of `seconds` (each window begins at a start)."""
    starts = sorted(starts)
    return max(
        bisect.bisect_right(starts, first + seconds + 1e-9) - i for i, first in enumerate(starts)
    )


@dataclass
class RateFake:
    delay: float = 0.0
    retry_after: str = "1"
    throttle_first: int = 0
    throttle_arrivals: set[int] = field(default_factory=set)
    arrivals: list[tuple[float, str, int]] = field(default_factory=list)
    answered_429: list[float] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _seen: set[str] = field(default_factory=set)

    def ok_count(self) -> int:
        return sum(1 for _, _, status in self.arrivals if status == 200)

    def starts(self) -> list[float]:
        return sorted(when for when, _, _ in self.arrivals)

    async def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        text = _text(body)
        arrival = len(self.arrivals) + 1
        first_try = text not in self._seen
        self._seen.add(text)
        status = 200
        if "status400" in text:
            status = 400
        elif "hang" in text:
            status = 0
        elif arrival in self.throttle_arrivals or (first_try and self.throttle_first > 0):
            if arrival not in self.throttle_arrivals:
                self.throttle_first -= 1
            status = 429
        self.arrivals.append((time.monotonic(), text, status))
        if status == 0:
            return 0, {}, b""
        if self.delay:
            await asyncio.sleep(self.delay)
        if status == 429:
            self.answered_429.append(time.monotonic())
            error = {"error": {"message": "too many requests", "type": "rate_limit"}}
            return 429, {"retry-after": self.retry_after}, json.dumps(error).encode()
        if status == 400:
            error = {"error": {"message": "bad row", "type": "invalid_request_error"}}
            return 400, {}, json.dumps(error).encode()
        return 200, {}, json.dumps(_completion(path, body, text)).encode()


def _text(body: dict[str, Any]) -> str:
    messages = body.get("messages")
    if isinstance(messages, list) and messages:
        content = messages[-1].get("content")
        return content if isinstance(content, str) else json.dumps(content)
    return json.dumps(body.get("input"))


def _completion(path: str, body: dict[str, Any], text: str) -> dict[str, Any]:
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    if path.endswith("/embeddings"):
        texts = body.get("input") or []
        vectors = [[float(len(t)), 0.5] for t in texts]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return {"object": "list", "data": data, "model": body.get("model"), "usage": usage}
    return {
        "id": "chatcmpl-rate",
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": body.get("model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"echo {text}"},
                "finish_reason": "stop",
            }
        ],
        "usage": usage,
    }


async def _handle(
    fake: RateFake, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _, path, _ = lines[0].split(" ", 2)
            headers = {
                name.strip().lower(): value.strip()
                for name, value in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            try:
                status, extra, content = await fake.answer(path, json.loads(raw or b"{}"))
                if status == 0:  # hang until the client goes away
                    await reader.read()
                    return
                reason = {200: "OK", 400: "Bad Request", 429: "Too Many Requests"}[status]
                lines = [f"HTTP/1.1 {status} {reason}", "content-type: application/json"]
                lines += [f"content-length: {len(content)}", "x-request-id: fake"]
                lines += [f"{name}: {value}" for name, value in extra.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + content)
                await writer.drain()
            finally:
                fake.in_flight -= 1
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@contextlib.contextmanager
def serve(fake: RateFake) -> Iterator[str]:
    """Serve `fake` on 127.0.0.1 in a thread for the block; yield its base URL (`.../v1`)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        handlers: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers[task] = writer
            try:
                await _handle(fake, reader, writer)
            finally:
                handlers.pop(task, None)

        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        holder["port"] = server.sockets[0].getsockname()[1]
        holder["stop"] = stop = asyncio.Event()
        started.set()
        await stop.wait()
        server.close()
        for writer in list(handlers.values()):
            writer.close()  # a handler waiting on its reader sees the end and returns
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://127.0.0.1:{holder['port']}/v1"
    finally:
        loop.call_soon_threadsafe(holder["stop"].set)
        thread.join(10)
        loop.close()
