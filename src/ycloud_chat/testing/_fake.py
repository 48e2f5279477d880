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
from .._constants import AI_STUDIO_HOST
from ._wire import (
    FakeToolCall,
    MessagesPredicate,
    Planned,
    Reply,
    ReplyRule,
    StreamShape,
    Usage,
    error_body,
    refusal,
    request_problem,
)

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
        optional: the reply may go unused: `unused` leaves it out, so the `fake_chat_api`
            fixture does not report it.
    """

    model: str | None
    when: MessagesPredicate | None
    times: int | None
    delay: float
    headers: Mapping[str, str]
    optional: bool


class CompletionOptions(ReplyOptions, total=False):
    """Keyword arguments of the replies that answer a chat request, on top of `ReplyOptions`.

    Attributes:
        finish_reason: the `finish_reason` sent (default `"stop"`, or `"tool_calls"`).
        usage: the `usage` object; `"auto"` (default) counts words, `None` sends none.
            A stream sends it only when the request asks (`stream_options.include_usage`),
            or always when the fake answers as AI Studio (see `FakeChatAPI.ai_studio`).
        shape: how a stream is written: `"openai"` (a role-only chunk, the deltas, an empty
            delta with `finish_reason`, then the usage chunk with `choices: []`, `[DONE]`),
            as vLLM and OpenAI do, or `"ai_studio"` (the deltas with the last one finishing
            and carrying the usage, `[DONE]`), as YandexGPT does.
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
        unanswered: None when a scripted reply answered it (or it was refused as malformed,
            as the service would); otherwise why none did: no reply accepts it, or a
            `when=` predicate raised.
    """

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    status: int = 0
    response_completed: bool = False
    response_closed: bool = False
    unanswered: str | None = None

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

    def describe(self) -> str:
        """The request in a few lines, for failure reports: method, path, model, messages."""
        lines = [f"{self.method} {self.path}"]
        if isinstance(self.json, dict):
            lines[0] += f" model={self.model!r} stream={self.stream}"
            for item in self.messages or self.input:
                lines.append(f"  {json.dumps(item, ensure_ascii=False)[:200]}")
        return "\n".join(lines)

    @property
    def input(self) -> list[str]:
        """The texts of an embeddings request, as sent."""
        texts = self._field("input")
        return list(texts) if isinstance(texts, list) else []

    def _field(self, name: str) -> Any:
        return self.json.get(name) if isinstance(self.json, dict) else None


@dataclass(repr=False)
class FakeChatAPI:
    """A fake of the chat API for your tests: script the answers, then assert on the requests.

    Each request is answered by the first scripted reply that accepts it and is not used up;
    a request no reply accepts gets a 400 error that says so (and fails the test under the
    `fake_chat_api` fixture). Use it in process with `http_client=fake.client()` (or
    `fake.async_client()`), on a real port with `with fake.serve() as base_url:`, or for
    every SDK at once with `fake.intercept()` (what the pytest fixture does).

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
        ai_studio: answer as AI Studio does (True) or as an OpenAI-compatible server (False).
            The two differ in small ways: AI Studio sends a stream's usage unasked, and a
            tool-call message's empty `content` as `""` rather than `null`. By default
            (None) it is decided per request: AI Studio when the request was addressed to
            AI Studio's host (an SDK made without `base_url`, answered in process).
    """

    replies: list[Reply] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    ai_studio: bool | None = None
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

    def reply_by(self, rule: ReplyRule, **options: Unpack[CompletionOptions]) -> Reply:
        """Answer each chat request with what `rule(body)` returns, made for that request.

        `rule` gets the request's JSON body and returns the keyword arguments of `reply()`
        (`text`, `chunks`, `tool_calls`, `finish_reason`, `usage`...); a stream gets them as
        a stream, a plain run as one body. It answers every request its options accept
        (`times=None`) unless `times` is given.
        """
        reply = Reply("completion", rule=rule, times=None)
        return self._add(reply, options)

    def fail(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | int | None = None,
        body: Any = None,
        **options: Unpack[ReplyOptions],
    ) -> Reply:
        """Answer with an HTTP error, or with `body` as given.

        The body is the OpenAI-style `{"error": {"message", "type", "param", "code"}}`:
        `type` follows the status (`"invalid_request_error"`, `"rate_limit_error"`,
        `"server_error"`...), `code` is the one given (default null). It answers any request
        (chat or model listing) that its options accept.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"fail() needs an error status (400-599), got {status!r}")
        message = message or HTTPStatus(status).phrase
        error = body if body is not None else error_body(status, message, code)
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

    def reply_models(
        self,
        model_ids: Sequence[str],
        *,
        created: int | None = None,
        **options: Unpack[ReplyOptions],
    ) -> Reply:
        """Answer `GET /models` with these ids (e.g. `"gpt://<folder>/yandexgpt/latest"`).

        Each entry is `{"id", "object": "model", "created", "owned_by"}`; `created` is the
        Unix time given, else now.
        """
        return self._add(Reply("models", model_ids=tuple(model_ids), created=created), options)

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
        """The scripted replies still waiting for a request, other than `optional` ones.

        A reply with a fixed `times` waits until it has answered that often; one with
        `times=None` until its first request.
        """
        return [reply for reply in self.replies if reply.waiting]

    @property
    def unanswered(self) -> list[RecordedRequest]:
        """The requests that no scripted reply answered (each got a 400 that says why)."""
        return [request for request in self.requests if request.unanswered is not None]

    def intercept(self) -> AbstractContextManager[FakeChatAPI]:
        """Answer every SDK's own HTTP client with this fake, for the `with` block.

        Every `ChatSDK` and `AsyncChatSDK` that makes its own client, before or inside the
        block, sends its requests here instead of to the network, whatever its `base_url`;
        one given `http_client=` is left alone. The `fake_chat_api` pytest fixture uses it.
        """
        from .._backends._intercept import intercepted

        return intercepted(self.transport(), self)

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
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        content: bytes,
        *,
        host: str = "",
    ) -> tuple[Planned, RecordedRequest]:
        """Record a request and plan its answer (used by the transports and the server).

        `host` is the host the request was addressed to: AI Studio's makes the fake answer
        as AI Studio when `ai_studio` is None.
        """
        body = _parse_json(content)
        record = RecordedRequest(
            method, path, {name.lower(): value for name, value in headers.items()}, body
        )
        problem = request_problem(method, path, body, content)  # refused as the service would
        reply = None
        with self._lock:
            self.requests.append(record)
            serial = len(self.requests)
            if problem is None:
                reply, record.unanswered = self._choose(record)
        if reply is None:
            planned = refusal(problem or record.unanswered or "")
        else:
            ai_studio = self.ai_studio if self.ai_studio is not None else host == AI_STUDIO_HOST
            planned = reply.plan(body, serial, ai_studio=ai_studio)
        record.status = planned.status
        return planned, record

    def _choose(self, record: RecordedRequest) -> tuple[Reply | None, str | None]:
        """The reply that answers the request, or None and why none does (under the lock)."""
        try:
            reply = next((r for r in self.replies if r.accepts(record.path, record.json)), None)
        except Exception as error:  # a `when=` predicate that failed: say so
            return None, f"FakeChatAPI could not answer: {error!r}"
        if reply is None:
            return None, _unmatched_message(record)
        reply.uses += 1
        return reply, None

    def __repr__(self) -> str:
        return f"<FakeChatAPI: {len(self.replies)} replies scripted, {len(self.requests)} requests>"

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
            request.method,
            request.url.path,
            request.headers,
            request.read(),
            host=request.url.host,
        )
        wait = _Wait(request)
        if planned.delay:
            sleep(wait.bounded(planned.delay))
            wait.check(planned.delay)
        return _response(planned, record, wait)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        planned, record = self.fake.answer(
            request.method,
            request.url.path,
            request.headers,
            await request.aread(),
            host=request.url.host,
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
            if self.record.response_closed:
                return  # as a closed connection: nothing more comes
            self._sending(index)
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        delay = self.planned.chunk_delay
        for index, piece in enumerate(self.planned.pieces):
            if index and delay:
                await async_sleep(self.wait.bounded(delay))
                self.wait.check(delay)
            if self.record.response_closed:
                return
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


def _unmatched_message(record: RecordedRequest) -> str:
    return (
        f"FakeChatAPI has no scripted reply for {record.method} {record.path}"
        f" (model {record.model!r}); script one with fake.reply(...) and friends"
    )
