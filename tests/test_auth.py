from __future__ import annotations

from typing import Any

import pytest

import ycloud_chat
from ycloud_chat import (
    APIKeyAuth,
    AsyncChatSDK,
    BaseAuth,
    BearerTokenAuth,
    ChatSDK,
    CredentialsError,
    EnvTokenAuth,
    IAMTokenAuth,
    NoAuth,
)
from ycloud_chat._auth import resolve_auth

SECRET = "sk-SECRET-123"
ENV_NAMES = ("YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN", "YC_FOLDER_ID")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def header(auth: BaseAuth) -> str | None:
    return auth.authorization()


# --- explicit auth --------------------------------------------------------------------------


@pytest.mark.parametrize("ai_studio", [True, False])
def test_explicit_auth_object_is_used_as_is(ai_studio: bool) -> None:
    auth = BearerTokenAuth("x")
    env = {"YC_API_KEY": "from-env"}
    assert resolve_auth(auth, is_ai_studio=ai_studio, environ=env) is auth


def test_explicit_string_is_an_api_key_on_ai_studio() -> None:
    auth = resolve_auth("my-key", is_ai_studio=True, environ={})
    assert type(auth) is APIKeyAuth
    assert header(auth) == "Api-Key my-key"


def test_explicit_string_is_a_bearer_token_elsewhere() -> None:
    auth = resolve_auth("sk-openai", is_ai_studio=False, environ={})
    assert type(auth) is BearerTokenAuth
    assert header(auth) == "Bearer sk-openai"


@pytest.mark.parametrize("token", ["t1.9euelZq", "t2.abc", "t9.x"])
@pytest.mark.parametrize("ai_studio", [True, False])
def test_iam_token_is_detected(token: str, ai_studio: bool) -> None:
    auth = resolve_auth(token, is_ai_studio=ai_studio, environ={})
    assert type(auth) is IAMTokenAuth
    assert header(auth) == f"Bearer {token}"


@pytest.mark.parametrize("key", ["t1abc", "tx.abc", "T1.abc", "at1.abc", "t12.abc", "AQVN-key"])
def test_not_iam_tokens(key: str) -> None:
    assert type(resolve_auth(key, is_ai_studio=True, environ={})) is APIKeyAuth


def test_explicit_string_with_whitespace_is_stripped() -> None:
    assert header(resolve_auth("  key\n", is_ai_studio=True, environ={})) == "Api-Key key"
    assert header(resolve_auth("\tt1.tok ", is_ai_studio=True, environ={})) == "Bearer t1.tok"


def test_explicit_wins_over_the_environment() -> None:
    env = {"YC_API_KEY": "env-key", "YC_IAM_TOKEN": "t1.env", "YC_TOKEN": "t1.env2"}
    assert header(resolve_auth("mine", is_ai_studio=True, environ=env)) == "Api-Key mine"


@pytest.mark.parametrize("auth", ["", "   ", "\n"])
def test_empty_explicit_string(auth: str) -> None:
    with pytest.raises(CredentialsError):
        resolve_auth(auth, is_ai_studio=True, environ={"YC_API_KEY": "k"})


@pytest.mark.parametrize("auth", [123, b"key", ["key"], {"key": "k"}])
def test_explicit_auth_of_a_wrong_type(auth: Any) -> None:
    with pytest.raises(CredentialsError, match="auth must be"):
        resolve_auth(auth, is_ai_studio=True, environ={})


# --- discovery ------------------------------------------------------------------------------


def test_api_key_comes_first() -> None:
    env = {"YC_API_KEY": "k", "YC_IAM_TOKEN": "t1.i", "YC_TOKEN": "t1.t"}
    auth = resolve_auth(None, is_ai_studio=True, environ=env)
    assert type(auth) is APIKeyAuth
    assert header(auth) == "Api-Key k"


def test_iam_token_comes_second() -> None:
    env = {"YC_IAM_TOKEN": "t1.i", "YC_TOKEN": "t1.t"}
    auth = resolve_auth(None, is_ai_studio=True, environ=env)
    assert type(auth) is IAMTokenAuth
    assert header(auth) == "Bearer t1.i"


def test_yc_token_comes_last_and_is_re_read_on_every_call() -> None:
    env = {"YC_TOKEN": "t1.first"}
    auth = resolve_auth(None, is_ai_studio=True, environ=env)
    assert type(auth) is EnvTokenAuth
    assert header(auth) == "Bearer t1.first"
    env["YC_TOKEN"] = " t1.second \n"
    assert header(auth) == "Bearer t1.second"
    del env["YC_TOKEN"]
    with pytest.raises(CredentialsError, match="YC_TOKEN"):
        header(auth)


def test_yc_token_from_the_real_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YC_TOKEN", "t1.first")
    auth = resolve_auth(None, is_ai_studio=True)
    assert type(auth) is EnvTokenAuth
    assert header(auth) == "Bearer t1.first"
    clean_env.setenv("YC_TOKEN", "t1.rotated")
    assert header(auth) == "Bearer t1.rotated"
    clean_env.setenv("YC_TOKEN", "  ")
    with pytest.raises(CredentialsError):
        header(auth)


