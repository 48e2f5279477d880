# GENERATED from tests/_async/test_fixture.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The `fake_chat_api` fixture answers SDKs made anywhere, with no client handed to them."""

from __future__ import annotations

import httpx
import pytest

from ycloud_chat import ChatModelStatus, ChatSDK
from ycloud_chat.testing import FakeChatAPI
from ycloud_chat.testing.pytest_plugin import PLACEHOLDER_API_KEY, PLACEHOLDER_FOLDER_ID

# Made when the module is imported, long before any fixture: answered all the same.
EARLY_SDK = ChatSDK(folder_id="early", auth="early-key")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("YC_FOLDER_ID", "YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN", "YC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def own_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YC_API_KEY", raising=False)
    monkeypatch.setenv("YC_FOLDER_ID", "b1g-mine")
    monkeypatch.setenv("YC_IAM_TOKEN", "t1.my-token")


def application() -> tuple[str, list[str]]:
    """Code under test that makes its own SDK from the environment."""
    with ChatSDK() as sdk:
        model = sdk.chat.completions("yandexgpt")
        text = (model.run("Hi")).text
        with model.run_stream("Tell me") as stream:
            statuses = [partial.status.name for partial in stream]
    return text, statuses


def test_a_default_sdk_talks_to_the_fake(no_credentials: None, fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("Hello!")
    fake_chat_api.reply_stream(["Once ", "upon"])
    text, statuses = application()
    assert text == "Hello!"
    # Addressed to AI Studio, the fake answers as AI Studio: the usage chunk comes unasked.
    assert statuses[-2:] == ["FINAL", "USAGE"]
    first, second = fake_chat_api.requests
    assert first.model == f"gpt://{PLACEHOLDER_FOLDER_ID}/yandexgpt/latest"
    assert first.headers["authorization"] == f"Api-Key {PLACEHOLDER_API_KEY}"
    assert "stream_options" not in second.json
    assert second.response_closed


def test_credentials_already_set_are_kept(
    own_credentials: None, fake_chat_api: FakeChatAPI
) -> None:
    fake_chat_api.reply("Hello!")
    with ChatSDK() as sdk:
        assert (sdk.chat.completions("yandexgpt").run("Hi")).text == "Hello!"
    assert fake_chat_api.last_request.model == "gpt://b1g-mine/yandexgpt/latest"
    assert fake_chat_api.last_request.headers["authorization"] == "Bearer t1.my-token"


def test_an_sdk_made_before_the_test_is_answered(fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("Early bird.")
    result = EARLY_SDK.chat.completions("yandexgpt").run("Hi")
    assert result.text == "Early bird."
    assert fake_chat_api.last_request.model == "gpt://early/yandexgpt/latest"


def test_any_base_url_is_answered_as_an_openai_compatible_server(
    fake_chat_api: FakeChatAPI,
) -> None:
    fake_chat_api.reply_stream(["a", "b"], times=None)
    with ChatSDK(base_url="https://llm.example.com/v1") as sdk:
        model = sdk.chat.completions("qwen")
        with model.run_stream("Hi") as stream:
            statuses = [partial.status for partial in stream]
        no_usage = model.configure(extra_query={"stream_options": {"include_usage": False}})
        with no_usage.run_stream("Hi") as stream:
            plain = [partial.status for partial in stream]
    assert statuses[-1] is ChatModelStatus.USAGE  # the SDK asks for it, so it comes
    assert plain[-1] is ChatModelStatus.FINAL  # not asked: none, as vLLM and OpenAI do
    assert fake_chat_api.last_request.path == "/v1/chat/completions"
    assert "authorization" not in fake_chat_api.last_request.headers


def test_an_sdk_given_its_own_client_is_left_alone(fake_chat_api: FakeChatAPI) -> None:
    seen: list[str] = []

    def elsewhere(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"object": "list", "data": [{"id": "m"}]})

    client = httpx.Client(transport=httpx.MockTransport(elsewhere))
    with client, ChatSDK(base_url="http://127.0.0.1:9/v1", http_client=client) as sdk:
        models = sdk.chat.completions.list()
    assert [model.uri for model in models] == ["m"]
    assert seen == ["/v1/models"]
    assert fake_chat_api.requests == []


def test_intercept_ends_with_its_block() -> None:
    inner = FakeChatAPI()
    inner.reply("intercepted")
    served = FakeChatAPI()
    served.reply("over the network")
    with served.serve() as base_url, ChatSDK(base_url=base_url) as sdk:
        with inner.intercept():
            assert (sdk.chat.completions("m").run("Hi")).text == "intercepted"
        assert (sdk.chat.completions("m").run("Hi")).text == "over the network"
    assert (len(inner.requests), len(served.requests)) == (1, 1)


def test_one_fake_intercepts_at_a_time(fake_chat_api: FakeChatAPI) -> None:
    with pytest.raises(RuntimeError, match="already answers"):
        FakeChatAPI().intercept().__enter__()
