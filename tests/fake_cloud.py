"""Loopback fakes of what a Yandex Cloud service talks to: the IAM API, the metadata service
and the chat API, on one port, recording what each received.

The IAM fake checks what a real one checks: the OAuth token, or the JWT's header, claims
and PS256 signature against the key's public half. Tokens it issues are `t1.fake-<n>`; the
chat fake answers only to the newest ones.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.helpers import completion
from tests.loopback import QuietHTTPServer
from ycloud_chat._credentials import METADATA_TOKEN_PATH
from ycloud_chat._jwt import JWT_AUDIENCE

OAUTH_TOKEN = "y0_oauth-secret-0123456789"
IAM_PATH = "/iam/v1/tokens"


@functools.lru_cache(maxsize=1)
def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_key_file(
    key_id: str = "ajekey1", account: str = "ajeaccount1"
) -> tuple[dict[str, str], Any]:
    """An authorized key file's JSON as the console writes it, and the key's public half.

    The RSA key is made once per test session (it takes a while).
    """
    private = _private_key()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key = {
        "id": key_id,
        "service_account_id": account,
        "created_at": "2026-01-01T00:00:00Z",
        "key_algorithm": "RSA_2048",
        "public_key": "unused",
        "private_key": f"PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <{key_id}>\n{pem}",
    }
    return key, private.public_key()


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class _Server(QuietHTTPServer):
    request_queue_size = 256  # a hundred callers connect at once
    daemon_threads = True


class FakeCloud:
    """The three fakes; `log` has (service, detail) for every request, in arrival order."""

    def __init__(self, public_key: Any = None) -> None:
        self.public_key = public_key
        self.lifetime = 12 * 3600.0  # of the tokens issued
        self.iam_delay = 0.0  # seconds before the IAM or metadata service answers
        self.iam_failures: list[int] = []  # statuses to answer before issuing
        self.chat_rejects = 0  # 401s to answer a valid token with
        self.jwts: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.log: list[tuple[str, str]] = []
        self._issued = 0
        self._valid: set[str] = set()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    @property
    def iam_endpoint(self) -> str:
        return self.origin + IAM_PATH

    @property
    def metadata_addr(self) -> str:
        return self.origin.removeprefix("http://")

    def count(self, service: str) -> int:
        return sum(1 for name, _ in self.log if name == service)

    def _issue(self) -> tuple[str, float]:
        with self._lock:
            self._issued += 1
            token = f"t1.fake-{self._issued}"
            self._valid = {token}
        return token, self.lifetime

    def _answer_iam(self, body: bytes) -> tuple[int, dict[str, Any]]:
        time.sleep(self.iam_delay)
        if self.iam_failures:
            return self.iam_failures.pop(0), {"code": 14, "message": "unavailable"}
        proof = json.loads(body)
        if "yandexPassportOauthToken" in proof:
            if proof["yandexPassportOauthToken"] != OAUTH_TOKEN:
                return 401, {"code": 16, "message": "bad OAuth token"}
        elif not self._jwt_ok(proof.get("jwt", "")):
            return 401, {"code": 16, "message": "bad JWT"}
        token, lifetime = self._issue()
        expires = datetime.fromtimestamp(time.time() + lifetime, tz=timezone.utc)
        # With nanoseconds, as the IAM writes them.
        return 200, {"iamToken": token, "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%S.%f123Z")}

    def _jwt_ok(self, jwt: str) -> bool:
        head, claims, signature = jwt.split(".")
        header = json.loads(_unb64(head))
        payload = json.loads(_unb64(claims))
        self.jwts.append((header, payload))
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        try:
            self.public_key.verify(
                _unb64(signature), f"{head}.{claims}".encode(), pss, hashes.SHA256()
            )
        except InvalidSignature:
            return False
        return bool(header["alg"] == "PS256" and payload["aud"] == JWT_AUDIENCE)

    def _answer_metadata(self, path: str, flavor: str | None) -> tuple[int, dict[str, Any]]:
        if path != METADATA_TOKEN_PATH:
            return 404, {}
        self.log.append(("metadata", flavor or ""))
        if flavor != "Google":
            return 403, {"message": "Metadata-Flavor: Google is required"}
        time.sleep(self.iam_delay)
        token, lifetime = self._issue()
        return 200, {"access_token": token, "expires_in": int(lifetime), "token_type": "Bearer"}

    def _answer_chat(self, authorization: str) -> tuple[int, dict[str, Any]]:
        token = authorization.removeprefix("Bearer ")
        with self._lock:
            if token not in self._valid:
                return 401, {"error": {"message": "unknown token"}}
            if self.chat_rejects:
                self.chat_rejects -= 1
                return 401, {"error": {"message": "token revoked"}}
        return 200, completion(token)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._send(*cloud._answer_metadata(self.path, self.headers.get("Metadata-Flavor")))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                authorization = self.headers.get("Authorization", "")
                if self.path == IAM_PATH:
                    cloud.log.append(("iam", ""))
                    self._send(*cloud._answer_iam(body))
                else:
                    cloud.log.append(("chat", authorization))
                    self._send(*cloud._answer_chat(authorization))

            def _send(self, status: int, data: dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[FakeCloud]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()
