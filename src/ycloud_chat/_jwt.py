"""A service account's authorized key and the PS256 JWT it signs for the IAM token exchange.

Signing needs `cryptography` (the `service-account` extra), imported only when a key is
loaded. The private key never appears in a repr or an error.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._exceptions import CredentialsError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["JWT_AUDIENCE", "JWT_LIFETIME", "ServiceAccountKey", "jwt_claims", "jwt_header"]

JWT_AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
JWT_LIFETIME = 3600  # the longest the IAM accepts
_EXTRA_HINT = (
    'signing a service account key needs cryptography: pip install "ycloud-chat[service-account]"'
)
_KEY_FIELDS = ("id", "service_account_id", "private_key")


def jwt_header(key_id: str) -> dict[str, str]:
    """The JWT's header: PS256, with the key's id."""
    return {"typ": "JWT", "alg": "PS256", "kid": key_id}


def jwt_claims(service_account_id: str, now: float) -> dict[str, Any]:
    """The JWT's claims: issued now by the service account for the IAM, valid for an hour."""
    issued = int(now)
    return {
        "iss": service_account_id,
        "aud": JWT_AUDIENCE,
        "iat": issued,
        "exp": issued + JWT_LIFETIME,
    }


class ServiceAccountKey:
    """An authorized key: its id, its service account's id and its RSA private key."""

    def __init__(self, key: str | os.PathLike[str] | Mapping[str, Any]) -> None:
        fields = _key_fields(key)
        self.key_id: str = fields["id"]
        self.service_account_id: str = fields["service_account_id"]
        self._private_key = _load_private_key(fields["private_key"], self.key_id)
        # Absolute: the process that unpickles it may work in another directory.
        self._path = None if isinstance(key, Mapping) else os.path.abspath(key)

    def __reduce__(self) -> tuple[type[ServiceAccountKey], tuple[str]]:
        # By the file's path, read again where it is unpickled: the private key itself never
        # goes into a pickle (a task queue's broker, a cluster's object store).
        if self._path is None:
            raise TypeError(
                "a service account key given as a dict does not pickle (its private key stays "
                "in this process); give the key file's path, read again where it is unpickled"
            )
        return ServiceAccountKey, (self._path,)

    def sign(self, now: float) -> str:
        """A JWT for the IAM token exchange, signed now."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        signing_input = (
            _segment(jwt_header(self.key_id))
            + "."
            + _segment(jwt_claims(self.service_account_id, now))
        )
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size)
        signature = self._private_key.sign(signing_input.encode(), pss, hashes.SHA256())
        return signing_input + "." + _b64(signature)

    def __repr__(self) -> str:
        return (
            f"ServiceAccountKey(key_id={self.key_id!r}, "
            f"service_account_id={self.service_account_id!r})"
        )


def _key_fields(key: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, str]:
    """The key's fields from a file or a mapping, each a non-empty str."""
    if isinstance(key, Mapping):
        data: object = key
        where = "the service account key"
    elif isinstance(key, (str, os.PathLike)):
        where = f"the service account key file {os.fspath(key)!r}"
        try:
            with open(key, encoding="utf-8") as file:
                data = json.load(file)
        except OSError as exc:
            raise CredentialsError(f"cannot read {where}: {exc.strerror or exc}") from None
        except ValueError:
            raise CredentialsError(f"{where} is not JSON (an authorized key file is)") from None
    else:
        raise CredentialsError(
            "ServiceAccountKeyAuth takes a key file's path or its parsed JSON (a dict), "
            f"got {type(key).__name__}"
        )
    if not isinstance(data, Mapping):
        raise CredentialsError(f"{where} is not a JSON object")
    missing = [
        name
        for name in _KEY_FIELDS
        if not isinstance(data.get(name), str) or not data[name].strip()
    ]
    if missing:
        raise CredentialsError(f"{where} lacks {', '.join(missing)} (an authorized key has them)")
    return {name: str(data[name]).strip() for name in _KEY_FIELDS}


def _load_private_key(pem: str, key_id: str) -> RSAPrivateKey:
    """The RSA key of a PEM block; the line the console writes above it is skipped."""
    try:
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError as exc:
        raise ImportError(_EXTRA_HINT) from exc
    start = pem.find("-----BEGIN")
    try:
        key = load_pem_private_key(pem[max(start, 0) :].encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, RSAPrivateKey):
        raise CredentialsError(
            f"the private key of service account key {key_id} is not an unencrypted RSA key in PEM"
        )
    return key


def _segment(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
