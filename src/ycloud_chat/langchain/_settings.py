"""The settings `ChatYCloud` and `YCloudEmbeddings` share: where to connect, and how.

Each makes its SDKs (one per face) from them on first use, so that a model made from
settings answers on the sync and the async paths alike.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_core.load.serializable import Serializable
from langchain_core.utils import from_env
from pydantic import Field, PrivateAttr, SecretStr

if TYPE_CHECKING:
    from .._async.client import AsyncChatSDK
    from .._sync.client import ChatSDK

__all__ = ["SDKSettings"]

_NAMESPACE = ["ycloud_chat", "langchain"]


class SDKSettings(Serializable):
    """Where the requests go and how they are retried and timed; the SDK's own defaults apply."""

    folder_id: str | None = Field(default_factory=from_env("YC_FOLDER_ID", default=None))
    """The AI Studio folder (default: `YC_FOLDER_ID`)."""
    base_url: str | None = None
    """The API root: AI Studio (default, or `YC_BASE_URL`) or an OpenAI-compatible server."""
    api_key: SecretStr | None = None
    """An API key or IAM token. Left out, the SDK's own discovery applies on AI Studio
    (`YC_API_KEY`, `YC_IAM_TOKEN`, `YC_TOKEN`), which never sends those to another server."""
    timeout: float | None = None
    """The deadline of each call in seconds, over every retry (default: the SDK's, 180)."""
    max_retries: int | None = None
    """How many times the SDK retries a failed request (default: the SDK's, 2). LangChain's
    own retries are not added on top."""

    _sdk: ChatSDK | None = PrivateAttr(default=None)
    _async_sdk: AsyncChatSDK | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    _secret_names: ClassVar[dict[str, str]] = {"api_key": "YC_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Whether LangChain may serialise it: yes, without the key (see `lc_secrets`)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """Where LangChain's loader finds the class: `ycloud_chat.langchain`."""
        return list(_NAMESPACE)

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The secret fields, serialised as the name of the variable that holds them."""
        return dict(self._secret_names)

    def _sdk_arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {"folder_id": self.folder_id, "base_url": self.base_url}
        if self.api_key is not None:
            arguments["auth"] = self.api_key.get_secret_value()
        if self.timeout is not None:
            arguments["timeout"] = self.timeout
        if self.max_retries is not None:
            arguments["max_retries"] = self.max_retries
        return arguments

    def _sync_sdk(self) -> ChatSDK:
        """The sync SDK made from these settings (once, shared by every thread)."""
        with self._lock:
            if self._sdk is None:
                from .._sync.client import ChatSDK

                self._sdk = ChatSDK(**self._sdk_arguments())
            return self._sdk

    def _asynchronous_sdk(self) -> AsyncChatSDK:
        """The async SDK made from these settings (once; it serves every event loop)."""
        with self._lock:
            if self._async_sdk is None:
                from .._async.client import AsyncChatSDK

                self._async_sdk = AsyncChatSDK(**self._sdk_arguments())
            return self._async_sdk

    def close(self) -> None:
        """Close the sync SDK made from the settings (a model of yours stays open)."""
        private = self.__pydantic_private__ or {}
        sdk = private.get("_sdk")
        private["_sdk"] = None
        if sdk is not None:
            sdk.close()

    def __del__(self) -> None:
        # A model made from settings and dropped unclosed (as LangChain code does) gives
        # back its sync pool's sockets; an async pool can only be closed on its event loop.
        with contextlib.suppress(Exception):  # never raise from a finaliser (at exit...)
            self.close()

    async def aclose(self) -> None:
        """Close both SDKs made from the settings (a model of yours stays open)."""
        self.close()
        sdk, self._async_sdk = self._async_sdk, None
        if sdk is not None:
            await sdk.aclose()
