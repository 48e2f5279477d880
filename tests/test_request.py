from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import BaseModel

import ycloud_chat
from ycloud_chat import (
    APIKeyAuth,
    BearerTokenAuth,
    ChatModelConfig,
    ConfigurationError,
    CredentialsError,
    FunctionTool,
    IAMTokenAuth,
    InvalidMessageError,
    NoAuth,
)
from ycloud_chat._arguments import check_headers, normalise_base_url, redact_url
from ycloud_chat._constants import DEFAULT_BASE_URL
from ycloud_chat._messages import coerce_messages
from ycloud_chat._request import (
    build_chat_body,
    build_headers,
    encode_body,
    is_ai_studio,
    model_uri,
    new_request_id,
)
from ycloud_chat.types import config as config_module

CASSETTES = Path(__file__).parent / "cassettes"
MESSAGES = [{"role": "user", "content": "hi"}]
CALC = FunctionTool(name="calc", parameters={"type": "object", "properties": {}}, strict=True)
PROTOCOL_ORDER = [
    "model",
    "messages",
    "stream",
    "temperature",
    "max_tokens",
    "response_format",
    "reasoning_effort",
    "tools",
    "parallel_tool_calls",
    "tool_choice",
]


class Numbers(BaseModel):
    numbers: list[int]


def recorded_request(name: str, index: int = 0) -> dict[str, Any]:
    cassette = yaml.safe_load((CASSETTES / "test_completions" / name).read_text())
    body: dict[str, Any] = json.loads(cassette["interactions"][index]["request"]["body"])
    return body


# --- model_uri ------------------------------------------------------------------------------


def test_model_uri_with_folder() -> None:
    assert model_uri("yandexgpt", "rc", "b1g", ai_studio=True) == "gpt://b1g/yandexgpt/rc"
    assert model_uri("yandexgpt", "latest", "b1g", ai_studio=False) == "gpt://b1g/yandexgpt/latest"


def test_model_uri_strips_name_and_version() -> None:
    assert model_uri(" yandexgpt ", " rc ", "b1g", ai_studio=True) == "gpt://b1g/yandexgpt/rc"


@pytest.mark.parametrize(
    "name", ["gpt://other/yandexgpt/rc", "gpt://qwen3-235b-a22b-fp8/latest", "ds://abc"]
)
@pytest.mark.parametrize("folder", ["b1g", None])
@pytest.mark.parametrize("ai_studio", [True, False])
def test_model_uri_with_scheme_is_verbatim(name: str, folder: str | None, ai_studio: bool) -> None:
    assert model_uri(name, "latest", folder, ai_studio=ai_studio) == name


def test_model_uri_without_folder_on_ai_studio() -> None:
    with pytest.raises(CredentialsError, match="folder"):
        model_uri("yandexgpt", "latest", None, ai_studio=True)
    with pytest.raises(CredentialsError):
        model_uri("yandexgpt", "latest", "", ai_studio=True)


def test_model_uri_without_folder_elsewhere_is_the_bare_name() -> None:
    assert model_uri("llama3", "latest", None, ai_studio=False) == "llama3"
    assert model_uri(" llama3 ", "rc", None, ai_studio=False) == "llama3"


@pytest.mark.parametrize(("name", "version"), [("", "latest"), ("  ", "latest"), (None, "latest")])
def test_model_uri_bad_name(name: Any, version: str) -> None:
    with pytest.raises(ConfigurationError, match="model_name"):
        model_uri(name, version, "b1g", ai_studio=True)


@pytest.mark.parametrize("version", ["", " ", None, 1])
def test_model_uri_bad_version(version: Any) -> None:
    with pytest.raises(ConfigurationError, match="model_version"):
        model_uri("yandexgpt", version, "b1g", ai_studio=True)


def test_sdk_uses_model_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YC_FOLDER_ID", raising=False)
    with ycloud_chat.ChatSDK(folder_id="f", auth="k") as sdk:
        assert sdk.chat.completions("yandexgpt").uri == "gpt://f/yandexgpt/latest"
    with ycloud_chat.ChatSDK(auth="k") as sdk, pytest.raises(CredentialsError):
        sdk.chat.completions("yandexgpt")
    with ycloud_chat.ChatSDK(base_url="http://localhost:8000/v1") as sdk:
        assert sdk.chat.completions("llama3").uri == "llama3"


