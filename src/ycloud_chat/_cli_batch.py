"""`ycloud-chat batch`: run a file of OpenAI Batch requests, resumably, into a file of results.

    $ ycloud-chat batch requests.jsonl results.jsonl --concurrency 32 --requests-per-minute 600

Each input line is `{"custom_id", "method": "POST", "url": "/v1/chat/completions" or
"/v1/embeddings", "body": {...}}`; each output line `{"id", "custom_id", "response":
{"status_code", "request_id", "body"}, "error"}`, appended and flushed as rows finish. Every
line is checked (with its line number) before any request. Run the same command again after a
crash or Ctrl-C: rows with a line in the output are skipped, a torn last line is dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ._concurrency import async_map_unordered, run_until_signal
from ._exceptions import APIStatusError, ConfigurationError, YCloudChatError
from ._limits import Limits
from .types.misc import UNDEFINED

__all__ = ["main"]

PROG = "ycloud-chat batch"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_SIGNAL: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}
# The urls an input line may name, and the SDK's path and model kind for each.
URLS = {
    "/v1/chat/completions": ("/chat/completions", "completions"),
    "/chat/completions": ("/chat/completions", "completions"),
    "/v1/embeddings": ("/embeddings", "text_embeddings"),
    "/embeddings": ("/embeddings", "text_embeddings"),
}
MAX_REPORTED = 20  # problems listed before "... and N more"


def build_parser() -> argparse.ArgumentParser:
    """Return the `batch` command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a file of OpenAI Batch requests (JSONL) and append one result line "
        "per request to OUTPUT. Run it again to resume: rows already in OUTPUT are skipped.",
        epilog="exit status: 0 every row succeeded, 1 some failed (each recorded in OUTPUT), "
        "2 bad usage or input, 130/143 interrupted (SIGINT/SIGTERM; run again to resume). "
        "For a prompt that is the word 'batch': ycloud-chat -- batch",
    )
    parser.add_argument("input", type=Path, help="the requests, one JSON object a line")
    parser.add_argument("output", type=Path, help="the results, appended (made if missing)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        metavar="N",
        help="rows running at once (default: %(default)s)",
    )
    parser.add_argument("--model", metavar="NAME", help="the model of lines whose body has none")
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="each row's deadline (default: 180)"
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        default=2,
        metavar="N",
        help="retries of each row (default: %(default)s)",
    )
    parser.add_argument(
        "--max-in-flight", type=int, metavar="N", help="the most requests in flight"
    )
    parser.add_argument(
        "--requests-per-minute", type=float, metavar="N", help="requests started a minute, smoothly"
    )
    parser.add_argument(
        "--tokens-per-minute",
        type=float,
        metavar="N",
        help="tokens billed a minute (estimated, then the usage)",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="run the rows recorded as failed again"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="API root URL (default: $YC_BASE_URL, else AI Studio)"
    )
    parser.add_argument("--api-key-env", metavar="NAME", help="the variable holding the key")
    parser.add_argument(
        "--folder-id", metavar="ID", help="AI Studio folder (default: $YC_FOLDER_ID)"
    )
    parser.add_argument(
        "--allow-insecure-http", action="store_true", help="allow plain http:// to another host"
    )
    return parser


@dataclass
class Row:
    """One input line to run."""

    custom_id: str
    path: str
    model: tuple[str, str]  # the kind of model ("completions", "text_embeddings"), its name
    body: dict[str, Any]


@dataclass
class Tally:
    """What the run did, for the progress bar and the summary."""

    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    earlier_failed: int = 0
    retried: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    started: float = field(default_factory=time.monotonic)


def main(argv: list[str]) -> int:
    """Run `ycloud-chat batch` with `argv` (the words after `batch`); return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        limits = Limits(
            max_in_flight=args.max_in_flight,
            requests_per_minute=args.requests_per_minute,
            tokens_per_minute=args.tokens_per_minute,
        )
        _check_options(args)
        problems, ids, models = check_input(args.input, args.model)
        if problems:
            return _usage(_problems_text(args.input, problems))
        done, failed = read_output(args.output, retry_failed=args.retry_failed)
    except ConfigurationError as exc:
        return _usage(_as_option(str(exc)))
    except OSError as exc:
        return _usage(f"{exc.strerror}: {exc.filename}")
    tally = Tally(total=len(ids), skipped=len(done & ids))
    tally.earlier_failed = 0 if args.retry_failed else len(failed & ids)
    return run(args, limits, done, tally, models)


def _check_options(args: argparse.Namespace) -> None:
    if args.concurrency < 1:
        raise ConfigurationError(
            f"--concurrency must be a positive integer, got {args.concurrency}"
        )
    if args.timeout is not None and not args.timeout > 0:
        raise ConfigurationError(f"--timeout must be a positive number, got {args.timeout}")
    if args.max_retries < 0:
        raise ConfigurationError(f"--max-retries must be 0 or more, got {args.max_retries}")


def _as_option(message: str) -> str:
    """A `Limits` error in the command's terms: `Limits(max_in_flight=...)` -> --max-in-flight."""
    return re.sub(
        r"Limits\((\w+)=\.\.\.\)", lambda match: "--" + match[1].replace("_", "-"), message
    )


