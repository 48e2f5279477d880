"""Credentials exchanged for IAM tokens: what each asks, how its answer reads, where it is found.

`OAuthTokenAuth`, `ServiceAccountKeyAuth`, `MetadataAuth` and `YandexCloudCLIAuth` are shared
by both faces. Each describes its exchange (an HTTP request or a command) and parses the
answer into a `Token`; the face's `_credentials` module does the I/O, once for every caller
at a time (`TokenCache`). Secrets stay inside these objects: errors name the source and the
reason, and any echo of a secret in an answer is cut out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ._auth import BaseAuth, _check_secret
from ._exceptions import ConfigurationError, CredentialsError
from ._jwt import JWT_AUDIENCE, ServiceAccountKey
from ._token_cache import Token, TokenCache

__all__ = [
    "ExchangeFailure",
    "ExchangingAuth",
    "HTTPCall",
    "MetadataAuth",
    "OAuthTokenAuth",
    "ProcessCall",
    "ServiceAccountKeyAuth",
    "YandexCloudCLIAuth",
    "is_yandex_cloud_instance",
]

ENV_OAUTH_TOKEN = "YC_OAUTH_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_SERVICE_ACCOUNT_KEY_FILE = "YC_SERVICE_ACCOUNT_KEY_FILE"
ENV_METADATA_ADDR = "YC_METADATA_ADDR"
ENV_IAM_ENDPOINT = "YC_IAM_ENDPOINT"
ENV_PROFILE = "YC_PROFILE"

DEFAULT_IAM_ENDPOINT = JWT_AUDIENCE
DEFAULT_METADATA_ADDR = "169.254.169.254"
METADATA_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"  # noqa: S105
# Where Linux shows the machine's DMI data; tests point it at a directory of their own.
DMI_DIR = "/sys/class/dmi/id"
_DMI_FILES = ("sys_vendor", "bios_vendor", "board_vendor", "chassis_vendor", "product_name")

IAM_TIMEOUT = 10.0
METADATA_TIMEOUT = 1.0  # a link-local service answers at once, or is not there
METADATA_PROBE_TIMEOUT = 0.3  # found by the DMI data alone, on the first call
CLI_TIMEOUT = 60.0
EXCHANGE_ATTEMPTS = 3
MAX_ANSWER_BYTES = 64 * 1024
# An IAM token lives 12 hours; a token of unknown expiry is renewed as if it lived one.
IAM_TOKEN_LIFETIME = 12 * 3600.0
UNKNOWN_LIFETIME = 2 * 3600.0

_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


@dataclass(frozen=True)
class HTTPCall:
    """An exchange over HTTP; the headers and body hold secrets and are never shown."""

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    body: bytes | None = field(repr=False)
    timeout: float


@dataclass(frozen=True)
class ProcessCall:
    """An exchange that runs a command and reads the token from its output."""

    argv: tuple[str, ...]
    timeout: float


class ExchangeFailure(Exception):
    """One failed exchange attempt: why, without secrets, and whether another may succeed."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class ExchangingAuth(BaseAuth):
    """Credentials that yield IAM tokens by an exchange, renewed ahead of their expiry.

    Use one of its kinds; an instance is safe to share between SDKs, threads and tasks.
    """

    # What resolution found next, used for good if the first exchange fails: a source found
    # without being asked for fails silently (the reference SDK's order).
    fallback: BaseAuth | None = None

    def __init__(self) -> None:
        self.cache = TokenCache()

    def serving(self) -> ExchangingAuth | None:
        """The exchanging credentials that serve now: these or their fallback; None if static."""
        if not self.cache.fallen or self.fallback is None:
            return self
        return self.fallback.serving() if isinstance(self.fallback, ExchangingAuth) else None

    def attempts(self) -> int:
        """How many times to try an exchange: once when probing for resolution."""
        probing = self.fallback is not None and self.cache.token is None
        return 1 if probing else EXCHANGE_ATTEMPTS

    @property
    def source(self) -> str:
        """Where the tokens come from, for messages (never a secret)."""
        raise NotImplementedError

    def authorization(self) -> str | None:
        """Return `Bearer <IAM token>`: the token the last exchange brought (or the fallback's)."""
        if self.cache.fallen and self.fallback is not None:
            return self.fallback.authorization()
        token = self.cache.token
        if token is None:
            raise CredentialsError(
                f"no IAM token from {self.source} yet: the SDK obtains one before each request"
            )
        return f"Bearer {token.value}"

    def call(self, now: float) -> HTTPCall | ProcessCall:
        """The exchange to make now."""
        raise NotImplementedError

    def read(self, status: int, content: bytes, now: float) -> Token:
        """The token in an exchange's answer (an HTTP status or an exit code, and the body)."""
        raise NotImplementedError

    def failure(self, reason: str) -> CredentialsError:
        """The error for a failed exchange, with any secret cut out of the reason."""
        for secret in self._secrets():
            reason = reason.replace(secret, "<redacted>")
        return CredentialsError(f"could not get an IAM token from {self.source}: {reason}")

    def _secrets(self) -> tuple[str, ...]:
        token = self.cache.token
        return () if token is None else (token.value,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(source={self.source!r})"

    __str__ = __repr__


class _IAMExchange(ExchangingAuth):
    """A token from the IAM API's `tokens` method, for a JSON body that proves the identity."""

    def __init__(self, iam_endpoint: str | None) -> None:
        super().__init__()
        endpoint = iam_endpoint or os.environ.get(ENV_IAM_ENDPOINT, "").strip()
        self.iam_endpoint = check_iam_endpoint(endpoint or DEFAULT_IAM_ENDPOINT)

    def _body(self, now: float) -> dict[str, str]:
        raise NotImplementedError

    def call(self, now: float) -> HTTPCall:
        """POST the proof to the IAM endpoint."""
        headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        body = json.dumps(self._body(now)).encode()
        return HTTPCall("POST", self.iam_endpoint, headers, body, IAM_TIMEOUT)

    def read(self, status: int, content: bytes, now: float) -> Token:
        """The `iamToken` of a 200 answer, renewed ahead of its `expiresAt`."""
        data = _answer_json(status, content, "the IAM API")
        value = _token_field(data, "iamToken")
        expires_at = parse_timestamp(data.get("expiresAt"))
        lifetime = UNKNOWN_LIFETIME if expires_at is None else expires_at - now
        return Token.lasting(value, lifetime, now)


class OAuthTokenAuth(_IAMExchange):
    """A Yandex account's OAuth token, exchanged for IAM tokens through the IAM API.

    Args:
        token: the OAuth token (`y0_...`).
        iam_endpoint: the IAM API's `tokens` URL; default $YC_IAM_ENDPOINT, else Yandex Cloud's.
    """

    def __init__(self, token: str, *, iam_endpoint: str | None = None) -> None:
        if not isinstance(token, str):
            raise CredentialsError(f"OAuthTokenAuth takes a str, got {type(token).__name__}")
        self.__token = _check_secret(token, "the OAuth token")
        super().__init__(iam_endpoint)

    @property
    def source(self) -> str:
        """The IAM API, for an OAuth token."""
        return f"the IAM API at {self.iam_endpoint} (OAuth token)"

    def _body(self, now: float) -> dict[str, str]:
        return {"yandexPassportOauthToken": self.__token}

    def _secrets(self) -> tuple[str, ...]:
        return (*super()._secrets(), self.__token)


class ServiceAccountKeyAuth(_IAMExchange):
    """A service account's authorized key: a PS256-signed JWT exchanged for IAM tokens.

    Needs the `service-account` extra (`cryptography`).

    Args:
        key: the key file's path, or its parsed JSON (with `id`, `service_account_id` and
            `private_key`).
        iam_endpoint: the IAM API's `tokens` URL; default $YC_IAM_ENDPOINT, else Yandex Cloud's.
    """

    def __init__(
        self, key: str | os.PathLike[str] | Mapping[str, Any], *, iam_endpoint: str | None = None
    ) -> None:
        self._key = ServiceAccountKey(key)
        super().__init__(iam_endpoint)

    @property
    def key_id(self) -> str:
        """The authorized key's id."""
        return self._key.key_id

    @property
    def service_account_id(self) -> str:
        """The id of the service account the key belongs to."""
        return self._key.service_account_id

    @property
    def source(self) -> str:
        """The IAM API, for this key."""
        return f"the IAM API at {self.iam_endpoint} (service account key {self.key_id})"

    def _body(self, now: float) -> dict[str, str]:
        return {"jwt": self._key.sign(now)}


class MetadataAuth(ExchangingAuth):
    """IAM tokens of the service account attached to a VM, a function or a container.

    They come from the instance metadata service.

    Args:
        metadata_addr: the service's `host[:port]`; default $YC_METADATA_ADDR, else
            169.254.169.254.
        timeout: seconds to wait for the service's answer.
    """

    def __init__(
        self, *, metadata_addr: str | None = None, timeout: float = METADATA_TIMEOUT
    ) -> None:
        super().__init__()
        addr = metadata_addr or os.environ.get(ENV_METADATA_ADDR, "").strip()
        self.metadata_addr = check_metadata_addr(addr or DEFAULT_METADATA_ADDR)
        self.timeout = timeout

    @property
    def source(self) -> str:
        """The metadata service at its address."""
        return f"the metadata service at {self.metadata_addr}"

    def call(self, now: float) -> HTTPCall:
        """GET the default service account's token, with the header the service requires."""
        url = f"http://{self.metadata_addr}{METADATA_TOKEN_PATH}"
        headers = {"Metadata-Flavor": "Google", "Accept-Encoding": "identity"}
        return HTTPCall("GET", url, headers, None, self.timeout)

    def read(self, status: int, content: bytes, now: float) -> Token:
        """The `access_token` of a 200 answer, renewed ahead of its `expires_in`."""
        data = _answer_json(status, content, "the metadata service")
        value = _token_field(data, "access_token")
        lifetime = data.get("expires_in")
        if not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool):
            lifetime = UNKNOWN_LIFETIME
        return Token.lasting(value, float(lifetime), now)


