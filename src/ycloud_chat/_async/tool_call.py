"""`AsyncToolCall`: a tool call the model made, and how this face answers it."""

from __future__ import annotations

from .._concurrency import async_call_function
from ..types.messages import ToolResultMessageDict
from ..types.tools import BaseToolCall

__all__ = ["AsyncToolCall"]


class AsyncToolCall(BaseToolCall):
    """A call the model asks the application to make: `id`, `type` and `function`.

    `function.name` names the tool and `function.arguments` holds its decoded JSON
    arguments (`function.raw_arguments` the text as the model wrote it). When the tool was
    made from a Python function, `run()` calls it and gives the answer to send back;
    otherwise answer with `call.answer(value)` or `{"role": "tool", "tool_call_id": call.id,
    "content": "..."}`.
    """

    async def run(self) -> ToolResultMessageDict:
        """Validate the arguments, call the tool's function, and return the tool message.

        A `str` return value is sent as it is, anything else as JSON. Sync and async
        functions both work: the async face runs a blocking function in a worker thread, and
        the sync face runs an async function in an event loop of its own.

        Raises:
            ToolArgumentsError: the arguments are not JSON or do not fit the function.
            ToolError: the model named an unknown tool, or one made without a function.
            ToolRunError: the function raised (its exception is the `__cause__`).
        """
        function, args, kwargs = self._prepare()
        try:
            value = await async_call_function(function, *args, **kwargs)
            return self.answer(value)
        except Exception as exc:
            raise self._failed(exc) from exc
