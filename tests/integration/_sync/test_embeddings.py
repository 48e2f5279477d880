# GENERATED from tests/integration/_async/test_embeddings.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""Text embeddings against a live server (the local model, served for `/v1/embeddings`)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy
import pytest

from tests.integration.conftest import EMBEDDINGS_MODEL, MODEL
from ycloud_chat import APIStatusError, ChatEmbeddingsModel, ChatSDK

pytestmark = pytest.mark.integration

TEXTS = ["The platypus lays eggs.", "Paris is the capital of France.", "A duck-billed mammal."]


@pytest.fixture
def sdk(embeddings_url: str) -> Iterator[ChatSDK]:
    with ChatSDK(base_url=embeddings_url) as sdk:
        yield sdk


@pytest.fixture
def model(sdk: ChatSDK) -> ChatEmbeddingsModel:
    return sdk.chat.text_embeddings(EMBEDDINGS_MODEL)


def test_the_served_model_is_listed_by_name(sdk: ChatSDK) -> None:
    models = sdk.chat.text_embeddings.list(filters={"name": EMBEDDINGS_MODEL})
    assert [model.uri for model in models] == [EMBEDDINGS_MODEL]
    assert isinstance(models[0], ChatEmbeddingsModel)
    assert models[0].version is None  # a plain name says no version


def test_one_text_gives_a_vector_of_floats(model: ChatEmbeddingsModel) -> None:
    result = model.run("hello")
    assert len(result) > 1
    assert len(result) == len(result.embedding)
    assert all(isinstance(value, float) for value in result)
    assert result.embeddings == (result.embedding,)
    array = numpy.array(result)
    assert array.dtype == numpy.float64
    assert array.shape == (len(result),)
    assert result.usage is not None
    assert result.usage.prompt_tokens > 0
    assert result.request_id


def test_several_texts_give_every_vector_in_their_order(
    model: ChatEmbeddingsModel,
) -> None:
    together = model.run(TEXTS)
    alone = [(model.run(text)).embedding for text in TEXTS]
    assert len(together.embeddings) == len(TEXTS)
    for vector, single in zip(together.embeddings, alone, strict=True):
        assert numpy.allclose(vector, single, atol=1e-3)
    # Related texts lie closer than unrelated ones (the vectors are normalised by the server).
    platypus, paris, duck = (numpy.array(vector) for vector in together.embeddings)
    assert float(platypus @ duck) > float(platypus @ paris)


def test_base64_vectors_are_the_same_numbers(model: ChatEmbeddingsModel) -> None:
    floats = model.run(TEXTS[:2])
    packed = model.configure(encoding_format="base64").run(TEXTS[:2])
    assert numpy.allclose(numpy.array(packed.embeddings), numpy.array(floats.embeddings), atol=1e-6)


def test_a_chat_server_refuses_embeddings_with_its_own_message(llm_url: str) -> None:
    with ChatSDK(base_url=llm_url, max_retries=0) as sdk:
        with pytest.raises(APIStatusError) as caught:
            sdk.chat.text_embeddings(MODEL).run("hello")
    assert caught.value.status_code >= 400
    assert "embedding" in caught.value.message.lower()
    assert caught.value.request_id
