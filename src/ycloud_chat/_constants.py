"""Defaults shared by both faces: the service URL, timeouts, retry bounds and header names."""

from __future__ import annotations

import sys

import httpx

from ._version import __version__

DEFAULT_BASE_URL = "https://llm.api.cloud.yandex.net/v1"
AI_STUDIO_HOST = "llm.api.cloud.yandex.net"

DEFAULT_RUN_TIMEOUT = 180.0
DEFAULT_LIST_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 2
# The largest answer body (after decompression) and the largest single event of a stream the
# SDK holds in memory; both are settings of the SDK (`max_body_bytes`, `max_event_bytes`).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024
# After a stream's `[DONE]`, how long to wait for the end of the body (so that the connection
# can be reused) before giving the connection up.
STREAM_DRAIN_GRACE = 1.0

# Backoff: INITIAL * 2**attempt, capped, scaled by a jitter factor in [1 - JITTER, 1].
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_JITTER = 0.25
# A retry is only made when at least this much of the call's deadline is left for it.
MIN_ATTEMPT_TIME = 0.5
# A server's Retry-After longer than this is not worth waiting for inside one call.
MAX_RETRY_AFTER = 60.0

DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_MAX_KEEPALIVE = 64
# Enough idle connections for a threaded server (one SDK shared by dozens of threads) to
# reuse them instead of reconnecting.
DEFAULT_LIMITS = httpx.Limits(
    max_connections=DEFAULT_MAX_CONNECTIONS,
    max_keepalive_connections=DEFAULT_MAX_KEEPALIVE,
    keepalive_expiry=30,
)

USER_AGENT = f"ycloud-chat/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]}"

HEADER_CLIENT_REQUEST_ID = "x-client-request-id"
HEADER_SERVER_REQUEST_ID = "x-request-id"
HEADER_SERVER_TRACE_ID = "x-server-trace-id"
HEADER_PROJECT = "OpenAI-Project"

ENV_FOLDER_ID = "YC_FOLDER_ID"
ENV_BASE_URL = "YC_BASE_URL"
ENV_API_KEY = "YC_API_KEY"
ENV_IAM_TOKEN = "YC_IAM_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_TOKEN = "YC_TOKEN"  # noqa: S105
# "httpx" pins both faces to httpx; "aiohttp" is the async face's default where aiohttp is
# installed, "http.client" the sync face's. Each face ignores the other face's backend.
ENV_HTTP_BACKEND = "YCLOUD_CHAT_HTTP_BACKEND"
