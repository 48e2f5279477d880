"""One instance of every public exception and of every result type, with every field filled.

The pickling tests round-trip them in this process (tests/test_pickling.py) and across a
process boundary (tests/deployment/test_pickling_across_processes.py).
"""

from __future__ import annotations

import copy
import inspect
import math
from typing import Any

from pydantic import BaseModel

import ycloud_chat
from ycloud_chat import (
    APIStatusError,
    ChatSDK,
    FunctionCall,
    IncompleteStreamError,
    ResponseTooLargeError,
    StructuredOutputError,
    ToolArgumentsError,
    ToolRoundsExceededError,
    ToolRunError,
)
from ycloud_chat.testing import FakeChatAPI, FakeToolCall

IDS: dict[str, Any] = {
    "request_id": "rid-1",
    "server_request_id": "srv-2",
    "attempts": 3,
    "headers": {"Retry-After": "7", "X-Request-Id": "srv-2", "x-ratelimit-remaining": "0"},
}
ERROR_NAMES = sorted(
    name
    for name in ycloud_chat.__all__
    if isinstance(getattr(ycloud_chat, name), type)
    and issubclass(getattr(ycloud_chat, name), BaseException)
)


class Weather(BaseModel):
    """A structured answer."""

    city: str
    degrees: float


def weather(city: str) -> str:
    """A tool: the weather in a city."""
    return f"sunny in {city}"


def results() -> list[Any]:
    """A result of every kind the SDK returns, made by a real SDK over the testing kit."""
    fake = FakeChatAPI()
    fake.reply("Hello!", reasoning="thinking")
    fake.reply_stream(["Once ", "upon"])
    fake.reply_tool_calls(FakeToolCall("weather", {"city": "Paris"}))
    fake.reply_json({"city": "Oslo", "degrees": -3.5})
    fake.reply_embeddings([[0.5, -1.25], [2.0, 3.0]])
    fake.reply_models(["yandexgpt", "yandexgpt-lite"])
    with fake.client() as client, ChatSDK(folder_id="f", auth="k", http_client=client) as sdk:
        model = sdk.chat.completions("yandexgpt")
        made: list[Any] = [model.run("Hi")]
        with model.run_stream("Story") as stream:
            made.extend(list(stream))
        tool_result = model.configure(tools=[sdk.tools.function(weather)]).run("Weather?")
        structured = model.configure(response_format=Weather).run("J")
        made += [tool_result, tool_result.tool_calls, structured]
        made.append(sdk.chat.text_embeddings("doc").run(["a", "b"]))
        made.append(model.config)
        made.append(FunctionCall(name="weather", arguments={"city": "Rome"}, raw_arguments="{}"))
    return made


def errors() -> list[BaseException]:
    """Every public exception class, each with all its fields set."""
    result = results()[0]
    made: list[BaseException] = []
    for name in ERROR_NAMES:
        kind = getattr(ycloud_chat, name)
        if kind is ToolArgumentsError:
            made.append(
                kind("bad args", tool_name="weather", raw="{", tool_call_id="c1", errors=[{"a": 1}])
            )
        elif kind is StructuredOutputError:
            made.append(kind("no match", text="{oops", errors=[{"type": "json_invalid"}]))
        elif kind is ResponseTooLargeError:
            made.append(kind("too big", limit=1024, status_code=200, body="x", **IDS))
        elif kind is IncompleteStreamError:
            made.append(kind("cut", result=result, status_code=200, **IDS))
        elif kind is ToolRoundsExceededError:
            made.append(kind("rounds", max_rounds=4, result=result))
        elif issubclass(kind, ToolRunError) or kind.__name__ == "ToolError":
            made.append(kind("tool failed", tool_name="weather", tool_call_id="c2"))
        elif issubclass(kind, APIStatusError):
            body = {"error": {"message": "m"}}
            made.append(kind("HTTP error", status_code=429, body=body, **IDS))
        elif "status_code" in _parameters(kind):
            made.append(kind("bad body", status_code=200, body="<html>", **IDS))
        elif "request_id" in _parameters(kind):
            made.append(kind("no answer", **IDS))
        else:
            made.append(kind("plain message"))
    for error in made:
        setattr(error, "__notes__", ["a note"])  # noqa: B010  (add_note() is 3.11+)
        if hasattr(error, "messages"):
            error.messages = [{"role": "user", "content": "Hi"}]
    return made


def _parameters(kind: type[BaseException]) -> set[str]:
    return set(inspect.signature(kind.__init__).parameters) if _own_init(kind) else set()


def _own_init(kind: type[BaseException]) -> bool:
    ours = (base for base in kind.__mro__ if base.__module__ == "ycloud_chat")
    return any("__init__" in vars(base) for base in ours)


def fields(value: Any) -> Any:
    """What must survive a copy: the class, and for an error its args and every attribute."""
    if isinstance(value, BaseException):
        state = {key: _plain(item) for key, item in vars(value).items()}
        return (type(value), value.args, state, str(value), _retry_after(value))
    return (type(value), value)


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, ycloud_chat.Headers) else value


def _retry_after(error: BaseException) -> float | None:
    value = getattr(error, "retry_after", None)
    return None if value is None or math.isnan(value) else value


def check_copies(value: Any) -> None:
    """Assert that copy and deepcopy keep every field (pickle is checked by the callers)."""
    assert fields(copy.copy(value)) == fields(value)
    assert fields(copy.deepcopy(value)) == fields(value)