class YandexCloudCLIAuth(ExchangingAuth):
    """IAM tokens from the `yc` CLI (`yc iam create-token`), for a developer's machine.

    Args:
        profile: the CLI profile to use; default $YC_PROFILE, else the CLI's active one.
        yc_path: the CLI's executable; default `yc` found on PATH.
    """

    def __init__(self, *, profile: str | None = None, yc_path: str | None = None) -> None:
        super().__init__()
        self.profile = profile or os.environ.get(ENV_PROFILE, "").strip() or None
        self.yc_path = yc_path

    @property
    def source(self) -> str:
        """The yc CLI and its profile."""
        profile = f"profile {self.profile!r}" if self.profile else "its active profile"
        return f"the yc CLI ({profile})"

    def call(self, now: float) -> ProcessCall:
        """Run `yc iam create-token`, never asking anything."""
        executable = self.yc_path or shutil.which("yc")
        if executable is None:
            raise ExchangeFailure("the yc command is not on PATH", transient=False)
        argv = [executable, "iam", "create-token", "--no-user-output"]
        if self.profile:
            argv += ["--profile", self.profile]
        return ProcessCall(tuple(argv), CLI_TIMEOUT)

    def read(self, status: int, content: bytes, now: float) -> Token:
        """The last line the command printed; a token of the CLI lives 12 hours."""
        if status != 0:
            command = "yc iam create-token" + (f" --profile {self.profile}" if self.profile else "")
            raise ExchangeFailure(
                f"yc exited with status {status} (run `{command}` to see why)", transient=False
            )
        lines = content.decode("utf-8", "replace").strip().splitlines()
        if not lines:
            raise ExchangeFailure("yc printed no token", transient=False)
        try:
            value = _check_secret(lines[-1], "the token yc printed")
        except CredentialsError as exc:
            raise ExchangeFailure(str(exc), transient=False) from None
        return Token.lasting(value, IAM_TOKEN_LIFETIME, now)


