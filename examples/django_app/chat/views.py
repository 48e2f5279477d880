"""The chat views.

- `ask` (sync) and `ask_async` (async) answer `?q=` with JSON;
- `stream` (sync iterator, for WSGI) and `stream_async` (async iterator, for ASGI) relay
  `run_stream` to the browser as server-sent events;
- `ask_form` posts a question and shows the answer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from ycloud_chat import YCloudChatError

from . import llm
from .forms import QuestionForm

TIMEOUT = 30  # seconds: a view should not hang on a slow model for minutes


@require_GET
def ask(request: HttpRequest) -> HttpResponse:
    """Answer `?q=` with `{"answer": ...}` (sync: WSGI, or ASGI in a thread)."""
    question = request.GET.get("q", "").strip()
    if not question:
        return JsonResponse({"error": "the q parameter is required"}, status=400)
    try:
        result = llm.model().run(question, timeout=TIMEOUT)
    except YCloudChatError as error:
        return _failure(error)
    return JsonResponse({"answer": result.text, "request_id": result.request_id})


@require_GET
async def ask_async(request: HttpRequest) -> HttpResponse:
    """Answer `?q=` with `{"answer": ...}` (async: serve it under ASGI)."""
    question = request.GET.get("q", "").strip()
    if not question:
        return JsonResponse({"error": "the q parameter is required"}, status=400)
    try:
        result = await llm.async_model().run(question, timeout=TIMEOUT)
    except YCloudChatError as error:
        return _failure(error)
    return JsonResponse({"answer": result.text, "request_id": result.request_id})


@require_GET
def stream(request: HttpRequest) -> HttpResponse:
    """Relay the answer to `?q=` as server-sent events, from a sync iterator (WSGI)."""
    model = llm.model()
    question = request.GET.get("q", "").strip() or "Hello!"

    def events() -> Iterator[str]:
        try:
            # Leaving this block (the end, an error, or the browser going away, which makes
            # the server close this generator) releases the upstream connection.
            with model.run_stream(question, timeout=TIMEOUT) as chat_stream:
                for partial in chat_stream:
                    if partial.delta:
                        yield _event("delta", {"text": partial.delta})
                final = chat_stream.result
        except YCloudChatError as error:
            yield _event("error", {"message": "the model failed", "request_id": error_id(error)})
            return
        yield _event("done", {"finish_reason": final.finish_reason if final else None})

    return _event_stream(events())


@require_GET
async def stream_async(request: HttpRequest) -> HttpResponse:
    """Relay the answer to `?q=` as server-sent events, from an async iterator (ASGI)."""
    model = llm.async_model()
    question = request.GET.get("q", "").strip() or "Hello!"

    async def events() -> AsyncIterator[str]:
        try:
            # A browser that goes away cancels this generator: the block releases the
            # upstream connection on the way out.
            async with model.run_stream(question, timeout=TIMEOUT) as chat_stream:
                async for partial in chat_stream:
                    if partial.delta:
                        yield _event("delta", {"text": partial.delta})
                final = chat_stream.result
        except YCloudChatError as error:
            yield _event("error", {"message": "the model failed", "request_id": error_id(error)})
            return
        yield _event("done", {"finish_reason": final.finish_reason if final else None})

    return _event_stream(events())


@require_http_methods(["GET", "POST"])
def ask_form(request: HttpRequest) -> HttpResponse:
    """Show the question form; on a valid post, show the model's answer under it."""
    form = QuestionForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            result = llm.model().run(form.cleaned_data["question"], timeout=TIMEOUT)
            context["answer"] = result.text
        except YCloudChatError as error:
            context["error"] = f"The model failed (request {error_id(error)})."
    return render(request, "chat/ask.html", context)


def error_id(error: YCloudChatError) -> str | None:
    """The request id to quote in a bug report, when the error has one."""
    request_id: str | None = getattr(error, "request_id", None)
    return request_id


def _failure(error: YCloudChatError) -> JsonResponse:
    payload = {"error": "the model failed", "request_id": error_id(error)}
    return JsonResponse(payload, status=502)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _event_stream(events: Iterator[str] | AsyncIterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # no buffering in an nginx in front
    return response
