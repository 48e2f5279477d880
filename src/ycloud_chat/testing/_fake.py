"""`FakeChatAPI`: a scripted stand-in for the chat API that records every request it gets."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypedDict

import httpx

from .._concurrency import async_sleep, sleep
from ._wire import FakeToolCall, MessagesPredicate, Planned, Reply, StreamShape, Usage, refusal

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["CompletionOptions", "FakeChatAPI", "FakeTransport", "RecordedRequest", "ReplyOptions"]


class ReplyOptions(TypedDict, total=False):
    """Keyword arguments every scripted reply takes.

    Attributes:
        model: answer only requests for this model: its name (`"yandexgpt"`) or whole URI.
        when: answer only requests whose messages (the list of wire dicts) make it true.
        times: how many requests it answers (default 1); `None` for every matching one.
        delay: seconds to wait before answering (before the status line).
        headers: extra response headers.
    """

    model: str | None
    when: MessagesPredicate | None
    times: int | None
    delay: float
    headers: Mapping[str, str]


class CompletionOptions(ReplyOptions, total=False):
    """Keyword arguments of the replies that answer a chat request, on top of `ReplyOptions`.

    Attributes:
        finish_reason: the `finish_reason` sent (default `"stop"`, or `"tool_calls"`).
        usage: the `usage` object; `"auto"` (default) counts words, `None` sends none.
        shape: how a stream is written: `"openai"` (a role-only chunk, the deltas, an empty
            delta with `finish_reason`, a usage chunk with `choices: []`, `[DONE]`) or
            `"ai_studio"` (the deltas with the last one finishing, `[DONE]`).
        chunk_delay: seconds to wait between stream events.
        response_id: the answer's `id`.
        response_model: the model named in the answer (default: the one requested).
        created: the answer's `created` Unix time (default: now).
    """

    finish_reason: str | None
    usage: Usage
    shape: StreamShape
    chunk_delay: float
    response_id: str | None
    response_model: str | None
    created: int | None


@dataclass
class RecordedRequest:
    """One request the fake received, for assertions.

    Attributes:
        method: `"POST"` or `"GET"`.
        path: the URL path, e.g. `"/v1/chat/completions"`.
        headers: the request headers, names in lower case.
        json: the parsed JSON body (None for a request without one).
        status: the HTTP status the fake answered with.
        response_completed: the whole response body was sent.
        response_closed: the client released the response (read it all, closed it, or
            went away).
    """

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    status: int = 0
    response_completed: bool = False
    response_closed: bool = False

    @property
    def model(self) -> str | None:
        """The `model` of a chat request."""
        model = self._field("model")
        return model if isinstance(model, str) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The `messages` of a chat request, as sent."""
        messages = self._field("messages")
        return list(messages) if isinstance(messages, list) else []

    @property
    def stream(self) -> bool:
        """Whether the request asked for a stream."""
        return self._field("stream") is True

    @property
    def input(self) -> list[str]:
        """The texts of an embeddings request, as sent."""
        texts = self._field("input")
        return list(texts) if isinstance(texts, list) else []

    def _field(self, name: str) -> Any:
        return self.json.get(name) if isinstance(self.json, dict) else None


