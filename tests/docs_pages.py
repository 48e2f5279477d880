"""How the docs' pages are read, and how one page's examples run: in a process of their own.

`python -m tests.docs_pages docs/PAGE.md RESULT.json` runs the page's examples in page order
against a `FakeChatAPI` served on a loopback port (`YC_BASE_URL`), as a newcomer's first run
is: a fresh interpreter, no bytecode of earlier runs (tests/test_docs.py starts it with
PYTHONDONTWRITEBYTECODE=1 and every warning an error, ResourceWarning too). It writes what
each example printed to RESULT.json; an example that raises, or leaves a socket, a file or
an event loop unclosed (a ResourceWarning, even one reported by a finalizer), ends it with
an error.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import io
import json
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
ENVIRONMENT = {
    "YC_FOLDER_ID": "b1g-docs-folder",
    "YC_API_KEY": "docs-api-key",
}


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


class LeakError(AssertionError):
    """An example left something open: the finalizer's ResourceWarning, as it was reported."""


@contextlib.contextmanager
def leaks_fail(where: str) -> Iterator[None]:
    """Fail when the block leaves a resource to the garbage collector.

    A ResourceWarning raised by a finalizer cannot propagate; Python hands it to
    sys.unraisablehook, which is caught here for the block.
    """
    reported: list[str] = []

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        reported.append(f"{unraisable.exc_type.__name__}: {unraisable.exc_value}")

    previous, sys.unraisablehook = sys.unraisablehook, hook
    try:
        yield
        gc.collect()
    finally:
        sys.unraisablehook = previous
    if reported:
        raise LeakError(f"{where} left resources open: {reported}")


def run_tests(namespace: dict[str, object]) -> None:
    """Call the `test_*` functions an example defined, as pytest would."""
    import anyio

    from ycloud_chat.testing import FakeChatAPI

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


def run_page(page: Path) -> list[dict[str, object]]:
    """Run the page's examples in order; what each printed, by its line."""
    import ycloud_chat._retry
    from ycloud_chat.testing import FakeChatAPI

    ycloud_chat._retry.INITIAL_RETRY_DELAY = 0.001  # type: ignore[attr-defined]
    fake = FakeChatAPI()
    namespace: dict[str, object] = {"__name__": "__main__"}
    fallbacks = [
        fake.reply(DEFAULT_ANSWER, times=None, optional=True),
        fake.reply_models(MODELS, times=None, optional=True),
        fake.reply_embeddings(times=None, optional=True),
    ]
    printed: list[dict[str, object]] = []
    name = page.relative_to(ROOT).as_posix()
    with fake.serve() as base_url:
        os.environ.update(ENVIRONMENT, YC_BASE_URL=base_url)
        for variable in ("YC_IAM_TOKEN", "YC_TOKEN"):
            os.environ.pop(variable, None)
        for snippet in snippets(page):
            where = f"{name}:{snippet.line}"
            if snippet.kind == "setup":
                for fallback in fallbacks:  # scripted answers come before the catch-alls
                    fake.replies.remove(fallback)
                exec(compile(snippet.code, f"{where} (setup)", "exec"), {"fake": fake})
                fake.replies.extend(fallbacks)
            elif snippet.kind == "example" and not snippet.include:
                out = io.StringIO()
                with leaks_fail(where), contextlib.redirect_stdout(out):
                    exec(compile(snippet.code, where, "exec"), namespace)
                printed.append({"line": snippet.line, "printed": out.getvalue()})
        with leaks_fail(f"{name}: its test_* functions"), contextlib.redirect_stdout(io.StringIO()):
            run_tests(namespace)
        namespace.clear()
    unused = fake.unused
    assert unused == [], f"{name}: hidden setups scripted answers no example asked for: {unused}"
    return printed


def main(argv: list[str]) -> int:
    """Run one page (argv: the page, the file to write what its examples printed to)."""
    page, result = Path(argv[0]).resolve(), Path(argv[1])
    result.write_text(json.dumps(run_page(page)), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
