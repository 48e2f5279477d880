"""Scripted replies and how each one is written on the wire (the shapes of PROTOCOL.md).

Pure: a reply plus the request it answers become a status, headers and the body pieces.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import math
import struct
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "FakeToolCall",
    "Planned",
    "Reply",
    "StreamShape",
    "error_body",
    "refusal",
    "request_problem",
]

StreamShape = Literal["openai", "ai_studio"]
"""How a scripted stream is written: as vLLM and OpenAI do, or as YandexGPT on AI Studio does."""
MessagesPredicate = Callable[[list[dict[str, Any]]], bool]
ReplyRule = Callable[[dict[str, Any]], Mapping[str, Any]]
"""What `reply_by()` takes: the request's JSON body in, the arguments of `reply()` out."""
Usage = Mapping[str, Any] | None | Literal["auto"]

_SSE_HEADERS = (("content-type", "text/event-stream"), ("cache-control", "no-cache"))
_JSON_HEADERS = (("content-type", "application/json"),)
# The error `type` an OpenAI-style server names for a status (other 4xx: invalid_request_error).
_ERROR_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


@dataclass(frozen=True)
class FakeToolCall:
    """A tool call the fake model makes.

    Args:
        name: the function's name.
        arguments: the arguments, as a mapping (sent as JSON) or as the exact JSON text.
        id: the call id; by default `call_<index>`.
        chunks: how a stream splits the arguments' JSON text (together they must be the
            arguments); by default the whole text comes in one piece.
    """

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None
    chunks: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"FakeToolCall.name must be a non-empty str, got {self.name!r}")
        if self.chunks is not None and not self._chunks_add_up("".join(self.chunks)):
            raise ValueError("FakeToolCall.chunks must add up to the arguments' JSON text")

    def _chunks_add_up(self, text: str) -> bool:
        if isinstance(self.arguments, str):
            return text == self.arguments
        try:
            return bool(json.loads(text) == dict(self.arguments))
        except ValueError:
            return False

    @property
    def arguments_text(self) -> str:
        """The arguments as the JSON string sent on the wire (the chunks' text, if given)."""
        if self.chunks is not None:
            return "".join(self.chunks)
        if isinstance(self.arguments, str):
            return self.arguments
        return _dumps(dict(self.arguments))

    def wire(self, index: int) -> dict[str, Any]:
        """The complete call, as in a non-stream answer."""
        return {
            "index": index,
            "id": self.id or f"call_{index}",
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments_text},
        }


