"""The `ycloud-chat` command: ask a chat model and stream its answer to the terminal.

    $ export YC_API_KEY=... YC_FOLDER_ID=...
    $ ycloud-chat "Why is the sky blue?"
    $ git diff | ycloud-chat --system "Review this patch" --json

Credentials come from the environment only, so they never show up in the shell history
or the process list.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ._constants import ENV_API_KEY, ENV_FOLDER_ID
from ._exceptions import ConfigurationError, CredentialsError, YCloudChatError
from ._sync.client import ChatSDK
from ._sync.model import ChatModel
from ._sync.tool_call import ToolCall
from ._version import __version__
from .types.messages import TextMessage
from .types.results import ChatModelResult, ChatModelStatus

__all__ = ["build_parser", "main"]

PROG = "ycloud-chat"
ENV_BASE_URL = "YC_BASE_URL"

EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed pipe writer

_STATUS_NOTES = {
    ChatModelStatus.TRUNCATED_FINAL: "the answer was cut short by --max-tokens or the context size",
    ChatModelStatus.CONTENT_FILTER: "the answer was stopped by the content filter",
}


def build_parser() -> argparse.ArgumentParser:
    """Return the command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ask a chat model on Yandex AI Studio (or any OpenAI-compatible server) "
        "and stream its answer.",
        epilog=f"Credentials come from the environment: {ENV_API_KEY} (an API key), "
        "YC_IAM_TOKEN or YC_TOKEN (an IAM token).",
    )
    parser.add_argument(
        "prompt", nargs="*", help="the question; read from stdin when absent or '-'"
    )
    parser.add_argument(
        "--model",
        default="yandexgpt",
        metavar="NAME",
        help="model name or full URI (default: %(default)s)",
    )
    parser.add_argument(
        "--model-version",
        default="latest",
        metavar="VERSION",
        help="model version (default: %(default)s)",
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get(ENV_BASE_URL) or None,
        metavar="URL",
        help=f"API root URL (default: ${ENV_BASE_URL}, else AI Studio)",
    )
    parser.add_argument(
        "--folder-id", metavar="ID", help=f"AI Studio folder (default: ${ENV_FOLDER_ID})"
    )
    parser.add_argument("--system", metavar="TEXT", help="a system message sent before the prompt")
    parser.add_argument(
        "--temperature", type=float, metavar="FLOAT", help="sampling temperature, 0 to 2"
    )
    parser.add_argument(
        "--max-tokens", type=int, metavar="INT", help="the most tokens the answer may have"
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="how long to wait for the answer"
    )
    parser.add_argument(
        "--json", action="store_true", help="wait for the whole answer and print it as JSON"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command with `argv` (default: `sys.argv[1:]`) and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        prompt = read_prompt(args.prompt)
        if not prompt.strip():
            parser.error("the prompt is empty: pass it as an argument or on stdin")
        return ask(args, prompt)
    except CredentialsError as exc:
        return fail(f"{exc} (hint: set {ENV_API_KEY} and {ENV_FOLDER_ID})", EXIT_USAGE)
    except ConfigurationError as exc:
        return fail(str(exc), EXIT_USAGE)
    except YCloudChatError as exc:
        return fail(str(exc), EXIT_API_ERROR)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return quiet_after_broken_pipe()


def read_prompt(words: list[str]) -> str:
    """Join the prompt arguments, or read the prompt from stdin when there are none (or '-')."""
    if not words or words == ["-"]:
        return sys.stdin.read()
    return " ".join(words)


def ask(args: argparse.Namespace, prompt: str) -> int:
    """Send the prompt to the model, print the answer and return the exit code."""
    messages = [TextMessage(role="user", text=prompt)]
    if args.system is not None:
        messages.insert(0, TextMessage(role="system", text=args.system))
    with ChatSDK(
        folder_id=args.folder_id,
        base_url=args.base_url,
        timeout=args.timeout,
    ) as sdk:
        model = sdk.chat.completions(args.model, model_version=args.model_version)
        model = model.configure(temperature=args.temperature, max_tokens=args.max_tokens)
        if args.json:
            print(result_as_json(model.run(messages)))
            return 0
        status = stream_answer(model, messages)
    note = _STATUS_NOTES.get(status)
    if note:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    return 0


def stream_answer(model: ChatModel, messages: list[TextMessage]) -> ChatModelStatus:
    """Print each piece of the answer as it arrives and return the answer's final status."""
    status = ChatModelStatus.PARTIAL
    with model.run_stream(messages) as stream:
        for partial in stream:
            sys.stdout.write(partial.delta)
            sys.stdout.flush()
            if partial.status is not ChatModelStatus.USAGE:
                status = partial.status
    sys.stdout.write("\n")
    sys.stdout.flush()
    return status


def result_as_json(result: ChatModelResult[ToolCall]) -> str:
    """Return the whole result as indented JSON, led by its `text` and `status` shortcuts."""
    data = {"text": result.text, "status": result.status.value}
    data.update(result.model_dump(mode="json"))
    return json.dumps(data, indent=2, ensure_ascii=False)


def quiet_after_broken_pipe() -> int:
    """The reader went away (`| head`): stop quietly, as other command-line tools do."""
    # Python would report the pipe again when it flushes stdout at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def fail(message: str, exit_code: int) -> int:
    """Print a one-line error on stderr and return `exit_code`."""
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return exit_code
