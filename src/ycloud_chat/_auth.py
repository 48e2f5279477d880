"""Credentials: explicit or discovered from the environment, turned into an Authorization header.

Secrets live only inside these objects and the header they build; `repr`, `str` and error
messages never show them. A secret must be printable ASCII without spaces (it goes into a
header), which is checked up front rather than left to fail inside httpx.
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
    "env_secret",
    "resolve_auth",
]

_IAM_TOKEN_PREFIX = re.compile(r"^t\d\.")
_OAUTH_TOKEN_PREFIX = re.compile(r"^y[0-3]_[-\w]")
_HEADER_RULE = "only printable ASCII without spaces can be sent in an HTTP header"


def _check_secret(secret: str, what: str) -> str:
    """Return `secret` stripped, or raise CredentialsError if it cannot go into a header.

    `what` names the secret in the message ("the API key"); the secret itself never
    appears there.
    """
    secret = secret.strip()
    if not secret:
        raise CredentialsError(f"{what} is empty")
    for position, char in enumerate(secret, start=1):
        if not "!" <= char <= "~":
            problem = f"{what} has {_describe(char)} at position {position}"
            if not char.isascii():
                problem += " (a look-alike letter from another alphabet?)"
            raise CredentialsError(f"{problem}: {_HEADER_RULE}")
    return secret


def _describe(char: str) -> str:
    """Name the kind of a character that is not allowed in a header, without showing it."""
    if char in "\r\n":
        return "a line break"
    if char == " ":
        return "a space"
    if char == "\t":
        return "a tab"
    if char.isascii():
        return "a control character"
    return "a non-ASCII character"


def env_secret(variable: str, environ: Mapping[str, str] | None = None) -> str:
    """Return the variable's value, stripped; CredentialsError if it is unset, blank or unusable.

    The error names the variable and the problem, never the value.
    """
    env = os.environ if environ is None else environ
    value = env.get(variable, "")
    if not value.strip():
        raise CredentialsError(f"the environment variable {variable} is empty or unset")
    return _check_secret(value, f"the environment variable {variable}")


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
    _what = "secret"

    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str):
            raise CredentialsError(
                f"{type(self).__name__} takes a str, got {type(secret).__name__}"
            )
        self.__secret = _check_secret(secret, f"the {self._what}")

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
    _what = "API key"


class IAMTokenAuth(_SecretAuth):
    """An IAM token, sent as `Authorization: Bearer <token>`."""

    _scheme = "Bearer"
    _what = "IAM token"


class BearerTokenAuth(_SecretAuth):
    """Any bearer token, such as an OpenAI-compatible server's API key."""

    _scheme = "Bearer"
    _what = "bearer token"


class EnvTokenAuth(BaseAuth):
    """A bearer token read from an environment variable on every request (for rotation).

    `environ` is read instead of `os.environ` when given (as `resolve_auth(environ=...)` does).
    Each value read is checked like any other secret: a bad one raises CredentialsError.
    """

    def __init__(
        self, variable: str = ENV_TOKEN, *, environ: Mapping[str, str] | None = None
    ) -> None:
        self.variable = variable
        self._environ = environ

    def authorization(self) -> str:
        """Return `Bearer <token>` with the variable's current value."""
        return f"Bearer {env_secret(self.variable, self._environ)}"

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
    """Pick the credentials for a server: the `auth` argument, else (AI Studio only) YC_*.

    A string `auth` that looks like an IAM token (`t1.`...) is sent as a Bearer token; on AI
    Studio one that looks like an OAuth token (`y0_`...) is exchanged for IAM tokens, and any
    other string is an API key; other servers get it as a Bearer token.

    Without `auth`, AI Studio uses the first of YC_API_KEY, YC_IAM_TOKEN, YC_OAUTH_TOKEN,
    YC_SERVICE_ACCOUNT_KEY_FILE, the metadata service (when asked or on a Yandex Cloud VM),
    YC_TOKEN and the yc CLI, and finding none is an error. Any other server gets no
    Authorization header: the YC_* variables are AI Studio credentials and are never sent
    anywhere else.
    """
    if isinstance(auth, BaseAuth):
        return auth
    if isinstance(auth, str):
        try:
            return _auth_from_string(auth, is_ai_studio=is_ai_studio)
        except CredentialsError as exc:
            raise CredentialsError(f"auth: {exc}") from None
    if auth is not None:
        raise CredentialsError(
            "auth must be a str, an auth object such as APIKeyAuth, or None; "
            f"got {type(auth).__name__}"
        )
    if not is_ai_studio:
        return NoAuth()
    return _ai_studio_auth_from_env(environ)


def _auth_from_string(secret: str, *, is_ai_studio: bool) -> BaseAuth:
    """An IAM token or (AI Studio) an OAuth token if it looks like one, else the server's key."""
    if _IAM_TOKEN_PREFIX.match(secret.strip()):
        return IAMTokenAuth(secret)
    if is_ai_studio and _OAUTH_TOKEN_PREFIX.match(secret.strip()):
        from ._credentials import OAuthTokenAuth

        return OAuthTokenAuth(secret)
    return APIKeyAuth(secret) if is_ai_studio else BearerTokenAuth(secret)


def _ai_studio_auth_from_env(environ: Mapping[str, str] | None) -> BaseAuth:
    """The first source found, in the reference SDK's order plus the key file.

    YC_API_KEY, YC_IAM_TOKEN, YC_OAUTH_TOKEN, YC_SERVICE_ACCOUNT_KEY_FILE, the metadata
    service, YC_TOKEN, the yc CLI.

    Nothing is sent to find them: the metadata service is a source only when
    YC_METADATA_ADDR is set or the machine is a Yandex Cloud VM by its DMI data.
    """
    from ._credentials import MetadataAuth, cli_auth_from_env, exchanging_auth_from_env

    env = os.environ if environ is None else environ
    if env.get(ENV_API_KEY, "").strip():
        return APIKeyAuth(env_secret(ENV_API_KEY, env))
    if env.get(ENV_IAM_TOKEN, "").strip():
        return IAMTokenAuth(env_secret(ENV_IAM_TOKEN, env))
    exchanging = exchanging_auth_from_env(env)
    if exchanging is not None and not isinstance(exchanging, MetadataAuth):
        return exchanging
    later: BaseAuth | None = None
    if env.get(ENV_TOKEN, "").strip():
        env_secret(ENV_TOKEN, env)  # a bad token fails now, not at the first request
        later = EnvTokenAuth(ENV_TOKEN, environ=environ)
    else:
        later = cli_auth_from_env(env)
    if exchanging is not None:
        # The metadata service comes first; if it fails at the first call, the next source
        # serves instead, silently as in the reference SDK.
        exchanging.fallback = later
        return exchanging
    if later is not None:
        return later
    raise CredentialsError(
        f"no credentials: pass auth= or set {ENV_API_KEY} (an API key), "
        f"{ENV_IAM_TOKEN} or {ENV_TOKEN} (an IAM token), YC_OAUTH_TOKEN, "
        "YC_SERVICE_ACCOUNT_KEY_FILE or YC_METADATA_ADDR, or sign in to the yc CLI "
        "(see the Credentials page of the docs)"
    )
