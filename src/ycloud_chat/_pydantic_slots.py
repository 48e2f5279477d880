"""Every use of pydantic's internals, in one place: results built without validation.

The result models are frozen pydantic models built on the hot paths (one per stream chunk)
from values the parsers already checked, so their instance slots are written directly,
through the slot descriptors `BaseModel` declares: the instance `__dict__` (the field
values), `__pydantic_fields_set__`, `__pydantic_extra__` and `__pydantic_private__`. That
is the object `model_construct()` builds, at a fraction of the cost.

A streamed choice keeps its cumulative text uncut until it is read (`lazy_text_fields`):
its `__dict__` holds `LAZY_TEXT` in place of the `text` and `reasoning_text` fields, and
`DeltaChatChoice` fills them in on first read, through its `__dict__` property and
`__getattr__` (every way pydantic reads fields goes through one of them).

`tests/test_pydantic_slots.py` checks what this relies on against the installed pydantic,
and fails naming the assumption a new pydantic release broke.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = [
    "LAZY_TEXT",
    "SlotOrDefault",
    "construct",
    "every_field",
    "fields_of",
    "instance_dict",
    "lazy_text_fields",
    "new_chunk_result",
    "new_model",
    "no_value",
    "set_instance_dict",
]

ModelT = TypeVar("ModelT", bound=BaseModel)

_new = object.__new__
_INSTANCE_DICT = BaseModel.__dict__["__dict__"]
instance_dict = _INSTANCE_DICT.__get__
"""A model's real instance `__dict__`, whatever its class puts in front of it."""
set_instance_dict = _INSTANCE_DICT.__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
# Per model class: its field names, and whether it has private attributes.
_fast_fields: dict[type[BaseModel], tuple[set[str], bool]] = {}

LAZY_TEXT = "_cumulative"
"""The key a streamed choice's `__dict__` holds until its text is read: (text, its length,
reasoning or None, its length), each text a `CumulativeText`, in place of `text` and
`reasoning_text`."""


def fields_of(cls: type[BaseModel]) -> set[str]:
    """The field names of a model class, as the one set `new_model()` shares among instances."""
    known = _fast_fields.get(cls)
    if known is None:
        known = _fast_fields[cls] = (set(cls.model_fields), bool(cls.__private_attributes__))
    return known[0]


def new_model(
    cls: type[ModelT],
    fields: dict[str, Any],
    names: set[str],
    private: dict[str, Any] | None = None,
) -> ModelT:
    """An instance of `cls` holding `fields` (complete, already typed), unvalidated.

    `names` is `fields_of(cls)`: one set shared by every instance of the class, as the
    result models are frozen and pydantic copies the set before it changes one
    (`model_copy`). `private` is shared too, read-only, by a call's results.
    """
    instance = _new(cls)
    set_instance_dict(instance, fields)
    _set_fields_set(instance, names)
    _set_extra(instance, None)
    _set_private(instance, private)
    return instance


class SlotOrDefault:
    """A `BaseModel` slot, read while unset as `default(instance)`: set on a class's body.

    A stream's per-chunk results leave `__pydantic_fields_set__` (every field) and
    `__pydantic_extra__` (None) unset, which saves two writes per model; pydantic reads and
    writes them through this data descriptor, which defers to the slot once it is set.
    """

    __slots__ = ("_default", "_slot")

    def __init__(self, name: str, default: Callable[[Any], Any]) -> None:
        self._slot = BaseModel.__dict__[name]
        self._default = default

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            return self._slot.__get__(instance, owner)
        except AttributeError:
            return self._default(instance)

    def __set__(self, instance: Any, value: Any) -> None:
        self._slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self._slot.__delete__(instance)


def every_field(instance: BaseModel) -> set[str]:
    """The fields set of a model built on its slots: every one of its fields."""
    return fields_of(type(instance))


def no_value(instance: BaseModel) -> None:
    """What an unset `__pydantic_extra__` or `__pydantic_private__` reads as."""
    return


def new_chunk_result(
    result_class: type[ModelT],
    fields: dict[str, Any],
    private: dict[str, Any] | None,
    choice_class: type[BaseModel],
    choice_fields: dict[str, Any],
) -> ModelT:
    """`new_model()` of a result whose `choices` are one new choice: a stream's common chunk.

    Both in one call, as the stream's short path makes one of each per chunk. Both classes
    must read their unset slots through `SlotOrDefault` (`ChatModelResult` and
    `DeltaChatChoice` do).
    """
    # The other slots are unset: the two classes read them through `SlotOrDefault`.
    choice = _new(choice_class)
    set_instance_dict(choice, choice_fields)
    fields["choices"] = (choice,)
    result = _new(result_class)
    set_instance_dict(result, fields)
    _set_private(result, private)
    return result


def construct(
    cls: type[ModelT], fields: dict[str, Any], private: dict[str, Any] | None = None
) -> ModelT:
    """`cls.model_construct(**fields)` for a complete dict of already-typed field values.

    The same object at a fraction of the cost: pydantic's own version also fills defaults
    and resolves aliases, which a complete dict never needs. A dict that lacks a field goes
    the slow way, so a field added to a model later is never left unset; so does a model
    with private attributes when `private` (shared, read-only, by a call's results) is not
    given.
    """
    names = fields_of(cls)
    has_private = _fast_fields[cls][1]
    if len(fields) != len(names) or (private is None and has_private):
        slow = cls.model_construct(**fields)
        if private is not None:
            _set_private(slow, private)
        return slow
    return new_model(cls, fields, names, private)


def lazy_text_fields(choice: BaseModel) -> dict[str, Any]:
    """A streamed choice's field values, its text cut from the stream's text on first read.

    The cut fields replace `LAZY_TEXT` in a new dict in the model's field order, swapped in
    whole: a reader in another thread sees the old dict or this one.
    """
    fields: dict[str, Any] = instance_dict(choice)
    if LAZY_TEXT not in fields:
        return fields
    text, text_length, reasoning, reasoning_length = fields[LAZY_TEXT]
    cut = {
        "text": text.prefix(text_length),
        "reasoning_text": None if reasoning is None else reasoning.prefix(reasoning_length),
    }
    filled = {
        name: cut[name] if name in cut else fields[name] for name in type(choice).model_fields
    }
    set_instance_dict(choice, filled)
    return filled


def lazy_text(choice: BaseModel) -> str:
    """A streamed choice's `text`, without filling its other fields (the read of every chunk)."""
    # An attribute read finds the key in the instance dict, the quickest way to it.
    lazy = getattr(choice, LAZY_TEXT, None)
    if lazy is None:  # filled in by a read of all the fields
        return instance_dict(choice)["text"]  # type: ignore[no-any-return]
    text: str = lazy[0].prefix(lazy[1])
    return text
