"""How pydantic's validation errors and long texts are shown in this SDK's error messages."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

__all__ = ["describe_errors", "error_list", "json_problem", "shorten"]


def describe_errors(error: ValidationError, whole: str) -> str:
    """One line naming each bad location and what is wrong there; `whole` names the root."""
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or whole
        # Collapsed: a message may quote a multi-line value.
        message = " ".join(item["msg"].removeprefix("Value error, ").split())
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def error_list(error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors as plain dicts, without documentation URLs or exception objects."""
    return [dict(item) for item in error.errors(include_url=False, include_context=False)]


def json_problem(value: Any) -> str | None:
    """Why `value` cannot be sent as JSON (NaN and infinities included), or None if it can."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None


def shorten(text: str, limit: int = 300) -> str:
    """The text cut to `limit` characters, with "..." when something was cut."""
    return text if len(text) <= limit else text[:limit] + "..."
