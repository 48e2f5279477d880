"""`ChatYCloud` and `YCloudEmbeddings` beyond the standard suites: made from our models, our
errors and retries, what goes on the wire, streaming tool calls and callbacks, loading."""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps, load
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel

from ycloud_chat import (
    AsyncChatSDK,
    BadRequestError,
    ChatSDK,
    ConfigurationError,
    InternalServerError,
)
from ycloud_chat.langchain import ChatYCloud, YCloudEmbeddings
from ycloud_chat.testing import FakeChatAPI, FakeToolCall

pytestmark = pytest.mark.slow

PNG = (  # a 1x1 picture
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
    "AAAABJRU5ErkJggg=="
)


@pytest.fixture
def fake() -> FakeChatAPI:
    return FakeChatAPI()


@pytest.fixture
def url(fake: FakeChatAPI) -> Iterator[str]:
    with fake.serve() as base_url:
        yield base_url


@pytest.fixture
def sdk(url: str) -> Iterator[ChatSDK]:
    with ChatSDK(base_url=url, auth="secret-key", max_retries=1) as client:
        yield client


@pytest.fixture
async def async_sdk(url: str) -> AsyncIterator[AsyncChatSDK]:
    async with AsyncChatSDK(base_url=url, auth="secret-key", max_retries=1) as client:
        yield client


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        self.tokens.append(token)


def test_import_without_langchain_core_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n.startswith("ycloud_chat.langchain")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "langchain_core", None)
    with pytest.raises(ImportError, match=r'pip install "ycloud-chat\[langchain\]"'):
        importlib.import_module("ycloud_chat.langchain")


