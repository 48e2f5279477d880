"""Type checkers see `parsed` as the class a model was configured with, on both faces.

mypy checks tests/typecheck/parsed_types.py (its `assert_type`s fail on a wrong or Any type),
and a snippet that misuses `parsed` must fail to check.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).parents[1]
CONFIG = ["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary"]

MISUSE = """
from pydantic import BaseModel
from ycloud_chat import AsyncChatSDK, ChatSDK

class Trip(BaseModel):
    city: str

def sync_face(sdk: ChatSDK) -> int:
    return sdk.chat.completions("m").configure(response_format=Trip).run("x").parsed

async def async_face(sdk: AsyncChatSDK) -> int:
    return (await sdk.chat.completions("m").configure(response_format=Trip).run("x")).parsed
"""


def test_parsed_is_typed_by_the_configured_class() -> None:
    stdout, stderr, status = api.run([*CONFIG, str(ROOT / "tests" / "typecheck")])
    assert status == 0, stdout + stderr


def test_misusing_parsed_is_a_type_error(tmp_path: Path) -> None:
    snippet = tmp_path / "misuse.py"
    snippet.write_text(MISUSE)
    stdout, _, status = api.run([*CONFIG, str(snippet)])
    assert status == 1
    wrong = 'Incompatible return value type (got "Trip", expected "int")'
    assert stdout.count(wrong) == 2, stdout