def test_discovery_reads_os_environ_by_default(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YC_IAM_TOKEN", " t1.iam ")
    assert header(resolve_auth(None, is_ai_studio=True)) == "Bearer t1.iam"
    clean_env.setenv("YC_API_KEY", "key ")
    assert header(resolve_auth(None, is_ai_studio=True)) == "Api-Key key"


def test_env_values_are_stripped() -> None:
    assert header(resolve_auth(None, is_ai_studio=True, environ={"YC_API_KEY": " k\n"})) == (
        "Api-Key k"
    )
    assert header(resolve_auth(None, is_ai_studio=True, environ={"YC_IAM_TOKEN": "\tt1.x "})) == (
        "Bearer t1.x"
    )


def test_blank_env_values_are_skipped() -> None:
    env = {"YC_API_KEY": "  ", "YC_IAM_TOKEN": "", "YC_TOKEN": "t1.tok"}
    assert type(resolve_auth(None, is_ai_studio=True, environ=env)) is EnvTokenAuth


def test_env_api_key_follows_the_same_rule_as_a_string() -> None:
    environ = {"YC_API_KEY": " k "}
    assert header(resolve_auth(None, is_ai_studio=True, environ=environ)) == "Api-Key k"
    assert header(resolve_auth(None, is_ai_studio=False, environ=environ)) == "Bearer k"


def test_missing_credentials_on_ai_studio() -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_auth(None, is_ai_studio=True, environ={"YC_API_KEY": " "})
    assert "YC_API_KEY" in str(info.value)
    assert isinstance(info.value, ycloud_chat.ConfigurationError)


def test_missing_credentials_elsewhere_is_no_auth() -> None:
    auth = resolve_auth(None, is_ai_studio=False, environ={})
    assert type(auth) is NoAuth
    assert header(auth) is None


def test_sdk_without_credentials(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(CredentialsError):
        ChatSDK(folder_id="f")
    with ChatSDK(base_url="http://localhost:8000/v1") as sdk:
        assert "NoAuth()" in repr(sdk)


# --- auth objects ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [APIKeyAuth, IAMTokenAuth, BearerTokenAuth])
def test_secret_auth_rejects_bad_secrets(cls: type[APIKeyAuth]) -> None:
    with pytest.raises(CredentialsError):
        cls("")
    with pytest.raises(CredentialsError):
        cls("  ")
    with pytest.raises(CredentialsError):
        cls(None)  # type: ignore[arg-type]


def test_secret_auth_equality() -> None:
    assert APIKeyAuth("a") == APIKeyAuth(" a ")
    assert hash(APIKeyAuth("a")) == hash(APIKeyAuth("a "))
    assert APIKeyAuth("a") != APIKeyAuth("b")
    assert APIKeyAuth("a") != BearerTokenAuth("a")
    assert IAMTokenAuth("a") != BearerTokenAuth("a")


def test_base_auth_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        BaseAuth().authorization()


def test_env_token_auth_default_variable(clean_env: pytest.MonkeyPatch) -> None:
    auth = EnvTokenAuth()
    assert auth.variable == "YC_TOKEN"
    with pytest.raises(CredentialsError):
        auth.authorization()
    clean_env.setenv("MY_TOKEN", "abc")
    assert EnvTokenAuth("MY_TOKEN").authorization() == "Bearer abc"


# --- redaction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [APIKeyAuth(SECRET), IAMTokenAuth(SECRET), BearerTokenAuth(SECRET)],
    ids=["api-key", "iam", "bearer"],
)
def test_secret_never_in_repr_or_str(auth: BaseAuth) -> None:
    assert SECRET in (auth.authorization() or "")
    for text in (repr(auth), str(auth), f"{auth}", f"{auth!r}", repr([auth])):
        assert SECRET not in text
        assert "SECRET" not in text
    assert repr(auth) == f"{type(auth).__name__}(<redacted>)"


def test_env_token_never_in_repr() -> None:
    auth = resolve_auth(None, is_ai_studio=True, environ={"YC_TOKEN": SECRET})
    assert SECRET in (auth.authorization() or "")
    assert repr(auth) == "EnvTokenAuth(variable='YC_TOKEN')"
    assert SECRET not in str(auth)


@pytest.mark.parametrize("base_url", [None, "http://localhost:8000/v1"])
def test_secret_never_in_sdk_repr(clean_env: pytest.MonkeyPatch, base_url: str | None) -> None:
    with ChatSDK(folder_id="f", auth=SECRET, base_url=base_url) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(temperature=0.5)
        texts = [repr(sdk), str(sdk), repr(sdk.chat.completions), repr(model), str(model)]
        assert "<redacted>" in repr(sdk)
    async_sdk = AsyncChatSDK(folder_id="f", auth=SECRET, base_url=base_url)
    async_model = async_sdk.chat.completions("yandexgpt")
    texts += [repr(async_sdk), str(async_sdk), repr(async_sdk.chat.completions), repr(async_model)]
    assert "<redacted>" in repr(async_sdk)
    for text in texts:
        assert SECRET not in text


def test_secret_from_env_never_in_sdk_repr(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YC_API_KEY", SECRET)
    with ChatSDK(folder_id="f") as sdk:
        assert SECRET not in repr(sdk)
        assert "APIKeyAuth(<redacted>)" in repr(sdk)
