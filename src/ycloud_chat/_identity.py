"""Model identity: what a model URI says (name, version, fine-tuning), and listing filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ._exceptions import ConfigurationTypeError, ModelFilterError

__all__ = ["ModelIdentity", "check_filters", "matches_filters", "parse_model_uri"]


class ModelIdentity(NamedTuple):
    """The parts of a model URI that name the model; None where the URI does not say."""

    name: str | None
    version: str | None
    fine_tuned: bool | None


_UNKNOWN = ModelIdentity(None, None, None)


def parse_model_uri(uri: str) -> ModelIdentity:
    """Read `<scheme>://<folder>/<name>/<version>[@<tuning>]`.

    `gpt://b1g/yandexgpt/rc` is `yandexgpt`, version `rc`, not fine-tuned;
    `gpt://b1g/yandexgpt-lite/latest@tamr1` is fine-tuned. A name without a scheme (what
    OpenAI-compatible servers list) is its own name, with no version. Anything else gives
    None for all three.
    """
    scheme, separator, path = uri.partition("://")
    if not separator:
        return ModelIdentity(uri, None, None) if uri else _UNKNOWN
    parts = path.split("/")
    if not scheme or len(parts) != 3 or not all(parts):
        return _UNKNOWN
    _, name, version = parts
    version, _, tuning = version.partition("@")
    if not version:
        return _UNKNOWN
    return ModelIdentity(name, version, bool(tuning))


def check_filters(filters: Any, model_type: type) -> dict[str, Any]:
    """Check `list(filters=...)` before any request; return the filters as a dict.

    Every key must name a public attribute of `model_type` (`owner`, `name`, `version`,
    `fine_tuned`, `uri`, ...); an unknown one raises `ModelFilterError`, an
    `AttributeError` with the reference SDK's message.
    """
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise ConfigurationTypeError(
            "filters must be a dict of model attribute names to values, such as "
            f"{{'name': 'yandexgpt', 'fine_tuned': False}}, got {type(filters).__name__}"
        )
    for key in filters:
        if not isinstance(key, str) or key.startswith("_") or not hasattr(model_type, key):
            raise ModelFilterError(
                f"Filtering Error: model object does not have attribute '{key}'."
            )
    return dict(filters)


def matches_filters(model: object, filters: Mapping[str, Any]) -> bool:
    """True when every filtered attribute of the model equals the value given."""
    return all(getattr(model, key) == value for key, value in filters.items())
