"""What the SDK and its transport are on both faces, before any I/O: settings, checks, requests.

`BaseChatSDK` checks the constructor's arguments and the environment, and makes copies
(`with_options`); `BaseTransport` holds the settings of the calls (`TransportSettings`:
credentials, retries, timeouts, headers) and the pooled client, and builds requests and
judges answers. The faces (`AsyncChatSDK` / `ChatSDK`, `AsyncTransport` / `Transport`) add
only what sends and waits.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import httpx

from ._arguments import (
    HTTPBackend,
    VerifyTypes,
    check_base_url_scheme,
    check_folder_id,
    check_headers,
    check_max_connections,
    check_max_retries,
    check_size_limit,
    check_verify,
    normalise_base_url,
)
from ._auth import BaseAuth, resolve_auth
from ._backends import (
    AsyncClientPool,
    AsyncHTTPClient,
    ClientPool,
    HTTPClient,
)
from ._backends._interface import AnyResponse
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_LIST_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RUN_TIMEOUT,
    ENV_BASE_URL,
    ENV_FOLDER_ID,
    HEADER_PROJECT,
)
from ._credentials import ExchangingAuth
from ._deadline import check_timeout, resolve_timeout
from ._exceptions import ClientClosedError, ConfigurationError, ConfigurationTypeError
from ._exchange import Exchange, Retryable
from ._limits import Limiter, Limits, check_limits, estimate_tokens, used_tokens
from ._pickling import Origin, rebuild_sdk, rebuild_transport
from ._proxies import ProxyInput, proxy_routes
from ._request import build_headers, is_ai_studio, model_uri, redacted_headers
from ._retry import retry_delay, should_retry_status
from ._settings import TransportSettings
from ._tracing import Tracing
from .types.misc import UNDEFINED, UndefinedOr

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from typing_extensions import Self

    from .types.tools import Tools

__all__ = [
    "BaseChat",
    "BaseChatCompletions",
    "BaseChatEmbeddings",
    "BaseChatSDK",
    "BaseTransport",
    "ModelCatalog",
]

logger = logging.getLogger("ycloud_chat")

ClientT = TypeVar("ClientT", bound=httpx.AsyncClient | httpx.Client)
TransportT = TypeVar("TransportT", bound="BaseTransport[Any]")
ChatT = TypeVar("ChatT")


class BaseTransport(Generic[ClientT]):
    """One SDK's settings, pool and limits, and the pure steps of sending a call.

    Models and domains get the transport, not the SDK: its `settings` tell them the folder,
    whether the server is AI Studio, and how calls are traced; `timeout_for` the timeout of
    a call. The pool and the limiter are state that copies share, not settings.
    """

    _client_class: ClassVar[type[httpx.AsyncClient] | type[httpx.Client]]
    # The face's clients, per process (and event loop): see `_backends`.
    _pool_class: ClassVar[type[AsyncClientPool] | type[ClientPool]]
    _pool: AsyncClientPool | ClientPool
    origin: Origin
    """How the SDK of this transport was made: what pickles in place of the pool."""
    settings: TransportSettings
    """What every call is sent with; a copy (`shared`) may have others."""

    def __init__(
        self,
        settings: TransportSettings,
        *,
        http_client: ClientT | None,
        verify: VerifyTypes = True,
        proxy: ProxyInput = UNDEFINED,
        http_backend: HTTPBackend | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        limits: Limits | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, self._client_class):
            raise ConfigurationTypeError(
                f"http_client must be an httpx.{self._client_class.__name__}, "
                f"got {type(http_client).__name__}"
            )
        if http_client is not None and verify is not True:
            raise ConfigurationError(
                "verify applies to the client the SDK makes: configure TLS on your http_client"
            )
        if http_client is not None and proxy is not UNDEFINED:
            raise ConfigurationError(
                "proxy applies to the client the SDK makes: configure proxies on your http_client"
            )
        self.settings = settings
        # Shared by every copy (`shared()`), thread and task; None costs nothing per call.
        self.limiter = None if limits is None else Limiter(limits)
        self._owns_client = http_client is None
        pool_class: Any = type(self)._pool_class
        backend = pool_class.choose_backend(http_backend, own_client=http_client is not None)
        # Whether every read ends by the deadline the SDK sets (so that draining is safe).
        given, bounded = (None, True) if http_client is None else pool_class.wrap(http_client)
        self.bounded_reads: bool = bounded
        # The proxies are read now (a bad variable fails here), the clients made on first use.
        routes = proxy_routes(proxy) if http_client is None else {}
        self._pool = pool_class(
            given,
            backend,
            verify=check_verify(verify),
            max_connections=max_connections,
            routes=routes,
        )

    @property
    def backend(self) -> HTTPBackend:
        """The HTTP backend the requests go over (settled by the first request)."""
        return self._pool.backend

    @property
    def owns_pool(self) -> bool:
        """Whether closing this transport closes the pool (not a copy's, not a caller's)."""
        return self._owns_client

    def __copy__(self) -> Self:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __reduce__(self) -> tuple[Any, ...]:
        origin = self.origin
        return (rebuild_transport, origin.checked(f"model of a {origin.sdk_class.__name__}"))

    def shared(
        self, settings: TransportSettings, limiter: UndefinedOr[Limiter | None] = UNDEFINED
    ) -> Self:
        """A transport over the same pool with other settings; closing it leaves the pool open.

        Its calls count against this transport's limits, unless it is given a `limiter`.
        """
        clone = copy.copy(self)
        clone.settings = settings
        if limiter is not UNDEFINED:
            clone.limiter = limiter
        clone._owns_client = False
        return clone

    @property
    def exchanging_auth(self) -> ExchangingAuth | None:
        """The credentials, when they are exchanged for IAM tokens that the SDK renews."""
        auth = self.settings.auth
        return auth if isinstance(auth, ExchangingAuth) else None

    def reject_token(self, headers: Mapping[str, str]) -> bool:
        """After a 401: mark the exchanged token the request carried stale; False if none was."""
        auth = self.exchanging_auth
        auth = auth.serving() if auth is not None else None
        sent = headers.get("Authorization", "")
        if auth is None or not sent.startswith("Bearer "):
            return False
        auth.cache.reject(sent.removeprefix("Bearer "))
        return True

    def timeout_for(self, timeout: UndefinedOr[float | None], *, run: bool) -> float | None:
        """The deadline of one call: its own `timeout`, else the SDK's, else the built-in one."""
        fallback = DEFAULT_RUN_TIMEOUT if run else DEFAULT_LIST_TIMEOUT
        return resolve_timeout(timeout, self.settings.default_timeout, fallback)

    def attempt_headers(
        self,
        method: str,
        path: str,
        exchange: Exchange,
        *,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> dict[str, str]:
        """The headers of one attempt: this SDK's, its credentials, and the call's `headers`.

        `content` is a JSON body, already encoded.
        """
        settings = self.settings
        all_headers = build_headers(settings.auth, exchange.request_id, settings.default_headers)
        if content is not None:
            all_headers["Content-Type"] = "application/json"
        exchange.call.inject(all_headers)
        if headers:
            all_headers.update(headers)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "sending %s %s attempt=%d headers=%s",
                method,
                settings.base_url + path,
                exchange.attempts + 1,
                redacted_headers(all_headers),
            )
        return all_headers

    @staticmethod
    def check_open(client: AsyncHTTPClient | HTTPClient) -> None:
        """Refuse a closed client (the SDK's own, once closed, or a caller's)."""
        if client.is_closed:
            raise ClientClosedError("this SDK is closed (or its http_client is): make a new one")

    def delay_before_retry(
        self,
        exchange: Exchange,
        headers: Mapping[str, str] | None,
        error: BaseException | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when no attempt is left.

        `error` is what the last attempt failed with, for the call's trace.
        """
        delay = exchange.delay_before_retry(self.settings.max_retries, headers)
        if delay is not None:
            exchange.call.retrying(exchange.attempts, delay, error)
            logger.info(
                "retrying request_id=%s after attempt %d in %.2fs",
                exchange.request_id,
                exchange.attempts,
                delay,
            )
        return delay

    def charge_for(self, content: bytes | None) -> int:
        """The tokens a call is charged before it starts (0 unless tokens_per_minute is set)."""
        limiter = self.limiter
        if limiter is None or not limiter.charges_tokens or content is None:
            return 0
        return estimate_tokens(content)

    def settle_place(
        self, exchange: Exchange, content: bytes | None = None, used: int | None = None
    ) -> None:
        """Free the limits' place of the exchange's attempt; its charge corrected by its usage.

        `content` is the whole answer, whose `usage` says what the call really cost; a
        stream gives its usage's total as `used`.
        """
        ticket = exchange.ticket
        if ticket is None:
            return
        exchange.ticket = None
        assert self.limiter is not None
        if used is None and content is not None and self.limiter.charges_tokens:
            used = used_tokens(content)
        self.limiter.release(ticket, used)

    def pause_after(self, exchange: Exchange, retry: Retryable, delay: float | None) -> None:
        """A 429 pauses every call of the SDK: for the server's Retry-After, else the backoff."""
        if self.limiter is None or getattr(retry.error, "status_code", None) != 429:
            return
        if delay is None:
            delay = retry_delay(max(0, exchange.attempts - 1), retry.headers)
        self.limiter.pause(delay)

    def judge(
        self, response: AnyResponse, content: bytes, exchange: Exchange, started: float
    ) -> None:
        """Log one attempt's answer; raise the error its status means (`Retryable` if worth it)."""
        self._log(response, exchange, started)
        status = response.status_code
        if status >= 400:
            error = exchange.status_error(status, content)
            if should_retry_status(status, response.headers):
                raise Retryable(error, response.headers)
            raise error
        if status >= 300:
            raise exchange.redirect_error(status, response.headers.get("location"))

    def _log(self, response: AnyResponse, exchange: Exchange, started: float) -> None:
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s -> %d request_id=%s server_request_id=%s attempt=%d %.3fs",
                response.request.method,
                response.request.url,
                response.status_code,
                exchange.request_id,
                exchange.server_request_id,
                exchange.attempts,
                time.monotonic() - started,
            )


