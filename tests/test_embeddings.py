"""Text embeddings without I/O: the config, the input checks, the body and the answer."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy
import pytest
import yaml

from ycloud_chat import (
    APIResponseValidationError,
    ChatEmbeddingsModelConfig,
    ChatEmbeddingsModelResult,
    ConfigurationError,
    ConfigurationTypeError,
    EmbeddingsUsage,
    ToolCall,
)
from ycloud_chat._request import build_embeddings_body, coerce_texts, model_uri
from ycloud_chat._response import ResponseContext, decode_json, parse_embeddings

CASSETTE = Path(__file__).parent / "cassettes" / "test_embeddings" / "test_run.yaml"
URI = "emb://b1g/text-search-doc/latest"


def recorded() -> tuple[dict[str, Any], dict[str, Any]]:
    """The recorded request body and answer body."""
    (interaction,) = yaml.safe_load(CASSETTE.read_text("utf-8"))["interactions"]
    request = json.loads(interaction["request"]["body"])
    answer = json.loads(interaction["response"]["body"]["string"])
    return request, answer


def context() -> ResponseContext[ToolCall]:
    return ResponseContext(ToolCall, "rid", "sid")


def answer(*vectors: Any, usage: Any = None, **extra: Any) -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
    body = {"object": "list", "model": URI, "data": data, **extra}
    if usage is not None:
        body["usage"] = usage
    return body


def packed(*numbers: float) -> str:
    return base64.b64encode(struct.pack(f"<{len(numbers)}f", *numbers)).decode()


# --- the URI, the config and the body --------------------------------------------------------


def test_embedding_models_have_emb_uris() -> None:
    assert model_uri("text-search-doc", "latest", "b1g", ai_studio=True, scheme="emb") == URI
    assert model_uri("emb://x/y/z", "latest", "b1g", ai_studio=True, scheme="emb") == "emb://x/y/z"
    assert model_uri("nomic", "latest", None, ai_studio=False, scheme="emb") == "nomic"
    with pytest.raises(ConfigurationError, match="full emb:// URI"):
        model_uri("text-search-doc", "latest", None, ai_studio=True, scheme="emb")


def test_the_body_of_the_recording() -> None:
    request, _ = recorded()
    texts = coerce_texts("hello")
    assert build_embeddings_body(request["model"], texts, ChatEmbeddingsModelConfig()) == request


def test_the_config_keys_follow_the_core_keys() -> None:
    config = ChatEmbeddingsModelConfig().replace(
        dimensions=256, encoding_format="BASE64", extra_query={"truncate": True}
    )
    assert config.encoding_format == "base64"
    body = build_embeddings_body(URI, ["a", "b"], config)
    assert body == {
        "model": URI,
        "input": ["a", "b"],
        "dimensions": 256,
        "encoding_format": "base64",
        "truncate": True,
    }
    assert list(body) == ["model", "input", "dimensions", "encoding_format", "truncate"]


def test_replace_keeps_undefined_and_resets_none() -> None:
    config = ChatEmbeddingsModelConfig(dimensions=8, encoding_format="float")
    assert config.replace(dimensions=16).encoding_format == "float"
    assert config.replace(dimensions=None).dimensions is None
    assert config.dimensions == 8  # frozen: replace() makes a new one


def test_extra_query_is_copied() -> None:
    extra = {"options": {"a": 1}}
    config = ChatEmbeddingsModelConfig().replace(extra_query=extra)
    extra["options"]["a"] = 2
    assert config.wire_fragment() == {"options": {"a": 1}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dimensions": 0}, "dimensions must be a positive integer, got 0"),
        ({"encoding_format": "int8"}, "encoding_format must be 'float' or 'base64', got 'int8'"),
        ({"extra_query": {"input": ["x"]}}, "extra_query may not set 'input'"),
        ({"extra_query": {"model": "m"}}, "model and input belong to the SDK"),
        ({"extra_query": {"x": float("nan")}}, "JSON-serialisable"),
    ],
)
def test_bad_values_fail_at_configure(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid model configuration") as info:
        ChatEmbeddingsModelConfig().replace(**changes)
    assert message in str(info.value)
    assert not isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    "changes",
    [
        {"dimensions": "256"},
        {"dimensions": True},
        {"encoding_format": 1},
        {"extra_query": ["truncate"]},
    ],
)
def test_wrong_types_fail_at_configure_as_type_errors(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationTypeError):
        ChatEmbeddingsModelConfig().replace(**changes)


# --- input checks ----------------------------------------------------------------------------


def generated() -> Iterable[str]:
    yield "a"
    yield "b"


@pytest.mark.parametrize(
    ("texts", "want"),
    [
        ("hello", ["hello"]),
        (["a", "b"], ["a", "b"]),
        (("a",), ["a"]),
        (generated(), ["a", "b"]),
    ],
)
def test_texts_become_a_list(texts: Any, want: list[str]) -> None:
    assert coerce_texts(texts) == want


@pytest.mark.parametrize(
    ("texts", "error", "match"),
    [
        ([], ConfigurationError, "input is empty"),
        ("", ConfigurationError, r"input\[0\] is an empty str"),
        (["a", ""], ConfigurationError, r"input\[1\] is an empty str"),
        (["a", 5], ConfigurationTypeError, r"input\[1\] is a int"),
        (b"hello", ConfigurationTypeError, "input must be a str or a sequence of str"),
        ({"text": "a"}, ConfigurationTypeError, "got dict"),
        (5, ConfigurationTypeError, "got int"),
        (None, ConfigurationTypeError, "got NoneType"),
    ],
)
def test_bad_input_is_refused(texts: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        coerce_texts(texts)


# --- the answer ------------------------------------------------------------------------------


def test_the_recorded_answer() -> None:
    _, body = recorded()
    result = parse_embeddings(body, context(), 1)
    vector = body["data"][0]["embedding"]
    assert result.embedding == tuple(vector)
    assert len(result) == len(vector) == 256
    assert all(isinstance(value, float) for value in result)
    assert result[0] == 0.0469970703125
    assert result[-2:] == tuple(vector[-2:])
    assert result.model == "emb://b1ghsjum2v37c2un8h64/text-search-doc/latest"
    assert result.usage == EmbeddingsUsage(prompt_tokens=3, total_tokens=3)
    assert result.usage is not None
    assert result.usage.input_text_tokens == 3
    assert (result.request_id, result.server_request_id) == ("rid", "sid")


def test_a_result_is_a_sequence_of_floats() -> None:
    result = parse_embeddings(answer([1, 2.5, -3]), context(), 1)
    assert isinstance(result, Sequence)
    values: Sequence[float] = result
    assert list(values) == [1.0, 2.5, -3.0]
    assert all(type(value) is float for value in result)
    assert 2.5 in result
    assert result.index(-3.0) == 2
    assert result.count(1.0) == 1
    assert list(reversed(result)) == [-3.0, 2.5, 1.0]


def test_numpy_makes_a_float64_array() -> None:
    result = parse_embeddings(answer([1, 2.5, -3], [4, 5, 6]), context(), 2)
    array = numpy.array(result)
    assert array.dtype == numpy.float64
    assert array.tolist() == [1.0, 2.5, -3.0]
    assert numpy.asarray(result, dtype=numpy.float32).dtype == numpy.float32
    matrix = numpy.array(result.embeddings)
    assert matrix.shape == (2, 3)
    assert matrix.dtype == numpy.float64


def test_several_texts_give_every_vector_in_input_order() -> None:
    body = answer([0.0], [1.0], [2.0])
    body["data"].reverse()  # the server may list them in any order: `index` says whose
    result = parse_embeddings(body, context(), 3)
    assert result.embeddings == ((0.0,), (1.0,), (2.0,))
    assert result.embedding == (0.0,)


def test_base64_vectors_are_decoded() -> None:
    result = parse_embeddings(answer(packed(0.5, -1.25, 3.0)), context(), 1)
    assert result.embedding == (0.5, -1.25, 3.0)
    assert numpy.array(result).dtype == numpy.float64


def test_a_missing_index_is_the_position() -> None:
    body = {"data": [{"embedding": [1.0]}, {"embedding": [2.0]}]}
    assert parse_embeddings(body, context(), 2).embeddings == ((1.0,), (2.0,))
    assert parse_embeddings(body, context(), 2).usage is None


@pytest.mark.parametrize(
    ("body", "count", "match"),
    [
        ([], 1, "no data array"),
        ({"data": {}}, 1, "no data array"),
        (answer([1.0]), 2, "1 vectors for 2 texts"),
        (answer([1.0], [2.0]), 1, "2 vectors for 1 texts"),
        ({"data": [{"index": 0, "embedding": [1]}, {"index": 0, "embedding": [2]}]}, 2, "index 0"),
        ({"data": [{"index": 5, "embedding": [1]}]}, 1, "index 5"),
        ({"data": [{"index": "0", "embedding": [1]}]}, 1, "index"),
        ({"data": ["x"]}, 1, "not an object"),
        (answer([]), 1, "not a list of numbers"),
        (answer(None), 1, "not a list of numbers"),
        (answer(["1.5"]), 1, "holds '1.5'"),
        (answer([True]), 1, "holds True"),
        (answer("not base64!"), 1, "not base64"),
        (answer(base64.b64encode(b"abc").decode()), 1, "whole number of float32s"),
        (answer(""), 1, "whole number of float32s"),
        (answer([1.0], usage={"prompt_tokens": "n/a"}), 1, "usage.prompt_tokens"),
        (answer([1.0], model=5), 1, "model"),
    ],
)
def test_malformed_answers(body: Any, count: int, match: str) -> None:
    with pytest.raises(APIResponseValidationError, match=match) as info:
        parse_embeddings(body, context(), count)
    assert info.value.request_id == "rid"
    assert info.value.body == body


@pytest.mark.parametrize(
    ("vectors", "match"),
    [
        (([1.0, float("nan")],), "vector of text 0 holds nan at position 1"),
        (([1.0], [2.0, 3.0, float("inf"), 4.0]), "vector of text 1 holds inf at position 2"),
        (([float("-inf")],), "text 0 holds -inf at position 0"),
        ((packed(0.5, float("nan")),), "vector of text 0 holds nan at position 1"),
        ((packed(1.0), packed(float("inf"))), "vector of text 1 holds inf at position 0"),
        (([1.0, 2.0], [3.0]), "vector of text 1 has 1 numbers, that of text 0 has 2"),
        ((packed(1.0), packed(1.0, 2.0, 3.0)), "text 1 has 3 numbers, that of text 0 has 1"),
    ],
)
def test_impossible_vectors_are_refused(vectors: tuple[Any, ...], match: str) -> None:
    with pytest.raises(APIResponseValidationError, match=match):
        parse_embeddings(answer(*vectors), context(), len(vectors))


def test_the_text_index_is_the_vectors_index_not_its_place_in_the_answer() -> None:
    body = answer([1.0], [float("nan")])
    body["data"].reverse()
    with pytest.raises(APIResponseValidationError, match="text 1 holds nan at position 0"):
        parse_embeddings(body, context(), 2)


def test_nan_written_as_a_json_literal_is_refused() -> None:
    content = b'{"data": [{"index": 0, "embedding": [0.5, NaN]}], "model": "m"}'
    with pytest.raises(APIResponseValidationError, match="text 0 holds nan at position 1"):
        parse_embeddings(decode_json(content, context()), context(), 1)


def test_huge_finite_numbers_are_kept() -> None:
    result = parse_embeddings(answer([1e308, 1e308]), context(), 1)
    assert result.embedding == (1e308, 1e308)


def test_repr_counts_the_numbers() -> None:
    result = parse_embeddings(answer([1.0] * 256, [2.0] * 256), context(), 2)
    assert repr(result) == (
        "ChatEmbeddingsModelResult(embeddings=<2 vectors of 256 floats>, "
        f"model={URI!r}, usage=None, request_id='rid')"
    )
    assert str(result) == repr(result)


def test_a_result_without_vectors() -> None:
    result = ChatEmbeddingsModelResult(embeddings=())
    assert "<0 vectors of 0 floats>" in repr(result)
    with pytest.raises(IndexError, match="no vectors"):
        len(result)
