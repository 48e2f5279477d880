"""Every Python example in docs/ runs, in page order, against the testing kit on a real port;
each prints what the page shows; every block of docs/, the README and the reference's
docstrings passes `mypy --strict`.

The examples are written as user code: they make an SDK from the environment or with
placeholder credentials. Here `YC_BASE_URL` points the SDK's own HTTP client at a served
`FakeChatAPI`, which answers any chat request with a text, any listing with two models and
any embeddings request with stand-in vectors.
A page scripts other answers with a hidden comment before an example, run with `fake` in
scope and invisible on the site:

    <!-- docs-test: fake.fail(429, "Too many requests", times=3) -->

What a setup scripts must be used up by the examples before the next setup (or the page's
end): an answer left over would answer a later example instead.

What an example prints is shown right after it in a ```` ```text title="Output" ```` block
(after both tabs of a Sync/Async pair, which print the same), and checked here. A block that
is deliberately a fragment, not a whole program, is marked `<!-- docs-partial: why -->`
just before it: it is run in its page's order but not type-checked alone. A block that only
includes a file of the repository (`--8<-- "examples/..."`) is that file, which the suite
tests and `nox -s typecheck` checks.

Examples that are tests themselves (the testing page) define `test_*` functions: they are
called after the page's examples ran, async ones with anyio, with a `fake_chat_api`
argument when they take one (a fresh `FakeChatAPI` answering every SDK, as the fixture does).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

import ycloud_chat
import ycloud_chat.testing
import ycloud_chat.testing.pytest_plugin
from ycloud_chat.testing import FakeChatAPI

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
EXAMPLE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```", re.S | re.M
)
OUTPUT = re.compile(
    r'^(?P<indent>[ \t]*)```text title="Output"\n(?P<code>.*?)^(?P=indent)```', re.S | re.M
)
SETUP = re.compile(r"<!--\s*docs-test:(?P<code>.*?)-->", re.S)
PARTIAL = re.compile(r"<!--\s*docs-partial:[^>]*-->\s*$")
INCLUDE = re.compile(r'^--8<-- "(?P<path>[^":]+)(:[\w-]+)?"\s*$')
# What may stand between the examples that one output block follows: blank lines and tabs.
BETWEEN_TABS = re.compile(r'(\s*=== "[^"\n]*"\s*)*\s*')
DEFAULT_ANSWER = "Hello! I am a fake model."
MODELS = ["gpt://b1g-docs-folder/yandexgpt/latest", "gpt://b1g-docs-folder/yandexgpt-lite/latest"]


@dataclass
class Snippet:
    """An example, a hidden setup or an output block of a page."""

    kind: str  # "example", "setup" or "output"
    line: int
    code: str
    start: int
    end: int
    partial: bool = False
    output: str | None = None  # for an example: what it prints, as the page shows

    @property
    def include(self) -> str | None:
        """The repository file that the block is, when it only includes one."""
        match = INCLUDE.match(self.code.strip())
        return match["path"] if match else None


def snippets(page: Path) -> list[Snippet]:
    """The page's examples, hidden setups and output blocks, in order."""
    text = page.read_text("utf-8")
    found = [
        Snippet(kind, text.count("\n", 0, m.start()) + 1, textwrap.dedent(m["code"]), *m.span())
        for kind, pattern in (("example", EXAMPLE), ("setup", SETUP), ("output", OUTPUT))
        for m in pattern.finditer(text)
    ]
    found.sort(key=lambda snippet: snippet.start)
    for index, snippet in enumerate(found):
        if snippet.kind == "example":
            snippet.partial = bool(PARTIAL.search(text[: snippet.start]))
        if snippet.kind != "output":
            continue
        # The output of the examples just before it (both tabs of a pair).
        later = snippet
        for earlier in reversed(found[:index]):
            if earlier.kind != "example" or not BETWEEN_TABS.fullmatch(
                text[earlier.end : later.start]
            ):
                break
            earlier.output = snippet.code
            later = earlier
    return found


def python_blocks(path: Path) -> list[Snippet]:
    """The Python blocks of a page (or of the README)."""
    return [snippet for snippet in snippets(path) if snippet.kind == "example"]


