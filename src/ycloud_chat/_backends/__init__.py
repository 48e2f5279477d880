"""The HTTP backends and who owns their connections, in one place (as httpcore has them).

- `_interface`: what the transport asks of a backend (a client that sends, its response);
- `_ownership`: which client serves this process and this event loop (`ClientPool`,
  `AsyncClientPool`), made on first use, dropped after a fork, closed with its loop;
- `_httpx`: httpx's clients behind the interface, the SDK's own and a caller's;
- `_tls`: the SSL contexts of the SDK's own clients, each default one made once per process;
- `_blocking`: the sync face's network streams, bounded by the call's deadline;
- `_aiohttp`: the async face's aiohttp client, on asyncio;
- `_stdlib`: the sync face's default client, on sockets and `http.client`'s parser;
- `_intercept`: the testing kit's hook, answering every SDK-made client with a stand-in.

Only `_ownership` and `_aiohttp` speak to asyncio (ruff's banned-api rule keeps it so).
"""

from ._blocking import bounded_by_deadline
from ._interface import AsyncHTTPClient, AsyncHTTPResponse, HTTPClient, HTTPResponse
from ._ownership import AsyncClientPool, ClientPool

__all__ = [
    "AsyncClientPool",
    "AsyncHTTPClient",
    "AsyncHTTPResponse",
    "ClientPool",
    "HTTPClient",
    "HTTPResponse",
    "bounded_by_deadline",
]
