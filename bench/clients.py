"""The clients under test, each doing the same calls: raw HTTP clients, ycloud_chat, openai.

Every client offers the same calls, sync or async: `run()` (one non-stream request, answer
parsed) and `stream(model, read)` (one streamed answer, every event parsed and read as a user
reads it: the new text of each chunk, or with `read="text"` ycloud_chat's cumulative `text`).
The raw clients are the baselines: the same request built by hand, `json.loads` on each event
and its `choices[0].delta.content` taken, the least a correct client can do; raw aiohttp and
raw `http.client` are the limits of their faces, raw httpx the client ycloud_chat's httpx
backend is built on.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
import httpx

MESSAGES = [{"role": "user", "content": "Tell me about platypuses"}]
KEY = "bench-key"


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}", "x-client-request-id": str(uuid.uuid4())}


def _body(model: str, stream: bool) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, "stream": stream}


Read = Literal["delta", "text"]
"""What a stream loop reads of each chunk: its new text, or (ycloud_chat) the text so far."""


def _take_delta(event: Any) -> Any:
    """What a raw client's user reads of an event: its first choice's new content."""
    choices = event["choices"]
    return choices[0]["delta"].get("content") if choices else None


def _events(lines: Any) -> int:
    count = 0
    for line in lines:
        if line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                break
            choices = json.loads(data)["choices"]  # `_take_delta()`, inlined as users write it
            if choices:
                choices[0]["delta"].get("content")
            count += 1
    return count


async def _count(iterator: Any) -> int:
    count = 0
    async for _ in iterator:
        count += 1
    return count


def _read_chunk(chunk: Any) -> Any:
    """What an openai user reads of a chunk: its first choice's new content."""
    return chunk.choices[0].delta.content if chunk.choices else None


class RawSync:
    """httpx.Client with hand-built requests."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/chat/completions"
        self.client = httpx.Client()

    def run(self) -> None:
        response = self.client.post(self.url, json=_body("bench", False), headers=_headers())
        response.raise_for_status()
        json.loads(response.content)

    def stream(self, model: str, read: Read = "delta") -> int:
        body = _body(model, True)
        with self.client.stream("POST", self.url, json=body, headers=_headers()) as response:
            response.raise_for_status()
            return _events(response.iter_lines())

    def close(self) -> None:
        self.client.close()


class RawHTTPClient:
    """One keep-alive `http.client` connection with hand-built requests."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.path = parts.path + "/chat/completions"
        self.connection = http.client.HTTPConnection(parts.netloc)

    def _post(self, body: dict[str, Any]) -> http.client.HTTPResponse:
        headers = {**_headers(), "Content-Type": "application/json"}
        self.connection.request("POST", self.path, json.dumps(body).encode(), headers)
        response = self.connection.getresponse()
        assert response.status == 200, response.status
        return response

    def run(self) -> None:
        json.loads(self._post(_body("bench", False)).read())

    def stream(self, model: str, read: Read = "delta") -> int:
        response = self._post(_body(model, True))
        count = 0
        for line in response:
            if line.startswith(b"data: "):
                data = line[6:].rstrip(b"\r\n")
                if data == b"[DONE]":
                    break
                _take_delta(json.loads(data))
                count += 1
        response.read()  # to the end: the connection is reused
        return count

    def close(self) -> None:
        self.connection.close()


class RawAiohttp:
    """aiohttp.ClientSession with hand-built requests."""

    def __init__(self, base_url: str, max_connections: int = 100) -> None:
        self.url = base_url + "/chat/completions"
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=max_connections))

    async def run(self) -> None:
        async with self.session.post(
            self.url, json=_body("bench", False), headers=_headers()
        ) as response:
            response.raise_for_status()
            json.loads(await response.read())

    async def stream(self, model: str, read: Read = "delta") -> int:
        return await _count(self.open_stream(model))

    async def open_stream(self, model: str) -> Any:
        """An async iterator of what is read of each event (also for the memory test)."""
        async with self.session.post(
            self.url, json=_body(model, True), headers=_headers()
        ) as response:
            response.raise_for_status()
            async for line in response.content:
                if line.startswith(b"data: "):
                    data = line[6:].rstrip(b"\r\n")
                    if data == b"[DONE]":
                        break
                    yield _take_delta(json.loads(data))

    async def close(self) -> None:
        await self.session.close()


class RawAsync:
    """httpx.AsyncClient with hand-built requests."""

    def __init__(self, base_url: str, max_connections: int = 100) -> None:
        self.url = base_url + "/chat/completions"
        limits = httpx.Limits(max_connections=max_connections)
        self.client = httpx.AsyncClient(limits=limits)

    async def run(self) -> None:
        response = await self.client.post(self.url, json=_body("bench", False), headers=_headers())
        response.raise_for_status()
        json.loads(response.content)

    async def stream(self, model: str, read: Read = "delta") -> int:
        body = _body(model, True)
        async with self.client.stream("POST", self.url, json=body, headers=_headers()) as response:
            response.raise_for_status()
            count = 0
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    choices = json.loads(data)["choices"]  # `_take_delta()`, inlined
                    if choices:
                        choices[0]["delta"].get("content")
                    count += 1
            return count

    async def open_stream(self, model: str) -> Any:
        """An async iterator of what is read of each event (for the memory test)."""
        body = _body(model, True)
        async with self.client.stream("POST", self.url, json=body, headers=_headers()) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    yield _take_delta(json.loads(line[6:]))

    async def close(self) -> None:
        await self.client.aclose()