# --- base URL -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("https://llm.api.cloud.yandex.net/v1", "https://llm.api.cloud.yandex.net/v1"),
        ("https://llm.api.cloud.yandex.net/v1/", "https://llm.api.cloud.yandex.net/v1"),
        (" http://localhost:8000/v1// ", "http://localhost:8000/v1"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_normalise_base_url(url: str, want: str) -> None:
    assert normalise_base_url(url) == want


@pytest.mark.parametrize(
    "url",
    [
        "",
        "llm.api.cloud.yandex.net/v1",
        "ftp://host/v1",
        "https://",
        "https:///v1",
        "localhost:8000",
    ],
)
def test_normalise_base_url_rejects(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        normalise_base_url(url)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1/v1\nX-Injected: yes", "line break"),
        ("http://127.0.0.1/v\x001", "line break"),
        ("http://exa mple.com/v1", "space"),
        ("http://\udcff.example/v1", "cannot hold"),
        ("http://[::1/v1", "not a valid URL"),
        ("http://127.0.0.1:99999/v1", "port"),
        ("http://127.0.0.1:0/v1", "port"),
        ("http://127.0.0.1:8o80/v1", "port"),
        ("https://host/v1?key=1", "query"),
        ("https://host/v1#part", "fragment"),
        ("https://user@host/v1", "user name or password"),
        ("https://user:pw-SECRET@host/v1", "user name or password"),
        ("https://:pw-SECRET@host/v1", "user name or password"),
        ("ftp://user:pw-SECRET@host/v1", "http(s) URL"),
        ("https://user:pw-SECRET@[::1/v1", "not a valid URL"),
        ("https://user:pw-SECRET/x@host/v1", "port"),  # a "/" ends the host: "pw..." is a port
    ],
)
def test_every_bad_base_url_is_named_and_no_password_shown(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url") as caught:
        normalise_base_url(url)
    assert problem in str(caught.value)
    assert "SECRET" not in str(caught.value)
    error = caught.value
    assert error.__cause__ is None  # no chained exception shows the URL either
    assert error.__context__ is None or error.__suppress_context__


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host/v1", "https://***@host/v1"),
        ("https://u:p@ss@host/v1", "https://***@host/v1"),
        ("user:pw@host/v1", "***@host/v1"),
        ("https://host/v1", "https://host/v1"),
    ],
)
def test_redact_url_hides_what_comes_before_the_last_at(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize("url", ["https://пример.рф/v1", "http://[::1]:8000/v1/"])
def test_other_urls_httpx_can_send_to_pass(url: str) -> None:
    assert normalise_base_url(url) == url.rstrip("/")


# --- the body -------------------------------------------------------------------------------


def test_encode_body_is_what_httpx_would_send() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "Привет 🎉"}], "stream": False}
    assert encode_body(body) == httpx.Request("POST", "http://h", json=body).content


@pytest.mark.parametrize(
    ("body", "error", "where"),
    [
        (
            {"messages": [{"content": "ok"}, {"content": "half \ud83c"}]},
            InvalidMessageError,
            "message 1",
        ),
        ({"model": "m\udc80", "messages": []}, ConfigurationError, "model has"),
        ({"messages": [], "stop": ["\udc80"]}, ConfigurationError, "extra_query['stop']"),
        ({"messages": [], "tools": [{"description": "\udc80"}]}, ConfigurationError, "tools has"),
    ],
)
def test_text_that_cannot_be_encoded_is_named(
    body: dict[str, Any], error: type[Exception], where: str
) -> None:
    with pytest.raises(error) as caught:
        encode_body(body, extra_keys={"stop"})
    assert type(caught.value) is error
    assert where in str(caught.value)


@pytest.mark.parametrize("name", ["yandex\udc80gpt", "\ud800"])
def test_a_model_name_that_cannot_be_encoded_is_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match="model_name has text that cannot be encoded"):
        model_uri(name, "latest", "folder", ai_studio=False)


@pytest.mark.parametrize("url", [None, 5, b"https://h/v1"])
def test_normalise_base_url_rejects_non_str(url: Any) -> None:
    with pytest.raises(ConfigurationError, match="base_url must be a str"):
        normalise_base_url(url)


@pytest.mark.parametrize(
    ("url", "want"),
    [
        (DEFAULT_BASE_URL, True),
        ("https://llm.api.cloud.yandex.net/v1", True),
        ("https://LLM.API.Cloud.Yandex.NET/v1", True),
        ("https://llm.api.cloud.yandex.net:443/v1", True),
        ("https://llm.api.cloud.yandex.net.example.com/v1", False),
        ("https://example.com/llm.api.cloud.yandex.net", False),
        ("http://localhost:8000/v1", False),
        ("https://api.openai.com/v1", False),
    ],
)
def test_is_ai_studio(url: str, want: bool) -> None:
    assert is_ai_studio(url) is want


# --- headers --------------------------------------------------------------------------------


def test_user_agent_format() -> None:
    headers = build_headers(NoAuth(), "rid")
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert headers["User-Agent"] == f"ycloud-chat/{ycloud_chat.__version__} python/{version}"
    assert re.fullmatch(r"ycloud-chat/\S+ python/\d+\.\d+", headers["User-Agent"])


