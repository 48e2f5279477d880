# GENERATED from tests/_async/test_embeddings.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""`sdk.chat.text_embeddings`: the models, their requests and answers, retries and deadlines."""

from __future__ import annotations

import base64
import json
import struct
import time
from typing import Any

import httpx
import numpy
import pytest

from tests.faults.server import FaultServer, stall
from tests.helpers import SECRET, Recorder
from ycloud_chat import (
    APIResponseValidationError,
    APITimeoutError,
    BadRequestError,
    ChatEmbeddings,
    ChatEmbeddingsModel,
    ChatEmbeddingsModelConfig,
    ChatEmbeddingsModelResult,
    ChatSDK,
    ConfigurationError,
    ConfigurationTypeError,
    CredentialsError,
    EmbeddingsUsage,
)

from .support import make_sdk

pytestmark = pytest.mark.usefixtures("fast_retries")


def answer(*vectors: Any, model: str = "emb://folder1/text-search-doc/latest") -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
    usage = {"prompt_tokens": 2 * len(vectors), "total_tokens": 2 * len(vectors)}
    return {"object": "list", "model": model, "data": data, "usage": usage}


def ok(*vectors: Any) -> httpx.Response:
    return httpx.Response(200, json=answer(*vectors))


def test_a_model_by_name_and_its_uri() -> None:
    with make_sdk(Recorder()) as sdk:
        model = sdk.chat.text_embeddings("text-search-doc")
        assert isinstance(sdk.chat.text_embeddings, ChatEmbeddings)
        assert isinstance(model, ChatEmbeddingsModel)
        assert model.uri == "emb://folder1/text-search-doc/latest"
        assert (model.name, model.version, model.fine_tuned, model.owner) == (
            "text-search-doc",
            "latest",
            False,
            None,
        )
        rc = sdk.chat.text_embeddings("text-search-query", model_version="rc")
        assert rc.uri == "emb://folder1/text-search-query/rc"
        full = "emb://other/text-embeddings/latest@tamr1"
        tuned = sdk.chat.text_embeddings(full)
        assert tuned.uri == full
        assert (tuned.name, tuned.fine_tuned) == ("text-embeddings", True)
        assert model.config == ChatEmbeddingsModelConfig()


def test_ai_studio_needs_a_folder_for_a_name() -> None:
    with ChatSDK(auth="k") as sdk, pytest.raises(CredentialsError, match="emb://"):
        sdk.chat.text_embeddings("text-search-doc")


def test_run_sends_the_documented_request() -> None:
    recorder = Recorder(ok([0.5, -0.25]))
    with make_sdk(recorder) as sdk:
        model = sdk.chat.text_embeddings("text-search-doc").configure(
            dimensions=2, encoding_format="float", extra_query={"truncate": "END"}
        )
        result = model.run("hello")
    (request,) = recorder.requests
    assert request.url == "https://llm.api.cloud.yandex.net/v1/embeddings"
    assert request.headers["authorization"] == f"Api-Key {SECRET}"
    assert "openai-project" not in request.headers  # the folder travels in the URI
    assert json.loads(request.content) == {
        "model": "emb://folder1/text-search-doc/latest",
        "input": ["hello"],
        "dimensions": 2,
        "encoding_format": "float",
        "truncate": "END",
    }
    assert isinstance(result, ChatEmbeddingsModelResult)
    assert result.embedding == (0.5, -0.25)
    assert list(result) == [0.5, -0.25]
    assert len(result) == 2
    assert result.model == "emb://folder1/text-search-doc/latest"
    assert result.usage == EmbeddingsUsage(prompt_tokens=2, total_tokens=2)
    assert result.request_id == request.headers["x-client-request-id"]
    array = numpy.array(result)
    assert array.dtype == numpy.float64
    assert array.tolist() == [0.5, -0.25]


def test_several_texts_give_every_vector_in_input_order() -> None:
    body = answer([1.0, 0.0], [0.0, 1.0], [0.5, 0.5])
    body["data"].reverse()
    recorder = Recorder(httpx.Response(200, json=body))
    with make_sdk(recorder) as sdk:
        texts = (text for text in ["first", "second", "third"])
        result = sdk.chat.text_embeddings("text-search-doc").run(texts)
    assert recorder.bodies()[0]["input"] == ["first", "second", "third"]
    assert result.embeddings == ((1.0, 0.0), (0.0, 1.0), (0.5, 0.5))
    assert result.embedding == (1.0, 0.0)
    assert numpy.array(result.embeddings).shape == (3, 2)