@dataclass
class Reply:
    """One scripted answer and the requests it may answer.

    Made by the `FakeChatAPI` methods (`reply`, `reply_stream`, `fail`...); `uses` counts
    the requests it answered.
    """

    kind: Literal["completion", "error", "stream_error", "models", "embeddings"]
    text: str = ""
    chunks: Sequence[str] | None = None
    reasoning: str | None = None
    reasoning_chunks: Sequence[str] | None = None
    tool_calls: Sequence[FakeToolCall] = ()
    finish_reason: str | None = None
    usage: Usage = "auto"
    shape: StreamShape = "openai"
    response_id: str | None = None
    response_model: str | None = None
    created: int | None = None
    status: int = 200
    error: Any = None
    model_ids: Sequence[str] = ()
    vectors: Sequence[Sequence[float]] | None = None
    dimensions: int = 8
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    model: str | None = None
    when: MessagesPredicate | None = None
    times: int | None = 1
    optional: bool = False
    uses: int = 0
    rule: ReplyRule | None = None

    @property
    def exhausted(self) -> bool:
        """True once it has answered as many requests as it was scripted for."""
        return self.times is not None and self.uses >= self.times

    @property
    def waiting(self) -> bool:
        """True while a required reply has not answered yet as often as it was scripted for.

        A reply with `times=None` waits for its first request; an `optional` one never waits.
        """
        if self.optional:
            return False
        return self.uses == 0 if self.times is None else self.uses < self.times

    def describe(self) -> str:
        """One line naming the reply, what it accepts and how often it was used, for reports."""
        if self.kind == "models":
            what = f"reply_models({list(self.model_ids)!r})"
        elif self.kind == "embeddings":
            what = "reply_embeddings()"
        elif self.kind == "error":
            what = f"fail({self.status})"
        elif self.kind == "stream_error":
            what = f"fail_stream({_short(self.error.get('message'))})"
        elif self.tool_calls and not self.text:
            what = f"reply_tool_calls({', '.join(call.name for call in self.tool_calls)})"
        else:
            what = f"reply({_short(self.text)})"
        accepts = [f"model={self.model!r}"] if self.model is not None else []
        accepts += ["when=<predicate>"] if self.when is not None else []
        used = (
            f"used {self.uses} of {self.times}" if self.times else f"used {self.uses} (times=None)"
        )
        return " ".join([what, *accepts, used])

    def accepts(self, path: str, body: Any) -> bool:
        """Whether this reply answers a request to `path` with this JSON body."""
        if self.exhausted:
            return False
        is_chat = path.endswith("/chat/completions")
        if self.kind == "models":
            return path.endswith("/models")
        if self.kind in ("completion", "stream_error") and not is_chat:
            return False
        chat = body if isinstance(body, dict) else {}
        if self.kind == "embeddings":
            wanted = self.model is None or _same_model(self.model, chat.get("model"))
            return path.endswith("/embeddings") and wanted
        if self.kind == "stream_error" and chat.get("stream") is not True:
            return False
        if self.model is not None and not _same_model(self.model, chat.get("model")):
            return False
        return self.when is None or bool(self.when(list(chat.get("messages") or [])))

    def plan(self, body: Any, serial: int, *, ai_studio: bool = False) -> Planned:
        """The answer to a request with this JSON body.

        `ai_studio`: answer as AI Studio does (a stream's usage comes unasked; a tool-call
        message's empty content is `""`), else as an OpenAI-compatible server does.
        """
        chat = body if isinstance(body, dict) else {}
        headers = list(self.headers.items())
        if all(name.lower() != "x-request-id" for name, _ in headers):
            headers.insert(0, ("x-request-id", str(uuid.uuid4())))
        if self.kind == "models":
            created = self.created if self.created is not None else int(time.time())
            data = [
                {"id": i, "object": "model", "created": created, "owned_by": "system"}
                for i in self.model_ids
            ]
            return self._planned(_JSON_HEADERS, headers, [_dumps({"object": "list", "data": data})])
        if self.kind == "error":
            return self._planned(_JSON_HEADERS, headers, [_dumps(self.error)])
        if self.kind == "embeddings":
            return self._planned(_JSON_HEADERS, headers, [_dumps(self._embeddings(chat))])
        if self.rule is not None:  # the answer made for this request, planned as scripted
            made = dict(self.rule(chat))
            if made.get("chunks") is not None and not made.get("text"):
                made["text"] = "".join(made["chunks"])
            planned = dataclasses.replace(self, rule=None, **made)
            return planned.plan(body, serial, ai_studio=ai_studio)
        writer = _Writer(self, chat, serial, ai_studio=ai_studio)
        if chat.get("stream") is True:
            return self._planned(_SSE_HEADERS, headers, writer.events(), stream=True)
        return self._planned(_JSON_HEADERS, headers, [_dumps(writer.completion())])

    def _embeddings(self, request: dict[str, Any]) -> dict[str, Any]:
        """An embeddings answer: the scripted vectors, else a stand-in vector per text."""
        texts = request.get("input")
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        size = request.get("dimensions") or self.dimensions
        vectors = self.vectors
        if vectors is None:
            vectors = [_stand_in_vector(str(text), size) for text in texts]
        packed = request.get("encoding_format") == "base64"
        data = [
            {"object": "embedding", "index": index, "embedding": _packed(v) if packed else list(v)}
            for index, v in enumerate(vectors)
        ]
        tokens = sum(_words(text) for text in texts)
        return {
            "object": "list",
            "model": self.response_model or request.get("model"),
            "data": data,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def _planned(
        self,
        base: Sequence[tuple[str, str]],
        headers: list[tuple[str, str]],
        pieces: list[str],
        *,
        stream: bool = False,
    ) -> Planned:
        names = {name.lower() for name, _ in headers}
        merged = [(n, v) for n, v in base if n not in names] + headers
        encoded = [piece.encode("utf-8") for piece in pieces]
        return Planned(self.status, merged, encoded, stream, self.delay, self.chunk_delay)


@dataclass(frozen=True)
class Planned:
    """An answer ready to send: the status, headers, body pieces and the waits."""

    status: int
    headers: list[tuple[str, str]]
    pieces: list[bytes]
    stream: bool
    delay: float = 0.0
    chunk_delay: float = 0.0


def error_body(status: int, message: str, code: str | int | None = None) -> dict[str, Any]:
    """The OpenAI-style error body: `{"error": {"message", "type", "param", "code"}}`."""
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def refusal(message: str) -> Planned:
    """A 400 answer with the service's error body, for a request the fake cannot answer."""
    body = _dumps(error_body(400, message)).encode("utf-8")
    return Planned(400, list(_JSON_HEADERS), [body], stream=False)


def request_problem(method: str, path: str, body: Any, content: bytes) -> str | None:
    """Why a server would refuse this request outright (a 400), or None when it would not."""
    if method != "POST" or not path.endswith("/chat/completions"):
        return None
    if not isinstance(body, dict):
        if content.strip() and body is None:
            return "We could not parse the JSON body of your request."
        return "The request body must be a JSON object."
    n = body.get("n", 1)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 128):
        return f"Invalid value for 'n': {n!r}; it must be an integer from 1 to 128."
    return None