def test_request_id_header() -> None:
    assert build_headers(NoAuth(), "the-id")["x-client-request-id"] == "the-id"


def test_new_request_id_is_a_fresh_uuid4() -> None:
    first, second = new_request_id(), new_request_id()
    assert first != second
    assert uuid.UUID(first).version == 4
    assert str(uuid.UUID(first)) == first
    ids = [new_request_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    parsed = [uuid.UUID(request_id) for request_id in ids]
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in parsed)
    assert {str(u)[19] for u in parsed} == set("89ab")  # every variant digit comes up


def test_no_authorization_for_no_auth() -> None:
    headers = build_headers(NoAuth(), "rid")
    assert set(headers) == {"User-Agent", "x-client-request-id", "Accept-Encoding"}
    assert "Authorization" not in headers


@pytest.mark.parametrize(
    ("auth", "want"),
    [
        (APIKeyAuth("key"), "Api-Key key"),
        (IAMTokenAuth("t1.tok"), "Bearer t1.tok"),
        (BearerTokenAuth("sk-1"), "Bearer sk-1"),
    ],
)
def test_authorization_header(auth: ycloud_chat.BaseAuth, want: str) -> None:
    assert build_headers(auth, "rid")["Authorization"] == want


def test_default_headers_are_added_but_never_replace_authorization() -> None:
    headers = build_headers(
        APIKeyAuth("key"),
        "rid",
        {"x-data-logging-enabled": "false", "Authorization": "Bearer other"},
    )
    assert headers["x-data-logging-enabled"] == "false"
    assert headers["Authorization"] == "Api-Key key"
    assert list(headers)[:2] == ["User-Agent", "x-client-request-id"]


def test_default_headers_do_not_leak_between_calls() -> None:
    defaults = {"x-a": "1"}
    headers = build_headers(NoAuth(), "rid", defaults)
    headers["x-b"] = "2"
    assert defaults == {"x-a": "1"}


# --- body -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
def test_minimal_body(stream: bool) -> None:
    body = build_chat_body("gpt://f/m/latest", MESSAGES, ChatModelConfig(), stream=stream)
    assert body == {"model": "gpt://f/m/latest", "messages": MESSAGES, "stream": stream}
    assert list(body) == ["model", "messages", "stream"]
    assert body["stream"] is stream


def test_full_body_key_order() -> None:
    config = ChatModelConfig(
        extra_query={"top_p": 0.9, "seed": 7},
        tool_choice="calc",
        parallel_tool_calls=False,
        tools=[CALC],
        reasoning_mode="Medium",
        response_format="json",
        max_tokens=64,
        temperature=0,
    )
    body = build_chat_body("uri", MESSAGES, config, stream=False)
    assert list(body) == [*PROTOCOL_ORDER, "top_p", "seed"]
    assert body == {
        "model": "uri",
        "messages": MESSAGES,
        "stream": False,
        "temperature": 0.0,
        "max_tokens": 64,
        "response_format": {"type": "json_object"},
        "reasoning_effort": "medium",
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "calc",
                    "parameters": {"type": "object", "properties": {}},
                    "strict": True,
                },
            }
        ],
        "parallel_tool_calls": False,
        "tool_choice": {"type": "function", "function": {"name": "calc"}},
        "top_p": 0.9,
        "seed": 7,
    }
    json.dumps(body)  # the body is JSON-serialisable as is


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("temperature", 0, "temperature"),
        ("max_tokens", 1, "max_tokens"),
        ("response_format", "json", "response_format"),
        ("reasoning_mode", "low", "reasoning_effort"),
        ("tools", [CALC], "tools"),
        ("parallel_tool_calls", False, "parallel_tool_calls"),
        ("tool_choice", "none", "tool_choice"),
    ],
)
def test_each_key_only_when_set(field: str, value: Any, key: str) -> None:
    body = build_chat_body("uri", MESSAGES, ChatModelConfig(**{field: value}), stream=True)
    assert list(body) == ["model", "messages", "stream", key]


def test_empty_tools_and_extra_query_add_nothing() -> None:
    body = build_chat_body("uri", MESSAGES, ChatModelConfig(tools=[], extra_query={}), stream=False)
    assert list(body) == ["model", "messages", "stream"]


def test_extra_query_keys_come_last_and_cannot_replace_core_keys() -> None:
    config = ChatModelConfig(extra_query={"stop": ["\n"], "top_k": 3}, temperature=1)
    body = build_chat_body("uri", MESSAGES, config, stream=True)
    assert list(body) == ["model", "messages", "stream", "temperature", "stop", "top_k"]
    assert body["model"] == "uri"
    assert body["stream"] is True


def test_body_does_not_share_the_config_extra_query() -> None:
    config = ChatModelConfig(extra_query={"top_p": 0.5})
    body = build_chat_body("uri", MESSAGES, config, stream=False)
    body["top_p"] = 1.0
    assert config.extra_query == {"top_p": 0.5}