def test_base64_vectors_are_decoded() -> None:
    packed = base64.b64encode(struct.pack("<3f", 0.25, -2.0, 8.5)).decode()
    recorder = Recorder(ok(packed))
    with make_sdk(recorder) as sdk:
        model = sdk.chat.text_embeddings("text-search-doc").configure(encoding_format="base64")
        result = model.run(["hello"])
    assert recorder.bodies()[0]["encoding_format"] == "base64"
    assert result.embedding == (0.25, -2.0, 8.5)


@pytest.mark.parametrize(
    ("texts", "error"),
    [
        ([], ConfigurationError),
        ("", ConfigurationError),
        (["a", ""], ConfigurationError),
        (["a", None], ConfigurationTypeError),
        (b"bytes", ConfigurationTypeError),
        (42, ConfigurationTypeError),
    ],
)
def test_bad_input_fails_before_any_request(texts: Any, error: type[Exception]) -> None:
    recorder = Recorder(ok([1.0]))
    with make_sdk(recorder) as sdk, pytest.raises(error):
        sdk.chat.text_embeddings("text-search-doc").run(texts)
    assert recorder.requests == []


def test_bad_settings_fail_at_configure() -> None:
    with make_sdk(Recorder()) as sdk:
        model = sdk.chat.text_embeddings("text-search-doc")
        with pytest.raises(ConfigurationError, match="dimensions"):
            model.configure(dimensions=0)
        with pytest.raises(ConfigurationTypeError, match="encoding_format"):
            model.configure(encoding_format=5)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="'input'"):
            model.configure(extra_query={"input": ["x"]})
        with pytest.raises(ConfigurationError, match="timeout"):
            model.run("x", timeout=-1)


def test_configure_returns_a_new_model_that_keeps_the_rest() -> None:
    with make_sdk(Recorder()) as sdk:
        base = sdk.chat.text_embeddings("text-search-doc")
        short = base.configure(dimensions=64, encoding_format="base64")
        floats = short.configure(encoding_format=None)
        assert base.config.dimensions is None
        assert (short.config.dimensions, short.config.encoding_format) == (64, "base64")
        assert (floats.config.dimensions, floats.config.encoding_format) == (64, None)
        assert type(short) is type(base)
        assert short.uri == base.uri
        assert repr(short) == (
            f"{type(short).__name__}(uri='emb://folder1/text-search-doc/latest', "
            "dimensions=64, encoding_format='base64')"
        )


def test_server_errors_are_retried_with_the_same_request_id() -> None:
    recorder = Recorder(
        httpx.Response(503, json={"error": {"message": "overloaded"}}),
        ok([1.0]),
    )
    with make_sdk(recorder) as sdk:
        result = sdk.chat.text_embeddings("text-search-doc").run("x")
    assert result.embedding == (1.0,)
    assert len(recorder.requests) == 2
    ids = {request.headers["x-client-request-id"] for request in recorder.requests}
    assert ids == {result.request_id}


def test_client_errors_raise_the_error_tree() -> None:
    recorder = Recorder(httpx.Response(400, json={"error": {"message": "too many texts"}}))
    with make_sdk(recorder) as sdk:
        with pytest.raises(BadRequestError, match="too many texts") as caught:
            sdk.chat.text_embeddings("text-search-doc").run("x")
    assert len(recorder.requests) == 1
    assert caught.value.request_id == recorder.requests[0].headers["x-client-request-id"]
    assert SECRET not in str(caught.value)


def test_an_answer_without_every_vector_is_a_validation_error() -> None:
    recorder = Recorder(ok([1.0]))
    with make_sdk(recorder) as sdk:
        with pytest.raises(APIResponseValidationError, match="1 vectors for 2 texts"):
            sdk.chat.text_embeddings("text-search-doc").run(["a", "b"])


def test_the_deadline_covers_the_call(server: FaultServer) -> None:
    server.plan(stall(30))
    sdk = ChatSDK(auth=SECRET, base_url=server.base_url, max_retries=2)
    started = time.monotonic()
    with sdk, pytest.raises(APITimeoutError):
        sdk.chat.text_embeddings("nomic").run("hi", timeout=1.5)
    assert time.monotonic() - started <= 1.5 + 2.0  # the deadline, and slack for a loaded machine
    assert server.requests == 1


