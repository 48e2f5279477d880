"""Obtaining IAM tokens over this face's I/O: one exchange at a time for every caller.

What each credential asks and how its answer reads is in `.._credentials`; the single flight
is `.._token_cache`. Here are only the waits, the requests and the command runs.
"""

from __future__ import annotations

import logging

import httpx

from .. import _token_cache
from .._backends import AsyncHTTPClient, AsyncHTTPResponse
from .._concurrency import async_deadline_scope, async_run_process, async_sleep, async_wait_event
from .._credentials import (
    MAX_ANSWER_BYTES,
    ExchangeFailure,
    ExchangingAuth,
    HTTPCall,
)
from .._deadline import Deadline
from .._exceptions import CredentialsError
from .._retry import backoff_delay
from .._token_cache import Flight, Token

__all__ = ["obtain_token"]

logger = logging.getLogger("ycloud_chat")


async def obtain_token(auth: ExchangingAuth, client: AsyncHTTPClient, deadline: Deadline) -> None:
    """Make sure `auth` holds a fresh token: exchange for one, or wait for whoever does.

    `client` is the SDK's pooled HTTP client. TimeoutError when `deadline` runs out first.
    """
    while True:
        serving = auth.serving()
        if serving is None:
            return  # a static fallback serves
        flight, leading = serving.cache.join()
        if flight is None:
            return
        if leading:
            await _lead(serving, flight, client, deadline)
            continue
        if not await async_wait_event(flight.done, deadline.remaining()):
            raise TimeoutError("the call's deadline ran out while an IAM token was obtained")
        if flight.error is not None:
            raise CredentialsError(str(flight.error))
        # Obtained, or given way to the fallback, or its leader was cancelled: look again.


async def _lead(
    auth: ExchangingAuth, flight: Flight, client: AsyncHTTPClient, deadline: Deadline
) -> None:
    try:
        token = await _exchange(auth, client, deadline)
    except CredentialsError as exc:
        if auth.fallback is not None and auth.cache.fall_back(flight):
            logger.info("%s; using %r instead", exc, auth.fallback)
        elif not auth.cache.land(flight, None, exc):
            raise
    except BaseException:
        auth.cache.land(flight, None, None)
        raise
    else:
        auth.cache.land(flight, token, None)


async def _exchange(auth: ExchangingAuth, client: AsyncHTTPClient, deadline: Deadline) -> Token:
    """A new token, retrying transient failures with backoff while the deadline allows."""
    attempt = 0
    while True:
        try:
            return await _attempt(auth, client, deadline)
        except ExchangeFailure as failure:
            delay = backoff_delay(attempt)
            attempt += 1
            if not failure.transient or attempt >= auth.attempts() or not deadline.allows(delay):
                raise auth.failure(failure.reason) from None
            await async_sleep(delay)


async def _attempt(auth: ExchangingAuth, client: AsyncHTTPClient, deadline: Deadline) -> Token:
    call = auth.call(_token_cache.clock())
    remaining = deadline.remaining()
    timeout = call.timeout if remaining is None else min(call.timeout, remaining)
    if isinstance(call, HTTPCall):
        status, content = await _send(client, call, timeout)
    else:
        try:
            status, content = await async_run_process(call.argv, timeout)
        except TimeoutError:
            raise ExchangeFailure(
                f"the command ran longer than {timeout:g}s", transient=True
            ) from None
        except OSError as exc:
            raise ExchangeFailure(
                f"cannot run the command ({exc.strerror or exc})", transient=False
            ) from None
    return auth.read(status, content, _token_cache.clock())


async def _send(client: AsyncHTTPClient, call: HTTPCall, timeout: float) -> tuple[int, bytes]:
    """The status and body of one exchange request, failures made transient ExchangeFailures."""
    try:
        async with async_deadline_scope(timeout):
            response = await client.send(
                call.method,
                call.url,
                content=call.body,
                headers=call.headers,
                timeout=httpx.Timeout(timeout),
            )
            try:
                content = await _read(response)
            finally:
                await response.aclose()
    except (TimeoutError, httpx.TimeoutException):
        raise ExchangeFailure(f"no answer within {timeout:g}s", transient=True) from None
    except httpx.HTTPError as exc:
        raise ExchangeFailure(
            f"the connection failed ({type(exc).__name__})", transient=True
        ) from None
    return response.status_code, content


async def _read(response: AsyncHTTPResponse) -> bytes:
    content = b""
    async for chunk in response.aiter_raw():
        content += chunk
        if len(content) > MAX_ANSWER_BYTES:
            raise ExchangeFailure(
                f"the answer is larger than {MAX_ANSWER_BYTES} bytes", transient=False
            )
    return content
