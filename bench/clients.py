"""The clients under test, each doing the same calls: raw httpx, ycloud_chat, the openai SDK.

Every client offers the same four calls, sync or async: `run()` (one non-stream request,
answer parsed) and `stream(model)` (one streamed answer, every event parsed and consumed).
The raw httpx client is the baseline: the same request built by hand and `json.loads` on each
event, the least a correct client can do.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx

MESSAGES = [{"role": "user", "content": "Tell me about platypuses"}]
KEY = "bench-key"


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}", "x-client-request-id": str(uuid.uuid4())}


def _body(model: str, stream: bool) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES, "stream": stream}


def _events(lines: Any) -> int:
    count = 0
    for line in lines:
        if line.startswith("data: "):
            data = line[6:]
            if data == "[DONE]":
                break
            json.loads(data)
            count += 1
    return count


class RawSync:
    """httpx.Client with hand-built requests."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/chat/completions"
        self.client = httpx.Client()

    def run(self) -> None:
        response = self.client.post(self.url, json=_body("bench", False), headers=_headers())
        response.raise_for_status()
        json.loads(response.content)

    def stream(self, model: str) -> int:
        body = _body(model, True)
        with self.client.stream("POST", self.url, json=body, headers=_headers()) as response:
            response.raise_for_status()
            return _events(response.iter_lines())

    def close(self) -> None:
        self.client.close()


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

    async def stream(self, model: str) -> int:
        body = _body(model, True)
        async with self.client.stream("POST", self.url, json=body, headers=_headers()) as response:
            response.raise_for_status()
            count = 0
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    json.loads(data)
                    count += 1
            return count

    async def open_stream(self, model: str) -> Any:
        """An async iterator of parsed events (for the many-streams memory test)."""
        body = _body(model, True)
        async with self.client.stream("POST", self.url, json=body, headers=_headers()) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    yield json.loads(line[6:])

    async def close(self) -> None:
        await self.client.aclose()


class YCloudSync:
    """ycloud_chat.ChatSDK."""

    def __init__(self, base_url: str) -> None:
        from ycloud_chat import ChatSDK

        self.sdk = ChatSDK(base_url=base_url, auth=KEY, max_retries=0)
        self.completions = self.sdk.chat.completions
        self.model = self.completions("bench")

    def run(self) -> None:
        self.model.run(MESSAGES)

    def stream(self, model: str) -> int:
        count = 0
        with self.completions(model).run_stream(MESSAGES) as stream:
            for _ in stream:
                count += 1
        return count

    def close(self) -> None:
        self.sdk.close()


class YCloudAsync:
    """ycloud_chat.AsyncChatSDK."""

    def __init__(self, base_url: str, max_connections: int = 100) -> None:
        from ycloud_chat import AsyncChatSDK

        client = None
        if max_connections > 100:
            client = httpx.AsyncClient(limits=httpx.Limits(max_connections=max_connections))
        self.http_client = client
        self.sdk = AsyncChatSDK(base_url=base_url, auth=KEY, max_retries=0, http_client=client)
        self.completions = self.sdk.chat.completions
        self.model = self.completions("bench")

    async def run(self) -> None:
        await self.model.run(MESSAGES)

    async def stream(self, model: str) -> int:
        count = 0
        async with self.completions(model).run_stream(MESSAGES) as stream:
            async for _ in stream:
                count += 1
        return count

    async def open_stream(self, model: str) -> Any:
        """An async iterator of results (for the many-streams memory test)."""
        async with self.completions(model).run_stream(MESSAGES) as stream:
            async for result in stream:
                yield result

    async def close(self) -> None:
        await self.sdk.aclose()
        if self.http_client is not None:
            await self.http_client.aclose()


class OpenAISync:
    """openai.OpenAI."""

    def __init__(self, base_url: str) -> None:
        import openai

        self.client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)

    def run(self) -> None:
        self.client.chat.completions.create(model="bench", messages=MESSAGES)  # type: ignore[arg-type]

    def stream(self, model: str) -> int:
        count = 0
        with self.client.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        ) as stream:
            for _ in stream:
                count += 1
        return count

    def close(self) -> None:
        self.client.close()


class OpenAIAsync:
    """openai.AsyncOpenAI."""

    def __init__(self, base_url: str, max_connections: int = 100) -> None:
        import openai

        limits = httpx.Limits(max_connections=max_connections)
        self.http_client = httpx.AsyncClient(limits=limits)
        self.client = openai.AsyncOpenAI(
            base_url=base_url, api_key=KEY, max_retries=0, http_client=self.http_client
        )

    async def run(self) -> None:
        await self.client.chat.completions.create(model="bench", messages=MESSAGES)  # type: ignore[arg-type]

    async def stream(self, model: str) -> int:
        count = 0
        stream = await self.client.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        async with stream:
            async for _ in stream:
                count += 1
        return count

    async def open_stream(self, model: str) -> Any:
        """An async iterator of chunks (for the many-streams memory test)."""
        stream = await self.client.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        async with stream:
            async for chunk in stream:
                yield chunk

    async def close(self) -> None:
        await self.client.close()
        await self.http_client.aclose()


SYNC: dict[str, Callable[[str], Any]] = {
    "httpx": RawSync,
    "ycloud_chat": YCloudSync,
    "openai": OpenAISync,
}
ASYNC: dict[str, Callable[..., Any]] = {
    "httpx": RawAsync,
    "ycloud_chat": YCloudAsync,
    "openai": OpenAIAsync,
}