def test_an_openai_compatible_server_gets_the_bare_name() -> None:
    recorder = Recorder(ok([1.0]))
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    with ChatSDK(base_url="http://127.0.0.1:8080/v1", http_client=client) as sdk:
        model = sdk.chat.text_embeddings("nomic-embed")
        assert (model.uri, model.name, model.version) == ("nomic-embed", "nomic-embed", None)
        model.run("x")
    assert recorder.requests[0].url == "http://127.0.0.1:8080/v1/embeddings"
    assert recorder.bodies()[0]["model"] == "nomic-embed"


# --- listing both kinds of models ------------------------------------------------------------

LISTING = {
    "object": "list",
    "data": [
        {"id": "gpt://folder1/alice-model/v2@12", "owned_by": "alice"},
        {"id": "gpt://folder1/alice-model/v1@324", "owned_by": "alice"},
        {"id": "gpt://folder1/bob-model/v2", "owned_by": "bob"},
        {"id": "gpt://folder1/alice-model/v2@fcds", "owned_by": "bob"},
        {"id": "gpt://folder1/alice-model/v2@213", "owned_by": "alice"},
        {"id": "emb://folder1/text-search-doc/latest", "owned_by": "Yandex"},
        {"id": "emb://folder1/text-embeddings/latest@tamr1", "owned_by": "Yandex"},
        {"id": "plain-name", "owned_by": "someone"},
        {"id": "other://folder1/x/latest"},
    ],
}


def test_each_kind_lists_its_models_with_their_owners() -> None:
    recorder = Recorder(httpx.Response(200, json=LISTING))
    with make_sdk(recorder) as sdk:
        chat = sdk.chat.completions.list()
        embeddings = sdk.chat.text_embeddings.list(timeout=5)
    assert [model.uri for model in chat] == [
        "gpt://folder1/alice-model/v2@12",
        "gpt://folder1/alice-model/v1@324",
        "gpt://folder1/bob-model/v2",
        "gpt://folder1/alice-model/v2@fcds",
        "gpt://folder1/alice-model/v2@213",
        "plain-name",
    ]
    assert [(m.uri, m.owner) for m in embeddings] == [
        ("emb://folder1/text-search-doc/latest", "Yandex"),
        ("emb://folder1/text-embeddings/latest@tamr1", "Yandex"),
        ("plain-name", "someone"),
    ]
    assert all(isinstance(model, ChatEmbeddingsModel) for model in embeddings)
    assert [request.url.path for request in recorder.requests] == ["/v1/models", "/v1/models"]
    assert recorder.requests[1].headers["openai-project"] == "folder1"
    first = chat[0]
    assert (first.owner, first.name, first.version, first.fine_tuned) == (
        "alice",
        "alice-model",
        "v2",
        True,
    )
    assert repr(first) == (
        f"{type(first).__name__}(uri='gpt://folder1/alice-model/v2@12', owner='alice')"
    )
    assert first.configure(temperature=0.5).owner == "alice"  # configure keeps the identity


def test_filters_keep_the_models_that_match_every_one() -> None:
    recorder = Recorder(httpx.Response(200, json=LISTING))
    with make_sdk(recorder) as sdk:
        filters = {"name": "alice-model", "owner": "alice", "version": "v2", "fine_tuned": True}
        chat = sdk.chat.completions.list(filters=filters)
        tuned = sdk.chat.text_embeddings.list(filters={"fine_tuned": True})
        by_uri = sdk.chat.completions.list(filters={"uri": "gpt://folder1/bob-model/v2"})
    assert [m.uri for m in chat] == [
        "gpt://folder1/alice-model/v2@12",
        "gpt://folder1/alice-model/v2@213",
    ]
    assert [m.uri for m in tuned] == ["emb://folder1/text-embeddings/latest@tamr1"]
    assert [m.owner for m in by_uri] == ["bob"]


def test_an_unknown_filter_is_an_attribute_error_before_any_request() -> None:
    recorder = Recorder(httpx.Response(200, json=LISTING))
    with make_sdk(recorder) as sdk:
        for models in (sdk.chat.completions, sdk.chat.text_embeddings):
            with pytest.raises(
                AttributeError,
                match=r"Filtering Error: model object does not have attribute 'abracadabra'\.$",
            ):
                models.list(filters={"abracadabra": 42})
            with pytest.raises(TypeError, match="filters must be a dict"):
                models.list(filters=["owner"])  # type: ignore[arg-type]
    assert recorder.requests == []
