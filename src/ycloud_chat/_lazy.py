"""Package attributes imported on first use: what keeps `import ycloud_chat` light."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from types import FunctionType
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str,
    lazy: Mapping[str, str],
    namespace: dict[str, Any],
    public: Sequence[str],
    elsewhere: str | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A package's `__getattr__` and `__dir__` for names that `lazy` maps to their modules.

    A name is imported from its module on first use and then kept in `namespace`, so the
    module-level `__getattr__` runs once per name. A public name `lazy` leaves out comes
    from the module `elsewhere`, when it is given. A class or function is known by its
    public path: its `__module__` becomes `package` (see `_publish`).
    """

    def __getattr__(name: str) -> object:
        module = lazy.get(name)
        if module is None and elsewhere is not None and name in public:
            module = elsewhere
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        _publish(value, package)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__


def _publish(value: object, package: str) -> None:
    """Give a public class or function its public module, as reprs and tracebacks show it.

    (pydantic has evaluated a model's annotations in its own module when the class was made:
    `tests/test_reference.py` checks that every public model still builds its schema.)
    """
    if isinstance(value, (type, FunctionType)):
        value.__module__ = package
