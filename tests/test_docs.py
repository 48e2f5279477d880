"""Every Python example in docs/ runs, in page order, against the testing kit on a real port,
in a fresh process per page (no cached bytecode; warnings, ResourceWarnings too, are errors:
a newcomer's first run); each prints what the page shows; every block of docs/, the README
and the reference's docstrings passes `mypy --strict`.

The examples are written as user code: they make an SDK from the environment or with
placeholder credentials. Here `YC_BASE_URL` points the SDK's own HTTP client at a served
`FakeChatAPI`, which answers any chat request with a text, any listing with two models and
any embeddings request with stand-in vectors.
A page scripts other answers with a hidden comment before an example, run with `fake` in
scope and invisible on the site:

    <!-- docs-test: fake.fail(429, "Too many requests", times=3) -->

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

import ast
import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import ycloud_chat
import ycloud_chat.testing
import ycloud_chat.testing.pytest_plugin
from tests.docs_pages import (
    DOCS,
    EXAMPLE,
    ROOT,
    python_blocks,
    run_tests,
    snippets,
)
from ycloud_chat.testing import FakeChatAPI

FRESH_PROCESS = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONWARNINGS": ""}
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


@pytest.mark.parametrize("name", sorted(DOCSTRING_EXAMPLES))
def test_docstring_examples_run(name: str, fake: FakeChatAPI) -> None:
    code = textwrap.dedent(DOCSTRING_EXAMPLES[name])
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(code, f"the docstring of {name}", "exec"), namespace)
    run_tests(namespace)


def test_the_examples_cover_the_guide() -> None:
    assert len(PAGES) >= 10, PAGES


def _run_in_a_fresh_process(page: str, folder: Path) -> tuple[str, dict[int, str]]:
    """Run the page's examples by tests/docs_pages.py: its errors, and what each printed."""
    result = folder / "printed.json"
    # Every warning is an error, as under this suite's filterwarnings: ResourceWarning too.
    command = [
        sys.executable,
        "-W",
        "error",
        "-W",
        "error::ResourceWarning",
        "-m",
        "tests.docs_pages",
    ]
    finished = subprocess.run(
        [*command, str(DOCS / page), str(result)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **FRESH_PROCESS},
        timeout=600,
        check=False,
    )
    errors = finished.stdout + finished.stderr
    if finished.returncode != 0 or "ResourceWarning" in errors:
        return errors or f"exit code {finished.returncode}", {}
    printed = json.loads(result.read_text("utf-8"))
    return "", {entry["line"]: entry["printed"] for entry in printed}


@pytest.fixture(scope="session")
def page_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[tuple[str, dict[int, str]]]]]:
    """The runs of the pages whose tests were selected, a few at once (each is a process)."""
    pages = {
        str(item.callspec.params["page"])
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_examples_run"
    }
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        yield {
            page: pool.submit(_run_in_a_fresh_process, page, tmp_path_factory.mktemp("page"))
            for page in sorted(pages)
        }


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page: str, page_runs: dict[str, Future[tuple[str, dict[int, str]]]]) -> None:
    """The page's examples, in a fresh process as a newcomer's first run (tests/docs_pages.py)."""
    errors, printed = page_runs[page].result()
    assert errors == ""
    for snippet in python_blocks(DOCS / page):
        if snippet.output is not None and not snippet.include:
            where = f"docs/{page}:{snippet.line}"
            shown = printed[snippet.line]
            assert _lines(shown) == _lines(snippet.output), f"{where} prints:\n{shown}"


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
    for page in [ROOT / "README.md", ROOT / "README.package.md", *sorted(DOCS.rglob("*.md"))]:
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


OPENERS = {"ChatSDK", "AsyncChatSDK", "run_stream", "Client", "AsyncClient"}