class _Writer:
    """Writes one completion reply as a chat.completion body or as SSE events."""

    def __init__(self, reply: Reply, chat: dict[str, Any], serial: int, *, ai_studio: bool) -> None:
        self.reply = reply
        self.chat = chat
        self.ai_studio = ai_studio
        self.n = chat.get("n") or 1  # checked by request_problem()
        self.envelope = {
            "id": reply.response_id or f"chatcmpl-fake-{serial}",
            "created": reply.created if reply.created is not None else int(time.time()),
            "model": reply.response_model or str(chat.get("model") or "fake-model"),
        }

    @property
    def finish_reason(self) -> str | None:
        reply = self.reply
        if reply.kind == "stream_error":
            return None
        if reply.finish_reason is not None:
            return reply.finish_reason
        return "tool_calls" if reply.tool_calls else "stop"

    def usage(self) -> dict[str, Any] | None:
        usage = self.reply.usage
        if usage is None:
            return None
        if usage != "auto":
            return dict(usage)
        prompt = sum(_words(message.get("content")) for message in self.chat.get("messages", []))
        completion = (_words(self.reply.text) + _words(self.reply.reasoning)) * self.n
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def completion(self) -> dict[str, Any]:
        """The whole answer to a `stream: false` request, with `n` alike choices."""
        reply = self.reply
        # Tool calls without text: OpenAI-style servers send null content, AI Studio "".
        content = reply.text or ("" if self.ai_studio or not reply.tool_calls else None)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if reply.reasoning is not None:
            message["reasoning_content"] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = [call.wire(i) for i, call in enumerate(reply.tool_calls)]
        choices = [
            {"index": index, "message": message, "finish_reason": self.finish_reason}
            for index in range(self.n)
        ]
        body = {**self._envelope("chat.completion"), "choices": choices}
        usage = self.usage()
        if usage is not None:
            body["usage"] = usage
        return body

    def events(self) -> list[str]:
        """The SSE events answering a `stream: true` request, `[DONE]` included.

        Each delta goes to the `n` choices in turn. The usage comes only when the request
        asked for it (`stream_options.include_usage`), or always from AI Studio.
        """
        if self.reply.shape == "ai_studio":
            deltas = self._ai_studio_deltas()
        else:
            deltas = self._openai_deltas()
        chunks = [self._chunk(delta, index) for delta in deltas for index in range(self.n)]
        if self.reply.kind == "stream_error":
            error = {"error": self.reply.error}
            return [*(_event(chunk) for chunk in chunks), _event(error)]
        for last in chunks[-self.n :]:
            last["choices"][0]["finish_reason"] = self.finish_reason
        usage = self.usage() if self._usage_wanted() else None
        if usage is not None and self.reply.shape == "openai":
            chunks.append(self._chunk(None) | {"choices": [], "usage": usage})
        elif usage is not None:
            chunks[-1]["usage"] = usage
        return [*(_event(chunk) for chunk in chunks), "data: [DONE]\n\n"]

    def _usage_wanted(self) -> bool:
        options = self.chat.get("stream_options")
        asked = isinstance(options, dict) and options.get("include_usage") is True
        return asked or self.ai_studio

    def _openai_deltas(self) -> list[dict[str, Any]]:
        """The vLLM style: a role-only delta, the pieces, then an empty delta that finishes."""
        reply = self.reply
        deltas: list[dict[str, Any]] = [{"role": "assistant"}]
        deltas += [{"reasoning_content": piece} for piece in self._reasoning_pieces()]
        # An empty piece goes as an empty delta, as vLLM sometimes sends one mid-stream.
        deltas += [{"content": piece} if piece else {} for piece in self._text_pieces()]
        for index, call in enumerate(reply.tool_calls):
            first = call.wire(index)
            pieces = list(call.chunks or [call.arguments_text])
            first["function"]["arguments"] = ""
            deltas.append({"tool_calls": [first]})
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                for piece in pieces
            ]
        if reply.kind != "stream_error":
            deltas.append({})
        return deltas

    def _ai_studio_deltas(self) -> list[dict[str, Any]]:
        """The yandexgpt style: the pieces with the role, the whole tool calls in the last one."""
        reply = self.reply
        deltas: list[dict[str, Any]] = [
            {"role": "assistant", "reasoning_content": piece} for piece in self._reasoning_pieces()
        ]
        deltas += [{"role": "assistant", "content": piece} for piece in self._text_pieces()]
        if reply.tool_calls:
            calls = [call.wire(i) for i, call in enumerate(reply.tool_calls)]
            deltas.append({"role": "assistant", "content": "", "tool_calls": calls})
        return deltas or [{"role": "assistant", "content": ""}]

    def _text_pieces(self) -> list[str]:
        reply = self.reply
        if reply.chunks is not None:
            return list(reply.chunks)
        return [reply.text] if reply.text else []

    def _reasoning_pieces(self) -> list[str]:
        reply = self.reply
        if reply.reasoning_chunks is not None:
            return [piece for piece in reply.reasoning_chunks if piece]
        return [reply.reasoning] if reply.reasoning else []

    def _envelope(self, kind: str) -> dict[str, Any]:
        envelope = self.envelope
        return {
            "id": envelope["id"],
            "object": kind,
            "created": envelope["created"],
            "model": envelope["model"],
        }

    def _chunk(self, delta: dict[str, Any] | None, index: int = 0) -> dict[str, Any]:
        choices = [] if delta is None else [{"index": index, "delta": delta}]
        return {**self._envelope("chat.completion.chunk"), "choices": choices}


