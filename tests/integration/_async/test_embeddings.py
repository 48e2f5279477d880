"""Text embeddings against a live server (the local model, served for `/v1/embeddings`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy
import pytest

from tests.integration.conftest import EMBEDDINGS_MODEL, MODEL
from ycloud_chat import APIStatusError, AsyncChatEmbeddingsModel, AsyncChatSDK

pytestmark = pytest.mark.integration

TEXTS = ["The platypus lays eggs.", "Paris is the capital of France.", "A duck-billed mammal."]


@pytest.fixture
async def sdk(embeddings_url: str) -> AsyncIterator[AsyncChatSDK]:
    async with AsyncChatSDK(base_url=embeddings_url) as sdk:
        yield sdk


@pytest.fixture
def model(sdk: AsyncChatSDK) -> AsyncChatEmbeddingsModel:
    return sdk.chat.text_embeddings(EMBEDDINGS_MODEL)


async def test_the_served_model_is_listed_by_name(sdk: AsyncChatSDK) -> None:
    models = await sdk.chat.text_embeddings.list(filters={"name": EMBEDDINGS_MODEL})
    assert [model.uri for model in models] == [EMBEDDINGS_MODEL]
    assert isinstance(models[0], AsyncChatEmbeddingsModel)
    assert models[0].version is None  # a plain name says no version


async def test_one_text_gives_a_vector_of_floats(model: AsyncChatEmbeddingsModel) -> None:
    result = await model.run("hello")
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


async def test_several_texts_give_every_vector_in_their_order(
    model: AsyncChatEmbeddingsModel,
) -> None:
    together = await model.run(TEXTS)
    alone = [(await model.run(text)).embedding for text in TEXTS]
    assert len(together.embeddings) == len(TEXTS)
    for vector, single in zip(together.embeddings, alone, strict=True):
        assert numpy.allclose(vector, single, atol=1e-3)
    # Related texts lie closer than unrelated ones (the vectors are normalised by the server).
    platypus, paris, duck = (numpy.array(vector) for vector in together.embeddings)
    assert float(platypus @ duck) > float(platypus @ paris)


async def test_base64_vectors_are_the_same_numbers(model: AsyncChatEmbeddingsModel) -> None:
    floats = await model.run(TEXTS[:2])
    packed = await model.configure(encoding_format="base64").run(TEXTS[:2])
    assert numpy.allclose(numpy.array(packed.embeddings), numpy.array(floats.embeddings), atol=1e-6)


async def test_a_chat_server_refuses_embeddings_with_its_own_message(llm_url: str) -> None:
    async with AsyncChatSDK(base_url=llm_url, max_retries=0) as sdk:
        with pytest.raises(APIStatusError) as caught:
            await sdk.chat.text_embeddings(MODEL).run("hello")
    assert caught.value.status_code >= 400
    assert "embedding" in caught.value.message.lower()
    assert caught.value.request_id
