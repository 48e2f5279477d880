"""Package attributes imported on first use: what keeps `import ycloud_chat` light."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import FunctionType
from typing import Any

from ._exports import EXPORTS

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, namespace: dict[str, Any]
) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """A package's `__all__`, `__getattr__` and `__dir__`, for the names it re-exports.

    Where each name lives is `EXPORTS[package]`, generated from the package's own imports
    (the ones type checkers read). A name is imported from its module on first use and then
    kept in `namespace`, so the module-level `__getattr__` runs once per name. A class or
    function is known by its public path: its `__module__` becomes `package` (see `_publish`).
    """
    lazy = EXPORTS[package]
    public = list(lazy)

    def __getattr__(name: str) -> object:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        _publish(value, package)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(public))

    return public, __getattr__, __dir__


def _publish(value: object, package: str) -> None:
    """Give a public class or function its public module, as reprs and tracebacks show it.

    (pydantic has evaluated a model's annotations in its own module when the class was made:
    `tests/test_reference.py` checks that every public model still builds its schema.)
    """
    if isinstance(value, (type, FunctionType)):
        value.__module__ = package
