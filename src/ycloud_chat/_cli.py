"""The `ycloud-chat` command: ask a chat model and stream its answer to the terminal.

    $ export YC_API_KEY=... YC_FOLDER_ID=...
    $ ycloud-chat "Why is the sky blue?"
    $ git diff | ycloud-chat --system "Review this patch" --json
    $ ycloud-chat --base-url http://127.0.0.1:8080/v1 --api-key-env MY_KEY "Hi"
    $ ycloud-chat batch requests.jsonl results.jsonl   # see _cli_batch

Credentials come from the environment only, so they never show up in the shell history
or the process list. The YC_* variables go to AI Studio only; another server gets the key
in the variable named by `--api-key-env`, or no key at all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import TYPE_CHECKING

from ._auth import env_secret
from ._constants import ENV_API_KEY, ENV_BASE_URL, ENV_FOLDER_ID, ENV_IAM_TOKEN, ENV_TOKEN
from ._exceptions import (
    AuthenticationError,
    ConfigurationError,
    CredentialsError,
    YCloudChatError,
)
from ._request import is_ai_studio
from ._version import __version__

if TYPE_CHECKING:  # loaded when a prompt is sent, so that `--help` loads no pydantic
    from ._sync.model import ChatModel
    from ._sync.tool_call import ToolCall
    from .types.messages import TextMessage
    from .types.results import ChatModelResult, ChatModelStatus, ChatUsage

__all__ = ["build_parser", "main"]

PROG = "ycloud-chat"
# What a shell can export; anything else given to --api-key-env is likely the key itself.
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The SDK's parameters that options set, as its errors name them, and the options' names.
_OPTION_OF_PARAMETER = {
    "allow_insecure_http=True": "--allow-insecure-http",
    "allow_insecure_http": "--allow-insecure-http",
    "base_url": "--base-url",
    "folder_id": "--folder-id",
    "max_tokens": "--max-tokens",
    "model_version": "--model-version",
    "temperature": "--temperature",
    "timeout": "--timeout",
}
_PARAMETER = re.compile(
    r"(?<![\w-])(" + "|".join(map(re.escape, _OPTION_OF_PARAMETER)) + r")(?![\w=])"
)
_NO_PROMPT = (
    'no prompt: pass it as an argument (ycloud-chat "Hi"), or on stdin '
    "(echo \"Hi\" | ycloud-chat; '-' reads it from the terminal until Ctrl-D)"
)

EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed pipe writer

_EPILOG = f"""\
credentials come from the environment only:
  AI Studio reads {ENV_API_KEY} (an API key), else {ENV_IAM_TOKEN} or {ENV_TOKEN}
  (an IAM token). These are sent to AI Studio only: any other server
  (--base-url) gets no key, unless --api-key-env names the variable that
  holds one:

    export MY_KEY=...
    {PROG} --base-url http://127.0.0.1:8080/v1 --api-key-env MY_KEY "Hi"

