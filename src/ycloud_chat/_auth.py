"""Credentials: explicit or discovered from the environment, turned into an Authorization header.

Secrets live only inside these objects and the header they build; `repr` and `str` never
show them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from ._constants import ENV_API_KEY, ENV_IAM_TOKEN, ENV_TOKEN
from ._exceptions import CredentialsError

__all__ = [
    "APIKeyAuth",
    "BaseAuth",
    "BearerTokenAuth",
    "EnvTokenAuth",
    "IAMTokenAuth",
    "NoAuth",
    "resolve_auth",
]

_IAM_TOKEN_PREFIX = re.compile(r"^t\d\.")


class BaseAuth:
    """Something that yields the `Authorization` header value for each request."""

    def authorization(self) -> str | None:
        """Return the header value, or None to send no Authorization header."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    __str__ = __repr__


class _SecretAuth(BaseAuth):
    _scheme = ""

    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str):
            raise CredentialsError(
                f"{type(self).__name__} takes a str, got {type(secret).__name__}"
            )
        secret = secret.strip()
        if not secret:
            raise CredentialsError(f"{type(self).__name__} got an empty secret")
        self.__secret = secret

    def authorization(self) -> str:
        """Return `<scheme> <secret>`."""
        return f"{self._scheme} {self.__secret}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.authorization() == other.authorization()

    def __hash__(self) -> int:
        return hash((type(self), self.authorization()))


class APIKeyAuth(_SecretAuth):
    """An AI Studio API key, sent as `Authorization: Api-Key <key>`."""

    _scheme = "Api-Key"


class IAMTokenAuth(_SecretAuth):
    """An IAM token, sent as `Authorization: Bearer <token>`."""

    _scheme = "Bearer"


class BearerTokenAuth(_SecretAuth):
    """Any bearer token, such as an OpenAI-compatible server's API key."""

    _scheme = "Bearer"


class EnvTokenAuth(BaseAuth):
    """A bearer token read from an environment variable on every request (for rotation).

    `environ` is read instead of `os.environ` when given (as `resolve_auth(environ=...)` does).
    """

    def __init__(
        self, variable: str = ENV_TOKEN, *, environ: Mapping[str, str] | None = None
    ) -> None:
        self.variable = variable
        self._environ = environ

    def authorization(self) -> str:
        """Return `Bearer <token>` with the variable's current value."""
        env = os.environ if self._environ is None else self._environ
        token = env.get(self.variable, "").strip()
        if not token:
            raise CredentialsError(f"the environment variable {self.variable} is empty or unset")
        return f"Bearer {token}"

    def __repr__(self) -> str:
        return f"EnvTokenAuth(variable={self.variable!r})"

    __str__ = __repr__


class NoAuth(BaseAuth):
    """Send no Authorization header (a local OpenAI-compatible server)."""

    def authorization(self) -> None:
        """Return None: no header."""
        return

    def __repr__(self) -> str:
        return "NoAuth()"

    __str__ = __repr__


def resolve_auth(
    auth: str | BaseAuth | None,
    *,
    is_ai_studio: bool,
    environ: Mapping[str, str] | None = None,
) -> BaseAuth:
    """Pick the credentials: the `auth` argument, else YC_API_KEY, YC_IAM_TOKEN, YC_TOKEN.

    A string that looks like an IAM token (`t1.`...) is sent as a Bearer token; any other
    string, and YC_API_KEY, is an API key on AI Studio and a Bearer token on other
    (OpenAI-compatible) servers. With nothing found, AI Studio is an error and other
    servers get no header.
    """
    env = os.environ if environ is None else environ
    if isinstance(auth, BaseAuth):
        return auth
    if isinstance(auth, str):
        secret = auth.strip()
        if _IAM_TOKEN_PREFIX.match(secret):
            return IAMTokenAuth(secret)
        return APIKeyAuth(secret) if is_ai_studio else BearerTokenAuth(secret)
    if auth is not None:
        raise CredentialsError(
            "auth must be a str, an auth object such as APIKeyAuth, or None; "
            f"got {type(auth).__name__}"
        )
    if env.get(ENV_API_KEY, "").strip():
        key = env[ENV_API_KEY]
        return APIKeyAuth(key) if is_ai_studio else BearerTokenAuth(key)
    if env.get(ENV_IAM_TOKEN, "").strip():
        return IAMTokenAuth(env[ENV_IAM_TOKEN])
    if env.get(ENV_TOKEN, "").strip():
        return EnvTokenAuth(ENV_TOKEN, environ=environ)
    if is_ai_studio:
        raise CredentialsError(
            f"no credentials: pass auth= or set {ENV_API_KEY} (an API key), "
            f"{ENV_IAM_TOKEN} or {ENV_TOKEN} (an IAM token)"
        )
    return NoAuth()
