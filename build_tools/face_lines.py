"""How thin the async face is: the share of its function lines in functions that never await.

    python build_tools/face_lines.py          # print the figure and the non-awaiting functions
    python build_tools/face_lines.py --max 25 # fail when the share is above 25 %

A function counts as awaiting when it is `async def` or contains `await`, `async for` or
`async with`. Each top-level function or method is counted whole (signature, docstring and
body, nested functions included), so that the figure says where the lines of `_async/` go.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACE = ROOT / "src" / "ycloud_chat" / "_async"

_ASYNC_NODES = (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Top-level functions and the methods of top-level classes."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield item


def _awaits(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(node, _ASYNC_NODES) for node in ast.walk(function))


def _lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
    return (function.end_lineno or function.lineno) - first + 1


def count(face: Path = FACE) -> tuple[int, int, list[tuple[str, int]]]:
    """(all function lines, lines in non-awaiting functions, those functions and their lines)."""
    total = plain = 0
    listed: list[tuple[str, int]] = []
    for path in sorted(face.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for function in _functions(tree):
            lines = _lines(function)
            total += lines
            if not _awaits(function):
                plain += lines
                listed.append((f"{path.name}:{function.lineno} {function.name}", lines))
    return total, plain, listed


def main(argv: list[str] | None = None) -> int:
    """Print the figure; with --max, fail above it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=float, help="the highest share allowed, in percent")
    args = parser.parse_args(argv)
    total, plain, listed = count()
    share = 100.0 * plain / total if total else 0.0
    for name, lines in sorted(listed, key=lambda item: -item[1]):
        print(f"{lines:4d}  {name}")
    print(f"{plain} of {total} function lines in _async/ never await: {share:.1f} %")
    if args.max is not None and share > args.max:
        print(f"above the limit of {args.max} %: move the logic into a shared module")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
