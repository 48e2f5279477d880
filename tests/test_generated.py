"""The sync face is generated: it must match its async source and mirror its API exactly."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pydantic
import pytest

import ycloud_chat
from ycloud_chat import _async, _sync

ROOT = Path(__file__).parent.parent
UNASYNC = ROOT / "build_tools" / "unasync.py"

# What the generator renames; everything else must be the same on both faces.
RENAMED = {
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "aclose": "close",
}
ASYNC_CLASSES = sorted(name for name in ycloud_chat.__all__ if name.startswith("Async"))


def test_generated_code_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(UNASYNC), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_async_module_has_a_generated_twin() -> None:
    async_dir = Path(_async.__file__).parent
    sync_dir = Path(_sync.__file__).parent
    assert sorted(p.name for p in async_dir.glob("*.py")) == sorted(
        p.name for p in sync_dir.glob("*.py")
    )
    for path in sync_dir.glob("*.py"):
        assert path.read_text("utf-8").startswith("# GENERATED from src/ycloud_chat/_async/")


def _sync_annotation(text: str) -> str:
    text = re.sub(r"\bAsync(Iterator|Iterable|Generator)\b", r"\1", text)
    return re.sub(r"\bAsync(?=[A-Z])", "", text).replace("AsyncClient", "Client")


def _public_members(cls: type) -> dict[str, Any]:
    members = {}
    for name, value in inspect.getmembers(cls):
        if name.startswith("_") and name not in RENAMED and name not in RENAMED.values():
            continue
        if name.startswith("model_") or name in {"construct", "copy", "dict", "json"}:
            continue  # pydantic's own API
        members[RENAMED.get(name, name)] = value
    return members


def _signature(obj: Any) -> str:
    if isinstance(obj, type) and issubclass(obj, pydantic.BaseModel):
        # A model's signature lists its fields once it is built (the SDK defers that to first
        # use), whichever tests of this process used it first.
        obj.model_rebuild()
    try:
        return _sync_annotation(str(inspect.signature(obj)))
    except (TypeError, ValueError):
        return "<no signature>"


@pytest.mark.parametrize("async_name", ASYNC_CLASSES)
def test_sync_face_mirrors_async_face(async_name: str) -> None:
    sync_name = async_name.removeprefix("Async")
    assert sync_name in ycloud_chat.__all__
    async_cls = getattr(ycloud_chat, async_name)
    sync_cls = getattr(ycloud_chat, sync_name)
    assert _signature(sync_cls) == _signature(async_cls)
    async_members = _public_members(async_cls)
    sync_members = _public_members(sync_cls)
    assert sorted(sync_members) == sorted(async_members)
    for name, async_member in async_members.items():
        sync_member = sync_members[name]
        assert not inspect.iscoroutinefunction(sync_member), f"{sync_name}.{name} is async"
        assert not inspect.isasyncgenfunction(sync_member), f"{sync_name}.{name} is async"
        if callable(async_member):
            assert _signature(sync_member) == _signature(async_member), f"{sync_name}.{name}"
        assert (sync_member.__doc__ is None) == (async_member.__doc__ is None)


@pytest.mark.parametrize("async_name", ASYNC_CLASSES)
def test_sync_docstrings_name_sync_methods(async_name: str) -> None:
    sync_cls = getattr(ycloud_chat, async_name.removeprefix("Async"))
    docs = [inspect.getdoc(sync_cls) or ""]
    docs += [inspect.getdoc(member) or "" for member in _public_members(sync_cls).values()]
    for doc in docs:
        for async_only in ("aclose", "await ", "async with", "async for", "__aenter__", "aiter"):
            assert async_only not in doc, f"{sync_cls.__name__}: {doc!r}"


def test_async_face_really_is_async() -> None:
    sdk_methods = {"aclose", "__aenter__", "__aexit__"}
    for name in sdk_methods:
        assert inspect.iscoroutinefunction(getattr(ycloud_chat.AsyncChatSDK, name))
    assert inspect.iscoroutinefunction(ycloud_chat.AsyncChatModel.run)
    assert inspect.iscoroutinefunction(ycloud_chat.AsyncChatCompletions.list)


def test_sync_face_has_no_event_loop_code() -> None:
    sync_dir = Path(_sync.__file__).parent
    for path in sync_dir.glob("*.py"):
        source = path.read_text("utf-8").split("\n", 2)[2]  # past the generated header
        for banned in (
            "asyncio",
            "anyio",
            "await ",
            "async def",
            "async with",
            "async for",
            "Async",
        ):
            assert banned not in source, f"{path.name} contains {banned!r}"


def test_the_async_face_is_thin() -> None:
    """At most a quarter of `_async/`'s function lines are in functions that never await."""
    script = ROOT / "build_tools" / "face_lines.py"
    checked = subprocess.run(
        [sys.executable, str(script), "--max", "25"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "never await" in checked.stdout


def test_a_prose_rule_that_matches_nothing_fails_the_generator() -> None:
    script = (
        "import runpy, sys; tool = runpy.run_path(sys.argv[1]); "
        "tool['_check_every_rule_matched']([1] * (len(tool['PROSE']) - 1) + [0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(UNASYNC)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 1
    assert "PROSE rules matched nothing" in result.stderr
