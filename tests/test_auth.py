from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
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

from .helpers import completion

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


def test_missing_credentials_on_ai_studio() -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_auth(None, is_ai_studio=True, environ={"YC_API_KEY": " "})
    assert "YC_API_KEY" in str(info.value)
    assert isinstance(info.value, ycloud_chat.ConfigurationError)


def test_missing_credentials_elsewhere_is_no_auth() -> None:
    auth = resolve_auth(None, is_ai_studio=False, environ={})
    assert type(auth) is NoAuth
    assert header(auth) is None


# --- YC_* credentials go to AI Studio only -----------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"YC_API_KEY": "k"},
        {"YC_IAM_TOKEN": "t1.i"},
        {"YC_TOKEN": "t1.t"},
        {"YC_API_KEY": "k", "YC_IAM_TOKEN": "t1.i", "YC_TOKEN": "t1.t"},
    ],
    ids=["api-key", "iam-token", "token", "all"],
)
def test_yc_variables_are_never_used_for_other_servers(env: dict[str, str]) -> None:
    auth = resolve_auth(None, is_ai_studio=False, environ=env)
    assert type(auth) is NoAuth
    assert header(auth) is None


def test_yc_variables_from_the_real_environment_stay_home(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YC_API_KEY", SECRET)
    clean_env.setenv("YC_IAM_TOKEN", "t1.iam")
    clean_env.setenv("YC_TOKEN", "t1.tok")
    assert type(resolve_auth(None, is_ai_studio=False)) is NoAuth
    assert type(resolve_auth(None, is_ai_studio=True)) is APIKeyAuth


def test_malformed_yc_variables_do_not_matter_elsewhere() -> None:
    env = {"YC_API_KEY": "bad\nkey", "YC_TOKEN": "t1.\x00"}
    assert type(resolve_auth(None, is_ai_studio=False, environ=env)) is NoAuth


def test_explicit_auth_still_reaches_other_servers() -> None:
    env = {"YC_API_KEY": "env-key"}
    assert header(resolve_auth("sk-mine", is_ai_studio=False, environ=env)) == "Bearer sk-mine"
    auth = EnvTokenAuth("MY_TOKEN", environ={"MY_TOKEN": "tok"})
    assert resolve_auth(auth, is_ai_studio=False, environ=env) is auth


def recording_client(requests: list[httpx.Request]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=completion())

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080/v1", "https://api.example.com/v1"])
def test_sdk_sends_no_yc_credentials_to_another_server(
    clean_env: pytest.MonkeyPatch, base_url: str
) -> None:
    clean_env.setenv("YC_API_KEY", SECRET)
    clean_env.setenv("YC_IAM_TOKEN", "t1.iam")
    clean_env.setenv("YC_TOKEN", "t1.tok")
    requests: list[httpx.Request] = []
    with ChatSDK(base_url=base_url, http_client=recording_client(requests)) as sdk:
        assert "NoAuth()" in repr(sdk)
        sdk.chat.completions("smollm2").run("Hi")
    [request] = requests
    assert "authorization" not in request.headers
    assert SECRET not in str(request.headers)


def test_sdk_sends_an_explicit_key_to_another_server(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("YC_API_KEY", "env-key")
    requests: list[httpx.Request] = []
    client = recording_client(requests)
    with ChatSDK(base_url="http://127.0.0.1:8080/v1", auth=SECRET, http_client=client) as sdk:
        sdk.chat.completions("smollm2").run("Hi")
    [request] = requests
    assert request.headers["authorization"] == f"Bearer {SECRET}"


def test_sdk_without_credentials(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(CredentialsError):
        ChatSDK(folder_id="f")
    with ChatSDK(base_url="http://localhost:8000/v1") as sdk:
        assert "NoAuth()" in repr(sdk)


# --- auth objects ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [APIKeyAuth, IAMTokenAuth, BearerTokenAuth])
def test_secret_auth_rejects_bad_secrets(cls: type[APIKeyAuth]) -> None:
    with pytest.raises(CredentialsError, match="is empty"):
        cls("")
    with pytest.raises(CredentialsError, match="is empty"):
        cls("  ")
    with pytest.raises(CredentialsError, match="takes a str"):
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


# --- header-safe secrets ----------------------------------------------------------------------

# Each bad secret, what the error must call the problem, and the (1-based) position named.
BAD_SECRETS = [
    pytest.param("AQVN8xKq\nZr2Wp9Lm", "a line break", 9, id="newline"),
    pytest.param("AQVN8xKq\rZr2Wp9Lm", "a line break", 9, id="carriage-return"),
    pytest.param("AQVN8xKq\r\nX-Evil: Zr2Wp9", "a line break", 9, id="header-injection"),
    pytest.param("AQVN8xKq Zr2Wp9Lm", "a space", 9, id="space"),
    pytest.param("AQVN8xKq\tZr2Wp9Lm", "a tab", 9, id="tab"),
    pytest.param("AQVN8xKq\x00Zr2Wp9Lm", "a control character", 9, id="nul"),
    pytest.param("AQVN8xKq\x1bZr2Wp9Lm", "a control character", 9, id="escape"),
    pytest.param("AQVN8xKq\x7fZr2Wp9Lm", "a control character", 9, id="delete"),
    # A Cyrillic "К" (U+041A) pasted in place of the Latin "K".
    pytest.param("AQVN8x\u041aqZr2Wp9Lm", "a non-ASCII character", 7, id="cyrillic-look-alike"),
    pytest.param("AQVN8xKq\u00a0Zr2Wp9Lm", "a non-ASCII character", 9, id="no-break-space"),
    pytest.param("AQVN8xKq\u200bZr2Wp9Lm", "a non-ASCII character", 9, id="zero-width-space"),
    pytest.param("AQVN8xKq\U0001f511Zr2Wp9Lm", "a non-ASCII character", 9, id="emoji"),
    pytest.param("\u0410QVN8xKqZr2Wp9Lm", "a non-ASCII character", 1, id="first-character"),
    pytest.param("AQVN8xKqZr2Wp9L\u043c", "a non-ASCII character", 16, id="last-character"),
]


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything reachable through its __cause__ and __context__."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def assert_secret_not_shown(error: BaseException, secret: str) -> None:
    """Neither the secret nor any 4-character piece of it shows in the error chain."""
    pieces = {secret[i : i + 4] for i in range(len(secret) - 3)}
    pieces |= {repr(piece)[1:-1] for piece in pieces}  # as repr() would escape it
    for exc in exception_chain(error):
        texts = [str(exc), repr(exc), *map(str, exc.args), *map(repr, exc.args)]
        for text in texts:
            assert secret not in text
            shown = [piece for piece in pieces if piece in text]
            assert not shown, f"{shown} of the secret shows in {text!r}"


def assert_names_problem(error: CredentialsError, problem: str, position: int) -> None:
    message = str(error)
    assert problem in message
    assert f"position {position}" in message
    assert "HTTP header" in message


@pytest.mark.parametrize(
    ("cls", "what"),
    [(APIKeyAuth, "the API key"), (IAMTokenAuth, "the IAM token"), (BearerTokenAuth, "bearer")],
)
@pytest.mark.parametrize(("secret", "problem", "position"), BAD_SECRETS)
def test_auth_objects_reject_secrets_unfit_for_a_header(
    cls: type[APIKeyAuth], what: str, secret: str, problem: str, position: int
) -> None:
    with pytest.raises(CredentialsError) as info:
        cls(secret)
    assert_names_problem(info.value, problem, position)
    assert what in str(info.value)
    assert_secret_not_shown(info.value, secret)


@pytest.mark.parametrize("ai_studio", [True, False])
@pytest.mark.parametrize(("secret", "problem", "position"), BAD_SECRETS)
def test_explicit_string_unfit_for_a_header(
    ai_studio: bool, secret: str, problem: str, position: int
) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_auth(secret, is_ai_studio=ai_studio, environ={})
    assert_names_problem(info.value, problem, position)
    assert_secret_not_shown(info.value, secret)


@pytest.mark.parametrize("secret", ["t1.AQVN8xKq\nZr2Wp9", "t1.AQVN8x\u041aqZr2Wp9"])
def test_iam_token_unfit_for_a_header(secret: str) -> None:
    with pytest.raises(CredentialsError, match="the IAM token has") as info:
        resolve_auth(secret, is_ai_studio=True, environ={})
    assert_secret_not_shown(info.value, secret)


@pytest.mark.parametrize("variable", ["YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN"])
@pytest.mark.parametrize(("secret", "problem", "position"), BAD_SECRETS)
def test_discovered_secret_unfit_for_a_header(
    variable: str, secret: str, problem: str, position: int
) -> None:
    with pytest.raises(CredentialsError) as info:
        resolve_auth(None, is_ai_studio=True, environ={variable: secret})
    assert_names_problem(info.value, problem, position)
    assert f"the environment variable {variable} has" in str(info.value)
    assert_secret_not_shown(info.value, secret)


@pytest.mark.parametrize(("secret", "problem", "position"), BAD_SECRETS)
def test_env_token_checks_every_value_it_reads(secret: str, problem: str, position: int) -> None:
    env = {"YC_TOKEN": "t1.good"}
    auth = resolve_auth(None, is_ai_studio=True, environ=env)
    assert header(auth) == "Bearer t1.good"
    env["YC_TOKEN"] = secret
    with pytest.raises(CredentialsError) as info:
        header(auth)
    assert_names_problem(info.value, problem, position)
    assert "YC_TOKEN" in str(info.value)
    assert_secret_not_shown(info.value, secret)
    env["YC_TOKEN"] = " t1.rotated "
    assert header(auth) == "Bearer t1.rotated"


def test_env_token_auth_on_its_own_checks_the_value(clean_env: pytest.MonkeyPatch) -> None:
    secret = "AQVN8xKq\u0440Zr2Wp9Lm"  # a Cyrillic "р"
    clean_env.setenv("MY_TOKEN", secret)
    with pytest.raises(CredentialsError) as info:
        EnvTokenAuth("MY_TOKEN").authorization()
    assert_names_problem(info.value, "a non-ASCII character", 9)
    assert_secret_not_shown(info.value, secret)


def test_a_bad_secret_fails_before_any_request(clean_env: pytest.MonkeyPatch) -> None:
    secret = "AQVN8xKq\nZr2Wp9Lm"
    requests: list[httpx.Request] = []
    client = recording_client(requests)
    with pytest.raises(CredentialsError) as info:
        ChatSDK(base_url="http://127.0.0.1:8080/v1", auth=secret, http_client=client)
    assert_secret_not_shown(info.value, secret)
    clean_env.setenv("YC_API_KEY", secret)
    with pytest.raises(CredentialsError) as info:
        ChatSDK(folder_id="f", http_client=client)
    assert_secret_not_shown(info.value, secret)
    assert requests == []


def test_a_bad_rotated_token_fails_without_a_request(clean_env: pytest.MonkeyPatch) -> None:
    secret = "AQVN8xKq\r\nX-Evil: Zr2Wp9"
    clean_env.setenv("MY_TOKEN", "good-token")
    requests: list[httpx.Request] = []
    client = recording_client(requests)
    auth = EnvTokenAuth("MY_TOKEN")
    with ChatSDK(base_url="http://127.0.0.1:8080/v1", auth=auth, http_client=client) as sdk:
        model = sdk.chat.completions("smollm2")
        model.run("Hi")
        clean_env.setenv("MY_TOKEN", secret)
        with pytest.raises(CredentialsError) as info:
            model.run("Hi")
    assert_names_problem(info.value, "a line break", 9)
    assert_secret_not_shown(info.value, secret)
    assert len(requests) == 1


@pytest.mark.parametrize("secret", ["!", "~", "a!#$%&'*+-.^_`|~z", "t1.9euelZq-_.~"])
def test_printable_ascii_secrets_are_allowed(secret: str) -> None:
    assert header(BearerTokenAuth(secret)) == f"Bearer {secret}"


def test_every_printable_ascii_character_is_allowed() -> None:
    every = "".join(chr(code) for code in range(0x21, 0x7F))
    assert header(APIKeyAuth(every)) == f"Api-Key {every}"


def test_surrounding_whitespace_is_stripped_before_the_check() -> None:
    assert header(APIKeyAuth("\u00a0 key\r\n")) == "Api-Key key"
    assert header(resolve_auth(None, is_ai_studio=True, environ={"YC_API_KEY": "\tk\n"})) == (
        "Api-Key k"
    )