batch jobs:
  {PROG} batch REQUESTS.jsonl RESULTS.jsonl runs a file of OpenAI Batch
  requests into a file of results, resumably, within rate limits
  (see {PROG} batch --help); a prompt that is the word "batch" goes
  after --:  {PROG} -- batch
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the command's argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ask a chat model on Yandex AI Studio (or any OpenAI-compatible server)\n"
        "and stream its answer.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "prompt",
        nargs="*",
        help="the question; read from stdin when absent (unless stdin is a terminal) or '-'",
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
        "--api-key-env",
        metavar="NAME",
        help="the environment variable holding the key (kept out of argv); the only way "
        "to send a key to a server other than AI Studio",
    )
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain http:// --base-url to another host (the key travels unencrypted)",
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
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["batch"]:  # a prompt that is the word "batch": ycloud-chat -- batch
        from ._cli_batch import main as batch

        return batch(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.prompt and sys.stdin.isatty():
        parser.error(_NO_PROMPT)  # rather than wait, silently, for what the user never types
    try:
        prompt = read_prompt(args.prompt)
        if not prompt.strip():
            parser.error("the prompt is empty: pass it as an argument or on stdin")
        return ask(args, prompt)
    except ConfigurationError as exc:
        return fail(in_cli_terms(str(exc)), EXIT_USAGE)
    except AuthenticationError as exc:
        return fail(f"{exc}{api_key_env_hint(args)}", EXIT_API_ERROR)
    except YCloudChatError as exc:
        return fail(str(exc), EXIT_API_ERROR)
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return quiet_after_broken_pipe()


def in_cli_terms(message: str) -> str:
    """The SDK's error about an argument, naming the option that set it instead."""
    message = message.removeprefix("invalid model configuration: ")
    message = re.sub(r"^(\w+): (?=\1 )", "", message)  # "max_tokens: max_tokens must be..."
    return _PARAMETER.sub(lambda match: _OPTION_OF_PARAMETER[match[1]], message)


def read_prompt(words: list[str]) -> str:
    """Join the prompt arguments, or read the prompt from stdin when there are none (or '-')."""
    if not words or words == ["-"]:
        return sys.stdin.read()
    return " ".join(words)


def ask(args: argparse.Namespace, prompt: str) -> int:
    """Send the prompt to the model, print the answer and return the exit code."""
    from ._sync.client import ChatSDK
    from .types.messages import TextMessage

    check_ai_studio_settings(args)
    messages = [TextMessage(role="user", text=prompt)]
    if args.system is not None:
        messages.insert(0, TextMessage(role="system", text=args.system))
    with ChatSDK(
        folder_id=args.folder_id,
        auth=api_key_from_env(args.api_key_env),
        base_url=args.base_url,
        timeout=args.timeout,
        allow_insecure_http=args.allow_insecure_http,
    ) as sdk:
        model = sdk.chat.completions(args.model, model_version=args.model_version)
        model = model.configure(temperature=args.temperature, max_tokens=args.max_tokens)
        if args.json:
            print(result_as_json(model.run(messages)))
            return 0
        status, usage = stream_answer(model, messages)
    note = status_note(status, usage, args.max_tokens)
    if note:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    return 0


def check_ai_studio_settings(args: argparse.Namespace) -> None:
    """Say in the command's terms what AI Studio lacks: credentials, or a folder.

    Other servers need neither. A credential that is set but unusable is reported by the SDK,
    which names the variable and the problem.
    """
    if args.base_url is not None and not is_ai_studio(args.base_url):
        return
    variables = (ENV_API_KEY, ENV_IAM_TOKEN, ENV_TOKEN)
    if args.api_key_env is None and not any(os.environ.get(name, "").strip() for name in variables):
        raise CredentialsError(
            f"no credentials for AI Studio: set {ENV_API_KEY} (an API key), {ENV_IAM_TOKEN} or "
            f"{ENV_TOKEN} (an IAM token), or name the variable that holds one with --api-key-env"
        )
    has_folder = (args.folder_id or os.environ.get(ENV_FOLDER_ID, "")).strip()
    if not has_folder and "://" not in args.model:
        raise CredentialsError(
            f"AI Studio needs a folder for the model {args.model!r}: pass --folder-id or set "
            f"{ENV_FOLDER_ID} (or give --model a full gpt:// URI)"
        )


def api_key_from_env(variable: str | None) -> str | None:
    """The key in the variable named by --api-key-env (None without the option).

    A name that is not a variable name is not echoed: it may well be the key itself.
    """
    if variable is None:
        return None
    if not _VARIABLE_NAME.fullmatch(variable):
        raise ConfigurationError(
            "--api-key-env takes the name of an environment variable "
            "(letters, digits and _), not the key itself"
        )
    return env_secret(variable)


def api_key_env_hint(args: argparse.Namespace) -> str:
    """A hint for a 401 from a server that got no key because the YC_* ones are not sent."""
    if args.api_key_env or args.base_url is None or is_ai_studio(args.base_url):
        return ""
    return " (hint: YC_* credentials are sent to AI Studio only; pass --api-key-env NAME)"


def stream_answer(
    model: ChatModel, messages: list[TextMessage]
) -> tuple[ChatModelStatus, ChatUsage | None]:
    """Print each piece of the answer as it arrives; return its final status and its usage."""
    from .types.results import ChatModelStatus

    wrote = False
    try:
        with model.run_stream(messages) as stream:
            for partial in stream:
                # Set before the write: Ctrl-C may come as soon as the piece is shown.
                wrote = wrote or bool(partial.delta)
                sys.stdout.write(partial.delta)
                sys.stdout.flush()
    except KeyboardInterrupt:
        if wrote:  # end the answer's line, so that the error starts one of its own
            sys.stdout.write("\n")
            sys.stdout.flush()
        raise
    sys.stdout.write("\n")
    sys.stdout.flush()
    # After the loop, the stream's result is the whole answer (not the usage chunk).
    result = stream.result
    if result is None:
        return ChatModelStatus.PARTIAL, None
    return result.status, result.usage


def status_note(
    status: ChatModelStatus, usage: ChatUsage | None, max_tokens: int | None
) -> str | None:
    """What to tell the reader about an answer that did not end normally, if anything."""
    from ._structured import truncation_cause
    from .types.results import ChatModelStatus

    if status is ChatModelStatus.CONTENT_FILTER:
        return "the answer was stopped by the content filter"
    if status is ChatModelStatus.TRUNCATED_FINAL:
        used = usage.completion_tokens if usage is not None else None
        cause = truncation_cause(max_tokens, used, option="--max-tokens")
        return f"the answer was cut short by {cause}"
    return None


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