def check_iam_endpoint(url: str) -> str:
    """An https URL (http only on loopback, for local fakes): it receives secrets."""
    parts = urlsplit(url)
    loopback = parts.hostname in _LOOPBACK_HOSTS
    if (
        not parts.hostname
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not loopback)
    ):
        raise ConfigurationError(
            f"the IAM endpoint must be an https URL (http only on loopback), got {url!r}"
        )
    return url


def check_metadata_addr(addr: str) -> str:
    """`host[:port]` of the metadata service, nothing more."""
    host = urlsplit(f"http://{addr}").hostname
    if not host or any(char in addr for char in "/?#@ "):
        raise ConfigurationError(
            f"the metadata address must be host[:port] (such as {DEFAULT_METADATA_ADDR}), "
            f"got {addr!r}"
        )
    return addr


def parse_timestamp(value: object) -> float | None:
    """Epoch seconds of an RFC 3339 time (nanoseconds allowed), or None if it is not one."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    return moment.timestamp() + float(f"0.{fraction or 0}")


def is_yandex_cloud_instance(dmi_dir: str | None = None) -> bool:
    """True when the machine's DMI data names Yandex (a Yandex Cloud VM), read from files only."""
    directory = DMI_DIR if dmi_dir is None else dmi_dir
    for name in _DMI_FILES:
        try:
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as file:
                if "yandex" in file.read(256).lower():
                    return True
        except OSError:
            continue
    return False


