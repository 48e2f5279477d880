"""Model identity read from URIs, and the listing filters (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from ycloud_chat import ConfigurationError, ConfigurationTypeError, ModelFilterError
from ycloud_chat._identity import ModelIdentity, check_filters, matches_filters, parse_model_uri


@pytest.mark.parametrize(
    ("uri", "identity"),
    [
        ("gpt://b1g/yandexgpt/rc", ("yandexgpt", "rc", False)),
        ("gpt://b1g/yandexgpt-lite/latest", ("yandexgpt-lite", "latest", False)),
        (
            "emb://b1g/text-embeddings/latest@tamre4vupta1rql2em5su",
            ("text-embeddings", "latest", True),
        ),
        ("gpt://test/alice-model/v2@12", ("alice-model", "v2", True)),
        ("gpt://test/alice-model/v2@", ("alice-model", "v2", False)),
        ("smollm2-135m", ("smollm2-135m", None, None)),
        ("meta-llama/Llama-3-8B", ("meta-llama/Llama-3-8B", None, None)),
        ("gpt://qwen3-235b-a22b-fp8/latest", (None, None, None)),
        ("gpt://b1g/name/v1/extra", (None, None, None)),
        ("gpt://b1g//v1", (None, None, None)),
        ("gpt://b1g/name/@tuned", (None, None, None)),
        ("://b1g/name/v1", (None, None, None)),
        ("", (None, None, None)),
    ],
)
def test_parse_model_uri(uri: str, identity: tuple[Any, ...]) -> None:
    parsed = parse_model_uri(uri)
    assert isinstance(parsed, ModelIdentity)
    assert parsed == identity
    assert (parsed.name, parsed.version, parsed.fine_tuned) == identity


class Model:
    """A stand-in with the attributes models have."""

    def __init__(self, uri: str, owner: str | None) -> None:
        self.uri = uri
        self.owner = owner
        self._secret = "s"

    @property
    def name(self) -> str | None:
        return parse_model_uri(self.uri).name

    @property
    def version(self) -> str | None:
        return parse_model_uri(self.uri).version

    @property
    def fine_tuned(self) -> bool | None:
        return parse_model_uri(self.uri).fine_tuned


class ModelType:
    uri = name = version = fine_tuned = owner = None


# The reference SDK's own filter test.
MODELS = [
    Model("gpt://test/alice-model/v2@12", "alice"),
    Model("gpt://test/alice-model/v1@324", "alice"),
    Model("gpt://test/bob-model/v2", "bob"),
    Model("gpt://test/alice-model/v2@fcds", "bob"),
    Model("gpt://test/alice-model/v2@213", "alice"),
]


def test_every_filter_must_match() -> None:
    filters = check_filters(
        {"name": "alice-model", "owner": "alice", "version": "v2", "fine_tuned": True}, ModelType
    )
    kept = [model for model in MODELS if matches_filters(model, filters)]
    assert [model.uri for model in kept] == [
        "gpt://test/alice-model/v2@12",
        "gpt://test/alice-model/v2@213",
    ]


def test_no_filters_keep_everything() -> None:
    filters: dict[str, Any] | None
    for filters in (None, {}):
        checked = check_filters(filters, ModelType)
        assert checked == {}
        assert all(matches_filters(model, checked) for model in MODELS)


def test_filters_are_copied() -> None:
    filters = {"owner": "bob"}
    checked = check_filters(filters, ModelType)
    filters["owner"] = "alice"
    assert [model.uri for model in MODELS if matches_filters(model, checked)] == [
        "gpt://test/bob-model/v2",
        "gpt://test/alice-model/v2@fcds",
    ]


@pytest.mark.parametrize("key", ["abracadabra", "_secret", 5])
def test_an_unknown_attribute_is_an_attribute_error(key: Any) -> None:
    with pytest.raises(AttributeError) as info:
        check_filters({key: 42}, ModelType)
    assert str(info.value) == (f"Filtering Error: model object does not have attribute '{key}'.")
    assert isinstance(info.value, ModelFilterError)
    assert isinstance(info.value, ConfigurationError)


@pytest.mark.parametrize("filters", [["owner"], "owner", 5])
def test_filters_must_be_a_dict(filters: Any) -> None:
    with pytest.raises(ConfigurationTypeError, match="filters must be a dict"):
        check_filters(filters, ModelType)
