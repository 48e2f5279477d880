"""Small test doubles shared by the async tests and their generated sync twins."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

SECRET = "sk-test-SECRET-5e2f"  # a marker searched for in everything the tests print


class TrackedStream(httpx.AsyncByteStream, httpx.SyncByteStream):
    """A response body for both faces that records whether it was closed and how far it was read."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if self.closed:
                return  # as a closed connection: nothing more comes
            self.sent += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            if self.closed:
                return
            self.sent += 1
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def sse(*payloads: Any) -> list[bytes]:
    """SSE events, one chunk per event; dicts are JSON-encoded, strings sent as they are."""
    return [f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n".encode() for p in payloads]


def chunk(
    content: str | None = None, finish_reason: str | None = None, **delta: Any
) -> dict[str, Any]:
    """One chat.completion.chunk with a single choice."""
    if content is not None:
        delta["content"] = content
    choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }


def completion(text: str = "hi", finish_reason: str = "stop") -> dict[str, Any]:
    """A non-stream chat.completion body."""
    return {
        "id": "r1",
        "object": "chat.completion",
        "created": 1758047016,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Recorder:
    """A MockTransport handler answering from a script of responses, recording each request."""

    def __init__(
        self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if not isinstance(answer, httpx.Response):
            return answer(request)
        if isinstance(answer.stream, TrackedStream):
            return answer  # a streamed body is served once
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def bodies(self) -> list[Any]:
        """The JSON bodies sent, in order."""
        return [json.loads(request.content) for request in self.requests]
