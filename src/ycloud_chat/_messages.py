"""Message coercion: every accepted message shape in, chat-API wire dicts out (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._content import check_image_detail, check_image_url
from ._error_text import shorten
from ._exceptions import ConfigurationError, InvalidMessageError
from .types.tools import BaseToolCall

__all__ = ["choice_to_wire", "coerce_messages"]

Wire = dict[str, Any]


_EXPECTED = (
    "a str, a TextMessage, an object with .role and .text (such as a previous result), "
    'or a dict with "text"/"content", "tool_calls", "tool_call_id" or "tool_results"'
)


def coerce_messages(messages: Any) -> list[Wire]:
    """Turn one message or an iterable of messages into the body's `messages` list."""
    wire: list[Wire] = []
    for index, item in enumerate(_as_items(messages)):
        wire.extend(_coerce_one(item, index, wire))
    if not wire:
        raise InvalidMessageError("messages is empty: give at least one message")
    return wire


def _has_role_and_text(value: Any) -> bool:
    # hasattr() lets a raising property escape (a result without choices raises IndexError).
    try:
        return hasattr(value, "role") and hasattr(value, "text")
    except Exception:
        return False


def _is_single(value: Any) -> bool:
    return isinstance(value, (str, Mapping)) or _has_role_and_text(value)


def _as_items(messages: Any) -> list[Any]:
    if _is_single(messages):
        return [messages]
    if isinstance(messages, (bytes, bytearray)) or not isinstance(messages, Iterable):
        raise InvalidMessageError(
            f"messages must be one message or an iterable of them; got {type(messages).__name__}. "
            f"Each message is {_EXPECTED}."
        )
    return list(messages)


def _coerce_one(item: Any, index: int, previous: list[Wire]) -> list[Wire]:
    if isinstance(item, str):
        return [{"role": "user", "content": item}]
    if isinstance(item, Mapping):
        return _coerce_dict(item, index, previous)
    if _has_role_and_text(item):
        return [choice_to_wire(item)]
    raise InvalidMessageError(f"messages[{index}] is a {type(item).__name__}; expected {_EXPECTED}")


def choice_to_wire(message: Any) -> Wire:
    """Turn an object with `.role` and `.text` (and maybe `.tool_calls`) into a wire message."""
    role = message.role
    text = message.text
    tool_calls = getattr(message, "tool_calls", None)
    if tool_calls:
        wire: Wire = {"role": role or "assistant"}
        if text:
            wire["content"] = text
        wire["tool_calls"] = [
            call.raw if isinstance(call, BaseToolCall) else dict(call) for call in tool_calls
        ]
        return wire
    return {"role": role, "content": text if text is not None else ""}


def _role(item: Mapping[str, Any], index: int, default: str) -> str:
    role = item.get("role", default)
    if not isinstance(role, str) or not role:
        raise InvalidMessageError(f"messages[{index}] has role {role!r}; a role is a non-empty str")
    return role


def _coerce_dict(item: Mapping[str, Any], index: int, previous: list[Wire]) -> list[Wire]:
    if "tool_results" in item:
        return _coerce_tool_results(item["tool_results"], index, previous)
    if "tool_call_id" in item:
        return [_tool_result(item.get("tool_call_id"), item.get("content"), index)]
    if "tool_calls" in item:
        calls = item["tool_calls"]
        if not isinstance(calls, list) or not all(isinstance(c, Mapping) for c in calls):
            raise InvalidMessageError(f"messages[{index}]['tool_calls'] must be a list of dicts")
        wire: Wire = {"role": _role(item, index, "assistant")}
        text = item.get("content", item.get("text"))
        if text:
            wire["content"] = text
        wire["tool_calls"] = [dict(call) for call in calls]
        return [wire]
    content = item.get("text", item.get("content"))
    if isinstance(content, list):
        role = _role(item, index, "user")
        _check_parts(content, index, role)
        return [{"role": role, "content": content}]
    if isinstance(content, str):
        return [{"role": _role(item, index, "user"), "content": content}]
    raise InvalidMessageError(
        f"messages[{index}] is a dict with keys {sorted(item)}; expected {_EXPECTED}, "
        'with "text" or "content" a str or a list of parts'
    )