@dataclass
class FakeChatAPI:
    """A fake of the chat API for your tests: script the answers, then assert on the requests.

    Each request is answered by the first scripted reply that accepts it and is not used up;
    a request no reply accepts gets a 400 error that says so. Use it in process with
    `http_client=fake.client()` (or `fake.async_client()`), or on a real port with
    `with fake.serve() as base_url:`.

    ```python
    from ycloud_chat import ChatSDK
    from ycloud_chat.testing import FakeChatAPI

    fake = FakeChatAPI()
    fake.reply("Hello!")
    with fake.client() as client, ChatSDK(folder_id="f", auth="k", http_client=client) as sdk:
        assert sdk.chat.completions("yandexgpt").run("Hi").text == "Hello!"
    assert fake.requests[0].messages == [{"role": "user", "content": "Hi"}]
    ```

    Attributes:
        replies: the scripted replies, in the order they are tried.
        requests: every request received, in order, as a `RecordedRequest`.
    """

    replies: list[Reply] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def reply(
        self,
        text: str = "",
        *,
        chunks: Sequence[str] | None = None,
        reasoning: str | None = None,
        reasoning_chunks: Sequence[str] | None = None,
        tool_calls: Sequence[FakeToolCall] = (),
        **options: Unpack[CompletionOptions],
    ) -> Reply:
        """Answer with a text, to `run` and to `run_stream` alike.

        Args:
            text: the answer's text.
            chunks: how a stream splits the text (default: one piece); they must add up to
                `text`, or give `text=""` to take their concatenation.
            reasoning: the `reasoning_content` that comes with the answer.
            reasoning_chunks: how a stream splits the reasoning.
            tool_calls: tool calls to send with the text.
            **options: `CompletionOptions`: matching, timing and wire details.
        """
        if chunks is not None:
            joined = "".join(chunks)
            if text and text != joined:
                raise ValueError("reply(): chunks must add up to text")
            text = joined
        if reasoning_chunks is not None:
            reasoning = "".join(reasoning_chunks)
        return self._add(
            Reply(
                "completion",
                text=text,
                chunks=chunks,
                reasoning=reasoning,
                reasoning_chunks=reasoning_chunks,
                tool_calls=tuple(tool_calls),
            ),
            options,
        )

    def reply_stream(
        self,
        chunks: Sequence[str],
        *,
        reasoning_chunks: Sequence[str] | None = None,
        tool_calls: Sequence[FakeToolCall] = (),
        **options: Unpack[CompletionOptions],
    ) -> Reply:
        """Answer with a text that a stream sends in exactly these pieces.

        An empty piece is sent as an empty delta. A plain `run` gets the pieces joined.
        """
        return self.reply(
            chunks=chunks, reasoning_chunks=reasoning_chunks, tool_calls=tool_calls, **options
        )

    def reply_tool_calls(self, *calls: FakeToolCall, **options: Unpack[CompletionOptions]) -> Reply:
        """Answer with tool calls (`finish_reason: "tool_calls"`)."""
        if not calls:
            raise ValueError("reply_tool_calls() needs at least one FakeToolCall")
        return self.reply(tool_calls=calls, **options)

    def reply_json(self, value: Any, **options: Unpack[CompletionOptions]) -> Reply:
        """Answer with `value` as JSON text, as a model does for `response_format`."""
        return self.reply(json.dumps(value, ensure_ascii=False), **options)

    def fail(
        self,
        status: int,
        message: str | None = None,
        *,
        body: Any = None,
        **options: Unpack[ReplyOptions],
    ) -> Reply:
        """Answer with an HTTP error: `{"error": {"message", "code"}}`, or `body` as given.

        It answers any request (chat or model listing) that its options accept.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"fail() needs an error status (400-599), got {status!r}")
        message = message or HTTPStatus(status).phrase
        error = body if body is not None else {"error": {"message": message, "code": status}}
        return self._add(Reply("error", status=status, error=error), options)

    def fail_stream(
        self,
        message: str,
        *,
        after: Sequence[str] = (),
        code: int | None = None,
        **options: Unpack[CompletionOptions],
    ) -> Reply:
        """Start a stream with the `after` pieces, then send an SSE error event.

        The event is `data: {"error": {"message", "code"}}`; it answers stream requests only.
        """
        error: dict[str, Any] = {"message": message}
        if code is not None:
            error["code"] = code
        reply = Reply("stream_error", text="".join(after), chunks=tuple(after), error=error)
        return self._add(reply, options)

    def reply_embeddings(
        self,
        vectors: Sequence[Sequence[float]] | None = None,
        *,
        dimensions: int = 8,
        **options: Unpack[ReplyOptions],
    ) -> Reply:
        """Answer `POST /embeddings` with these vectors, one per text.

        Without `vectors`, each text gets a stand-in unit vector of `dimensions` numbers (or
        as many as the request asks for) that depends only on the text. A request for the
        `base64` encoding format gets the vectors packed as the service packs them.
        """
        if vectors is not None:
            vectors = tuple(tuple(float(value) for value in vector) for vector in vectors)
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
            raise ValueError(f"dimensions must be a positive integer, got {dimensions!r}")
        reply = Reply("embeddings", vectors=vectors, dimensions=dimensions)
        return self._add(reply, options)

    def reply_models(self, model_ids: Sequence[str], **options: Unpack[ReplyOptions]) -> Reply:
        """Answer `GET /models` with these ids (e.g. `"gpt://<folder>/yandexgpt/latest"`)."""
        return self._add(Reply("models", model_ids=tuple(model_ids)), options)

    def reset(self) -> None:
        """Forget every scripted reply and recorded request (for a fake shared by tests)."""
        with self._lock:
            self.replies.clear()
            self.requests.clear()

    @property
    def last_request(self) -> RecordedRequest:
        """The latest request received; AssertionError when there is none."""
        assert self.requests, "FakeChatAPI has received no request"
        return self.requests[-1]

    @property
    def unused(self) -> list[Reply]:
        """The scripted replies still waiting for a request (those with a fixed `times`)."""
        return [reply for reply in self.replies if reply.times is not None and not reply.exhausted]

    def transport(self) -> FakeTransport:
        """An httpx transport for `httpx.Client` and `httpx.AsyncClient` alike."""
        return FakeTransport(self)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An `httpx.Client` answered by this fake, for `ChatSDK(http_client=...)`."""
        return httpx.Client(transport=self.transport(), **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` answered by this fake, for `AsyncChatSDK(http_client=...)`."""
        return httpx.AsyncClient(transport=self.transport(), **kwargs)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> AbstractContextManager[str]:
        """Serve the fake over HTTP on a real port (any free one by default) in a thread.

        A context manager giving the base URL, e.g. `http://127.0.0.1:50123/v1`; on exit the
        server stops and its threads and connections are closed.
        """
        from ._server import serve

        return serve(self, host, port)

    def answer(
        self, method: str, path: str, headers: Mapping[str, str], content: bytes
    ) -> tuple[Planned, RecordedRequest]:
        """Record a request and plan its answer (used by the transports and the server)."""
        body = _parse_json(content)
        record = RecordedRequest(
            method, path, {name.lower(): value for name, value in headers.items()}, body
        )
        with self._lock:
            self.requests.append(record)
            reply = next((r for r in self.replies if r.accepts(path, body)), None)
            if reply is not None:
                reply.uses += 1
        planned = reply.plan(body, len(self.requests)) if reply else _unmatched(record)
        record.status = planned.status
        return planned, record

    def _add(self, reply: Reply, options: Mapping[str, Any]) -> Reply:
        for name, value in options.items():
            setattr(reply, name, value)
        if reply.times is not None and reply.times < 1:
            raise ValueError(f"times must be >= 1 or None, got {reply.times!r}")
        with self._lock:
            self.replies.append(reply)
        return reply


class FakeTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport answered by a `FakeChatAPI`; usable by both httpx clients.

    A wait longer than the request's read timeout ends in `httpx.ReadTimeout` when that
    timeout runs out, as it would over a network.
    """

    def __init__(self, fake: FakeChatAPI) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        planned, record = self.fake.answer(
            request.method, request.url.path, request.headers, request.read()
        )
        wait = _Wait(request)
        if planned.delay:
            sleep(wait.bounded(planned.delay))
            wait.check(planned.delay)
        return _response(planned, record, wait)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        planned, record = self.fake.answer(
            request.method, request.url.path, request.headers, await request.aread()
        )
        wait = _Wait(request)
        if planned.delay:
            await async_sleep(wait.bounded(planned.delay))
            wait.check(planned.delay)
        return _response(planned, record, wait)


class _Wait:
    """A request's read timeout, applied to the fake's scripted waits."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        timeouts = request.extensions.get("timeout") or {}
        self.limit: float | None = timeouts.get("read")

    def bounded(self, seconds: float) -> float:
        return seconds if self.limit is None else min(seconds, self.limit)

    def check(self, seconds: float) -> None:
        if self.limit is not None and seconds > self.limit:
            raise httpx.ReadTimeout("FakeChatAPI: read timed out", request=self.request)


class _Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent piece by piece, telling the record when it is read and closed."""

    def __init__(self, planned: Planned, record: RecordedRequest, wait: _Wait) -> None:
        self.planned = planned
        self.record = record
        self.wait = wait

    def __iter__(self) -> Iterator[bytes]:
        delay = self.planned.chunk_delay
        for index, piece in enumerate(self.planned.pieces):
            if index and delay:
                sleep(self.wait.bounded(delay))
                self.wait.check(delay)
            self._sending(index)
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        delay = self.planned.chunk_delay
        for index, piece in enumerate(self.planned.pieces):
            if index and delay:
                await async_sleep(self.wait.bounded(delay))
                self.wait.check(delay)
            self._sending(index)
            yield piece

    def _sending(self, index: int) -> None:
        # Marked as the last piece goes out: a client may stop reading right after it.
        if index == len(self.planned.pieces) - 1:
            self.record.response_completed = True

    def close(self) -> None:
        self.record.response_closed = True

    async def aclose(self) -> None:
        self.record.response_closed = True


def _response(planned: Planned, record: RecordedRequest, wait: _Wait) -> httpx.Response:
    body = _Body(planned, record, wait)
    return httpx.Response(planned.status, headers=planned.headers, stream=body)


def _parse_json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


def _unmatched(record: RecordedRequest) -> Planned:
    return refusal(
        f"FakeChatAPI has no scripted reply for {record.method} {record.path}"
        f" (model {record.model!r}); script one with fake.reply(...) and friends"
    )
