# GENERATED from tests/integration/_async/test_live.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The SDK against a live server (the local llama.cpp model): every call shape, end to end.

Answers are checked for structure and flow, never for wording: the model is tiny.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from tests.integration.conftest import EXAMPLE_TOOL_TURN, MODEL, TOO_LONG
from ycloud_chat import (
    BadRequestError,
    ChatModel,
    ChatModelResult,
    ChatModelStatus,
    ChatSDK,
    FinishReason,
    TextMessage,
    ToolCall,
)
from ycloud_chat.types import MessageInput

pytestmark = pytest.mark.integration


class Colour(BaseModel):
    name: str
    hex_code: str


def collect(model: ChatModel, prompt: str) -> list[ChatModelResult[ToolCall]]:
    """Every partial result of a stream, which is closed afterwards."""
    with model.run_stream(prompt) as stream:
        return [result for result in stream]


@pytest.fixture
def sdk(llm_url: str) -> Iterator[ChatSDK]:
    # Default retries, as users get them: llama-server closes the connection after a stream
    # although it offers keep-alive, so a request right after one may meet a dead socket.
    with ChatSDK(base_url=llm_url) as sdk:
        yield sdk


def test_list_models_names_the_served_model(sdk: ChatSDK) -> None:
    models = sdk.chat.completions.list()
    assert MODEL in [model.uri for model in models]


def test_run_returns_a_final_answer_with_usage(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=20)
    result = model.run("Say hello in one short sentence.")
    assert result.status in (ChatModelStatus.FINAL, ChatModelStatus.TRUNCATED_FINAL)
    assert result.text.strip()
    assert result.role == "assistant"
    assert result.usage is not None
    assert result.usage.completion_tokens > 0
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    assert result.request_id


def test_stream_deltas_add_up_to_the_final_text_and_the_plain_run(
    sdk: ChatSDK,
) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=16)
    prompt = "Name three colours."
    results = collect(model, prompt)
    plain = model.run(prompt)

    pieces = "".join(result.delta for result in results)
    finishing = results[-2]  # then the usage chunk, which the SDK asks for
    assert results[0].status is ChatModelStatus.PARTIAL
    assert finishing.status in (ChatModelStatus.FINAL, ChatModelStatus.TRUNCATED_FINAL)
    assert all(result.status is ChatModelStatus.PARTIAL for result in results[:-2])
    assert pieces == results[-1].text == finishing.text
    assert pieces == plain.text  # temperature 0 repeats itself exactly
    assert finishing.status is plain.status


def test_a_stream_ends_with_a_usage_chunk_then_holds_the_whole_answer(
    sdk: ChatSDK,
) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=12)
    with model.run_stream("Name a colour.") as stream:
        results = [result for result in stream]
    plain = model.run("Name a colour.")

    finishing, last = results[-2], results[-1]
    assert finishing.status.is_final
    assert finishing.status is not ChatModelStatus.USAGE
    assert last.status is ChatModelStatus.USAGE
    assert last.finish_reason is FinishReason.USAGE
    assert last.text == finishing.text == plain.text
    assert last.usage is not None
    assert plain.usage is not None
    assert last.usage.completion_tokens == plain.usage.completion_tokens
    whole = stream.result
    assert whole is not None
    assert (whole.text, whole.status, whole.finish_reason) == (
        plain.text,
        plain.status,
        plain.finish_reason,
    )
    assert whole.usage == last.usage


def test_history_built_from_previous_results(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=10)
    history: list[MessageInput] = [TextMessage(role="system", text="Answer briefly.")]
    prompt_tokens = []
    for question in ("My name is Ada.", "What is my name?", "Thanks."):
        history.append(question)
        result = model.run(history)
        assert result.text.strip()
        assert result.usage is not None
        prompt_tokens.append(result.usage.prompt_tokens)
        history.append(result)  # the answer goes back as the assistant's turn
    assert len(history) == 7
    # Each turn sends the whole conversation: the prompt grows by at least the last answer.
    assert prompt_tokens == sorted(set(prompt_tokens))


def test_max_tokens_gives_a_truncated_final(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=3)
    result = model.run("Write a long story about a dragon.")
    assert result.status is ChatModelStatus.TRUNCATED_FINAL
    assert result.finish_reason == "length"
    assert result.usage is not None
    assert result.usage.completion_tokens == 3


def test_json_schema_answer_validates_into_the_pydantic_model(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(
        temperature=0, max_tokens=60, response_format=Colour
    )
    result = model.run("Give the colour red as JSON with its name and hex code.")
    assert result.status is ChatModelStatus.FINAL
    colour = result.parsed
    assert isinstance(colour, Colour)
    assert colour == Colour.model_validate_json(result.text)
    assert colour.name


def test_a_request_over_the_context_is_a_bad_request(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(max_tokens=5)
    with pytest.raises(BadRequestError) as caught:
        model.run(TOO_LONG)
    assert caught.value.status_code == 400
    assert caught.value.message
    assert caught.value.request_id


def test_a_stream_over_the_context_is_a_bad_request(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(max_tokens=5)
    with pytest.raises(BadRequestError) as caught:
        collect(model, TOO_LONG)
    assert caught.value.status_code == 400


def test_a_stream_left_midway_then_a_request_that_works(sdk: ChatSDK) -> None:
    model = sdk.chat.completions(MODEL).configure(temperature=0, max_tokens=200)
    with model.run_stream("Count from one to one hundred in words.") as stream:
        for partial in stream:
            if len(partial.text) > 10:
                break
    assert stream.result is not None
    assert stream.result.status is ChatModelStatus.PARTIAL
    assert "closed" in repr(stream)

    result = model.configure(max_tokens=10).run("Say yes.")
    assert result.status.is_final
    assert result.text


# The examples' worked call, then the question: SmolLM2-135M copies the call.
EXAMPLE_TURN: list[MessageInput] = [*EXAMPLE_TOOL_TURN, "What is the weather in Oslo?"]


def test_the_local_model_calls_a_tool_and_run_tools_answers_it(sdk: ChatSDK) -> None:
    cities: list[str] = []

    def get_weather(city: str) -> dict[str, object]:
        """The current weather in a city."""
        cities.append(city)
        return {"city": city, "degrees": 21}

    model = sdk.chat.completions(MODEL).configure(
        tools=[get_weather], tool_choice="required", temperature=0, max_tokens=60
    )
    result = model.run(EXAMPLE_TURN)
    assert result.status is ChatModelStatus.TOOL_CALLS
    assert result.tool_calls is not None
    [call] = result.tool_calls
    assert call.function.name == "get_weather"
    assert set(call.function.arguments) == {"city"}

    run = model.configure(tool_choice="auto").run_tools(EXAMPLE_TURN, max_rounds=3)
    assert cities, "the tool was called"
    assert run.rounds >= 2
    assert [m["role"] for m in run.messages[len(EXAMPLE_TURN) :]][:2] == ["assistant", "tool"]
