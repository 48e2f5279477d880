"""Fitting the user's environment: response headers, copies with other options, the logging
switch, dataclasses as `response_format` and results that dump to JSON."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

import pytest

from tests.helpers import SECRET
from ycloud_chat import (
    AsyncChatSDK,
    ChatModelResult,
    ChatModelStatus,
    Headers,
    RateLimitError,
)
from ycloud_chat._logging import setup_logging
from ycloud_chat.testing import FakeChatAPI, FakeToolCall

from .support import make_sdk

pytestmark = pytest.mark.usefixtures("fast_retries")

RATE_LIMIT = {"X-RateLimit-Remaining-Tokens": "9000", "x-request-id": "srv-1"}


@dataclasses.dataclass
class Weather:
    city: str
    degrees: int


@pytest.fixture
def fake() -> FakeChatAPI:
    return FakeChatAPI()


def sdk_for(fake: FakeChatAPI, **options: Any) -> AsyncChatSDK:
    return make_sdk(fake.transport(), **options)


async def test_results_carry_the_answer_s_headers(fake: FakeChatAPI) -> None:
    fake.reply("hi", headers=RATE_LIMIT)
    fake.reply_stream(["h", "i"], headers=RATE_LIMIT)
    async with sdk_for(fake) as sdk:
        model = sdk.chat.completions("yandexgpt")
        result = await model.run("Hi")
        async with model.run_stream("Hi") as stream:
            chunks = [chunk async for chunk in stream]

    for headers in [result.headers, *(chunk.headers for chunk in chunks)]:
        assert isinstance(headers, Headers)
        assert headers["x-ratelimit-remaining-tokens"] == "9000"
        assert headers["X-RATELIMIT-REMAINING-TOKENS"] == "9000"
        assert headers.get("content-type", "").startswith(("application/json", "text/event"))
    with pytest.raises(TypeError):
        result.headers["x-new"] = "1"  # type: ignore[index]
    assert result.server_request_id == "srv-1"


async def test_errors_carry_headers_and_retry_after(fake: FakeChatAPI) -> None:
    fake.fail(429, "slow down", headers={"Retry-After": "7", **RATE_LIMIT}, times=None)
    async with sdk_for(fake, max_retries=0) as sdk:
        with pytest.raises(RateLimitError) as info:
            await sdk.chat.completions("yandexgpt").run("Hi")

    error = info.value
    assert error.retry_after == 7.0
    assert error.headers["retry-after"] == "7"
    assert error.headers["X-RateLimit-Remaining-Tokens"] == "9000"
    fake.reset()
    fake.fail(500, "broken")
    async with sdk_for(fake, max_retries=0) as sdk:
        with pytest.raises(Exception) as without:
            await sdk.chat.completions("yandexgpt").run("Hi")
    assert without.value.retry_after is None  # type: ignore[attr-defined]


async def test_with_options_changes_headers_auth_folder_and_shares_the_pool(
    fake: FakeChatAPI,
) -> None:
    fake.reply("hi", times=None)
    async with sdk_for(fake, default_headers={"X-Team": "a", "X-Keep": "k"}) as sdk:
        copy = sdk.with_options(
            default_headers={"x-team": "b", "X-Trace": "t"},
            auth="sk-other-key",
            folder_id="folder2",
            timeout=5,
            max_retries=0,
        )
        await copy.chat.completions("yandexgpt").run("Hi")
        await sdk.chat.completions("yandexgpt").run("Hi")
        assert copy._transport.client is sdk._transport.client
        assert (copy.max_retries, sdk.max_retries) == (0, 2)
        assert copy.folder_id == "folder2"
        await copy.aclose()  # the original owns the pool: it stays open
        await sdk.chat.completions("yandexgpt").run("Hi")

    first, second, _ = fake.requests
    assert first.headers["x-team"] == "b"
    assert (first.headers["x-keep"], first.headers["x-trace"]) == ("k", "t")
    assert first.headers["authorization"] == "Api-Key sk-other-key"
    assert first.json is not None
    assert first.json["model"] == "gpt://folder2/yandexgpt/latest"
    assert second.headers["x-team"] == "a"
    assert "x-trace" not in second.headers
    assert second.headers["authorization"] == f"Api-Key {SECRET}"


@pytest.fixture
def sdk_logger(monkeypatch: pytest.MonkeyPatch) -> logging.Logger:
    logger = logging.getLogger("ycloud_chat")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    return logger


@pytest.mark.parametrize("level", ["debug", "info", "DEBUG "])
async def test_ycloud_chat_log_prints_the_calls_on_stderr(
    fake: FakeChatAPI,
    sdk_logger: logging.Logger,
    capsys: pytest.CaptureFixture[str],
    level: str,
) -> None:
    setup_logging({"YCLOUD_CHAT_LOG": level})
    setup_logging({"YCLOUD_CHAT_LOG": level})  # once is enough: no second handler
    assert len(sdk_logger.handlers) == 1
    fake.fail(503, "busy")
    fake.reply("hi")
    async with sdk_for(fake, default_headers={"X-Api-Key": "extra-secret"}) as sdk:
        await sdk.chat.completions("yandexgpt").run("Hi")

    err = capsys.readouterr().err
    assert "POST https://llm.api.cloud.yandex.net/v1/chat/completions -> 503" in err
    assert "-> 200" in err
    assert "retrying request_id=" in err
    assert SECRET not in err
    assert "extra-secret" not in err
    if level.strip() == "info":
        assert "sending" not in err
    else:
        assert "'Authorization': 'Api-Key <redacted>'" in err
        assert "'X-Api-Key': '<redacted>'" in err


def test_an_unknown_log_level_is_said_and_ignored(
    sdk_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging({"YCLOUD_CHAT_LOG": "loud"})
    setup_logging({})
    assert sdk_logger.handlers == []
    assert "YCLOUD_CHAT_LOG='loud' is ignored; it takes debug or info" in capsys.readouterr().err


async def test_a_plain_dataclass_is_a_response_format(fake: FakeChatAPI) -> None:
    fake.reply('{"city": "Oslo", "degrees": 4}')
    async with sdk_for(fake) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(response_format=Weather)
        result = await model.run("Weather?")

    assert result.parsed == Weather("Oslo", 4)
    assert fake.last_request.json is not None
    wire = fake.last_request.json["response_format"]["json_schema"]
    assert (wire["name"], wire["strict"]) == ("Weather", True)
    assert wire["schema"]["required"] == ["city", "degrees"]


async def test_results_dump_to_json(fake: FakeChatAPI) -> None:
    fake.reply_tool_calls(FakeToolCall("get_weather", {"city": "Oslo"}))
    async with sdk_for(fake) as sdk:
        result = await sdk.chat.completions("yandexgpt").run("Weather?")

    data = json.loads(json.dumps(result.model_dump()))
    assert data["choices"][0]["status"] == "tool_calls"
    assert data["created"] == result.created.isoformat()  # type: ignore[union-attr]
    assert data["choices"][0]["tool_calls"][0]["function"]["name"] == "get_weather"
    again: ChatModelResult[Any] = ChatModelResult.model_validate(data)
    assert again.status is ChatModelStatus.TOOL_CALLS
    assert again.created == result.created
