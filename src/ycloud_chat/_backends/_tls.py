"""The SSL contexts of the SDK's own clients: each default one made once per process.

Loading the trusted certificates takes tens of milliseconds, and on the async face it blocks
the event loop that makes the first client. Every client of every SDK, event loop and
`asyncio.run` in a process shares one context per setting instead of loading them again.
"""

from __future__ import annotations

import os
import ssl

import httpx

__all__ = ["ssl_context"]

# By `verify=` and the variables httpx reads to find the certificates (a test may set them).
_CONTEXTS: dict[tuple[bool, str | None, str | None], ssl.SSLContext] = {}


def ssl_context(verify: ssl.SSLContext | bool) -> ssl.SSLContext:
    """The context for `verify=`: a caller's own as it is, else the process's shared one."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    key = (verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _CONTEXTS.get(key)
    if context is None:  # two threads may both make one: the last kept, both are right
        context = _CONTEXTS[key] = httpx.create_ssl_context(verify=verify)
    return context
