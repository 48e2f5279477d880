"""The settings an SDK's calls are sent with: fixed when it is made, copied with changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._auth import BaseAuth
from ._constants import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENT_BYTES
from ._tracing import NO_TRACING, Tracing

__all__ = ["TransportSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportSettings:
    """What every call of one SDK is sent with, made once from its checked arguments.

    `with_options` makes another with `dataclasses.replace`. What makes the connection pool
    (the HTTP client, TLS, proxies) is not here: the transport owns it, and its copies share it.
    """

    base_url: str
    """The server's URL without a trailing slash; a call's path is appended to it."""
    folder_id: str | None
    """The AI Studio folder of the model URIs, or None."""
    ai_studio: bool
    """Whether the server is AI Studio (judged from the URL the SDK was made for)."""
    auth: BaseAuth
    """The credentials of every request."""
    max_retries: int
    """How many times a failed request is retried."""
    default_timeout: float | None
    """The SDK's timeout of a call in seconds (None: the built-in ones)."""
    default_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Headers added to every request (left out of the repr: they may carry secrets)."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    """The largest answer body accepted, in bytes."""
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    """The largest stream event accepted, in bytes."""
    tracing: Tracing = NO_TRACING
    """How the calls are traced."""