def _tool_result(call_id: Any, content: Any, index: int) -> Wire:
    if not isinstance(call_id, str) or not call_id:
        raise InvalidMessageError(f"messages[{index}] has tool_call_id {call_id!r}; expected a str")
    if not isinstance(content, str):
        raise InvalidMessageError(
            f"messages[{index}] (the result of tool call {call_id!r}) has content of type "
            f"{type(content).__name__}; a tool result's content is a str"
        )
    return {"role": "tool", "content": content, "tool_call_id": call_id}


def _last_tool_calls(previous: list[Wire]) -> list[Mapping[str, Any]]:
    """The calls of the message these results follow (past other tool results).

    That message is the assistant's, whatever role it was given: the reference SDK's own
    tests send the calls in a message whose role is `tool`.
    """
    for message in reversed(previous):
        if message.get("role") == "tool" and "tool_calls" not in message:
            continue  # the result of an earlier call of the same turn
        return list(message.get("tool_calls") or ())
    return []


def _coerce_tool_results(results: Any, index: int, previous: list[Wire]) -> list[Wire]:
    if not isinstance(results, list) or not results:
        raise InvalidMessageError(f"messages[{index}]['tool_results'] must be a non-empty list")
    calls = _last_tool_calls(previous)
    ids = {call.get("id") for call in calls}
    wire = []
    for position, result in enumerate(results):
        where = f"messages[{index}]['tool_results'][{position}]"
        if not isinstance(result, Mapping):
            raise InvalidMessageError(f"{where} must be a dict with name and content")
        call_id = result.get("id") or result.get("tool_call_id")
        if call_id is None:
            call_id = _call_id_by_name(result.get("name"), calls, where)
        elif calls and call_id not in ids:
            raise InvalidMessageError(f"{where} answers tool call {call_id!r}, which was not made")
        wire.append(_tool_result(call_id, result.get("content"), index))
    return wire


def _call_id_by_name(name: Any, calls: list[Mapping[str, Any]], where: str) -> str:
    if not isinstance(name, str):
        raise InvalidMessageError(f"{where} needs a name (or the id of the call it answers)")
    matching = [call for call in calls if (call.get("function") or {}).get("name") == name]
    if not matching:
        raise InvalidMessageError(
            f"{where} answers {name!r}, but no preceding message has a tool call of that name"
        )
    if len(matching) > 1:
        raise InvalidMessageError(
            f"{where} answers {name!r}, which was called {len(matching)} times; "
            "give each result the id of its call"
        )
    call_id = matching[0].get("id")
    if not isinstance(call_id, str):
        raise InvalidMessageError(f"{where}: the tool call {name!r} it answers has no id")
    return call_id


def _check_parts(parts: list[Any], index: int, role: str) -> None:
    if not parts:
        raise InvalidMessageError(f"messages[{index}]['content'] is an empty list of parts")
    for position, part in enumerate(parts):
        where = f"messages[{index}]['content'][{position}]"
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            if not isinstance(part.get("text"), str):
                raise InvalidMessageError(f'{where} is a text part without a str "text"')
        elif kind == "image_url":
            if role != "user":
                raise InvalidMessageError(
                    f"{where} is an image in a {role!r} message; only user messages carry images"
                )
            _check_image(part.get("image_url"), where)
        else:
            raise InvalidMessageError(
                f'{where} must be a {{"type": "text"}} or {{"type": "image_url"}} part, '
                f"got {shorten(repr(part), 200)}"
            )


def _check_image(image: Any, where: str) -> None:
    url = image.get("url") if isinstance(image, Mapping) else image
    if not isinstance(url, str) or not url:
        raise InvalidMessageError(
            f'{where} is an image part without {{"image_url": {{"url": ...}}}}'
        )
    try:
        check_image_url(url, where)
        if isinstance(image, Mapping):
            check_image_detail(image, where)
    except ConfigurationError as exc:
        raise InvalidMessageError(str(exc)) from None
