"""Exchanged credentials against loopback fakes of the IAM API, the metadata service and `yc`:
each source's exchange, renewal ahead of expiry, one renewal after a 401, clear failures."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_cloud import OAUTH_TOKEN, FakeCloud, make_key_file
from ycloud_chat import (
    AsyncChatSDK,
    AuthenticationError,
    ConfigurationTypeError,
    CredentialsError,
    MetadataAuth,
    OAuthTokenAuth,
    ServiceAccountKeyAuth,
    YandexCloudCLIAuth,
)
from ycloud_chat._auth import BaseAuth
from ycloud_chat._jwt import JWT_AUDIENCE

pytestmark = pytest.mark.usefixtures("fast_retries", "loopback_only", "http_backend")


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    key, public = make_key_file()
    fake = FakeCloud(public)
    fake.key = key  # type: ignore[attr-defined]
    with fake.running():
        yield fake


def sdk_for(cloud: FakeCloud, auth: BaseAuth) -> AsyncChatSDK:
    return AsyncChatSDK(folder_id="folder1", auth=auth, base_url=cloud.base_url, max_retries=0)


async def ask(sdk: AsyncChatSDK) -> str:
    """The token the chat fake saw (it answers with it)."""
    result = await sdk.chat.completions("m").run("hi", timeout=20)
    return result.text


async def test_an_oauth_token_is_exchanged_once_for_many_calls(cloud: FakeCloud) -> None:
    async with sdk_for(cloud, OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)) as sdk:
        seen = [await ask(sdk), await ask(sdk), await ask(sdk.with_options(timeout=30))]
    assert seen == ["t1.fake-1"] * 3
    assert cloud.log == [("iam", ""), *[("chat", "Bearer t1.fake-1")] * 3]


async def test_a_service_account_key_signs_a_ps256_jwt(cloud: FakeCloud) -> None:
    auth = ServiceAccountKeyAuth(cloud.key, iam_endpoint=cloud.iam_endpoint)  # type: ignore[attr-defined]
    async with sdk_for(cloud, auth) as sdk:
        assert await ask(sdk) == "t1.fake-1"
    ((header, claims),) = cloud.jwts
    assert header == {"typ": "JWT", "alg": "PS256", "kid": "ajekey1"}
    assert claims["iss"] == "ajeaccount1"
    assert claims["aud"] == JWT_AUDIENCE
    assert claims["exp"] - claims["iat"] == 3600


async def test_a_key_file_on_disk_works_as_its_json(cloud: FakeCloud, tmp_path: Path) -> None:
    import json

    path = tmp_path / "key.json"
    path.write_text(json.dumps(cloud.key))  # type: ignore[attr-defined]
    async with sdk_for(
        cloud, ServiceAccountKeyAuth(str(path), iam_endpoint=cloud.iam_endpoint)
    ) as sdk:
        assert await ask(sdk) == "t1.fake-1"


async def test_a_key_file_pickles_by_its_path_and_a_key_dict_not_at_all(
    cloud: FakeCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import pickle

    (tmp_path / "key.json").write_text(json.dumps(cloud.key))  # type: ignore[attr-defined]
    monkeypatch.chdir(tmp_path)
    by_path = sdk_for(cloud, ServiceAccountKeyAuth("key.json", iam_endpoint=cloud.iam_endpoint))
    data = pickle.dumps(by_path)
    assert b"PRIVATE KEY" not in data
    monkeypatch.chdir(tmp_path.parent)  # a worker elsewhere: the path was made absolute
    async with pickle.loads(data) as sdk:  # reads the file again
        assert await ask(sdk) == "t1.fake-1"
    ((header, claims),) = cloud.jwts  # checked against the public key by the fake
    assert (header["kid"], claims["iss"]) == ("ajekey1", "ajeaccount1")
    by_dict = sdk_for(cloud, ServiceAccountKeyAuth(cloud.key, iam_endpoint=cloud.iam_endpoint))  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationTypeError, match="give the key file's path"):
        pickle.dumps(by_dict)
    await by_path.aclose()
    await by_dict.aclose()


async def test_the_metadata_service_is_asked_with_its_header(cloud: FakeCloud) -> None:
    async with sdk_for(cloud, MetadataAuth(metadata_addr=cloud.metadata_addr)) as sdk:
        assert await ask(sdk) == "t1.fake-1"
        assert await ask(sdk) == "t1.fake-1"
    assert cloud.log[0] == ("metadata", "Google")
    assert cloud.count("metadata") == 1


def fake_yc(directory: Path, token: str) -> Path:
    """A `yc` that prints a line of chatter, then the token, and writes down its arguments."""
    script = directory / "yc"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        f"pathlib.Path({str(directory / 'argv')!r}).write_text(' '.join(sys.argv[1:]))\n"
        f"print('some notice')\nprint({token!r})\n"
    )
    script.chmod(0o755)
    return script


@pytest.mark.skipif(sys.platform == "win32", reason="a script with a shebang line")
async def test_the_yc_cli_on_path_with_a_profile(
    cloud: FakeCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_yc(tmp_path, "t1.fake-1")
    cloud._issue()  # the chat fake takes t1.fake-1
    monkeypatch.setenv("PATH", str(tmp_path))
    async with sdk_for(cloud, YandexCloudCLIAuth(profile="ci")) as sdk:
        assert await ask(sdk) == "t1.fake-1"
    assert (tmp_path / "argv").read_text() == "iam create-token --no-user-output --profile ci"


async def test_a_token_near_expiry_is_renewed_before_a_call(
    cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    shift = [0.0]
    monkeypatch.setattr("ycloud_chat._token_cache.clock", lambda: time.time() + shift[0])
    cloud.lifetime = 1000.0  # renewed once less than half of it is left
    async with sdk_for(cloud, OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)) as sdk:
        assert await ask(sdk) == "t1.fake-1"
        shift[0] = 400.0  # 600s left: not yet
        assert await ask(sdk) == "t1.fake-1"
        shift[0] = 700.0  # 300s left: renewed first, and the call carries the new token
        assert await ask(sdk) == "t1.fake-2"
    assert [name for name, _ in cloud.log] == ["iam", "chat", "chat", "iam", "chat"]


async def test_a_401_renews_the_token_once_and_retries(cloud: FakeCloud) -> None:
    cloud.chat_rejects = 1
    async with sdk_for(cloud, OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)) as sdk:
        assert await ask(sdk) == "t1.fake-2"
    assert cloud.log == [
        ("iam", ""),
        ("chat", "Bearer t1.fake-1"),
        ("iam", ""),
        ("chat", "Bearer t1.fake-2"),
    ]


async def test_a_second_401_is_the_callers(cloud: FakeCloud) -> None:
    cloud.chat_rejects = 2
    async with sdk_for(cloud, OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)) as sdk:
        with pytest.raises(AuthenticationError):
            await ask(sdk)
    assert cloud.count("iam") == 2


async def test_a_failed_exchange_names_the_source_never_the_secret(cloud: FakeCloud) -> None:
    auth = OAuthTokenAuth("y0_wrong-secret-token", iam_endpoint=cloud.iam_endpoint)
    async with sdk_for(cloud, auth) as sdk:
        with pytest.raises(CredentialsError) as caught:
            await ask(sdk)
    message = str(caught.value)
    assert "the IAM API at" in message
    assert "OAuth token" in message
    assert "HTTP 401: bad OAuth token" in message
    assert "y0_wrong" not in message + repr(auth) + repr(sdk)
    assert caught.value.__cause__ is None
    assert cloud.count("iam") == 1  # a refusal is not retried
    assert cloud.count("chat") == 0


async def test_a_failed_exchange_chains_nothing_that_holds_the_secret(
    cloud: FakeCloud,
) -> None:
    # The IAM endpoint refuses the connection: the HTTP library's error holds the request,
    # whose body is the OAuth token. Error reporters walk __context__ even when suppressed.
    auth = OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint="http://127.0.0.1:9/iam/v1/tokens")
    async with sdk_for(cloud, auth) as sdk:
        with pytest.raises(CredentialsError, match="the connection failed") as caught:
            await ask(sdk)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


async def test_a_transient_failure_is_retried(cloud: FakeCloud) -> None:
    cloud.iam_failures = [503, 429]
    async with sdk_for(cloud, OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)) as sdk:
        assert await ask(sdk) == "t1.fake-1"
    assert cloud.count("iam") == 3


async def test_an_unreachable_service_is_a_credentials_error(cloud: FakeCloud) -> None:
    auth = MetadataAuth(metadata_addr="127.0.0.1:9", timeout=0.5)
    async with sdk_for(cloud, auth) as sdk:
        with pytest.raises(CredentialsError, match=r"metadata service at 127\.0\.0\.1:9: "):
            await ask(sdk)


async def test_a_usable_token_serves_on_while_renewal_fails(
    cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    shift = [0.0]
    monkeypatch.setattr("ycloud_chat._token_cache.clock", lambda: time.time() + shift[0])
    cloud.lifetime = 1000.0
    async with sdk_for(cloud, OAuthTokenAuth(OAUTH_TOKEN, iam_endpoint=cloud.iam_endpoint)) as sdk:
        assert await ask(sdk) == "t1.fake-1"
        shift[0] = 700.0
        cloud.iam_failures = [400]
        assert await ask(sdk) == "t1.fake-1"  # logged, and tried again later
        assert await ask(sdk) == "t1.fake-1"  # not at once
        shift[0] = 740.0
        assert await ask(sdk) == "t1.fake-2"
    assert cloud.count("iam") == 3


async def test_a_metadata_service_found_by_resolution_gives_way_silently(
    cloud: FakeCloud, tmp_path: Path
) -> None:
    from ycloud_chat._auth import resolve_auth

    cloud._issue()  # the chat fake takes t1.fake-1
    fake_yc(tmp_path, "t1.fake-1")
    environ = {"YC_METADATA_ADDR": "127.0.0.1:9", "PATH": str(tmp_path), "YC_PROFILE": "ci"}
    for later in ({"YC_TOKEN": "t1.fake-1"}, {}):  # YC_TOKEN, else the yc CLI
        auth = resolve_auth(None, is_ai_studio=True, environ={**environ, **later})
        assert isinstance(auth, MetadataAuth)
        async with sdk_for(cloud, auth) as sdk:
            assert await ask(sdk) == "t1.fake-1"
            assert await ask(sdk) == "t1.fake-1"
    assert cloud.count("metadata") == 0


async def test_a_metadata_service_found_by_resolution_serves_when_it_answers(
    cloud: FakeCloud,
) -> None:
    from ycloud_chat._auth import resolve_auth

    environ = {"YC_METADATA_ADDR": cloud.metadata_addr, "YC_TOKEN": "t1.never-used"}
    auth = resolve_auth(None, is_ai_studio=True, environ=environ)
    async with sdk_for(cloud, auth) as sdk:
        assert await ask(sdk) == "t1.fake-1"
    assert cloud.count("metadata") == 1
