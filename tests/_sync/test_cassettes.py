# GENERATED from tests/_async/test_cassettes.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""Replay production recordings: the SDK must send the recorded requests, parse the answers."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import numpy
import pytest

from tests.recorded import CALCULATOR, SOMETHING, Numbers
from tests.replay import Replay, folder_of, load
from ycloud_chat import (
    ChatEmbeddingsModel,
    ChatModel,
    ChatModelResult,
    ChatModelStatus,
    ChatSDK,
    FinishReason,
    TextMessage,
    ToolCall,
)

from .support import collect, make_sdk

pytestmark = pytest.mark.usefixtures("http_backend")

Result = ChatModelResult[ToolCall]


def replay_sdk(replay: Replay) -> ChatSDK:
    return make_sdk(replay, folder_id=folder_of(replay.interactions[0]), auth="test-api-key")


def assert_cumulative(partials: list[Result]) -> None:
    """Each text extends the previous one by exactly its delta; the last one is all deltas."""
    text = ""
    for partial in partials:
        text += partial.delta
        assert partial.text == text
    assert partials[-1].text == "".join(p.delta for p in partials)


def test_run() -> None:
    replay = Replay("test_completions/test_run")
    with replay_sdk(replay) as sdk:
        result = sdk.chat.completions("qwen3-235b-a22b-fp8").run("hello")
    assert replay.done
    assert result.text == "Hello! How can I assist you today? \N{SMILING FACE WITH SMILING EYES}"
    assert result.status is ChatModelStatus.FINAL
    assert result.finish_reason == "stop"
    assert result.role == "assistant"
    assert result.tool_calls is None
    assert result.id == "chatcmpl-b4a9afec-3827-4f7d-92f4-0bacd94a541a"
    assert result.model == "gpt://qwen3-235b-a22b-fp8/latest"
    assert result.created == datetime(2025, 9, 16, 18, 23, 36, tzinfo=timezone.utc)
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (9, 12)
    assert result.usage.total_tokens == 21
    assert result.request_id == replay.requests[0].headers["x-client-request-id"]
    assert len(result) == 1
    assert result[0] is result.alternatives[0]


def test_run_stream() -> None:
    replay = Replay("test_completions/test_run_stream")
    with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("qwen3-235b-a22b-fp8")
        partials = collect(model.run_stream("hello! could you please tell me about platypuses?"))
    assert replay.done
    # As many as the reference SDK gives: no result for the role-only chunk and the two empty
    # deltas, which bring nothing new.
    assert len(partials) == 740
    assert all(partial.delta for partial in partials[:-2])
    assert_cumulative(partials)
    statuses = [partial.status for partial in partials]
    assert set(statuses[:-2]) == {ChatModelStatus.PARTIAL}
    assert statuses[-2:] == [ChatModelStatus.FINAL, ChatModelStatus.USAGE]
    assert [partial.finish_reason for partial in partials[-2:]] == ["stop", "usage"]
    final = partials[-1]
    assert final.text.startswith("Hello! Of course! Platypuses are one of the most fascinating")
    assert final.text.endswith("conservation efforts!")
    assert final.delta == ""
    assert final.usage is not None
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (20, 741)
    assert final.usage.total_tokens == 761
    assert all(partial.usage is None for partial in partials[:-1])
    assert {partial.request_id for partial in partials} == {
        replay.requests[0].headers["x-client-request-id"]
    }


def test_chat_history_with_previous_results() -> None:
    replay = Replay("test_completions/test_chat")
    with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("qwen3-235b-a22b-fp8")
        history: list[Any] = [
            TextMessage(role="system", text="Your name is Arkadiy"),
            "Hello! how is your name?",
        ]
        first = model.run(history)
        assert first.text == "Hello! My name is Arkadiy. How can I assist you today?"
        history += [first, {"role": "user", "text": "My name is Andrew"}]
        second = model.run(history)
        history += [second, "What is my name?"]
        third = model.run(history)
    assert replay.done
    assert "Andrew" in third.text
    assert third.usage is not None
    assert third.usage.prompt_tokens == 87


@pytest.mark.parametrize(
    "tool_result",
    [
        {"role": "tool", "tool_call_id": "something", "content": "+20.0"},
        {"tool_results": [{"name": "something", "content": "+20.0"}]},
    ],
    ids=["openai-form", "tool-results-form"],
)
def test_function_call_round_trip(tool_result: dict[str, Any]) -> None:
    replay = Replay("test_completions/test_function_call")
    with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(tools=SOMETHING)
        question = "do a SOMETHING with all the numbers from: 5, 4, a, 1"
        result = model.run(question)
        assert result.status is ChatModelStatus.TOOL_CALLS
        assert result.tool_calls is not None
        (call,) = result.tool_calls
        assert isinstance(call, ToolCall)
        assert call.id == "something"
        assert call.function.name == "something"
        assert call.function.arguments == {"numbers": [5, 4, 1]}
        answer = model.run([question, result, tool_result])
    assert replay.done
    assert answer.text.endswith("is +20.0.")
    assert answer.server_request_id == "9d00b6ba-ea3a-44d1-83ad-dfc256d9a188"


