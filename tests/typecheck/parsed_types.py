"""What type checkers know of `parsed`: checked by mypy (`nox -s typecheck` and test_typing.py).

Not run: the functions are never called.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from ycloud_chat import AsyncChatModel, AsyncChatSDK, ChatModel, ChatModelResult, ChatSDK, ToolCall


class Trip(BaseModel):
    city: str


@dataclasses.dataclass
class Weather:
    degrees: int


def sync_face(sdk: ChatSDK) -> None:
    model = sdk.chat.completions("m")
    assert_type(model, ChatModel[Any])
    planner = model.configure(response_format=Trip, temperature=0.2)
    assert_type(planner, ChatModel[Trip])
    result = planner.run("Plan a trip")
    assert_type(result, ChatModelResult[ToolCall, Trip])
    assert_type(result.parsed, Trip)
    # Another setting keeps the class; another format changes it.
    assert_type(planner.configure(max_tokens=50), ChatModel[Trip])
    assert_type(planner.configure(response_format=Weather).run("").parsed, Weather)
    assert_type(planner.configure(response_format="json"), ChatModel[Any])
    assert_type(planner.configure(response_format=None), ChatModel[Any])
    assert_type(result.parse(Weather), Weather)


async def async_face(sdk: AsyncChatSDK) -> None:
    planner = sdk.chat.completions("m").configure(response_format=Trip)
    assert_type(planner, AsyncChatModel[Trip])
    result = await planner.run("Plan a trip")
    assert_type(result.parsed, Trip)
    assert_type(result.parsed.city, str)
    assert_type((await sdk.chat.completions("m").run("Hi")).parsed, Any)