class BaseChatSDK(Generic[ClientT, TransportT, ChatT]):
    """The entry point's arguments, checks and copies, shared by `AsyncChatSDK` and `ChatSDK`."""

    _transport_class: ClassVar[type[BaseTransport[Any]]]
    _chat_class: ClassVar[type[Any]]

    folder_id: str | None
    base_url: str
    chat: ChatT
    _transport: TransportT

    def __init__(
        self,
        folder_id: str | None = None,
        auth: str | BaseAuth | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: ClientT | None = None,
        verify: VerifyTypes = True,
        proxy: ProxyInput = UNDEFINED,
        allow_insecure_http: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        http_backend: HTTPBackend | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        limits: Limits | None = None,
        tracing: bool | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        # The arguments as given, for pickling: what came from the environment is read again.
        origin = Origin(type(self), {k: v for k, v in locals().items() if k != "self"})
        max_retries = check_max_retries(max_retries)
        default_timeout = check_timeout(timeout)
        if folder_id is None:
            folder_id = os.environ.get(ENV_FOLDER_ID, "").strip() or None
        self.folder_id = check_folder_id(folder_id)
        base_url = base_url or os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
        self.base_url = normalise_base_url(base_url)
        check_base_url_scheme(self.base_url, allow_insecure_http=allow_insecure_http)
        ai_studio = is_ai_studio(self.base_url)
        settings = TransportSettings(
            base_url=self.base_url,
            folder_id=self.folder_id,
            ai_studio=ai_studio,
            auth=resolve_auth(auth, is_ai_studio=ai_studio),
            max_retries=max_retries,
            default_timeout=default_timeout,
            default_headers=check_headers(default_headers),
            max_body_bytes=check_size_limit(max_body_bytes, "max_body_bytes"),
            max_event_bytes=check_size_limit(max_event_bytes, "max_event_bytes"),
            tracing=Tracing(
                enabled=tracing,
                tracer_provider=tracer_provider,
                meter_provider=meter_provider,
                base_url=self.base_url,
                ai_studio=ai_studio,
            ),
        )
        transport: Any = self._transport_class(
            settings,
            http_client=http_client,
            verify=verify,
            proxy=proxy,
            http_backend=http_backend,
            max_connections=check_max_connections(max_connections),
            limits=check_limits(limits),
        )
        transport.origin = origin
        self._transport = transport
        self.chat = self._chat_class(transport)

    def __copy__(self) -> Self:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the constructor's arguments: see `ycloud_chat._pickling`."""
        return (rebuild_sdk, self._transport.origin.checked(type(self).__name__))

    def with_options(
        self,
        *,
        folder_id: str | None = None,
        auth: str | BaseAuth | None = None,
        timeout: UndefinedOr[float | None] = UNDEFINED,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_body_bytes: int | None = None,
        max_event_bytes: int | None = None,
        limits: UndefinedOr[Limits | None] = UNDEFINED,
        tracing: bool | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> Self:
        """Return a light copy with some settings changed, sharing this connection pool.

        What is left out is kept. What makes the pool (`base_url`, `http_client`, `verify`,
        `proxy`) cannot change here: make another SDK for that. This SDK owns the pool:
        closing the copy leaves it open, closing this SDK closes it for every copy.

        Args:
            folder_id: another AI Studio folder.
            auth: other credentials, taken as the constructor takes them.
            timeout: the default timeout in seconds (None: the built-in defaults, as in the
                constructor).
            max_retries: how many times a failed request is retried.
            default_headers: headers to add to this SDK's (a name it has gets the new value).
            max_body_bytes: the largest answer body accepted, in bytes.
            max_event_bytes: the largest stream event accepted, in bytes.
            limits: `Limits` of the copy's own (None: none). Left out, the copy shares
                this SDK's limits: its calls count against them together.
            tracing: True or False to turn OpenTelemetry tracing on or off for the copy.
            tracer_provider: the OpenTelemetry tracer provider of the copy's spans.
            meter_provider: the OpenTelemetry meter provider of the copy's metrics.
        """
        transport = self._transport
        current = transport.settings
        changes: dict[str, Any] = {}
        if folder_id is not None:
            changes["folder_id"] = check_folder_id(folder_id)
        if auth is not None:
            changes["auth"] = resolve_auth(auth, is_ai_studio=current.ai_studio)
        if timeout is not UNDEFINED:
            changes["default_timeout"] = check_timeout(timeout)
        if max_retries is not None:
            changes["max_retries"] = check_max_retries(max_retries)
        if default_headers is not None:
            added = check_headers(default_headers)
            names = {name.lower() for name in added}
            kept = {k: v for k, v in current.default_headers.items() if k.lower() not in names}
            changes["default_headers"] = {**kept, **added}
        for name, limit in (
            ("max_body_bytes", max_body_bytes),
            ("max_event_bytes", max_event_bytes),
        ):
            if limit is not None:
                changes[name] = check_size_limit(limit, name)
        traced: dict[str, Any] = {"tracing": tracing, "tracer_provider": tracer_provider}
        traced["meter_provider"] = meter_provider
        if any(value is not None for value in traced.values()):
            changes["tracing"] = current.tracing.replace(**traced)
        arguments = _constructor_names(changes, folder_id=folder_id, auth=auth, **traced)
        limiter: UndefinedOr[Limiter | None] = UNDEFINED
        if limits is not UNDEFINED:
            # A pickled copy is made again with its Limits, and counts on its own from there.
            arguments["limits"] = checked = check_limits(limits)
            limiter = None if checked is None else Limiter(checked)
        clone = copy.copy(self)
        clone._transport = transport.shared(dataclasses.replace(current, **changes), limiter)
        clone._transport.origin = transport.origin.updated(**arguments)
        clone.folder_id = clone._transport.settings.folder_id
        clone.chat = self._chat_class(clone._transport)
        return clone

    @property
    def tools(self) -> Tools:
        """Makes function tools: `sdk.tools.function(get_weather)`."""
        from .types.tools import Tools  # pydantic is loaded with the first model, not before

        return Tools()

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._transport.settings.max_retries

    @property
    def limits(self) -> Limits | None:
        """The limits every call of this SDK shares (None: none)."""
        limiter = self._transport.limiter
        return None if limiter is None else limiter.limits

    def __repr__(self) -> str:
        transport = getattr(self, "_transport", None)
        return (
            f"{type(self).__name__}(folder_id={getattr(self, 'folder_id', None)!r}, "
            f"base_url={getattr(self, 'base_url', None)!r}, "
            f"auth={getattr(getattr(transport, 'settings', None), 'auth', None)!r}, "
            f"http_backend={getattr(transport, 'backend', None)!r})"
        )


def _constructor_names(settings: Mapping[str, Any], **given: Any) -> dict[str, Any]:
    """The settings `with_options` changed, named as the constructor names them.

    The folder and the credentials are kept as the caller gave them (not resolved), so that
    a pickled copy travels with what was explicit only.
    """
    renamed = {"default_timeout": "timeout"}
    changed = {renamed.get(key, key): value for key, value in settings.items() if key not in given}
    changed.update({key: value for key, value in given.items() if value is not None})
    return changed


ModelT = TypeVar("ModelT")
CompletionsT = TypeVar("CompletionsT")
EmbeddingsT = TypeVar("EmbeddingsT")


class ModelCatalog(Generic[ModelT]):
    """One kind of model (chat, embeddings): call it with a name to get a model, or list them.

    A kind is its URI scheme (`gpt`, `emb`) and its model class; the faces add `list()`.
    """

    _scheme: ClassVar[str]
    _model_class: ClassVar[Callable[..., Any]]

    def __init__(self, transport: BaseTransport[Any]) -> None:
        self._transport = transport

    def __call__(self, model_name: str, *, model_version: str = "latest") -> ModelT:
        """Return the model `<scheme>://<folder>/<model_name>/<model_version>`.

        The scheme is `gpt` for chat models and `emb` for embedding models. A name containing
        `://` is used as the URI verbatim. Without a folder, an OpenAI-compatible server gets
        the bare name.
        """
        transport = self._transport
        settings = transport.settings
        uri = model_uri(
            model_name,
            model_version,
            settings.folder_id,
            ai_studio=settings.ai_studio,
            scheme=self._scheme,
        )
        model: ModelT = type(self)._model_class()(transport, uri)
        return model

    def _list_headers(self) -> dict[str, str] | None:
        folder_id = self._transport.settings.folder_id
        return {HEADER_PROJECT: folder_id} if folder_id else None

    def _check_filters(self, filters: Mapping[str, Any] | None) -> dict[str, Any]:
        from ._identity import check_filters

        return check_filters(filters, type(self)._model_class())

    def _models(
        self, content: bytes, exchange: Exchange, filters: Mapping[str, Any]
    ) -> tuple[ModelT, ...]:
        """The listed models of this kind, each with its owner, that match every filter."""
        from ._identity import matches_filters
        from ._response import ResponseContext, decode_json, parse_model_list
        from .types.tools import BaseToolCall

        context = ResponseContext.for_call(BaseToolCall, exchange)
        listed = parse_model_list(decode_json(content, context), context, self._scheme)
        model_class = type(self)._model_class()
        models = (model_class(self._transport, uri, owner=owner) for uri, owner in listed)
        return tuple(model for model in models if matches_filters(model, filters))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} folder_id={self._transport.settings.folder_id!r}>"


class BaseChatCompletions(ModelCatalog[ModelT]):
    """Chat-completion models: call it with a name to get a model, or list them."""

    _scheme = "gpt"


class BaseChatEmbeddings(ModelCatalog[ModelT]):
    """Text embedding models: call it with a name to get a model, or list them."""

    _scheme = "emb"


class BaseChat(Generic[CompletionsT, EmbeddingsT]):
    """The chat domain of the SDK: `sdk.chat.completions` and `sdk.chat.text_embeddings`."""

    _completions_class: ClassVar[type[Any]]
    _text_embeddings_class: ClassVar[type[Any]]

    def __init__(self, transport: BaseTransport[Any]) -> None:
        self.completions: CompletionsT = self._completions_class(transport)
        """Chat models: `sdk.chat.completions("yandexgpt")`."""
        self.text_embeddings: EmbeddingsT = self._text_embeddings_class(transport)
        """Text embedding models: `sdk.chat.text_embeddings("text-search-doc")`."""
