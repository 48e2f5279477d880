"""Every public exception and every result pickles (protocols 0 to 5) and copies with its fields."""

from __future__ import annotations

import copy
import pickle
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import ycloud_chat
from ycloud_chat import (
    APIKeyAuth,
    AsyncChatSDK,
    ChatSDK,
    ConfigurationTypeError,
    MetadataAuth,
    OAuthTokenAuth,
    RateLimitError,
    YandexCloudCLIAuth,
)
from ycloud_chat._auth import BaseAuth
from ycloud_chat._token_cache import Token
from ycloud_chat.testing import FakeChatAPI

from .pickling_samples import ERROR_NAMES, check_copies, errors, fields, results

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def test_every_public_exception_is_sampled() -> None:
    assert {type(error).__name__ for error in errors()} == set(ERROR_NAMES)
    assert len(ERROR_NAMES) >= 28


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_exception_round_trips_pickle(protocol: int) -> None:
    for error in errors():
        copied = pickle.loads(pickle.dumps(error, protocol=protocol))
        assert fields(copied) == fields(error), type(error).__name__
        assert copied.__notes__ == ["a note"]


def test_every_exception_copies_and_deep_copies() -> None:
    for error in errors():
        check_copies(error)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_http_error_keeps_its_details(protocol: int) -> None:
    error = next(e for e in errors() if type(e) is RateLimitError)
    copied = pickle.loads(pickle.dumps(error, protocol=protocol))
    assert (copied.status_code, copied.retry_after, copied.attempts) == (429, 7.0, 3)
    assert (copied.request_id, copied.server_request_id) == ("rid-1", "srv-2")
    assert copied.headers["x-request-id"] == "srv-2"
    assert copied.body == {"error": {"message": "m"}}
    assert str(copied) == str(error)


