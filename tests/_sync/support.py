# GENERATED from tests/_async/support.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""Helpers the face tests share: an SDK over a test transport, and a stream read to its end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests import loopback
from tests.helpers import SECRET
from ycloud_chat import ChatModelResult, ChatSDK, ChatStream, ToolCall

Result = ChatModelResult[ToolCall]
Handler = Callable[[httpx.Request], httpx.Response]


def make_sdk(transport: httpx.BaseTransport | Handler, **kwargs: Any) -> ChatSDK:
    """An SDK (folder `folder1`, key `SECRET` unless given) whose client answers from `transport`.

    A plain function is served through `httpx.MockTransport`. On the aiohttp backend (the
    `http_backend` fixture), the transport is served on a loopback port instead.
    """
    if not isinstance(transport, httpx.BaseTransport):
        transport = httpx.MockTransport(transport)
    kwargs.setdefault("folder_id", "folder1")
    kwargs.setdefault("auth", SECRET)
    if loopback.SERVERS is None:
        return ChatSDK(http_client=httpx.Client(transport=transport), **kwargs)
    sdk = ChatSDK(**kwargs)
    # The SDK is as it was made for its base_url; only its requests go to the loopback port.
    intended = urlsplit(sdk.base_url)
    origin = f"{intended.scheme}://{intended.netloc}"
    served = loopback.SERVERS.enter_context(loopback.serve(transport, origin))
    settings = sdk._transport.settings
    sdk._transport.settings = replace(settings, base_url=served + intended.path)
    return sdk


def collect(stream: ChatStream, into: list[Result] | None = None) -> list[Result]:
    """Every result of a stream, read inside its context; `into` keeps them even on an error."""
    results = [] if into is None else into
    with stream:
        for partial in stream:
            results.append(partial)
    return results
