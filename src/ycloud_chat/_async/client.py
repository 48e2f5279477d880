"""`AsyncChatSDK`: the root object; owns the credentials and one pooled HTTP client."""

from __future__ import annotations

from types import TracebackType

import httpx

from .._base_client import BaseChatSDK
from ._transport import AsyncTransport
from .chat import AsyncChat

__all__ = ["AsyncChatSDK"]


class AsyncChatSDK(BaseChatSDK[httpx.AsyncClient, AsyncTransport, AsyncChat]):
    """The entry point: `sdk.chat.completions("yandexgpt").run("Hello")`.

    Args:
        folder_id: the AI Studio folder; defaults to `YC_FOLDER_ID`.
        auth: an API key or IAM token (str), or an auth object such as `APIKeyAuth`. On
            AI Studio it defaults to `YC_API_KEY`, then `YC_IAM_TOKEN`, then `YC_TOKEN`;
            those are never sent to another server, which gets only an explicit `auth`.
        base_url: the API root: AI Studio or any OpenAI-compatible server; defaults to
            `YC_BASE_URL`, else AI Studio.
        timeout: the default timeout in seconds for calls that give none.
        max_retries: how many times a failed request is retried (connection errors,
            408, 409, 429 and 5xx); 0 disables retries.
        default_headers: extra headers sent on every request.
        http_client: an `httpx.AsyncClient` you own (the SDK never closes it); by default
            the SDK makes one pooled client and closes it in `aclose()`. The SDK's deadlines
            hold on it too: a blocking client's pools get network I/O bounded by them.
        verify: TLS verification of the client the SDK makes: True (the default), a CA
            bundle file or folder, an `ssl.SSLContext`, or False to turn it off.
        proxy: the proxy for every request of the client the SDK makes, such as
            `http://user:password@proxy:3128`, or None for none. Left out, the proxies of
            the environment are used (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`), except for
            the hosts in `NO_PROXY` and this machine's own addresses.
        allow_insecure_http: allow a plain `http://` base_url to a host other than this
            machine (credentials would travel unencrypted); loopback is always allowed.
        max_body_bytes: the largest answer body the SDK reads, counted after
            decompression (default 64 MiB); a larger one raises `ResponseTooLargeError`.
        max_event_bytes: the largest single event of a stream (default 16 MiB); a larger
            one raises `ResponseTooLargeError`.
        http_backend: `"aiohttp"` or `"httpx"`: the HTTP client the async face runs on.
            By default it is aiohttp on asyncio when it is installed (`pip install
            "ycloud-chat[aiohttp]"`), httpx otherwise, and `YCLOUD_CHAT_HTTP_BACKEND=httpx`
            pins httpx. Trio and an `http_client` of your own run on httpx. (The sync face
            runs on `"http.client"`, its default, or `"httpx"`.) Both behave the same.
        max_connections: the most connections the SDK's pool opens at once (100).
        limits: `Limits` every call of this SDK shares (in flight, requests and tokens
            per minute; a 429 pauses them all); none by default.
        tracing: OpenTelemetry spans and metrics of every call: by default on when the API
            is installed (`pip install "ycloud-chat[otel]"`) unless `YCLOUD_CHAT_TRACING=off`;
            False turns them off, True requires them.
        tracer_provider: the OpenTelemetry tracer provider of the spans (default: the
            global one).
        meter_provider: the OpenTelemetry meter provider of the metrics (default: the
            global one).

    Use it as a context manager, or call `aclose()` when done. One SDK may be shared by
    many tasks (or threads, on the sync face).
    """

    _transport_class = AsyncTransport
    _chat_class = AsyncChat

    async def aclose(self) -> None:
        """Close the connection pool (not a caller-owned `http_client`)."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncChatSDK:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
