"""A chat server on a loopback port that answers each request with its own question.

`POST .../chat/completions` answers `echo:<the last message's content>`, as one body or as a
stream with one chunk per word; a model named `slow...` waits `slow_seconds` first.
`POST .../embeddings` answers a two-number vector per text. A request whose bytes are not
JSON gets a 400: what two processes writing on one socket produce. The server counts the
streams whose client went away before their end (`aborted`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class EchoServer(ThreadingHTTPServer):
    """The server, with what the tests set (delays) and read (counts)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.slow_seconds = 0.5
        self.chunk_delay = 0.0
        self.lock = threading.Lock()
        self.requests = 0
        self.aborted = 0
        self.finished = 0

    @property
    def url(self) -> str:
        """The base URL to give the SDK."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request is no error of the server's."""

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EchoServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.server.count("requests")
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            request = json.loads(body)
            model = str(request.get("model", ""))
        except (ValueError, AttributeError):
            self._send(400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
            return
        if model.startswith("slow") or "/slow" in model:
            time.sleep(self.server.slow_seconds)
        if self.path.endswith("/embeddings"):
            texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0]}
                for i, t in enumerate(texts)
            ]
            self._send(200, {"object": "list", "model": model, "data": data})
            return
        text = "echo:" + str(request["messages"][-1]["content"])
        if request.get("stream"):
            self._stream(model, text)
        else:
            self._send(200, _completion(model, text))

    def _send(self, status: int, payload: Any) -> None:
        content = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _stream(self, model: str, text: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for event in _events(model, text):
                self._chunk(f"data: {event}\n\n".encode())
                time.sleep(self.server.chunk_delay)
            self._chunk(b"")
        except OSError:  # the client went away: what a stream closed early looks like here
            self.server.count("aborted")
            self.close_connection = True
            return
        self.server.count("finished")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
    }


def _events(model: str, text: str) -> Iterator[str]:
    words = text.split(" ")
    pieces = [word + " " for word in words[:-1]] + [words[-1]]
    for number, piece in enumerate(pieces):
        last = number == len(pieces) - 1
        choice = {
            "index": 0,
            "delta": {"content": piece},
            "finish_reason": "stop" if last else None,
        }
        yield json.dumps(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [choice],
            }
        )
    yield "[DONE]"


@contextmanager
def serving() -> Iterator[EchoServer]:
    """An echo server on a free loopback port, for the block."""
    server = EchoServer()
    thread = threading.Thread(target=server.serve_forever, name="echo-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
