# GENERATED from src/ycloud_chat/_async/client.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`ChatSDK`: the root object; owns the credentials and one pooled HTTP client."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING

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
from .._network import VerifyTypes
from .._request import (
    check_base_url_scheme,
    check_folder_id,
    check_headers,
    is_ai_studio,
    normalise_base_url,
)
from .._retry import check_max_retries
from ..types.misc import UNDEFINED, UndefinedOr
from ._transport import Transport
from .chat import Chat

if TYPE_CHECKING:
    from ..types.tools import Tools

__all__ = ["ChatSDK"]


class ChatSDK:
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
        http_client: an `httpx.Client` you own (the SDK never closes it); by default
            the SDK makes one pooled client and closes it in `close()`.
        verify: TLS verification of the client the SDK makes: True (the default), a CA
            bundle file or folder, an `ssl.SSLContext`, or False to turn it off.
        allow_insecure_http: allow a plain `http://` base_url to a host other than this
            machine (credentials would travel unencrypted); loopback is always allowed.

    Use it as a context manager, or call `close()` when done. One SDK may be shared by
    many tasks (or threads, on the sync face).
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
        http_client: httpx.Client | None = None,
        verify: VerifyTypes = True,
        allow_insecure_http: bool = False,
    ) -> None:
        max_retries = check_max_retries(max_retries)
        self._default_timeout = check_timeout(timeout)
        if folder_id is None:
            folder_id = os.environ.get(ENV_FOLDER_ID, "").strip() or None
        self.folder_id = check_folder_id(folder_id)
        base_url = base_url or os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
        self.base_url = normalise_base_url(base_url)
        check_base_url_scheme(self.base_url, allow_insecure_http=allow_insecure_http)
        self._ai_studio = is_ai_studio(self.base_url)
        self._transport = Transport(
            base_url=self.base_url,
            auth=resolve_auth(auth, is_ai_studio=self._ai_studio),
            max_retries=max_retries,
            default_headers=check_headers(default_headers),
            http_client=http_client,
            verify=verify,
        )
        self.chat = Chat(self)

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        timeout: UndefinedOr[float | None] = UNDEFINED,
    ) -> ChatSDK:
        """Return a light copy with other retry or timeout defaults, sharing this connection pool.

        The copy uses the same credentials, headers and connections. This SDK owns the pool:
        closing the copy leaves it open, closing this SDK closes it for every copy.

        Args:
            max_retries: how many times a failed request is retried (None keeps this SDK's).
            timeout: the default timeout in seconds (left out: keep this SDK's; None: the
                built-in defaults, as in the constructor).
        """
        retries = self.max_retries if max_retries is None else check_max_retries(max_retries)
        default_timeout = self._default_timeout
        if timeout is not UNDEFINED:
            default_timeout = check_timeout(timeout)
        clone = copy.copy(self)
        clone._default_timeout = default_timeout
        clone._transport = self._transport.shared(max_retries=retries)
        clone.chat = Chat(clone)
        return clone

    @property
    def tools(self) -> Tools:
        """Makes function tools: `sdk.tools.function(get_weather)`."""
        from ..types.tools import Tools  # pydantic is loaded with the first model, not before

        return Tools()

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._transport.max_retries

    def _timeout_for(self, timeout: UndefinedOr[float | None], *, run: bool) -> float | None:
        fallback = DEFAULT_RUN_TIMEOUT if run else DEFAULT_LIST_TIMEOUT
        return resolve_timeout(timeout, self._default_timeout, fallback)

    def close(self) -> None:
        """Close the connection pool (not a caller-owned `http_client`)."""
        self._transport.close()

    def __enter__(self) -> ChatSDK:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(folder_id={self.folder_id!r}, base_url={self.base_url!r}, "
            f"auth={self._transport.auth!r})"
        )
