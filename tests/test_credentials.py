"""Finding and checking exchanged credentials, without I/O: the reference SDK's string
classification and order, the metadata service only when asked or on a Yandex Cloud VM, key
files, the missing extra, redaction."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fake_cloud import make_key_file
from ycloud_chat import (
    APIKeyAuth,
    BearerTokenAuth,
    ConfigurationError,
    CredentialsError,
    EnvTokenAuth,
    IAMTokenAuth,
    MetadataAuth,
    OAuthTokenAuth,
    ServiceAccountKeyAuth,
    YandexCloudCLIAuth,
)
from ycloud_chat._auth import resolve_auth
from ycloud_chat._credentials import (
    DEFAULT_METADATA_ADDR,
    cli_auth_from_env,
    is_yandex_cloud_instance,
    parse_timestamp,
)


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "key.json"
    path.write_text(json.dumps(make_key_file()[0]))
    return str(path)


@pytest.fixture
def yc_dir(tmp_path: Path) -> str:
    """A directory with an executable `yc` in it, for PATH."""
    directory = tmp_path / "bin"
    directory.mkdir()
    (directory / "yc").write_text("#!/bin/sh\necho t1.cli\n")
    (directory / "yc").chmod(0o755)
    return str(directory)


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        ("t1.9euelZqK", IAMTokenAuth),
        ("y0_AgAAAAB", OAuthTokenAuth),
        ("y3_ABC-_-abc123", OAuthTokenAuth),
        ("AQVN1234", APIKeyAuth),
        ("y9_not-oauth", APIKeyAuth),
    ],
)
def test_a_string_is_classified_as_the_reference_does(secret: str, kind: type) -> None:
    assert type(resolve_auth(secret, is_ai_studio=True)) is kind


def test_an_oauth_looking_string_is_a_bearer_token_elsewhere() -> None:
    # An OAuth token is exchanged with Yandex's IAM; another server gets the string as is.
    assert type(resolve_auth("y0_AgAAAAB", is_ai_studio=False)) is BearerTokenAuth


def resolved(environ: dict[str, str]) -> object:
    return resolve_auth(None, is_ai_studio=True, environ=environ)


def test_the_sources_resolve_in_the_documented_order(
    key_file: str, yc_dir: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {
        "PATH": yc_dir,
        "YC_PROFILE": "ci",
        "YC_TOKEN": "t1.env",
        "YC_METADATA_ADDR": "127.0.0.1:1",
        "YC_SERVICE_ACCOUNT_KEY_FILE": key_file,
        "YC_OAUTH_TOKEN": "y0_oauth",
        "YC_IAM_TOKEN": "t1.iam",
        "YC_API_KEY": "AQVN-key",
    }
    expected = [
        APIKeyAuth,
        IAMTokenAuth,
        OAuthTokenAuth,
        ServiceAccountKeyAuth,
        MetadataAuth,
        EnvTokenAuth,
        YandexCloudCLIAuth,
    ]
    found = []
    for name in ["YC_API_KEY", "YC_IAM_TOKEN", "YC_OAUTH_TOKEN", "YC_SERVICE_ACCOUNT_KEY_FILE"]:
        found.append(type(resolved(environ)))
        del environ[name]
    found.append(type(resolved(environ)))
    del environ["YC_METADATA_ADDR"]
    found.append(type(resolved(environ)))
    del environ["YC_TOKEN"]
    found.append(type(resolved(environ)))
    assert found == expected
    del environ["PATH"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(CredentialsError, match="no credentials"):
        resolved(environ)


def test_the_settings_come_from_the_environment(key_file: str) -> None:
    auth = resolved(
        {"YC_SERVICE_ACCOUNT_KEY_FILE": key_file, "YC_IAM_ENDPOINT": "http://127.0.0.1:8/t"}
    )
    assert isinstance(auth, ServiceAccountKeyAuth)
    assert auth.iam_endpoint == "http://127.0.0.1:8/t"
    assert (auth.key_id, auth.service_account_id) == ("ajekey1", "ajeaccount1")
    metadata = resolved({"YC_METADATA_ADDR": "127.0.0.1:8080"})
    assert isinstance(metadata, MetadataAuth)
    assert metadata.metadata_addr == "127.0.0.1:8080"


def test_environment_credentials_go_to_ai_studio_only(key_file: str) -> None:
    environ = {"YC_SERVICE_ACCOUNT_KEY_FILE": key_file, "YC_OAUTH_TOKEN": "y0_oauth"}
    assert repr(resolve_auth(None, is_ai_studio=False, environ=environ)) == "NoAuth()"


def test_the_metadata_service_is_never_chosen_by_surprise(tmp_path: Path) -> None:
    # The conftest points the DMI data at an empty directory: this is no cloud VM.
    assert not is_yandex_cloud_instance()
    with pytest.raises(CredentialsError):
        resolved({"PATH": str(tmp_path)})


def test_a_yandex_cloud_vm_is_known_by_its_dmi_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sys_vendor").write_text("Yandex\n")
    monkeypatch.setattr("ycloud_chat._credentials.DMI_DIR", str(tmp_path))
    auth = resolved({"PATH": str(tmp_path)})
    assert isinstance(auth, MetadataAuth)
    assert auth.metadata_addr == DEFAULT_METADATA_ADDR  # chosen; nothing is sent until a call
    other = tmp_path / "other"
    other.mkdir()
    (other / "sys_vendor").write_text("QEMU\n")
    assert not is_yandex_cloud_instance(str(other))


def test_the_cli_needs_a_terminal_or_a_profile(yc_dir: str) -> None:
    assert cli_auth_from_env({"PATH": yc_dir}, interactive=False) is None
    assert isinstance(cli_auth_from_env({"PATH": yc_dir}, interactive=True), YandexCloudCLIAuth)
    by_profile = cli_auth_from_env({"PATH": yc_dir, "YC_PROFILE": "ci"}, interactive=False)
    assert isinstance(by_profile, YandexCloudCLIAuth)
    assert by_profile.profile == "ci"
    assert cli_auth_from_env({"PATH": "/nonexistent", "YC_PROFILE": "ci"}) is None


def test_no_secret_in_reprs(key_file: str) -> None:
    key = make_key_file()[0]
    auths = [
        OAuthTokenAuth("y0_secret-oauth", iam_endpoint="http://127.0.0.1:1/t"),
        ServiceAccountKeyAuth(key_file),
        ServiceAccountKeyAuth(key),
    ]
    for auth in auths:
        assert "secret-oauth" not in repr(auth)
        assert "PRIVATE" not in repr(auth)
        assert repr(auth) == str(auth)
    assert "PRIVATE" not in repr(ServiceAccountKeyAuth(key)._key)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ({"id": "k", "service_account_id": "a"}, "lacks private_key"),
        ({"id": "k", "service_account_id": "a", "private_key": "junk"}, "not an unencrypted RSA"),
        (["not", "a", "dict"], "takes a key file's path"),
        ("/nonexistent/key.json", "cannot read"),
    ],
)
def test_a_bad_key_is_refused_up_front(key: object, problem: str) -> None:
    with pytest.raises(CredentialsError, match=problem) as caught:
        ServiceAccountKeyAuth(key)  # type: ignore[arg-type]
    assert "junk" not in str(caught.value)


def test_a_key_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text("-----BEGIN PRIVATE KEY-----\nsecret\n")
    with pytest.raises(CredentialsError, match="is not JSON") as caught:
        ServiceAccountKeyAuth(path)
    assert "secret" not in str(caught.value)


def test_without_cryptography_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name == "cryptography" or name.startswith("cryptography."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(ImportError, match=r'pip install "ycloud-chat\[service-account\]"'):
        ServiceAccountKeyAuth(_plain_key())


def _plain_key() -> dict[str, str]:
    return {"id": "k", "service_account_id": "a", "private_key": "-----BEGIN PRIVATE KEY-----"}


@pytest.mark.parametrize(
    "endpoint", ["http://iam.example.com/t", "ftp://127.0.0.1/t", "https://", "not a url"]
)
def test_the_iam_endpoint_must_be_https_off_loopback(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="IAM endpoint"):
        OAuthTokenAuth("y0_x", iam_endpoint=endpoint)


@pytest.mark.parametrize("addr", ["http://127.0.0.1", "127.0.0.1/x", "a b"])
def test_the_metadata_address_is_host_and_port(addr: str) -> None:
    with pytest.raises(ConfigurationError, match="host\\[:port\\]"):
        MetadataAuth(metadata_addr=addr)


def test_an_exchanging_auth_has_no_token_before_its_first_exchange() -> None:
    with pytest.raises(CredentialsError, match="no IAM token from the metadata service"):
        MetadataAuth(metadata_addr="127.0.0.1:1").authorization()


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2026-12-07T15:00:00Z", 1796655600.0),
        ("2026-12-07T15:00:00.123456789Z", 1796655600.123456789),
        ("2026-12-07T18:00:00+03:00", 1796655600.0),
        ("yesterday", None),
        (None, None),
    ],
)
def test_expiry_times_parse_with_nanoseconds(text: object, epoch: float | None) -> None:
    parsed = parse_timestamp(text)
    assert parsed == pytest.approx(epoch) if epoch is not None else parsed is None
