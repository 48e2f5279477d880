"""The `ycloud-chat` command against the server: a streamed answer, then one as JSON.

    python examples/cli.py http://127.0.0.1:8080/v1

It runs the `ycloud-chat` script installed next to this Python (else the same command as
`python -m ycloud_chat`) and shows each command line before its output.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from _common import base_url, model_name, timed

QUESTIONS = [
    ["--temperature", "0", "--max-tokens", "40", "What is the tallest mountain?"],
    ["--temperature", "0", "--max-tokens", "20", "--json", "Say hello."],
]


def command() -> list[str]:
    """The installed `ycloud-chat` script of this environment, else `python -m ycloud_chat`."""
    script = Path(sys.executable).with_name("ycloud-chat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ycloud_chat"]


def main() -> None:
    """Run the command once per question, as a user would type it."""
    server = ["--base-url", base_url(), "--model", model_name()]
    for arguments in QUESTIONS:
        print("$ ycloud-chat " + shlex.join([*server, *arguments]), flush=True)
        with timed("ycloud-chat"):
            subprocess.run([*command(), *server, *arguments], check=True)


if __name__ == "__main__":
    with timed("cli.py"):
        main()