def _usage(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _problems_text(path: Path, problems: list[tuple[int, str]]) -> str:
    lines = [f"{path}:{number}: {problem}" for number, problem in problems[:MAX_REPORTED]]
    if len(problems) > MAX_REPORTED:
        lines.append(f"... and {len(problems) - MAX_REPORTED} more")
    return f"{len(problems)} bad input line(s), nothing was sent:\n" + "\n".join(lines)


def check_input(
    path: Path, model: str | None
) -> tuple[list[tuple[int, str]], set[str], set[tuple[str, str]]]:
    """Every problem of the input file (line number, what), its custom_ids and its models."""
    problems: list[tuple[int, str]] = []
    ids: set[str] = set()
    models: set[tuple[str, str]] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = parse_line(line, model)
            except ValueError as exc:
                problems.append((number, str(exc)))
                continue
            if row.custom_id in ids:
                problems.append((number, f"duplicate custom_id {row.custom_id!r}"))
            ids.add(row.custom_id)
            models.add(row.model)
    return problems, ids, models


def parse_line(line: str, model: str | None) -> Row:
    """One input line as a row, or ValueError saying what is wrong with it."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise ValueError("custom_id is missing (a non-empty string)")
    method = data.get("method", "POST")
    if method != "POST":
        raise ValueError(f"method must be POST, got {method!r}")
    url = data.get("url")
    if url not in URLS:
        raise ValueError(f"unknown url {url!r}: use /v1/chat/completions or /v1/embeddings")
    body = data.get("body")
    if not isinstance(body, dict):
        raise ValueError("body is missing (a JSON object)")
    path, kind = URLS[url]
    name = body.get("model", model)
    if not isinstance(name, str) or not name:
        raise ValueError("body has no model: give one, or pass --model")
    field_name = "messages" if kind == "completions" else "input"
    if not body.get(field_name):
        raise ValueError(f"body has no {field_name}")
    return Row(custom_id, path, (kind, name), body)


def read_output(path: Path, *, retry_failed: bool) -> tuple[set[str], set[str]]:
    """The custom_ids the output holds lines for, to skip, and those that failed.

    A torn last line (a crash in the middle of writing it) is cut off. With `retry_failed`,
    the failed rows' lines are removed, so that they run again.
    """
    if not path.exists():
        return set(), set()
    done: set[str] = set()
    failed: set[str] = set()
    good_end = 0
    kept_failed_lines = False
    with path.open("rb") as lines:
        for line in lines:
            record = _record(line)
            if record is None:
                break  # torn: everything from here is cut off
            good_end += len(line)
            custom_id, ok = record
            done.add(custom_id)
            if not ok:
                failed.add(custom_id)
                kept_failed_lines = True
    if good_end != path.stat().st_size:
        os.truncate(path, good_end)
    if retry_failed and kept_failed_lines:
        _drop_lines(path, failed)
        done -= failed
    return done, failed


def _record(line: bytes) -> tuple[str, bool] | None:
    """A whole output line's custom_id and whether it succeeded; None for a torn line."""
    if not line.endswith(b"\n"):
        return None
    try:
        data = json.loads(line)
        custom_id = data["custom_id"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(custom_id), data.get("error") is None


def _drop_lines(path: Path, custom_ids: set[str]) -> None:
    """Rewrite the output without the lines of `custom_ids` (atomically, by renaming)."""
    temporary = path.with_name(path.name + ".tmp")
    with path.open("rb") as source, temporary.open("wb") as target:
        for line in source:
            record = _record(line)
            if record is not None and record[0] not in custom_ids:
                target.write(line)
    os.replace(temporary, path)


def pending_rows(path: Path, model: str | None, done: set[str]) -> Generator[Row, None, None]:
    """The input's rows not yet in the output, read lazily (the file was checked before)."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = parse_line(line, model)
                if row.custom_id not in done:
                    yield row


def run(
    args: argparse.Namespace,
    limits: Limits,
    done: set[str],
    tally: Tally,
    models: set[tuple[str, str]],
) -> int:
    """Run the pending rows, append their lines, print the summary; the exit code."""
    from ._async.client import AsyncChatSDK
    from ._cli import api_key_from_env

    try:
        sdk = AsyncChatSDK(
            folder_id=args.folder_id,
            auth=api_key_from_env(args.api_key_env),
            base_url=args.base_url,
            max_retries=args.max_retries,
            allow_insecure_http=args.allow_insecure_http,
            limits=limits,
            max_connections=max(100, args.concurrency),
        )
        # Each model's URI, as completions(name) makes it: a short name needs a folder.
        uris = {(kind, name): getattr(sdk.chat, kind)(name).uri for kind, name in models}
    except YCloudChatError as exc:
        return _usage(str(exc))
    progress = Progress(tally, args.progress)

    async def go() -> None:
        try:
            with args.output.open("a", encoding="utf-8") as output:
                await _run_rows(sdk, args, done, uris, tally, progress, output)
        finally:
            await sdk.aclose()

    try:
        _, stopped_by = run_until_signal(go, [signal.SIGINT, signal.SIGTERM])
    except KeyboardInterrupt:
        stopped_by = signal.SIGINT
    progress.close()
    print(summary(tally, stopped_by), file=sys.stderr)
    if stopped_by is not None:
        return EXIT_SIGNAL.get(stopped_by, 128 + stopped_by)
    return EXIT_FAILED if tally.failed or tally.earlier_failed else EXIT_OK


async def _run_rows(
    sdk: Any,
    args: argparse.Namespace,
    done: set[str],
    uris: dict[tuple[str, str], str],
    tally: Tally,
    progress: Progress,
    output: IO[str],
) -> None:
    transport = sdk._transport
    timeout = transport.timeout_for(UNDEFINED if args.timeout is None else args.timeout, run=True)

    async def send(index: int, rows: list[Row]) -> list[str]:
        row = rows[0]
        body = {**row.body, "model": uris[row.model]}
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            answer, exchange = await transport.request(
                "POST", row.path, content=content, timeout=timeout
            )
        except YCloudChatError as exc:
            return [_failure_line(row, exc, tally)]
        return [_success_line(row, answer, exchange, tally)]

    rows = pending_rows(args.input, args.model, done)
    try:
        async for line in async_map_unordered(send, rows, args.concurrency):
            output.write(line + "\n")
            output.flush()
            progress.update()
    finally:
        rows.close()


def _success_line(row: Row, answer: bytes, exchange: Any, tally: Tally) -> str:
    tally.ok += 1
    tally.retried += exchange.attempts - 1
    body = json.loads(answer)
    usage = body.get("usage") if isinstance(body, dict) else None
    if isinstance(usage, dict):
        tally.tokens_in += int(usage.get("prompt_tokens") or 0)
        tally.tokens_out += int(usage.get("completion_tokens") or 0)
    response = {
        "status_code": 200,
        "request_id": exchange.server_request_id or exchange.request_id,
        "body": body,
    }
    return _line(row, response, None)


def _failure_line(row: Row, error: YCloudChatError, tally: Tally) -> str:
    tally.failed += 1
    tally.retried += max(0, (getattr(error, "attempts", 1) or 1) - 1)
    response = None
    if isinstance(error, APIStatusError) and error.status_code:
        response = {
            "status_code": error.status_code,
            "request_id": error.server_request_id or error.request_id,
            "body": error.body,
        }
    message = " ".join(str(getattr(error, "message", error)).split())
    return _line(row, response, {"code": type(error).__name__, "message": message})


def _line(row: Row, response: dict[str, Any] | None, error: dict[str, str] | None) -> str:
    record = {
        "id": f"batch_req_{uuid.uuid4().hex}",
        "custom_id": row.custom_id,
        "response": response,
        "error": error,
    }
    return json.dumps(record, ensure_ascii=False, default=str)


class Progress:
    """A live bar on a terminal: tqdm when installed (the `cli` extra), else one plain line."""

    def __init__(self, tally: Tally, wanted: bool | None) -> None:
        self.tally = tally
        self.shown = sys.stderr.isatty() if wanted is None else wanted
        self._bar: Any = None
        self._last = 0.0
        if not self.shown:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        remaining = tally.total - tally.skipped
        self._bar = tqdm(total=remaining, unit="row", file=sys.stderr, dynamic_ncols=True)

    def update(self) -> None:
        """Count one finished row."""
        if not self.shown:
            return
        tally = self.tally
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(
                failed=tally.failed,
                tokens_in=tally.tokens_in,
                tokens_out=tally.tokens_out,
                refresh=False,
            )
            return
        now = time.monotonic()
        if now - self._last >= 0.5:
            self._last = now
            sys.stderr.write(f"\r{self._plain_line()}")
            sys.stderr.flush()

    def _plain_line(self) -> str:
        tally = self.tally
        finished = tally.ok + tally.failed
        remaining = tally.total - tally.skipped
        elapsed = max(time.monotonic() - tally.started, 1e-9)
        rate = finished / elapsed
        eta = (remaining - finished) / rate if rate else 0.0
        return (
            f"{finished}/{remaining} rows, {rate:.1f}/s, ETA {eta:.0f}s, {tally.failed} failed, "
            f"tokens {tally.tokens_in} in / {tally.tokens_out} out"
        )

    def close(self) -> None:
        """End the bar (or the line)."""
        if self._bar is not None:
            self._bar.close()
        elif self.shown:
            sys.stderr.write(f"\r{self._plain_line()}\n")


def summary(tally: Tally, stopped_by: int | None) -> str:
    """The one-line summary printed at the end."""
    text = (
        f"{PROG}: {tally.ok} ok, {tally.failed} failed, {tally.skipped} skipped "
        f"(already in the output), {tally.retried} retried requests, tokens {tally.tokens_in} "
        f"in / {tally.tokens_out} out, {time.monotonic() - tally.started:.1f}s"
    )
    if tally.earlier_failed:
        text += f"; {tally.earlier_failed} failed in an earlier run (--retry-failed runs them)"
    if stopped_by is not None:
        name = signal.Signals(stopped_by).name
        text += f"; stopped by {name}: run the same command again to resume"
    return text
