"""Structured output: check a model's answer against the `response_format` it was given."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from typing import Any

import pydantic_core
from pydantic import BaseModel, TypeAdapter, ValidationError

from ._exceptions import ConfigurationError, ConfigurationTypeError, StructuredOutputError
from ._validation import describe_errors, error_list, shorten

__all__ = ["parse_structured"]

_FENCE = re.compile(r"^```[\w-]*\s*\n(.*?)\n?```$", re.DOTALL)


def parse_structured(text: str, response_format: Any, *, truncated: bool = False) -> Any:
    """Decode `text` as JSON and validate it against `response_format`.

    A pydantic model class or dataclass gives a validated instance; `"json"` and schema dicts
    give the decoded JSON (a schema dict is not enforced here: the server does that). A
    Markdown code fence around the JSON, which some models add, is ignored.
    """
    payload = _unfenced(text)
    if isinstance(response_format, type):
        return _validate(_adapter(response_format), payload, text, response_format, truncated)
    if isinstance(response_format, Mapping) or (
        isinstance(response_format, str) and response_format.strip().lower() == "json"
    ):
        try:
            return pydantic_core.from_json(payload)
        except ValueError as exc:
            errors = [{"type": "json_invalid", "loc": (), "msg": str(exc), "input": text}]
            raise _error("is not JSON", str(exc), text, errors, truncated) from None
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
    adapter: TypeAdapter[Any], payload: str, text: str, cls: type, truncated: bool
) -> Any:
    try:
        return adapter.validate_json(payload)
    except ValidationError as exc:
        problems = describe_errors(exc, cls.__name__)
        error = _error(f"does not match {cls.__name__}", problems, text, error_list(exc), truncated)
        raise error from None


def _error(
    what: str, detail: str, text: str, errors: list[dict[str, Any]], truncated: bool
) -> StructuredOutputError:
    shown = shorten(text)
    hint = " (the answer was cut short by max_tokens)" if truncated else ""
    return StructuredOutputError(
        f"the model's answer {what}{hint}: {detail}; text: {shown!r}", text=text, errors=errors
    )
