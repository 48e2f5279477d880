"""The pooled transports the SDK makes: TLS settings, and I/O bounded by a call's deadline.

The async face bounds a call with a cancel scope. A blocking read cannot be cancelled from
outside, so the sync face's network streams cap every connect, read and write at what is left
of the call's deadline (set by `bounded_by_deadline`), and fail once nothing is left: a server
that trickles bytes cannot keep a call alive past its deadline.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import ssl
import time
from collections.abc import Iterator
from typing import Union

import httpx

from ._constants import DEFAULT_LIMITS
from ._exceptions import ConfigurationError
from ._intercept import AsyncInterceptableTransport, InterceptableTransport

__all__ = [
    "VerifyTypes",
    "async_pooled_transport",
    "bounded_by_deadline",
    "check_verify",
    "pooled_transport",
]

VerifyTypes = Union[bool, str, "os.PathLike[str]", ssl.SSLContext]

# The monotonic time the current thread's call must be over by (None: no deadline).
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "ycloud_chat_deadline", default=None
)


def check_verify(verify: object) -> ssl.SSLContext | bool:
    """Turn `verify=` (True, False, a CA bundle file or folder, an SSLContext) into httpx's form."""
    if isinstance(verify, (bool, ssl.SSLContext)):
        return verify
    if not isinstance(verify, (str, os.PathLike)):
        raise ConfigurationError(
            "verify must be True, False, a CA bundle path or an ssl.SSLContext, "
            f"got {type(verify).__name__}"
        )
    path = os.fspath(verify)
    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"verify={path!r} is not a readable CA bundle: {type(exc).__name__}: {exc}"
        ) from exc


def async_pooled_transport(verify: ssl.SSLContext | bool) -> httpx.AsyncHTTPTransport:
    """The async face's pooled transport: deadlines are kept by cancel scopes."""
    return AsyncInterceptableTransport(verify=verify, limits=DEFAULT_LIMITS)


def pooled_transport(verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """The sync face's pooled transport, whose network I/O is bounded by the call's deadline."""
    context = httpx.create_ssl_context(verify=verify)
    transport = InterceptableTransport(verify=context, limits=DEFAULT_LIMITS)
    # httpx takes no network backend, so its (still empty) pool is remade with ours.
    from ._deadline_io import deadline_pool  # httpcore is loaded with the first client

    transport._pool = deadline_pool(context)
    return transport


@contextlib.contextmanager
def bounded_by_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, the sync network streams give up after `seconds` in total."""
    if seconds is None:
        yield
        return
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)
