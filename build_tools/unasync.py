"""Generate the sync face from the async source: `_async/` -> `_sync/`, for src and tests.

    python build_tools/unasync.py           # (re)write the generated files
    python build_tools/unasync.py --check   # fail, with a diff, on any drift or stale file

The rules live here and only here: the explicit name map (every `Async*` name is mapped by
hand; unasync's fallback `AsyncX -> SyncX` is treated as an error), the docstring fix-ups
(each must match somewhere, or the run fails naming it), the "generated" header, and
formatting with the pinned ruff. The table of public names (`ycloud_chat/_exports.py`,
see `public_names.py`) is generated and checked with it.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import importlib.util
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# This file shares its name with the library it drives: keep its own folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
unasync: Any = importlib.import_module("unasync")
# The table of public names is generated (and checked) with the sync face: see public_names.py.
_spec: Any = importlib.util.spec_from_file_location("public_names", _HERE / "public_names.py")
public_names: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(public_names)

ROOT = Path(__file__).resolve().parent.parent
DIRS = [
    (ROOT / "src" / "ycloud_chat" / "_async", ROOT / "src" / "ycloud_chat" / "_sync"),
    (ROOT / "tests" / "_async", ROOT / "tests" / "_sync"),
    (ROOT / "tests" / "integration" / "_async", ROOT / "tests" / "integration" / "_sync"),
]

NAMES = {
    # public classes
    "AsyncChatSDK": "ChatSDK",
    "AsyncChat": "Chat",
    "AsyncChatCompletions": "ChatCompletions",
    "AsyncChatEmbeddings": "ChatEmbeddings",
    "AsyncChatEmbeddingsModel": "ChatEmbeddingsModel",
    "AsyncChatModel": "ChatModel",
    "AsyncChatStream": "ChatStream",
    "AsyncToolCall": "ToolCall",
    # internals
    "AsyncTransport": "Transport",
    "AsyncModelList": "ModelList",
    "AsyncWakeup": "Wakeup",
    "AsyncRows": "Rows",
    "AsyncClientPool": "ClientPool",
    "AsyncHTTPClient": "HTTPClient",
    "AsyncHTTPResponse": "HTTPResponse",
    # httpx
    "AsyncClient": "Client",
    "AsyncBaseTransport": "BaseTransport",
    "AsyncHTTPTransport": "HTTPTransport",
    "AsyncByteStream": "SyncByteStream",
    "aclose": "close",
    "aread": "read",
    "aiter_bytes": "iter_bytes",
    "aiter_raw": "iter_raw",
    "aiter_lines": "iter_lines",
    "aclosing": "closing",
    "aiter_text": "iter_text",
    # tests
    "AsyncMockTransport": "MockTransport",
    "anext": "next",
    "async_grant": "grant",
    "async_client": "sync_client",
}


def _concurrency_pairs() -> dict[str, str]:
    """`async_x` -> `x` for every pair that `_concurrency.py` lists in its `__all__`."""
    path = ROOT / "src" / "ycloud_chat" / "_concurrency.py"
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            names = ast.literal_eval(node.value)
            return {
                name: name.removeprefix("async_") for name in names if name.startswith("async_")
            }
    raise SystemExit(f"{path}: no __all__ to read the sync/async pairs from")


NAMES.update(_concurrency_pairs())

# Prose in docstrings and comments: words that only make sense on the async face. (The
# rest is written async-neutral: "send", not "await".)
PROSE = [
    (re.compile(r"\baclose\(\)"), "close()"),
    (
        re.compile(r"http_backend: `\"aiohttp\"` or `\"httpx\"`.*?Both behave the same\.", re.S),
        'http_backend: `"http.client"` or `"httpx"`: the HTTP client the sync face runs on.\n'
        "            By default it is the standard library's (`http.client`, no dependency),\n"
        "            and `YCLOUD_CHAT_HTTP_BACKEND=httpx` pins httpx. An `http_client` of your\n"
        "            own, and an HTTPS or SOCKS proxy, run on httpx. (The async face runs on\n"
        "            aiohttp or httpx.) Both behave the same.",
    ),
    (
        re.compile(r"The async face: the source the sync face is generated from\."),
        "The sync face: plain blocking code, generated from the async source.",
    ),
]

HEADER = (
    "# GENERATED from {source} by build_tools/unasync.py: DO NOT EDIT.\n"
    "# Edit the async source and run `nox -s unasync`.\n"
)

_FALLBACK_NAME = re.compile(r"\bSync(?!ByteStream)[A-Z]\w*")


def _postprocess(text: str, source: str, hits: list[int]) -> str:
    for number, (pattern, replacement) in enumerate(PROSE):
        text, count = pattern.subn(replacement, text)
        hits[number] += count
    for async_name, sync_name in NAMES.items():
        if async_name[0].isupper():
            text = re.sub(rf"\b{async_name}\b", sync_name, text)
    fallback = _FALLBACK_NAME.search(text)
    if fallback:
        raise SystemExit(
            f"{source}: unasync made {fallback.group()!r} by its default renaming; "
            "add the Async name to NAMES in build_tools/unasync.py"
        )
    return HEADER.format(source=source) + text


def _check_every_rule_matched(hits: list[int]) -> None:
    """Fail naming each prose rule that matched nothing in any file.

    Such a rule no longer does its job (the wording it was written for changed), and the
    sync face's docstrings would drift unnoticed.
    """
    unused = [PROSE[number][0].pattern for number, count in enumerate(hits) if not count]
    if unused:
        raise SystemExit(
            "build_tools/unasync.py: these PROSE rules matched nothing in the async sources; "
            "fix them to match the new wording, or remove them:\n  " + "\n  ".join(unused)
        )


def _ruff(directory: Path) -> None:
    for args in (["check", "--fix-only", "--quiet", "--exit-zero"], ["format", "--quiet"]):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                *args,
                "--config",
                str(ROOT / "pyproject.toml"),
                str(directory),
            ],
            check=True,
            cwd=ROOT,
        )


def generate(out_root: Path) -> dict[Path, Path]:
    """Write every generated file under `out_root`; return {final path: generated path}."""
    produced: dict[Path, Path] = {}
    hits = [0] * len(PROSE)  # how often each prose rule matched, over every file
    for source_dir, target_dir in DIRS:
        staging = out_root / target_dir.relative_to(ROOT)
        rule = unasync.Rule(
            str(source_dir) + "/", str(staging) + "/", additional_replacements=NAMES
        )
        sources = sorted(source_dir.rglob("*.py"))
        unasync.unasync_files([str(path) for path in sources], rules=[rule])
        for path in sources:
            relative = path.relative_to(source_dir)
            generated = staging / relative
            source_name = path.relative_to(ROOT).as_posix()
            text = _postprocess(generated.read_text("utf-8"), source_name, hits)
            generated.write_text(text, "utf-8")
            produced[target_dir / relative] = generated
    _check_every_rule_matched(hits)
    produced.update(public_names.generate(out_root))
    _ruff(out_root)
    return produced


def main(argv: list[str] | None = None) -> int:
    """Generate, or with --check compare against the committed files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on drift instead of writing")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="unasync-") as tmp:
        produced = generate(Path(tmp))
        problems: list[str] = []
        for _, target_dir in DIRS:
            for stale in sorted(target_dir.rglob("*.py")):
                if stale not in produced:
                    problems.append(
                        f"stale generated file (no async source): {stale.relative_to(ROOT)}"
                    )
                    if not args.check:
                        stale.unlink()
        for final, generated in sorted(produced.items()):
            new = generated.read_text("utf-8")
            old = final.read_text("utf-8") if final.exists() else ""
            if new == old:
                continue
            if args.check:
                rel = final.relative_to(ROOT).as_posix()
                problems.append(
                    "".join(
                        difflib.unified_diff(
                            old.splitlines(keepends=True),
                            new.splitlines(keepends=True),
                            f"a/{rel} (committed)",
                            f"b/{rel} (generated)",
                        )
                    )
                )
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                final.write_text(new, "utf-8")
                print(f"wrote {final.relative_to(ROOT)}")
    if args.check and problems:
        print("\n".join(problems))
        print("The sync code is out of date: run `nox -s unasync` and commit the result.")
        return 1
    if args.check:
        print("generated sync code is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