class YCloudSync:
    """ycloud_chat.ChatSDK on one of its HTTP backends (http.client, its default)."""

    backend: Literal["http.client", "httpx"] = "http.client"

    def __init__(self, base_url: str) -> None:
        from ycloud_chat import ChatSDK

        self.sdk = ChatSDK(base_url=base_url, auth=KEY, max_retries=0, http_backend=self.backend)
        self.completions = self.sdk.chat.completions
        self.model = self.completions("bench")

    def run(self) -> None:
        self.model.run(MESSAGES)

    def stream(self, model: str, read: Read = "delta") -> int:
        count = 0
        with self.completions(model).run_stream(MESSAGES) as stream:
            if read == "text":
                for result in stream:
                    result.text  # noqa: B018 (what the loop measures: reading it)
                    count += 1
            else:
                for result in stream:
                    result.delta  # noqa: B018
                    count += 1
        return count

    def close(self) -> None:
        self.sdk.close()


class YCloudSyncHttpx(YCloudSync):
    """ycloud_chat.ChatSDK pinned to httpx."""

    backend = "httpx"


class YCloudAsync:
    """ycloud_chat.AsyncChatSDK on one of its HTTP backends."""

    backend: Literal["aiohttp", "httpx"] = "aiohttp"

    def __init__(self, base_url: str, max_connections: int = 100) -> None:
        from ycloud_chat import AsyncChatSDK

        self.sdk = AsyncChatSDK(
            base_url=base_url,
            auth=KEY,
            max_retries=0,
            http_backend=self.backend,
            max_connections=max_connections,
        )
        self.completions = self.sdk.chat.completions
        self.model = self.completions("bench")

    async def run(self) -> None:
        await self.model.run(MESSAGES)

    async def stream(self, model: str, read: Read = "delta") -> int:
        count = 0
        async with self.completions(model).run_stream(MESSAGES) as stream:
            if read == "text":
                async for result in stream:
                    result.text  # noqa: B018 (what the loop measures: reading it)
                    count += 1
            else:
                async for result in stream:
                    result.delta  # noqa: B018
                    count += 1
        return count

    async def open_stream(self, model: str) -> Any:
        """An async iterator of each result's delta (for the many-streams memory test)."""
        async with self.completions(model).run_stream(MESSAGES) as stream:
            async for result in stream:
                yield result.delta

    async def close(self) -> None:
        await self.sdk.aclose()


class YCloudAsyncHttpx(YCloudAsync):
    """ycloud_chat.AsyncChatSDK pinned to httpx."""

    backend = "httpx"


class OpenAISync:
    """openai.OpenAI."""

    def __init__(self, base_url: str) -> None:
        import openai

        self.client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)

    def run(self) -> None:
        self.client.chat.completions.create(model="bench", messages=MESSAGES)  # type: ignore[arg-type]

    def stream(self, model: str, read: Read = "delta") -> int:
        count = 0
        with self.client.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        ) as stream:
            for chunk in stream:
                _read_chunk(chunk)
                count += 1
        return count

    def close(self) -> None:
        self.client.close()


class OpenAIAsync:
    """openai.AsyncOpenAI on its default httpx client."""

    def __init__(self, base_url: str, max_connections: int = 100) -> None:
        import openai

        self.http_client = self._http_client(max_connections)
        self.client = openai.AsyncOpenAI(
            base_url=base_url, api_key=KEY, max_retries=0, http_client=self.http_client
        )

    def _http_client(self, max_connections: int) -> Any:
        import openai

        return openai.DefaultAsyncHttpxClient(limits=_limits(max_connections))

    async def run(self) -> None:
        await self.client.chat.completions.create(model="bench", messages=MESSAGES)  # type: ignore[arg-type]

    async def stream(self, model: str, read: Read = "delta") -> int:
        return await _count(self.open_stream(model))

    async def open_stream(self, model: str) -> Any:
        """An async iterator of each chunk's new content (also for the memory test)."""
        stream = await self.client.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        async with stream:
            async for chunk in stream:
                yield _read_chunk(chunk)

    async def close(self) -> None:
        await self.client.close()
        await self.http_client.aclose()


class OpenAIAioAsync(OpenAIAsync):
    """openai.AsyncOpenAI on `DefaultAioHttpClient` (the `openai[aiohttp]` extra)."""

    def _http_client(self, max_connections: int) -> Any:
        import openai

        return openai.DefaultAioHttpClient(limits=_limits(max_connections))


def _limits(max_connections: int) -> Any:
    """The openai SDK's connection limits with more connections (its httpx's own type)."""
    import openai._constants

    defaults = openai._constants.DEFAULT_CONNECTION_LIMITS
    return type(defaults)(
        max_connections=max_connections,
        max_keepalive_connections=defaults.max_keepalive_connections,
        keepalive_expiry=defaults.keepalive_expiry,
    )


SYNC: dict[str, Callable[[str], Any]] = {
    "httpx": RawSync,
    "http.client": RawHTTPClient,
    "ycloud_chat": YCloudSync,
    "ycloud_chat httpx": YCloudSyncHttpx,
    "openai": OpenAISync,
}
ASYNC: dict[str, Callable[..., Any]] = {
    "httpx": RawAsync,
    "aiohttp": RawAiohttp,
    "ycloud_chat": YCloudAsync,
    "ycloud_chat httpx": YCloudAsyncHttpx,
    "openai": OpenAIAsync,
    "openai aiohttp": OpenAIAioAsync,
}