def test_headers_pickle_with_every_protocol() -> None:
    headers = ycloud_chat.Headers({"A": "1", "b": "2"})
    for protocol in PROTOCOLS:
        assert pickle.loads(pickle.dumps(headers, protocol=protocol)) == {"a": "1", "b": "2"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_result_round_trips_pickle(protocol: int) -> None:
    made = results()
    assert len(made) >= 9
    for value in made:
        copied: Any = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert fields(copied) == fields(value), type(value).__name__
        check_copies(value)


# --- SDKs and models pickle by their settings ----------------------------------------------


@pytest.fixture
def served() -> Iterator[tuple[FakeChatAPI, str]]:
    fake = FakeChatAPI()
    with fake.serve() as url:
        yield fake, url


def test_an_sdk_from_the_environment_pickles_without_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("YC_FOLDER_ID", "env-folder")
    monkeypatch.setenv("YC_API_KEY", "env-secret-key")
    with ChatSDK() as sdk:  # AI Studio, where the environment's credentials are used
        data = pickle.dumps((sdk, sdk.chat.completions("yandexgpt").configure(temperature=0.2)))
    assert b"env-secret-key" not in data
    monkeypatch.setenv("YC_API_KEY", "another-key")  # the other process's environment
    again, model = pickle.loads(data)
    with again:
        assert again._transport.settings.auth.authorization() == "Api-Key another-key"
        assert model._transport.settings.auth.authorization() == "Api-Key another-key"
        assert (again.folder_id, model.config.temperature) == ("env-folder", 0.2)
    model._transport.close()


def test_an_unpickled_model_works_with_a_pool_of_its_own(served: tuple[FakeChatAPI, str]) -> None:
    fake, url = served
    fake.reply("Hi there", times=2)
    with ChatSDK(folder_id="f", auth="k", base_url=url) as sdk:
        model = sdk.chat.completions("yandexgpt")
        assert model.run("Hi").text == "Hi there"
        data = pickle.dumps(model)
        copied = pickle.loads(data)
        assert copied._transport._pool is not model._transport._pool
        assert copied.run("Hi").text == "Hi there"
    # Another task unpickling the same model in this process: the same pool, not one more.
    assert pickle.loads(data)._transport is copied._transport
    copied._transport.close()


@pytest.mark.parametrize("auth", ["explicit-key", APIKeyAuth("explicit-key")])
def test_an_explicit_auth_travels_as_given(
    auth: Any, monkeypatch: pytest.MonkeyPatch, served: tuple[FakeChatAPI, str]
) -> None:
    fake, url = served
    monkeypatch.setenv("YC_API_KEY", "env-key")
    fake.reply("ok", times=2)
    with ChatSDK(folder_id="f", auth=auth, base_url=url) as sdk:
        copied = pickle.loads(pickle.dumps(sdk.with_options(timeout=5, max_retries=0)))
    with copied:
        assert copied.chat.completions("yandexgpt").run("Hi").text == "ok"
        assert (copied.max_retries, copied._transport.settings.default_timeout) == (0, 5.0)
    assert fake.last_request.headers["authorization"].endswith(" explicit-key")


@pytest.mark.parametrize(
    "auth",
    [
        OAuthTokenAuth("y0_oauth-secret", iam_endpoint="http://127.0.0.1:9/iam/v1/tokens"),
        MetadataAuth(metadata_addr="127.0.0.1:9"),
        YandexCloudCLIAuth(profile="ci"),
    ],
    ids=type,
)
def test_an_exchanging_auth_travels_without_the_token_it_obtained(auth: Any) -> None:
    auth.cache.token = Token("t1.obtained-secret", expires_at=2e9, refresh_at=2e9)
    with ChatSDK(folder_id="f", auth=auth, base_url="http://127.0.0.1:9/v1") as sdk:
        data = pickle.dumps(sdk)
    assert b"t1.obtained-secret" not in data
    with pickle.loads(data) as again:
        copied = again._transport.settings.auth
        assert repr(copied) == repr(auth)
        assert copied.cache.token is None
        assert copied.cache.join()[1]  # no token: the first call leads an exchange


def test_with_options_copies_pickle_with_their_changes(served: tuple[FakeChatAPI, str]) -> None:
    fake, url = served
    fake.reply("ok")
    with ChatSDK(folder_id="f", auth="k", base_url=url, default_headers={"A": "1"}) as sdk:
        copy = sdk.with_options(folder_id="g", auth="k2", default_headers={"B": "2"})
        async_sdk = AsyncChatSDK(folder_id="f", auth="k", base_url=url)
        for original in (copy, async_sdk, copy.chat.text_embeddings("doc")):
            assert repr(pickle.loads(pickle.dumps(original))) == repr(original)
        assert type(pickle.loads(pickle.dumps(copy.chat))) is type(copy.chat)
        model = pickle.loads(pickle.dumps(copy.chat.completions("yandexgpt")))
    with model._transport.origin.sdk_class(**model._transport.origin.arguments) as again:
        assert again.folder_id == "g"
        assert again.chat.completions("yandexgpt").run("Hi").text == "ok"
    assert fake.last_request.headers["a"] == "1"
    assert fake.last_request.headers["b"] == "2"
    assert fake.last_request.model == "gpt://g/yandexgpt/latest"
    model._transport.close()


def test_copy_shares_the_pool_and_deepcopy_makes_a_new_one() -> None:
    with ChatSDK(folder_id="f", auth="k", base_url="http://127.0.0.1:9") as sdk:
        assert copy.copy(sdk)._transport._pool is sdk._transport._pool
        assert copy.deepcopy(sdk)._transport._pool is not sdk._transport._pool


def test_what_cannot_travel_is_named() -> None:
    with httpx.Client() as client, ChatSDK(folder_id="f", auth="k", http_client=client) as sdk:
        with pytest.raises(ConfigurationTypeError, match=r"pickle this ChatSDK: .*http_client"):
            pickle.dumps(sdk)
        with pytest.raises(ConfigurationTypeError, match=r"model of a ChatSDK: .*http_client"):
            pickle.dumps(sdk.chat.completions("yandexgpt"))
    context = ssl.create_default_context()
    refused = pytest.raises(ConfigurationTypeError, match=r"verify= is an ssl\.SSLContext")
    with ChatSDK(folder_id="f", auth="k", verify=context) as sdk, refused:
        pickle.dumps(sdk)
    with ChatSDK(folder_id="f", auth=LockedAuth()) as sdk:
        with pytest.raises(ConfigurationTypeError) as error:
            pickle.dumps(sdk)
        error.match(r"auth= \(LockedAuth\) does not pickle")


class LockedAuth(BaseAuth):
    """An auth object that holds a lock, as a token refresher might."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def authorization(self) -> str:
        return "Bearer t"
