"""The one exception tree of ycloud-chat, shared by the sync and the async face.

```
YCloudChatError
├── ConfigurationError (also ValueError)   bad arguments, caught before any request
│   ├── ConfigurationTypeError (also TypeError) an argument of the wrong type
│   │   └── InvalidMessageError            a message in no accepted shape
│   ├── ModelFilterError (also AttributeError)  `list(filters=...)` names no model attribute
│   └── CredentialsError                   no or unusable credentials / folder
├── ClientClosedError (also RuntimeError)  the SDK (or its http_client) was closed
├── APIConnectionError                     the request never got an HTTP answer
│   └── APITimeoutError                    ... because a timeout or the call's deadline ran out
├── APIResponseError                       an answer arrived, but it is an error or unusable
│   ├── APIStatusError                     HTTP status >= 400
│   │   ├── BadRequestError                400
│   │   ├── AuthenticationError            401
│   │   ├── PermissionDeniedError          403
│   │   ├── NotFoundError                  404
│   │   ├── ConflictError                  409
│   │   ├── UnprocessableEntityError       422
│   │   ├── RateLimitError                 429
│   │   └── InternalServerError            >= 500
│   ├── APIResponseValidationError         a 2xx body that cannot be parsed
│   ├── ResponseTooLargeError              a body or a stream event larger than its limit
│   └── StreamError                        an error event in a stream, after it started
│       └── IncompleteStreamError          the stream ended before its answer was whole
├── ToolError                              a tool call could not be answered by the application
│   ├── ToolArgumentsError (also ValueError) the model's arguments are not JSON or do not validate
│   ├── ToolRunError                       a tool function raised (the original is `__cause__`)
│   └── ToolRoundsExceededError            `run_tools` reached `max_rounds`
└── StructuredOutputError (also ValueError) the answer does not match `response_format`
```

Every error that follows a request carries `request_id` (the `x-client-request-id` this SDK
sent, the same on every retry), `server_request_id` (the server's `x-request-id`),
`attempts`, the `headers` of the server's last answer and the `retry_after` they ask for.
No raw httpx exception escapes the SDK: the original is kept as `__cause__`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from .types.headers import Headers

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConfigurationTypeError",
    "ConflictError",
    "CredentialsError",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidMessageError",
    "ModelFilterError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "StreamError",
    "StructuredOutputError",
    "ToolArgumentsError",
    "ToolError",
    "ToolRoundsExceededError",
    "ToolRunError",
    "UnprocessableEntityError",
    "YCloudChatError",
]


class YCloudChatError(Exception):
    """The base of every error raised by ycloud-chat.

    Every error pickles and copies with its fields (for a process pool or a task queue):
    it is rebuilt from its message and its attributes, not by calling `__init__` again.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.args), self.__dict__ or None)


class ConfigurationError(YCloudChatError, ValueError):
    """An argument is invalid; raised before any request is sent."""


class ConfigurationTypeError(ConfigurationError, TypeError):
    """An argument has the wrong type (`response_format=True`); raised before any request.

    It is also a `TypeError`, as Python's own errors for a wrong-type argument are.
    """


class ModelFilterError(ConfigurationError, AttributeError):
    """`list(filters=...)` names an attribute that models do not have.

    It is also an `AttributeError`, as the reference SDK's error for this is.
    """


class CredentialsError(ConfigurationError):
    """Credentials or the folder id are missing or unusable."""


class InvalidMessageError(ConfigurationTypeError):
    """A message is not in any accepted shape; the text names its index and what was expected."""


class ClientClosedError(YCloudChatError, RuntimeError):
    """The SDK, or the http_client it was given, is closed; make a new one."""


class _RequestError(YCloudChatError):
    """An error tied to one call: it knows the ids needed to find that call in logs."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        server_request_id: str | None = None,
        attempts: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.server_request_id = server_request_id
        self.attempts = attempts
        self.headers = Headers(headers or ())
        """The headers of the server's last answer (empty when none came), read-only."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait before trying again (`Retry-After`), else None.

        Read from `retry-after-ms` or `Retry-After` (seconds or an HTTP date); a wait beyond
        a minute counts as none, as it does for the SDK's own retries.
        """
        from ._retry import retry_after

        return retry_after(self.headers)

    def __str__(self) -> str:
        parts = [self.message]
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        if self.server_request_id:
            parts.append(f"server_request_id={self.server_request_id}")
        if self.attempts > 1:
            parts.append(f"attempts={self.attempts}")
        return " | ".join(parts)


class CallIdentity(Protocol):
    """What names one call in its errors: the ids in both directions and the attempts made."""

    @property
    def request_id(self) -> str | None: ...

    @property
    def server_request_id(self) -> str | None: ...

    @property
    def attempts(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str] | None: ...


E = TypeVar("E", bound=_RequestError)


def too_large_error(
    call: CallIdentity, setting: str, limit: int, *, status_code: int = 200
) -> ResponseTooLargeError:
    """The error for a body or an event larger than the SDK's limit (named by `setting`)."""
    what = "the answer's body" if setting == "max_body_bytes" else "an event of the stream"
    message = (
        f"{what} is larger than {setting} ({_size(limit)}, counted after decompression); "
        f"if such answers are expected, give the SDK a larger {setting}"
    )
    return request_error(ResponseTooLargeError, message, call, limit=limit, status_code=status_code)


