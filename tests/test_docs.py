"""Every Python example in docs/ runs, in page order, against the testing kit on a real port.

The examples are written as user code: they make an SDK from the environment or with
placeholder credentials. Here `YC_BASE_URL` points the SDK's own HTTP client at a served
`FakeChatAPI`, which answers any chat request with a text and any listing with two models.
A page scripts other answers with a hidden comment before an example, run with `fake` in
scope and invisible on the site:

    <!-- docs-test: fake.fail(429, "Too many requests", times=3) -->

Examples that are tests themselves (the testing page) define `test_*` functions without
arguments: they are called after the page's examples ran, async ones with anyio.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import ycloud_chat
import ycloud_chat.testing
from ycloud_chat.testing import FakeChatAPI

DOCS = Path(__file__).parent.parent / "docs"
EXAMPLE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```", re.S | re.M
)
SETUP = re.compile(r"<!--\s*docs-test:(?P<code>.*?)-->", re.S)
DEFAULT_ANSWER = "Hello! I am a fake model."
MODELS = ["gpt://b1g-docs-folder/yandexgpt/latest", "gpt://b1g-docs-folder/yandexgpt-lite/latest"]


def snippets(page: Path) -> list[tuple[str, int, str]]:
    """The page's examples and hidden setups in order: (kind, line, code)."""
    text = page.read_text("utf-8")
    found = [("example", m.start(), textwrap.dedent(m["code"])) for m in EXAMPLE.finditer(text)]
    found += [("setup", m.start(), textwrap.dedent(m["code"])) for m in SETUP.finditer(text)]
    return [
        (kind, text.count("\n", 0, start) + 1, code)
        for kind, start, code in sorted(found, key=lambda f: f[1])
    ]


PAGES = sorted(
    page.relative_to(DOCS).as_posix()
    for page in DOCS.rglob("*.md")
    if any(kind == "example" for kind, _, _ in snippets(page))
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatAPI]:
    fake = FakeChatAPI()
    with fake.serve() as base_url:
        monkeypatch.setenv("YC_BASE_URL", base_url)
        monkeypatch.setenv("YC_FOLDER_ID", "b1g-docs-folder")
        monkeypatch.setenv("YC_API_KEY", "docs-api-key")
        for name in ("YC_IAM_TOKEN", "YC_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setattr("ycloud_chat._retry.INITIAL_RETRY_DELAY", 0.001)
        yield fake


def docstring_examples() -> dict[str, str]:
    """The fenced examples in the docstrings that the API reference shows."""
    objects: list[Any] = [ycloud_chat, ycloud_chat.testing]
    objects += [getattr(module, name) for module in objects for name in module.__all__]
    objects += [member for obj in objects if inspect.isclass(obj) for member in vars(obj).values()]
    examples = {}
    for obj in objects:
        for match in EXAMPLE.finditer(inspect.getdoc(obj) or ""):
            examples[f"{getattr(obj, '__qualname__', obj.__name__)}"] = match["code"]
    return examples


DOCSTRING_EXAMPLES = docstring_examples()


@pytest.mark.parametrize("name", sorted(DOCSTRING_EXAMPLES))
def test_docstring_examples_run(name: str, fake: FakeChatAPI) -> None:
    code = textwrap.dedent(DOCSTRING_EXAMPLES[name])
    exec(compile(code, f"the docstring of {name}", "exec"), {"__name__": "__main__"})


def test_the_examples_cover_the_guide() -> None:
    assert len(PAGES) >= 10, PAGES


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page: str, fake: FakeChatAPI, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    fallbacks = [
        fake.reply(DEFAULT_ANSWER, times=None, optional=True),
        fake.reply_models(MODELS, times=None, optional=True),
    ]
    for kind, line, code in snippets(DOCS / page):
        if kind == "setup":
            for fallback in fallbacks:  # scripted answers come before the catch-alls
                fake.replies.remove(fallback)
            exec(compile(code, f"docs/{page}:{line} (setup)", "exec"), {"fake": fake})
            fake.replies.extend(fallbacks)
            continue
        exec(compile(code, f"docs/{page}:{line}", "exec"), namespace)
    for name, test in list(namespace.items()):
        if name.startswith("test_") and callable(test) and not inspect.signature(test).parameters:
            anyio.run(test) if inspect.iscoroutinefunction(test) else test()
    capsys.readouterr()
    assert fake.unused == [], "a hidden setup scripted answers that no example asked for"
