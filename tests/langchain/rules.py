"""The answers of the fake server behind LangChain's standard suites, made by rules.

A model that knows nothing but answers as a model should: a tool call when tools are bound
and the conversation ends with the user (the forced tool, else the first), its arguments
made from the tool's schema and the user's words (the first number for a number, the first
quoted text, else the whole message, for a string); JSON that fits the schema when one is
asked (for plain JSON, an object whose keys are the words the user quoted); else a greeting,
cut at the first stop sequence. The fake adds the usage to every answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ycloud_chat.testing import FakeToolCall

GREETING = "Hello! I am a test model. How can I help you today?"


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The arguments of `FakeChatAPI.reply()` for this request body."""
    messages = body.get("messages") or []
    said = _user_text(messages)
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    last_role = messages[-1].get("role") if messages else None
    if tools and choice != "none" and last_role == "user":
        tool = _chosen_tool(tools, choice)
        arguments = _example(tool.get("parameters") or {}, said, tool.get("parameters") or {})
        return {"tool_calls": [FakeToolCall(tool["name"], arguments, chunks=None)]}
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"]["schema"]
        return {"chunks": _pieces(json.dumps(_example(schema, said, schema), ensure_ascii=False))}
    if response_format.get("type") == "json_object":
        keys = re.findall(r"'(\w+)'", said) or ["answer"]
        return {"chunks": _pieces(json.dumps(dict.fromkeys(keys, "a cat")))}
    return {"chunks": _pieces(_stopped(GREETING, body.get("stop")))}


def _user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if p.get("type") == "text")
            return str(content or "")
    return ""


def _chosen_tool(tools: list[dict[str, Any]], choice: Any) -> dict[str, Any]:
    functions = [tool["function"] for tool in tools]
    if isinstance(choice, dict):
        name = choice["function"]["name"]
        return next(function for function in functions if function["name"] == name)
    first: dict[str, Any] = functions[0]
    return first


def _example(schema: dict[str, Any], said: str, root: dict[str, Any]) -> Any:
    """A value that fits `schema`, taken from what the user said where it can be."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _example((root.get("$defs") or root.get("definitions") or {})[name], said, root)
    options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if options:
        typed = [o for o in options if o.get("type") != "null"] or options
        return _example(typed[0], said, root)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _example(sub, said, root) for name, sub in properties.items()}
    if kind == "array":
        return [_example(schema.get("items") or {}, said, root)]
    if kind in ("integer", "number"):
        number = re.search(r"-?\d+", said)
        return int(number.group()) if number else 1
    if kind == "boolean":
        return True
    quoted = re.search(r"'([^']+)'|\"([^\"]+)\"", said)
    return next(g for g in quoted.groups() if g) if quoted else said or "something"


def _stopped(text: str, stop: Any) -> str:
    for sequence in [stop] if isinstance(stop, str) else stop or ():
        if sequence and sequence in text:
            text = text[: text.index(sequence)]
    return text


def _pieces(text: str) -> list[str]:
    """The text in word-sized pieces, as a stream sends it."""
    return re.findall(r"\S+\s*|\s+", text) or [text]
