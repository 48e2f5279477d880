"""A FastAPI service that answers with ycloud-chat: a JSON endpoint and a streamed one (SSE).

Run it from this folder with `uvicorn chat_api:app`, with `YC_FOLDER_ID` and `YC_API_KEY` (or
`YC_BASE_URL` for another server) in the environment.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from ycloud_chat import (
    APIConnectionError,
    APIResponseError,
    AsyncChatModel,
    AsyncChatSDK,
    YCloudChatError,
)


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One SDK (one connection pool) for the whole process, closed when the server stops."""
    async with AsyncChatSDK() as sdk:  # YC_FOLDER_ID and YC_API_KEY from the environment
        app.state.model = sdk.chat.completions("yandexgpt").configure(temperature=0.3)
        yield


app = FastAPI(lifespan=lifespan)
# --8<-- [end:lifespan]


def chat_model(request: Request) -> AsyncChatModel:
    """The application's model, for the endpoints that ask for it."""
    model: AsyncChatModel = request.app.state.model
    return model


Model = Annotated[AsyncChatModel, Depends(chat_model)]


class Question(BaseModel):
    """The body of `POST /ask`."""

    text: str


class Answer(BaseModel):
    """The answer of `POST /ask`, with the id to quote when something looks wrong."""

    text: str
    request_id: str | None


# --8<-- [start:ask]
@app.post("/ask")
async def ask(question: Question, model: Model) -> Answer:
    """Answer a question as JSON; a failed model call is a 502 that names its request id."""
    try:
        result = await model.run(question.text, timeout=30)  # a page should not wait minutes
    except (APIConnectionError, APIResponseError) as error:
        raise HTTPException(502, f"the model failed (request {error.request_id})") from error
    return Answer(text=result.text, request_id=result.request_id)
    # --8<-- [end:ask]


# --8<-- [start:stream]
@app.get("/stream")
async def stream(q: str, model: Model) -> StreamingResponse:
    """Relay the answer as server-sent events, piece by piece, as the model writes it.

    The stream is opened inside the generator, in an `async with` block: when the browser goes
    away, the server cancels the generator, the block exits and the SDK closes the upstream
    connection at once, so the model stops writing for nobody.
    """

    async def events() -> AsyncIterator[str]:
        try:
            async with model.run_stream(q, timeout=30) as chat_stream:
                async for partial in chat_stream:
                    if partial.delta:
                        yield f"data: {json.dumps({'text': partial.delta})}\n\n"
        except YCloudChatError:
            yield "event: error\ndata: {}\n\n"
            return
        yield "event: done\ndata: {}\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
    # --8<-- [end:stream]
