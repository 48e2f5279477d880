"""`AsyncToolCall`: a tool call the model made, with what this face needs to answer it."""

from __future__ import annotations

from ..types.tools import BaseToolCall

__all__ = ["AsyncToolCall"]


class AsyncToolCall(BaseToolCall):
    """A call the model asks the application to make: `id`, `type` and `function`.

    `function.name` names the tool and `function.arguments` holds its decoded JSON
    arguments (`function.raw_arguments` the text as the model wrote it). Sending the result
    back: `{"role": "tool", "tool_call_id": call.id, "content": "..."}`.
    """