PAGES = sorted(
    page.relative_to(DOCS).as_posix() for page in DOCS.rglob("*.md") if python_blocks(page)
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
    objects: list[Any] = [ycloud_chat, ycloud_chat.testing, ycloud_chat.testing.pytest_plugin]
    objects += [getattr(module, name) for module in objects for name in module.__all__]
    objects += [member for obj in objects if inspect.isclass(obj) for member in vars(obj).values()]
    examples = {}
    for obj in objects:
        for match in EXAMPLE.finditer(inspect.getdoc(obj) or ""):
            examples[f"{getattr(obj, '__qualname__', obj.__name__)}"] = match["code"]
    return examples


DOCSTRING_EXAMPLES = docstring_examples()


def run_tests(namespace: dict[str, object]) -> None:
    """Call the `test_*` functions an example defined, as pytest would."""
    for name, test in list(namespace.items()):
        if not name.startswith("test_") or not callable(test):
            continue
        parameters = list(inspect.signature(test).parameters)
        assert parameters in ([], ["fake_chat_api"]), f"{name}: unknown fixtures {parameters}"
        fake_chat_api = FakeChatAPI()
        arguments = [fake_chat_api] if parameters else []
        with fake_chat_api.intercept() if parameters else contextlib.nullcontext():
            if inspect.iscoroutinefunction(test):
                anyio.run(functools.partial(test, *arguments))
            else:
                test(*arguments)
        assert fake_chat_api.unanswered == [], name
        assert fake_chat_api.unused == [], name


@pytest.mark.parametrize("name", sorted(DOCSTRING_EXAMPLES))
def test_docstring_examples_run(name: str, fake: FakeChatAPI) -> None:
    code = textwrap.dedent(DOCSTRING_EXAMPLES[name])
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(code, f"the docstring of {name}", "exec"), namespace)
    run_tests(namespace)


def test_the_examples_cover_the_guide() -> None:
    assert len(PAGES) >= 10, PAGES


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page: str, fake: FakeChatAPI, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__main__"}
    fallbacks = [
        fake.reply(DEFAULT_ANSWER, times=None, optional=True),
        fake.reply_models(MODELS, times=None, optional=True),
        fake.reply_embeddings(times=None, optional=True),
    ]
    capsys.readouterr()
    for snippet in snippets(DOCS / page):
        where = f"docs/{page}:{snippet.line}"
        if snippet.kind == "setup":
            # What a setup scripts is for the examples up to the next one: an answer left
            # over would answer a later example, which then shows something else (or waits).
            # A reply no request reached yet may still be on its way (an example that gives
            # up on a slow answer at once): the page's end checks those.
            left = [reply for reply in fake.unused if reply.uses]
            assert left == [], f"{where}: the examples before used fewer answers than scripted"
            for fallback in fallbacks:  # scripted answers come before the catch-alls
                fake.replies.remove(fallback)
            exec(compile(snippet.code, f"{where} (setup)", "exec"), {"fake": fake})
            fake.replies.extend(fallbacks)
        elif snippet.kind == "example" and snippet.include:
            assert (ROOT / snippet.include).is_file(), f"{where} includes a missing file"
        elif snippet.kind == "example":
            exec(compile(snippet.code, where, "exec"), namespace)
            printed = capsys.readouterr().out
            if snippet.output is not None:
                assert _lines(printed) == _lines(snippet.output), f"{where} prints:\n{printed}"
    run_tests(namespace)
    capsys.readouterr()
    assert fake.unused == [], "a hidden setup scripted answers that no example asked for"


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


@pytest.mark.parametrize("page", PAGES)
def test_examples_that_print_show_their_output(page: str) -> None:
    silent = [
        snippet.line
        for snippet in python_blocks(DOCS / page)
        if "print(" in snippet.code and snippet.output is None and not snippet.include
    ]
    assert silent == [], f"docs/{page}: examples at these lines print but show no output"


def test_every_python_block_type_checks(tmp_path: Path) -> None:
    """mypy --strict, with the project's settings, over every block at once (one run)."""
    blocks: dict[str, str] = {}
    for page in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        for snippet in python_blocks(page):
            if not snippet.partial and not snippet.include:
                name = re.sub(r"\W", "_", page.relative_to(ROOT).with_suffix("").as_posix())
                blocks[f"{name}_line_{snippet.line}.py"] = snippet.code
    for name, code in DOCSTRING_EXAMPLES.items():
        blocks[f"docstring_of_{name.replace('.', '_')}.py"] = textwrap.dedent(code)
    for name, code in blocks.items():
        (tmp_path / name).write_text(code, "utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "docs"),
            *sorted(blocks),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert len(blocks) >= 60
    assert result.returncode == 0, result.stdout + result.stderr


def test_how_a_page_is_read(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        textwrap.dedent(
            """
            <!-- docs-test: fake.reply("Hi") -->

            === "Sync"

                ```python
                print("Hi")
                ```

            === "Async"

                ```python
                print("Hi")
                ```

            ```text title="Output"
            Hi
            ```

            ```python
            print("no output shown")
            ```

            Some prose.

            ```text title="Output"
            not this one's
            ```

            <!-- docs-partial: a fragment -->
            ```python
            sdk.close()
            ```

            ```python
            --8<-- "examples/fastapi_app/chat_api.py:ask"
            ```
            """
        ),
        "utf-8",
    )
    found = snippets(page)
    assert [snippet.kind for snippet in found] == [
        "setup",
        "example",
        "example",
        "output",
        "example",
        "output",
        "example",
        "example",
    ]
    sync, async_, _, silent, _, fragment, included = found[1:]
    assert sync.output == async_.output == "Hi\n"
    assert silent.output is None
    assert (fragment.partial, sync.partial) == (True, False)
    assert included.include == "examples/fastapi_app/chat_api.py"
    assert sync.include is None
