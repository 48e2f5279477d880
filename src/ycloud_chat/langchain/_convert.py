"""LangChain's messages, tools and results in the SDK's terms and back (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages import convert_to_openai_messages as to_openai_messages
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import ToolCallChunk, tool_call_chunk
from langchain_core.output_parsers.openai_tools import make_invalid_tool_call, parse_tool_call

from ..types.results import ChatModelResult, ChatUsage

__all__ = [
    "message_from_result",
    "messages_to_wire",
    "response_metadata",
    "tool_call_chunks",
    "tool_choice_to_wire",
    "usage_metadata",
]


def messages_to_wire(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """LangChain messages (any content format it knows) as chat-API wire messages."""
    return [_wire_message(message) for message in to_openai_messages(list(messages))]


def _wire_message(message: Mapping[str, Any]) -> dict[str, Any]:
    wire = {key: value for key, value in message.items() if key != "name"}
    content = wire.get("content")
    if wire.get("role") in ("assistant", "tool") and isinstance(content, list):
        # An answer or a tool result is text: its other blocks (thinking...) stay out.
        wire["content"] = _joined_text(content)
    if wire.get("role") == "assistant" and wire.get("tool_calls") and not wire.get("content"):
        wire.pop("content", None)
    return wire


def _joined_text(blocks: list[Any]) -> str:
    texts = (b if isinstance(b, str) else b.get("text") for b in blocks if _is_text(b))
    return "".join(text for text in texts if isinstance(text, str))


def _is_text(block: Any) -> bool:
    return isinstance(block, str) or (isinstance(block, Mapping) and block.get("type") == "text")


def tool_choice_to_wire(tool_choice: Any, tools: Sequence[Mapping[str, Any]]) -> Any:
    """LangChain's `tool_choice` (`"any"`, `"auto"`, `"none"`, a name, True...) for the SDK."""
    if tool_choice is None or tool_choice is False:
        return None
    if tool_choice is True:
        if len(tools) != 1:
            raise ValueError(
                f"tool_choice=True names the only tool, but {len(tools)} tools are bound"
            )
        return tools[0]["function"]["name"]
    if isinstance(tool_choice, str) and tool_choice.lower() in ("any", "required"):
        return "required"
    return tool_choice


def usage_metadata(usage: ChatUsage | None) -> UsageMetadata | None:
    """The answer's token counts as LangChain counts them."""
    if usage is None:
        return None
    output = OutputTokenDetails()
    if usage.reasoning_tokens is not None:
        output["reasoning"] = usage.reasoning_tokens
    return UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        input_token_details=InputTokenDetails(),
        output_token_details=output,
    )


def response_metadata(result: ChatModelResult[Any, Any]) -> dict[str, Any]:
    """What LangChain keeps of an answer besides its content: finish reason, model, ids."""
    finish_reason = result.finish_reason
    metadata = {
        "finish_reason": finish_reason.value if finish_reason is not None else None,
        "model_name": result.model,
        "id": result.id,
        "request_id": result.request_id,
        "server_request_id": result.server_request_id,
    }
    return {key: value for key, value in metadata.items() if value is not None}


def message_from_result(result: ChatModelResult[Any, Any]) -> AIMessage:
    """A whole answer as an `AIMessage`, its tool calls parsed (or kept as invalid ones)."""
    tool_calls, invalid = [], []
    for call in result.tool_calls or ():
        try:
            tool_calls.append(parse_tool_call(dict(call.raw), return_id=True))
        except OutputParserException as error:  # arguments that are not JSON: keep the call
            invalid.append(make_invalid_tool_call(dict(call.raw), str(error)))
    return AIMessage(
        content=result.text,
        tool_calls=[call for call in tool_calls if call is not None],
        invalid_tool_calls=invalid,
        usage_metadata=usage_metadata(result.usage),
        response_metadata=response_metadata(result),
        additional_kwargs=_reasoning(result),
    )


def _reasoning(result: ChatModelResult[Any, Any]) -> dict[str, Any]:
    reasoning = result.reasoning_text
    return {"reasoning_content": reasoning} if reasoning else {}


def tool_call_chunks(result: ChatModelResult[Any, Any]) -> list[ToolCallChunk]:
    """A streamed answer's merged tool calls, as the chunks of its last message."""
    return [
        tool_call_chunk(
            name=call.function.name,
            args=call.function.raw_arguments,
            id=call.id,
            index=index,
        )
        for index, call in enumerate(result.tool_calls or ())
    ]


def last_chunk(result: ChatModelResult[Any, Any]) -> AIMessageChunk:
    """The chunk that ends a stream: the tool calls, usage and metadata of the whole answer."""
    return AIMessageChunk(
        content="",
        tool_call_chunks=tool_call_chunks(result),
        usage_metadata=usage_metadata(result.usage),
        response_metadata=response_metadata(result),
        chunk_position="last",
    )
