"""The `ycloud-chat` command end to end: a real process against the live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.integration.conftest import MODEL, TOO_LONG

pytestmark = pytest.mark.integration


def ycloud_chat(llm_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command as a user would, with no credentials in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YC_")}
    return subprocess.run(
        [sys.executable, "-m", "ycloud_chat", "--base-url", llm_url, "--model", MODEL, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_streams_the_answer_to_stdout(llm_url: str) -> None:
    done = ycloud_chat(llm_url, "--temperature", "0", "--max-tokens", "20", "Say hello.")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert done.stdout.endswith("\n")


def test_json_output_carries_text_status_and_usage(llm_url: str) -> None:
    done = ycloud_chat(llm_url, "--temperature", "0", "--max-tokens", "20", "--json", "Say hi.")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["text"]
    assert answer["status"] in ("final", "truncated_final")
    assert answer["usage"]["completion_tokens"] > 0


def test_a_truncated_answer_gets_a_note_on_stderr(llm_url: str) -> None:
    done = ycloud_chat(llm_url, "--max-tokens", "2", "Tell me a long story.")
    assert done.returncode == 0, done.stderr
    assert "--max-tokens" in done.stderr


def test_a_server_error_exits_with_one_and_a_message(llm_url: str) -> None:
    done = ycloud_chat(llm_url, "--max-tokens", "5", TOO_LONG)
    assert done.returncode == 1
    assert "HTTP 400" in done.stderr
    assert done.stderr.startswith("ycloud-chat: error:")