def exchanging_auth_from_env(env: Mapping[str, str]) -> ExchangingAuth | None:
    """YC_OAUTH_TOKEN, YC_SERVICE_ACCOUNT_KEY_FILE, then the metadata service, if asked for.

    The metadata service is chosen only when $YC_METADATA_ADDR is set or the machine is a
    Yandex Cloud VM by its DMI data: nothing is sent to find out.
    """
    iam_endpoint = env.get(ENV_IAM_ENDPOINT, "").strip() or None
    if env.get(ENV_OAUTH_TOKEN, "").strip():
        return OAuthTokenAuth(env[ENV_OAUTH_TOKEN], iam_endpoint=iam_endpoint)
    key_file = env.get(ENV_SERVICE_ACCOUNT_KEY_FILE, "").strip()
    if key_file:
        return ServiceAccountKeyAuth(key_file, iam_endpoint=iam_endpoint)
    metadata_addr = env.get(ENV_METADATA_ADDR, "").strip()
    if metadata_addr or is_yandex_cloud_instance():
        timeout = METADATA_TIMEOUT if metadata_addr else METADATA_PROBE_TIMEOUT
        return MetadataAuth(metadata_addr=metadata_addr or DEFAULT_METADATA_ADDR, timeout=timeout)
    return None


def cli_auth_from_env(
    env: Mapping[str, str], *, interactive: bool | None = None
) -> ExchangingAuth | None:
    """The yc CLI, when it is on PATH and someone may use it: $YC_PROFILE set or a terminal.

    As in the reference SDK, a process without a terminal (a service) does not fall back to
    a developer's CLI unless a profile says so.
    """
    profile = env.get(ENV_PROFILE, "").strip() or None
    if shutil.which("yc", path=env.get("PATH")) is None:
        return None
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    if profile is None and not interactive:
        return None
    return YandexCloudCLIAuth(profile=profile, yc_path=shutil.which("yc", path=env.get("PATH")))


def _answer_json(status: int, content: bytes, service: str) -> Mapping[str, Any]:
    """The JSON object of a 200 answer; an ExchangeFailure saying why for any other."""
    if status != 200:
        raise ExchangeFailure(
            f"{service} answered HTTP {status}{_message_of(content)}",
            transient=status in _TRANSIENT_STATUSES,
        )
    try:
        data = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, Mapping):
        raise ExchangeFailure(
            f"{service} answered something other than a JSON object", transient=False
        )
    return data


def _token_field(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ExchangeFailure(f"the answer has no {name}", transient=False)
    try:
        return _check_secret(value, f"the {name} answered")
    except CredentialsError as exc:
        raise ExchangeFailure(str(exc), transient=False) from None


def _message_of(content: bytes) -> str:
    """`: <message>` of an error body's JSON, shortened; empty when there is none."""
    try:
        data = json.loads(content)
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return ": " + message.strip()[:200]
