"""`AsyncChatSDK`: the root object; owns the credentials and one pooled HTTP client."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType

import httpx

from .._auth import BaseAuth, resolve_auth
from .._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_LIST_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RUN_TIMEOUT,
    ENV_BASE_URL,
    ENV_FOLDER_ID,
)
from .._deadline import check_timeout, resolve_timeout
from .._exceptions import ConfigurationError
from .._request import check_folder_id, check_headers, is_ai_studio, normalise_base_url
from ..types.misc import UndefinedOr
from ..types.tools import Tools
from ._transport import AsyncTransport
from .chat import AsyncChat

__all__ = ["AsyncChatSDK"]


class AsyncChatSDK:
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
            the SDK makes one pooled client and closes it in `aclose()`.

    Use it as a context manager, or call `aclose()` when done.
    """

    def __init__(
        self,
        folder_id: str | None = None,
        auth: str | BaseAuth | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        self._default_timeout = check_timeout(timeout)
        if folder_id is None:
            folder_id = os.environ.get(ENV_FOLDER_ID, "").strip() or None
        self.folder_id = check_folder_id(folder_id)
        base_url = base_url or os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
        self.base_url = normalise_base_url(base_url)
        self._ai_studio = is_ai_studio(self.base_url)
        self._transport = AsyncTransport(
            base_url=self.base_url,
            auth=resolve_auth(auth, is_ai_studio=self._ai_studio),
            max_retries=max_retries,
            default_headers=check_headers(default_headers),
            http_client=http_client,
        )
        self.chat = AsyncChat(self)
        self.tools = Tools()
        """Makes function tools: `sdk.tools.function(get_weather)`."""

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._transport.max_retries

    def _timeout_for(self, timeout: UndefinedOr[float | None], *, run: bool) -> float | None:
        fallback = DEFAULT_RUN_TIMEOUT if run else DEFAULT_LIST_TIMEOUT
        return resolve_timeout(timeout, self._default_timeout, fallback)

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

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(folder_id={self.folder_id!r}, base_url={self.base_url!r}, "
            f"auth={self._transport.auth!r})"
        )