def _unclosed(code: str) -> list[str]:
    """The calls in `code` that open an SDK, a stream or an HTTP client and leave it open.

    Closed are: a `with` block's, a factory's `return` (its caller closes it), one bound to a
    name whose `close`/`aclose` the block uses (`atexit.register(sdk.close)`), one made in a
    `try` only to show that it is refused, and one whose line says in a comment where it is
    closed (a web app's SDK shared by the process).
    """
    tree = ast.parse(code)
    lines = code.splitlines()
    closed_names = {
        node.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("close", "aclose")
        and isinstance(node.value, ast.Name)
    }
    closed = {id(node) for parent in ast.walk(tree) for node in _closed_calls(parent, closed_names)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in closed:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        name = node.func.id if isinstance(node.func, ast.Name) else name
        if name in OPENERS and "close" not in lines[node.lineno - 1].partition("#")[2]:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def _closed_calls(node: ast.AST, closed_names: set[str]) -> Iterator[ast.AST]:
    """The calls that `node` (a statement) makes sure are closed."""
    if isinstance(node, ast.With | ast.AsyncWith):
        yield from (item.context_expr for item in node.items)
    elif isinstance(node, ast.Return) and node.value:
        yield node.value
    elif isinstance(node, ast.Try):
        yield from (statement.value for statement in node.body if isinstance(statement, ast.Expr))
    elif isinstance(node, ast.Assign) and all(
        isinstance(target, ast.Name) and target.id in closed_names for target in node.targets
    ):
        yield node.value


@pytest.mark.parametrize(
    "page",
    [
        "README.md",
        "README.package.md",
        *sorted(p.relative_to(ROOT).as_posix() for p in DOCS.rglob("*.md")),
    ],
)
def test_every_block_closes_what_it_opens(page: str) -> None:
    """SDKs, streams and HTTP clients are opened by `with` blocks, as users copy them."""
    unclosed = {
        snippet.line: calls
        for snippet in python_blocks(ROOT / page)
        if not snippet.include and (calls := _unclosed(snippet.code))
    }
    assert unclosed == {}, f"{page}: blocks (by line) open these outside a `with`"


def test_unclosed_calls_are_found() -> None:
    code = textwrap.dedent(
        """
        sdk = ChatSDK(base_url="http://127.0.0.1:8080/v1")
        for partial in sdk.chat.completions("m").run_stream("Hi"):
            pass
        with ChatSDK() as fine, fine.chat.completions("m").run_stream("Hi") as stream:
            pass


        def make() -> ChatSDK:
            return ChatSDK()


        shared = ChatSDK()
        atexit.register(shared.close)
        kept = AsyncChatSDK()  # the app closes it in its lifespan
        try:
            ChatSDK(max_retries=-1)
        except ConfigurationError:
            pass
        leaked = AsyncChatSDK()  # a comment that says nothing of it
        """
    )
    found = [call.split(":")[0] for call in _unclosed(code)]
    assert found == ["line 2", "line 3", "line 20"]


def test_the_testing_page_runs_under_pytest_as_written(tmp_path: Path) -> None:
    """Its test files, copied into a project of their own, pass under plain pytest.

    No settings of this repository apply there (no `anyio_mode`, no conftest.py): the async
    test runs because the page marks it, as a reader's copy would.
    """
    tests = 0
    for snippet in python_blocks(DOCS / "testing.md"):
        defined = re.findall(r"^(?:async )?def test_", snippet.code, re.M)
        if defined:
            (tmp_path / f"test_page_line_{snippet.line}.py").write_text(snippet.code, "utf-8")
            tests += len(defined)
    assert tests >= 7
    assert any("async def test_" in path.read_text("utf-8") for path in tmp_path.iterdir())
    environment = {name: value for name, value in os.environ.items() if not name.startswith("YC")}
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", "."],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**environment, **FRESH_PROCESS, "PYTEST_ADDOPTS": ""},
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    summary = finished.stdout.strip().splitlines()[-1]
    passed = re.fullmatch(r"(\d+) passed in [\d.]+s", summary)  # none skipped, nothing warned
    assert passed, finished.stdout
    assert int(passed[1]) >= tests, finished.stdout  # async ones run once per backend
