"""The API reference covers every public name under its public path; errors go by that name."""

from __future__ import annotations

import inspect
import pickle
import re
import subprocess
import sys
import traceback
from pathlib import Path
from types import ModuleType

import pytest

import ycloud_chat
import ycloud_chat.testing
import ycloud_chat.testing.pytest_plugin
import ycloud_chat.types

REFERENCE = Path(__file__).parent.parent / "docs" / "reference"
PACKAGES: list[ModuleType] = [
    ycloud_chat,
    ycloud_chat.types,
    ycloud_chat.testing,
    ycloud_chat.testing.pytest_plugin,
]
ERRORS = sorted(
    name
    for name in ycloud_chat.__all__
    if isinstance(getattr(ycloud_chat, name), type)
    and issubclass(getattr(ycloud_chat, name), BaseException)
)


def documented() -> list[str]:
    """Every `::: path` of the reference pages."""
    return [
        path
        for page in sorted(REFERENCE.glob("*.md"))
        for path in re.findall(r"^::: (\S+)", page.read_text("utf-8"), re.M)
    ]


def public_paths() -> list[str]:
    """Each public name once, under the shortest path that exports it."""
    paths: dict[str, str] = {}
    for package in PACKAGES:
        for name in package.__all__:
            if name != "__version__":
                paths.setdefault(name, f"{package.__name__}.{name}")
    return sorted(paths.values())


def test_every_public_name_is_in_the_reference_under_its_public_path() -> None:
    assert sorted(set(public_paths()) - set(documented())) == []


def test_the_reference_shows_no_private_path_and_nothing_twice() -> None:
    paths = documented()
    assert [path for path in paths if "._" in path or path.split(".")[-1].startswith("_")] == []
    assert len(paths) == len(set(paths))
    assert sorted(set(paths) - set(public_paths())) == []


@pytest.mark.parametrize("name", public_paths())
def test_every_public_class_and_function_has_a_docstring(name: str) -> None:
    module, _, attribute = name.rpartition(".")
    value = getattr(next(p for p in PACKAGES if p.__name__ == module), attribute)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert (value.__doc__ or "").strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_known_by_their_public_name(name: str) -> None:
    error_class = getattr(ycloud_chat, name)
    assert error_class.__module__ == "ycloud_chat"
    assert f"{error_class.__module__}.{error_class.__qualname__}" == f"ycloud_chat.{name}"
    assert getattr(ycloud_chat, name) is error_class


def test_a_traceback_prints_the_public_name() -> None:
    try:
        ycloud_chat.ChatSDK(folder_id="f", base_url="ftp://example.com")
    except ycloud_chat.ConfigurationError as error:
        line = traceback.format_exception_only(error)[-1]
        copy = pickle.loads(pickle.dumps(error))
    assert line.startswith("ycloud_chat.ConfigurationError: ")
    assert type(copy) is ycloud_chat.ConfigurationError


CLASSES_AND_FUNCTIONS = [
    name
    for name in ycloud_chat.__all__
    if inspect.isclass(getattr(ycloud_chat, name)) or inspect.isfunction(getattr(ycloud_chat, name))
]


@pytest.mark.parametrize("name", CLASSES_AND_FUNCTIONS)
def test_public_classes_and_functions_are_known_by_their_public_name(name: str) -> None:
    value = getattr(ycloud_chat, name)
    assert f"{value.__module__}.{value.__qualname__}" == f"ycloud_chat.{name}"


def test_every_public_model_builds_its_schema_under_its_public_name() -> None:
    # In a fresh interpreter: no schema is built yet when the names are published.
    script = (
        "import pydantic, ycloud_chat\n"
        "for name in ycloud_chat.__all__:\n"
        "    value = getattr(ycloud_chat, name)\n"
        "    if isinstance(value, type) and issubclass(value, pydantic.BaseModel):\n"
        "        value.model_json_schema()\n"
        "        assert value.__module__ == 'ycloud_chat', name\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
