"""Importing the package loads only what is used: no face for a bare import, no pydantic for
the SDK object, and every public name still resolves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ycloud_chat
import ycloud_chat.testing
import ycloud_chat.types


def loaded_after(statement: str) -> set[str]:
    probe = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(output))


def test_bare_import_loads_neither_face_nor_httpx_nor_pydantic() -> None:
    loaded = loaded_after("import ycloud_chat")
    assert not {"ycloud_chat._sync.client", "ycloud_chat._async.client"} & loaded
    assert not {"httpx", "pydantic", "anyio"} & loaded


def test_the_sync_sdk_loads_httpx_but_not_pydantic_nor_the_async_face() -> None:
    loaded = loaded_after("from ycloud_chat import ChatSDK")
    assert "httpx" in loaded
    assert "ycloud_chat._sync.client" in loaded
    assert not {"pydantic", "anyio", "ycloud_chat._async.client"} & loaded


def test_making_a_model_loads_the_types() -> None:
    statement = (
        "from ycloud_chat import ChatSDK\n"
        "ChatSDK(base_url='http://127.0.0.1:9/v1').chat.completions('m').configure(temperature=1)"
    )
    assert "pydantic" in loaded_after(statement)


def test_every_public_name_resolves_and_is_listed() -> None:
    for package in (ycloud_chat, ycloud_chat.types, ycloud_chat.testing):
        for name in package.__all__:
            assert getattr(package, name) is not None
        assert set(package.__all__) <= set(dir(package))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchName"):
        ycloud_chat.NoSuchName  # type: ignore[attr-defined]  # noqa: B018