def test_body_matches_recorded_structured_output_request() -> None:
    recorded = recorded_request("test_structured_output_pydantic_model.yaml")
    body = build_chat_body(
        recorded["model"],
        coerce_messages(recorded["messages"][0]["content"]),
        ChatModelConfig(response_format=Numbers),
        stream=False,
    )
    assert body == recorded
    assert list(body) == list(recorded)


def test_body_matches_recorded_function_call_request() -> None:
    recorded = recorded_request("test_function_call.yaml")
    description = recorded["tools"][0]["function"]["description"]
    tool = FunctionTool(
        name="something", description=description, parameters=Numbers.model_json_schema()
    )
    body = build_chat_body(
        recorded["model"],
        coerce_messages(recorded["messages"][0]["content"]),
        ChatModelConfig(tools=tool),
        stream=False,
    )
    assert body == recorded
    assert list(body) == list(recorded)


def test_body_matches_recorded_stream_request() -> None:
    recorded = recorded_request("test_run_stream.yaml")
    body = build_chat_body(
        recorded["model"],
        coerce_messages(recorded["messages"][0]["content"]),
        ChatModelConfig(),
        stream=True,
    )
    assert body == recorded


def test_body_ignores_extra_query_changed_after_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    # the reviewer's case: `m.config.extra_query["model"] = "x"` reached the wire
    monkeypatch.delenv("YC_FOLDER_ID", raising=False)
    with ycloud_chat.ChatSDK(folder_id="f", auth="k") as sdk:
        model = sdk.chat.completions("yandexgpt").configure(extra_query={"top_p": 0.5})
    assert model.config.extra_query is not None
    model.config.extra_query["model"] = "x"
    model.config.extra_query["stream"] = True
    model.config.extra_query["top_p"] = 1.0
    body = build_chat_body(model.uri, MESSAGES, model.config, stream=False)
    assert body == {
        "model": "gpt://f/yandexgpt/latest",
        "messages": MESSAGES,
        "stream": False,
        "top_p": 0.5,
    }


def test_body_does_no_conversion_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ChatModelConfig(response_format=Numbers, tools=[CALC], extra_query={"seed": 1})
    expected = build_chat_body("uri", MESSAGES, config, stream=True)

    def fail(*args: Any) -> Any:
        raise AssertionError("converted on the request path")

    monkeypatch.setattr(config_module, "response_format_to_wire", fail)
    monkeypatch.setattr(FunctionTool, "to_wire", fail)
    monkeypatch.setattr(Numbers, "model_json_schema", fail)
    body = build_chat_body("uri", MESSAGES, config, stream=True)
    assert body == expected
    assert list(body) == ["model", "messages", "stream", "response_format", "tools", "seed"]
    assert body["response_format"]["json_schema"]["name"] == "Numbers"


def test_bodies_from_one_config_are_independent() -> None:
    config = ChatModelConfig(temperature=0.5, extra_query={"seed": 1})
    first = build_chat_body("uri", MESSAGES, config, stream=False)
    first["temperature"] = 2.0
    del first["seed"]
    second = build_chat_body("uri", MESSAGES, config, stream=True)
    assert second == {
        "model": "uri",
        "messages": MESSAGES,
        "stream": True,
        "temperature": 0.5,
        "seed": 1,
    }
    assert config.wire_fragment() == {"temperature": 0.5, "seed": 1}


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-Trace": "line\nbreak-secret"}, "X-Trace"),
        ({"X-Trace": "caf\u00e9-secret"}, "X-Trace"),
        ({"X-Trace": 42}, "X-Trace"),
        ({"Bad Name": "v"}, "Bad Name"),
        ({"": "v"}, "invalid header name"),
        (["X-Trace"], "dict"),
    ],
)
def test_default_headers_are_checked_without_echoing_values(headers: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ycloud_chat.ChatSDK(folder_id="f", auth="k", default_headers=headers)
    assert problem in str(caught.value)
    assert "secret" not in str(caught.value)


def test_default_headers_are_sent() -> None:
    assert check_headers({"X-Data-Logging-Enabled": "false"}) == {"X-Data-Logging-Enabled": "false"}
    assert check_headers(None) == {}


class _BrokenAuth(ycloud_chat.BaseAuth):
    def authorization(self) -> str:
        return "Bearer SECRET-PART\nInjected: yes"


def test_a_custom_auth_with_an_unsendable_value_is_refused_without_echoing_it() -> None:
    with pytest.raises(CredentialsError, match="_BrokenAuth") as caught:
        build_headers(_BrokenAuth(), "rid")
    assert "SECRET" not in str(caught.value)
    assert caught.value.__cause__ is None