def _same_model(wanted: str, sent: Any) -> bool:
    """A model matches by its whole URI or by its name (`gpt://<folder>/<name>/<version>`)."""
    if not isinstance(sent, str):
        return False
    if wanted == sent:
        return True
    if "://" not in sent:
        return False
    parts = sent.split("://", 1)[1].split("/")
    return wanted == (parts[1] if len(parts) >= 3 else parts[0])


def _words(content: Any) -> int:
    """A rough token count: the words of a text (or of the text parts of a message)."""
    if isinstance(content, str):
        return len(content.split())
    if isinstance(content, list):
        return sum(_words(part.get("text")) for part in content if isinstance(part, dict))
    return 0


def _short(text: Any, limit: int = 40) -> str:
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _stand_in_vector(text: str, size: int) -> list[float]:
    """A unit vector that depends only on the text: the same text, the same vector."""
    raw = b""
    while len(raw) < size:
        raw += hashlib.sha256(f"{len(raw)}:{text}".encode()).digest()
    values = [byte / 127.5 - 1.0 for byte in raw[:size]]
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return [value / norm for value in values]


def _packed(vector: Sequence[float]) -> str:
    """A vector as the `base64` encoding format sends it: little-endian float32."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _event(value: Any) -> str:
    return f"data: {_dumps(value)}\n\n"