def test_structured_output_from_pydantic_model() -> None:
    replay = Replay("test_completions/test_structured_output_pydantic_model")
    with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("yandexgpt").configure(response_format=Numbers)
        result = model.run("collect all numbers from: 5, 4, a, 1")
    assert replay.done
    assert Numbers.model_validate_json(result.text) == Numbers(numbers=[5, 4, 1])


def test_stream_function_call_round_trip() -> None:
    replay = Replay("test_completions/test_stream_function_call[qwen3-235b-a22b-fp8]")
    with replay_sdk(replay) as sdk:
        model = sdk.chat.completions("qwen3-235b-a22b-fp8").configure(tools=[CALCULATOR])
        messages: list[Any] = ["How much it would be 7@8?"]
        # The reference SDK's own example loop: each call comes once, on one chunk.
        with model.run_stream(messages) as stream:
            for chunk in stream:
                if chunk.tool_calls:
                    assert chunk.status is ChatModelStatus.TOOL_CALLS
                    assert chunk.finish_reason is FinishReason.TOOL_CALLS
                    messages.append(chunk)
                    messages.append({"tool_results": [{"name": "calculator", "content": "-5"}]})
        assert len(messages) == 3
        assert chunk.status is ChatModelStatus.USAGE
        assert chunk.finish_reason is FinishReason.USAGE
        assert chunk.tool_calls is None
        whole = stream.result
        assert whole is not None
        assert (whole.status, whole.finish_reason) == (
            ChatModelStatus.TOOL_CALLS,
            FinishReason.TOOL_CALLS,
        )
        assert whole.usage == chunk.usage
        assert whole.tool_calls is not None
        (call,) = whole.tool_calls
        assert call.id == "chatcmpl-tool-ac80b103abf04365affb7135287855a6"
        assert call.type == "function"
        assert call.function.name == "calculator"
        assert call.function.arguments == {"expression": "7@8"}
        answer = collect(model.run_stream(messages))
    assert replay.done
    assert_cumulative(answer)
    assert answer[-1].text == "The result of 7@8 is -5."
    assert [p.status for p in answer][-2:] == [ChatModelStatus.FINAL, ChatModelStatus.USAGE]


def test_list_models() -> None:
    replay = Replay("test_uri_parser/test_completion_uri_parser")
    with replay_sdk(replay) as sdk:
        models = sdk.chat.completions.list()
    assert replay.done
    listed = [(model.uri, model.owner) for model in models]
    recorded = [(entry["id"], entry["owned_by"]) for entry in _listed()]
    assert listed == [(uri, owner) for uri, owner in recorded if uri.startswith("gpt://")]
    assert ("gpt://b1ge6b3ojkeeciv997a8/gpt-oss-20b/latest", "OpenAI") in listed
    assert all(isinstance(model, ChatModel) for model in models)
    # The reference SDK's own check of this recording: every model knows who and what it is.
    for model in models:
        assert model.owner is not None
        assert model.name is not None
        assert model.version is not None
        assert model.fine_tuned is not None
    rc = [model for model in models if model.version == "rc"]
    assert [(m.name, m.fine_tuned) for m in rc] == [("yandexgpt-lite", False), ("yandexgpt", False)]


def test_list_embedding_models() -> None:
    replay = Replay("test_uri_parser/test_completion_uri_parser")
    with replay_sdk(replay) as sdk:
        models = sdk.chat.text_embeddings.list(filters={"name": "text-embeddings"})
    assert replay.done
    assert [(m.version, m.fine_tuned, m.owner) for m in models] == [
        ("latest", True, "Yandex"),
        ("rc", False, "Yandex"),
        ("deprecated", False, "Yandex"),
        ("latest", False, "Yandex"),
        ("latest", True, "Yandex"),
    ]
    assert (
        models[0].uri == "emb://b1ge6b3ojkeeciv997a8/text-embeddings/latest@tamre4vupta1rql2em5su"
    )
    assert all(isinstance(model, ChatEmbeddingsModel) for model in models)


def test_embeddings_run() -> None:
    replay = Replay("test_embeddings/test_run")
    with replay_sdk(replay) as sdk:
        model = sdk.chat.text_embeddings("text-search-doc")
        result = model.run("hello")
    assert replay.done
    # The reference SDK's own checks of this recording...
    assert result.embedding
    assert len(result.embedding) > 1
    assert len(result) == len(result.embedding)
    assert all(isinstance(value, float) for value in result)
    array = numpy.array(result)
    assert len(array)
    assert array.dtype == "float64"
    # ...and what the answer says exactly.
    (vector,) = [entry["embedding"] for entry in _recorded_answer()["data"]]
    assert result.embedding == tuple(vector)
    assert len(result) == 256
    assert result.embeddings == (result.embedding,)
    assert result.model == "emb://b1ghsjum2v37c2un8h64/text-search-doc/latest"
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.total_tokens) == (3, 3)
    assert result.request_id == replay.requests[0].headers["x-client-request-id"]
    assert result.server_request_id is None  # this answer came without an x-request-id


def _listed() -> list[dict[str, Any]]:
    (interaction,) = load("test_uri_parser/test_completion_uri_parser")
    data: list[dict[str, Any]] = json.loads(interaction["response"]["body"]["string"])["data"]
    return data


def _recorded_answer() -> dict[str, Any]:
    (interaction,) = load("test_embeddings/test_run")
    answer: dict[str, Any] = json.loads(interaction["response"]["body"]["string"])
    return answer
