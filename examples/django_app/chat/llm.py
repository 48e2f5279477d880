"""The site's SDKs: made once per process, shared by every request and thread.

`ChatSDK` is thread-safe and keeps one connection pool: the WSGI views use it from all their
worker threads. `AsyncChatSDK` belongs to the one event loop of an ASGI server: only async
views use it, only under ASGI.
"""

from __future__ import annotations

import atexit

from django.conf import settings

from ycloud_chat import AsyncChatModel, AsyncChatSDK, ChatModel, ChatSDK

sdk = ChatSDK()  # folder and key from YC_FOLDER_ID and YC_API_KEY
atexit.register(sdk.close)

async_sdk = AsyncChatSDK()  # its pool is released when the server's process ends


def model() -> ChatModel:
    """The configured model for the sync views."""
    return sdk.chat.completions(settings.CHAT_MODEL).configure(temperature=0.3)


def async_model() -> AsyncChatModel:
    """The configured model for the async views."""
    return async_sdk.chat.completions(settings.CHAT_MODEL).configure(temperature=0.3)
