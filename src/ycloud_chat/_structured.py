"""Structured output: check a model's answer against the `response_format` it was given."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from typing import Any

import pydantic_core
from pydantic import BaseModel, TypeAdapter, ValidationError

from ._error_text import describe_errors, error_list, shorten
from ._exceptions import ConfigurationError, ConfigurationTypeError, StructuredOutputError

__all__ = ["parse_structured", "truncation_cause"]

_FENCE = re.compile(r"^```[\w-]*\s*\n(.*?)\n?```$", re.DOTALL)


def parse_structured(text: str, response_format: Any, *, cut_short_by: str | None = None) -> Any:
    """Decode `text` as JSON and validate it against `response_format`.

    A pydantic model class or dataclass gives a validated instance; `"json"` and schema dicts
    give the decoded JSON (a schema dict is not enforced here: the server does that). A
    Markdown code fence around the JSON, which some models add, is ignored. `cut_short_by`
    names what ended a truncated answer (see `truncation_cause`), for the error's message.
    """
    payload = _unfenced(text)
    if isinstance(response_format, type):
        return _validate(_adapter(response_format), payload, text, response_format, cut_short_by)
    if isinstance(response_format, Mapping) or (
        isinstance(response_format, str) and response_format.strip().lower() == "json"
    ):
        try:
            return pydantic_core.from_json(payload)
        except ValueError as exc:
            errors = [{"type": "json_invalid", "loc": (), "msg": str(exc), "input": text}]
            raise _error("is not JSON", str(exc), text, errors, cut_short_by) from None
    raise ConfigurationTypeError(
        'response_format must be "json", a JSON-schema dict, a pydantic model class or a '
        f"dataclass, got {response_format!r}"
    )


def _unfenced(text: str) -> str:
    match = _FENCE.match(text.strip())
    return match.group(1) if match else text


@functools.lru_cache(maxsize=64)
def _adapter(cls: type) -> TypeAdapter[Any]:
    if not (issubclass(cls, BaseModel) or dataclasses.is_dataclass(cls)):
        raise ConfigurationError(
            f"response_format class {cls.__name__} is neither a pydantic model nor a dataclass"
        )
    return TypeAdapter(cls)


def _validate(
    adapter: TypeAdapter[Any], payload: str, text: str, cls: type, cut_short_by: str | None
) -> Any:
    try:
        return adapter.validate_json(payload)
    except ValidationError as exc:
        problems = describe_errors(exc, cls.__name__)
        error = _error(
            f"does not match {cls.__name__}", problems, text, error_list(exc), cut_short_by
        )
        raise error from None


def truncation_cause(
    max_tokens: int | None, completion_tokens: int | None, *, option: str = "max_tokens"
) -> str:
    """What cut an answer short (finish reason `length`): the token limit or the context.

    `completion_tokens` is the answer's length as the server reported it (None: unknown);
    `option` is how the limit is named to the reader (`--max-tokens` on the command line).
    """
    context = "the model's context size"
    if max_tokens is None:
        return f"{context} (no {option} was set)"
    if completion_tokens is None:
        return f"{option}={max_tokens} or {context}"
    if completion_tokens < max_tokens:
        return f"{context} ({completion_tokens} tokens, below {option}={max_tokens})"
    return f"{option}={max_tokens}"


def _error(
    what: str, detail: str, text: str, errors: list[dict[str, Any]], cut_short_by: str | None
) -> StructuredOutputError:
    shown = shorten(text)
    hint = f" (the answer was cut short by {cut_short_by})" if cut_short_by else ""
    return StructuredOutputError(
        f"the model's answer {what}{hint}: {detail}; text: {shown!r}", text=text, errors=errors
    )