def _size(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


def request_error(kind: type[E], message: str, call: CallIdentity, **details: Any) -> E:
    """An error of class `kind` for one call, carrying the call's ids and attempts."""
    return kind(
        message,
        request_id=call.request_id,
        server_request_id=call.server_request_id,
        attempts=call.attempts,
        headers=call.headers,
        **details,
    )


class APIConnectionError(_RequestError):
    """The request got no HTTP answer: refused, reset, DNS, TLS or a protocol failure."""


class APITimeoutError(APIConnectionError):
    """A timeout or the call's total deadline ran out before the answer was complete."""


class APIResponseError(_RequestError):
    """The server answered, but with an error or with something that cannot be used."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: Any = None,
        request_id: str | None = None,
        server_request_id: str | None = None,
        attempts: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            message,
            request_id=request_id,
            server_request_id=server_request_id,
            attempts=attempts,
            headers=headers,
        )
        self.status_code = status_code
        self.body = body

    def __str__(self) -> str:
        text = super().__str__()
        return f"HTTP {self.status_code}: {text}" if self.status_code else text


class APIStatusError(APIResponseError):
    """The server answered with an HTTP status of 400 or above."""

    status_code: int


class BadRequestError(APIStatusError):
    """HTTP 400: the server rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key or token is missing, wrong or expired."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the credentials may not use this folder or model."""


class NotFoundError(APIStatusError):
    """HTTP 404: no such model or endpoint."""


class ConflictError(APIStatusError):
    """HTTP 409: the request conflicts with the server's state."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request is well-formed but its values are not acceptable."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests or tokens; retried with backoff before it is raised."""


class InternalServerError(APIStatusError):
    """HTTP 5xx: the server failed; retried with backoff before it is raised."""


class APIResponseValidationError(APIResponseError):
    """A successful HTTP answer whose body is not the expected JSON."""


class ResponseTooLargeError(APIResponseError):
    """A body, or one event of a stream, is larger than the SDK's limit for it.

    Sizes count the bytes after decompression. `limit` is the limit that was passed, in
    bytes; raise it with the SDK's `max_body_bytes` or `max_event_bytes`.
    """

    def __init__(self, message: str, *, limit: int, **details: Any) -> None:
        super().__init__(message, **details)
        self.limit = limit


class StreamError(APIResponseError):
    """An error event inside a stream, or a stream that ended before its answer was whole."""


class IncompleteStreamError(StreamError):
    """The stream ended before the answer was whole; `result` holds what did arrive.

    A stream is whole when `[DONE]` came, or when its body ended after every choice got its
    finish reason. Anything else is incomplete: the connection broke, the body ended early
    (empty, cut inside an event, or without the last chunk), or the answer was not an event
    stream at all. `result` is the last cumulative result received (None when none came).
    """

    def __init__(self, message: str, *, result: Any = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.result = result


class ToolError(YCloudChatError):
    """A tool call the model made could not be answered.

    `tool_name` and `tool_call_id` name the call; `messages` is the conversation so far
    (wire dicts, ready to send again) when the error comes from `run_tools`, else empty.
    """

    def __init__(
        self, message: str, *, tool_name: str | None = None, tool_call_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.tool_name = tool_name
        self.tool_call_id = tool_call_id
        self.messages: list[dict[str, Any]] = []


class ToolArgumentsError(ToolError, ValueError):
    """The model wrote tool-call arguments that are not JSON, or that the tool rejects.

    `raw` is the arguments text exactly as the model wrote it; `errors` is pydantic's list of
    validation errors (empty when the text is not JSON at all).
    """

    def __init__(
        self,
        message: str,
        *,
        tool_name: str,
        raw: str,
        tool_call_id: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, tool_name=tool_name, tool_call_id=tool_call_id)
        self.raw = raw
        self.errors = errors or []

    @property
    def name(self) -> str | None:
        """The tool's name (same as `tool_name`)."""
        return self.tool_name


class ToolRunError(ToolError):
    """A tool function raised; the function's own exception is the `__cause__`."""


class ToolRoundsExceededError(ToolError):
    """`run_tools` ran the model `max_rounds` times and it still asked for tools.

    `result` is the last result (the one with the unanswered-by-the-model tool calls); every
    call in it has been run and answered in `messages`, so the chat can go on from there.
    """

    def __init__(self, message: str, *, max_rounds: int, result: Any) -> None:
        super().__init__(message)
        self.max_rounds = max_rounds
        self.result = result


class StructuredOutputError(YCloudChatError, ValueError):
    """The model's answer does not match the configured `response_format`.

    `text` is the answer exactly as the model wrote it; `errors` is pydantic's list of
    validation errors (one `json_invalid` error when the text is not JSON).
    """

    def __init__(self, message: str, *, text: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.errors = errors


def _rebuild_error(kind: type[YCloudChatError], args: tuple[Any, ...]) -> YCloudChatError:
    """An error of class `kind` with `args`, its other fields set afterwards by pickle."""
    return kind.__new__(kind, *args)


# Known by their public names: a traceback prints `ycloud_chat.RateLimitError`, not this module.
for _error in (globals()[name] for name in __all__):
    _error.__module__ = "ycloud_chat"
del _error

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """Return the most specific error class for an HTTP status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)