def test_sync_model_carries_its_sdk_and_configuration(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply("Hi there", times=None)
    chat = sdk.chat.completions("my-model").configure(temperature=0.25).langchain(stop=["!"])
    assert isinstance(chat, ChatYCloud)
    assert (chat.model, chat.temperature) == ("my-model", 0.25)
    message = chat.invoke("Hello")
    assert message.content == "Hi there"
    request = fake.last_request
    assert request.json["temperature"] == 0.25
    assert request.json["stop"] == ["!"]
    assert request.headers["authorization"] == "Bearer secret-key"
    assert message.response_metadata["request_id"] == request.headers["x-client-request-id"]


async def test_sync_model_answers_async_calls_in_a_thread(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply_stream(["Hi", " there"], times=None)
    chat = sdk.chat.completions("my-model").langchain()
    assert (await chat.ainvoke("Hello")).content == "Hi there"
    chunks = [chunk async for chunk in chat.astream("Hello")]
    assert "".join(str(chunk.content) for chunk in chunks) == "Hi there"


async def test_async_model_answers_async_calls_only(
    async_sdk: AsyncChatSDK, fake: FakeChatAPI
) -> None:
    fake.reply("Hi", times=None)
    chat = async_sdk.chat.completions("my-model").langchain()
    assert (await chat.ainvoke("Hello")).content == "Hi"
    assert [m.content for m in await chat.abatch(["a", "b"])] == ["Hi", "Hi"]
    with pytest.raises(ConfigurationError, match="made from an async model"):
        chat.invoke("Hello")


def test_model_override_keeps_the_carried_configuration(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply("Hi", times=None)
    chat = sdk.chat.completions("my-model").configure(max_tokens=7).langchain()
    message = chat.invoke("Hello", model="other-model")
    assert fake.last_request.json["model"] == "other-model"
    assert fake.last_request.json["max_tokens"] == 7
    assert message.response_metadata["model_name"] == "other-model"


def test_errors_are_ours_after_our_retries_only(url: str, fake: FakeChatAPI) -> None:
    fake.fail(500, "down", times=None)
    chat = ChatYCloud(model="m", base_url=url, api_key="k", max_retries=1)
    with pytest.raises(InternalServerError) as caught:
        chat.invoke("Hello")
    assert caught.value.request_id is not None
    assert len(fake.requests) == 2  # one try and the SDK's one retry; LangChain adds none
    chat.close()


async def test_async_errors_are_ours(url: str, fake: FakeChatAPI) -> None:
    fake.fail(400, "no such thing", times=None)
    chat = ChatYCloud(model="m", base_url=url, api_key="k")
    with pytest.raises(BadRequestError, match="no such thing"):
        await chat.ainvoke("Hello")
    with pytest.raises(BadRequestError):
        async for _ in chat.astream("Hello"):
            pass
    await chat.aclose()


def test_bad_arguments_fail_before_any_request(url: str, fake: FakeChatAPI) -> None:
    chat = ChatYCloud(model="m", base_url=url, api_key="k")
    with pytest.raises(ConfigurationError, match="top_p"):
        chat.invoke("Hello", top_p=0.5)
    with pytest.raises(ValueError, match="method"):
        chat.with_structured_output({"title": "x", "type": "object"}, method="xml")  # type: ignore[arg-type]
    assert fake.requests == []
    chat.close()


@pytest.mark.filterwarnings("ignore:The function `load` is in beta")
def test_the_key_stays_out_of_reprs_and_serialisation() -> None:
    chat = ChatYCloud(model="m", folder_id="b1g", api_key="top-secret")
    assert "top-secret" not in repr(chat)
    assert "top-secret" not in dumps(chat)
    loaded = load(
        dumpd(chat),
        allowed_objects=[ChatYCloud],
        valid_namespaces=["ycloud_chat"],
        secrets_map={"YC_API_KEY": "top-secret"},
    )
    assert isinstance(loaded, ChatYCloud)
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == "top-secret"
    assert (loaded.model, loaded.folder_id) == ("m", "b1g")


def test_history_goes_on_the_wire_with_ids_matched_and_images(
    sdk: ChatSDK, fake: FakeChatAPI
) -> None:
    fake.reply("It's sunny")
    chat = sdk.chat.completions("m").langchain()
    chat.invoke(
        [
            HumanMessage(
                [
                    {"type": "text", "text": "Weather here?"},
                    {"type": "image", "base64": PNG, "mime_type": "image/png"},
                ]
            ),
            AIMessage(
                "",
                tool_calls=[{"name": "weather", "args": {"city": "Oslo"}, "id": "call_7"}],
            ),
            ToolMessage([{"type": "text", "text": "sunny"}], tool_call_id="call_7"),
        ]
    )
    user, assistant, tool = fake.last_request.messages
    assert user["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{PNG}"},
    }
    assert assistant["tool_calls"][0]["id"] == "call_7"
    assert assistant["tool_calls"][0]["function"]["name"] == "weather"
    assert tool == {"role": "tool", "tool_call_id": "call_7", "content": "sunny"}


def weather(city: str) -> str:
    """Tell the weather in a city."""
    return "sunny"


def test_stream_gives_tool_call_chunks_usage_and_tokens(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply_stream(["Let me ", "check"], tool_calls=[FakeToolCall("weather", {"city": "Oslo"})])
    chat = sdk.chat.completions("m").langchain().bind_tools([weather], tool_choice="any")
    tokens = Tokens()
    chunks = list(chat.stream("Weather in Oslo?", config={"callbacks": [tokens]}))
    assert [token for token in tokens.tokens if token] == ["Let me ", "check"]
    assert fake.last_request.json["tool_choice"] == "required"
    last = chunks[-1]
    assert isinstance(last, AIMessageChunk)
    assert last.chunk_position == "last"
    assert last.tool_call_chunks[0]["name"] == "weather"
    assert last.usage_metadata is not None
    whole: Any = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert isinstance(whole, AIMessageChunk)
    assert whole.tool_calls == [
        {"name": "weather", "args": {"city": "Oslo"}, "id": "call_0", "type": "tool_call"}
    ]
    assert whole.response_metadata["finish_reason"] == "tool_calls"


async def test_async_stream_gives_tokens_to_callbacks(url: str, fake: FakeChatAPI) -> None:
    fake.reply_stream(["Hel", "lo"])
    chat = ChatYCloud(model="m", base_url=url, api_key="k", streaming=True)
    tokens = Tokens()
    message = await chat.ainvoke("Hi", config={"callbacks": [tokens]})
    assert [token for token in tokens.tokens if token] == ["Hel", "lo"]
    assert message.content == "Hello"
    assert message.usage_metadata is not None
    await chat.aclose()


class Person(BaseModel):
    name: str


def test_structured_output_with_raw_keeps_a_bad_answer(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply("not JSON")
    fake.reply_json({"name": "Ann"})
    chat = sdk.chat.completions("m").langchain().with_structured_output(Person, include_raw=True)
    bad = chat.invoke("Who?")
    assert bad["parsed"] is None
    assert bad["parsing_error"] is not None
    assert bad["raw"].content == "not JSON"
    good = chat.invoke("Who?")
    assert good["parsed"] == Person(name="Ann")
    assert fake.last_request.json["response_format"]["json_schema"]["name"] == "Person"


def test_structured_output_by_function_calling(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply_tool_calls(FakeToolCall("Person", {"name": "Bo"}))
    chat = sdk.chat.completions("m").langchain()
    found = chat.with_structured_output(Person, method="function_calling").invoke("Who?")
    assert found == Person(name="Bo")
    assert fake.last_request.json["tool_choice"] == {
        "type": "function",
        "function": {"name": "Person"},
    }


def test_embeddings_from_our_model(sdk: ChatSDK, fake: FakeChatAPI) -> None:
    fake.reply_embeddings([[1.0, 0.0], [0.0, 1.0]])
    embeddings = sdk.chat.text_embeddings("emb").langchain()
    assert isinstance(embeddings, YCloudEmbeddings)
    assert embeddings.embed_documents(["a", "b"]) == [[1.0, 0.0], [0.0, 1.0]]
    assert embeddings.embed_documents([]) == []


async def test_async_embeddings_from_our_model(async_sdk: AsyncChatSDK, fake: FakeChatAPI) -> None:
    fake.reply_embeddings([[0.5, 0.5]])
    embeddings = async_sdk.chat.text_embeddings("emb").langchain()
    assert await embeddings.aembed_query("a") == [0.5, 0.5]
    with pytest.raises(ConfigurationError, match="made from an async model"):
        embeddings.embed_query("a")
