"""The UNDEFINED sentinel: "argument not given", as distinct from None ("reset it")."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias, TypeVar

__all__ = ["UNDEFINED", "UndefinedOr", "UndefinedType"]


class UndefinedType(enum.Enum):
    """The type of `UNDEFINED`; a one-member enum so type checkers can narrow on it."""

    UNDEFINED = "UNDEFINED"

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> Literal[False]:
        return False


UNDEFINED: Final = UndefinedType.UNDEFINED
"""The default of arguments where None means something ("reset it"): the argument was not given."""

T = TypeVar("T")
UndefinedOr: TypeAlias = T | UndefinedType
"""An argument that may be left out: `UndefinedOr[float | None]` is a float, None or `UNDEFINED`."""
