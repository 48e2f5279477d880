"""Text embeddings: a model's settings and the vectors of a run, the same for both faces."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, Literal, TypeAlias, overload

from pydantic import BaseModel, ConfigDict, field_validator

from .._exceptions import ConfigurationTypeError
from .config import FrozenConfig, check_extra_query, check_positive_int

__all__ = [
    "ChatEmbeddingsModelConfig",
    "ChatEmbeddingsModelResult",
    "EmbeddingsInput",
    "EmbeddingsUsage",
    "EncodingFormatInput",
]

EmbeddingsInput: TypeAlias = str | Iterable[str]
"""What `run()` embeds: one text, or several (a vector each, in their order)."""

EncodingFormatInput: TypeAlias = Literal["float", "base64"]
"""What `encoding_format` accepts: how the server sends the vectors (results hold floats)."""

_ENCODING_FORMATS = ("float", "base64")


class ChatEmbeddingsModelConfig(FrozenConfig):
    """An embeddings model's settings; each one that is None is not sent.

    Instances are frozen: `replace()` and the model's `configure()` make new ones; every value
    is checked when the config is made.
    """

    _core_keys: ClassVar[tuple[str, ...]] = ("model", "input")

    dimensions: int | None = None
    """How many numbers each vector has, for models that can shorten theirs."""
    encoding_format: EncodingFormatInput | None = None
    """`"float"` (JSON numbers) or `"base64"` (packed float32, smaller on the wire); the
    results hold floats either way."""
    extra_query: dict[str, Any] | None = None
    """Extra top-level body keys; may not replace `model` or `input`."""

    @field_validator("dimensions", mode="before")
    @classmethod
    def _check_dimensions(cls, value: Any) -> Any:
        return check_positive_int(value, "dimensions")

    @field_validator("encoding_format", mode="before")
    @classmethod
    def _check_encoding_format(cls, value: Any) -> Any:
        if value is None:
            return None
        allowed = " or ".join(repr(name) for name in _ENCODING_FORMATS)
        if not isinstance(value, str):
            raise ConfigurationTypeError(f"encoding_format must be {allowed}, got {value!r}")
        word = value.strip().lower()
        if word not in _ENCODING_FORMATS:
            raise ValueError(f"encoding_format must be {allowed}, got {value!r}")
        return word

    @field_validator("extra_query", mode="before")
    @classmethod
    def _check_extra_query(cls, value: Any) -> Any:
        return check_extra_query(value, cls._core_keys)

    def _wire_keys(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        if self.dimensions is not None:
            wire["dimensions"] = self.dimensions
        if self.encoding_format is not None:
            wire["encoding_format"] = self.encoding_format
        if self.extra_query:
            wire.update(self.extra_query)
        return wire  # extra_query is a private deep copy already: nothing here is shared


class EmbeddingsUsage(BaseModel):
    """Token counts the server reported for an embeddings call."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    prompt_tokens: int = 0
    total_tokens: int = 0

    @property
    def input_text_tokens(self) -> int:
        """Alias of `prompt_tokens`, the reference SDK's name."""
        return self.prompt_tokens


class ChatEmbeddingsModelResult(BaseModel, Sequence[float]):
    """The vectors of one run, in the order of the texts given.

    It is a sequence of floats: the vector of the first text, which is the only one unless
    several were given (`len()`, indexing, iteration); `numpy.array(result)` is that vector
    as float64. `embeddings` holds every vector, one per text.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    embeddings: tuple[tuple[float, ...], ...]
    """Every vector, one per text, in the order of the texts."""
    model: str | None = None
    """The model that made them, as the server names it."""
    usage: EmbeddingsUsage | None = None
    request_id: str | None = None
    """The `x-client-request-id` this SDK sent for the call."""
    server_request_id: str | None = None
    """The server's `x-request-id`, when it sent one."""

    @property
    def embedding(self) -> tuple[float, ...]:
        """The first text's vector (the only one, unless several texts were given)."""
        if not self.embeddings:
            raise IndexError("this result has no vectors")
        return self.embeddings[0]

    def __len__(self) -> int:
        return len(self.embedding)

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[float, ...]: ...
    def __getitem__(self, index: int | slice) -> float | tuple[float, ...]:
        return self.embedding[index]

    def __iter__(self) -> Iterator[float]:  # type: ignore[override]
        # BaseModel's own __iter__ yields (field, value) pairs; a result yields its numbers.
        return iter(self.embedding)

    def __contains__(self, value: object) -> bool:
        return value in self.embedding

    def __reversed__(self) -> Iterator[float]:
        return reversed(self.embedding)

    def index(self, value: Any, start: int = 0, stop: int = sys.maxsize) -> int:
        """The position of a number in the first vector (`ValueError` if it is not there)."""
        return self.embedding.index(value, start, stop)

    def count(self, value: Any) -> int:
        """How many numbers of the first vector equal `value`."""
        return self.embedding.count(value)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        """The first vector as a numpy array (float64 unless `dtype` says otherwise).

        Called by numpy (`numpy.array(result)`), which is therefore installed; this package
        does not depend on it.
        """
        if copy is False:
            raise ValueError("a result's vector is always copied into a new array")
        numpy = importlib.import_module("numpy")
        return numpy.array(self.embedding, dtype=numpy.float64 if dtype is None else dtype)

    def __repr__(self) -> str:
        # The numbers themselves would fill a screen: their count stands for them.
        count = len(self.embeddings)
        size = len(self.embeddings[0]) if count else 0
        return (
            f"{type(self).__name__}(embeddings=<{count} vector{'s' if count != 1 else ''} of "
            f"{size} floats>, model={self.model!r}, usage={self.usage!r}, "
            f"request_id={self.request_id!r})"
        )

    __str__ = __repr__
