"""Importing the package loads only what is used: no face for a bare import, no pydantic for
the SDK object, and every public name still resolves."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import ycloud_chat
import ycloud_chat.testing
import ycloud_chat.types

ROOT = Path(__file__).parent.parent


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


def public_names() -> Any:
    """build_tools/public_names.py, which writes the table the packages read at run time."""
    spec: Any = importlib.util.spec_from_file_location(
        "public_names", ROOT / "build_tools" / "public_names.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("package", [ycloud_chat, ycloud_chat.types, ycloud_chat.testing])
def test_the_names_type_checkers_see_are_the_public_names_at_run_time(
    package: ModuleType,
) -> None:
    assert package.__file__ is not None
    seen = public_names().exports(Path(package.__file__))
    assert sorted(seen) == sorted(package.__all__)
    for name, module in seen.items():
        assert getattr(package, name) is getattr(
            importlib.import_module(module, package.__name__), name
        )


def test_a_name_imported_for_type_checkers_alone_must_be_re_exported(tmp_path: Path) -> None:
    init = tmp_path / "__init__.py"
    init.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .a import Kept as Kept\n"
        "    from .a import Forgotten\n",
        "utf-8",
    )
    with pytest.raises(SystemExit, match="write `Forgotten as Forgotten`"):
        public_names().exports(init)


def test_an_absolute_re_export_is_refused_not_skipped(tmp_path: Path) -> None:
    init = tmp_path / "__init__.py"
    init.write_text("from ycloud_chat._client import Elsewhere as Elsewhere\n", "utf-8")
    with pytest.raises(SystemExit, match=r"Elsewhere is re-exported from ycloud_chat\._client"):
        public_names().exports(init)
