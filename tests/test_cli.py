"""The `ycloud-chat` command, run as a real subprocess against a real local HTTP server."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

import ycloud_chat
import ycloud_chat._cli
from tests.loopback import QuietHTTPServer

GOOD_KEY = "sk-good-key-1234"
WRONG_KEY = "sk-wrong-key-5678"
# The variable that holds the key for the local server, named with --api-key-env.
KEY_ENV = "CHAT_TEST_KEY"
KEY_ARGS = ("--api-key-env", KEY_ENV)
FOLDER = "b1gtestfolder"
DELTAS = ["Hello", ", ", "wor", "ld!"]
ANSWER = "".join(DELTAS)
USAGE = {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}
SERVER_REQUEST_ID = "srv-req-42"
# Prompts that make the server end its stream in a special way.
FINISH_REASONS = {"please truncate": "length", "please filter": "content_filter"}
STALL_PROMPT = "please stall"
# A prompt the server answers with 401 unless some key came with it.
AUTH_PROMPT = "please authenticate"


@dataclass
class Received:
    """One request the test server got."""

    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]


class ChatServer(QuietHTTPServer):
    """An OpenAI-compatible chat server on a free local port that records its requests."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.received: list[Received] = []
        self.release_stall = threading.Event()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"


class ChatHandler(BaseHTTPRequestHandler):
    """Speaks the wire format of PROTOCOL.md: JSON or SSE answers, 401 for the wrong key."""

    server: ChatServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.received.append(Received(self.path, headers, body))
        if self.path != "/v1/chat/completions":
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})
        elif headers.get("authorization") == f"Bearer {WRONG_KEY}":
            self.send_json(401, {"error": {"message": "Unknown api key"}})
        elif body["messages"][-1]["content"] == AUTH_PROMPT and "authorization" not in headers:
            self.send_json(401, {"error": {"message": "Missing api key"}})
        elif body["stream"]:
            self.send_stream(body)
        else:
            self.send_json(200, completion(body))

    def send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", SERVER_REQUEST_ID)
        self.end_headers()
        self.wfile.write(data)

    def send_stream(self, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("x-request-id", SERVER_REQUEST_ID)
        self.end_headers()
        prompt = body["messages"][-1]["content"]
        try:
            for number, event in enumerate(stream_events(body)):
                self.wfile.write(f"data: {event}\n\n".encode())
                self.wfile.flush()
                if prompt == STALL_PROMPT and number == 1:
                    self.server.release_stall.wait(30)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (the Ctrl-C test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def completion(body: dict[str, Any]) -> dict[str, Any]:
    """A non-streamed answer."""
    return {
        "id": "chatcmpl-run",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": ANSWER},
            }
        ],
        "usage": USAGE,
    }


def stream_events(body: dict[str, Any]) -> Iterator[str]:
    """The vLLM stream shape: role chunk, deltas, finish chunk, usage chunk, [DONE]."""
    finish_reason = FINISH_REASONS.get(body["messages"][-1]["content"], "stop")

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
        base = {
            "id": "chatcmpl-stream",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": body["model"],
            "choices": choices,
        }
        return json.dumps({**base, **extra})

    yield chunk(
        [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
    )
    for delta in DELTAS:
        yield chunk([{"index": 0, "delta": {"content": delta}, "finish_reason": None}])
    yield chunk([{"index": 0, "delta": {}, "finish_reason": finish_reason}])
    yield chunk([], usage=USAGE)
    yield "[DONE]"


@pytest.fixture
def server() -> Iterator[ChatServer]:
    httpd = ChatServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release_stall.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without any YC_* variable, plus `values`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YC_")}
    env.update(values)
    return env


@pytest.fixture
def env(server: ChatServer) -> dict[str, str]:
    """The good key (in KEY_ENV, sent with KEY_ARGS), a folder, and the local server."""
    return clean_env(**{KEY_ENV: GOOD_KEY}, YC_FOLDER_ID=FOLDER, YC_BASE_URL=server.base_url)


def run_cli(
    *args: str, env: dict[str, str], stdin: str = "", command: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(command or [sys.executable, "-m", "ycloud_chat"]), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def assert_clean_failure(result: subprocess.CompletedProcess[str], exit_code: int) -> str:
    """The command failed with `exit_code` and one error line on stderr; return that line."""
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ycloud-chat: ")
    return lines[0]


def test_prompt_as_arguments_streams_the_answer(server: ChatServer, env: dict[str, str]) -> None:
    result = run_cli(*KEY_ARGS, "Why", "is", "the sky", "blue?", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ANSWER + "\n"
    assert result.stderr == ""
    [request] = server.received
    assert request.path == "/v1/chat/completions"
    assert request.body == {
        "model": f"gpt://{FOLDER}/yandexgpt/latest",
        "messages": [{"role": "user", "content": "Why is the sky blue?"}],
        "stream": True,
        "stream_options": {"include_usage": True},  # not AI Studio: the usage chunk is asked for
    }
    assert request.headers["authorization"] == f"Bearer {GOOD_KEY}"
    assert request.headers["x-client-request-id"]


@pytest.mark.parametrize("args", [[], ["-"]], ids=["no-argument", "dash"])
def test_prompt_from_stdin(server: ChatServer, env: dict[str, str], args: list[str]) -> None:
    result = run_cli(*args, env=env, stdin="Summarise this:\nline one\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ANSWER + "\n"
    [request] = server.received
    assert request.body["messages"] == [{"role": "user", "content": "Summarise this:\nline one\n"}]


def test_empty_prompt_is_a_usage_error(server: ChatServer, env: dict[str, str]) -> None:
    result = run_cli(env=env, stdin="  \n")

    assert result.returncode == 2
    assert "prompt is empty" in result.stderr
    assert server.received == []


def test_system_message_goes_before_the_prompt(server: ChatServer, env: dict[str, str]) -> None:
    result = run_cli("--system", "Answer in one word.", "Capital of France?", env=env)

    assert result.returncode == 0, result.stderr
    [request] = server.received
    assert request.body["messages"] == [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Capital of France?"},
    ]


def test_temperature_and_max_tokens_reach_the_body(server: ChatServer, env: dict[str, str]) -> None:
    result = run_cli("--temperature", "0.3", "--max-tokens", "50", "Hi", env=env)

    assert result.returncode == 0, result.stderr
    [request] = server.received
    assert list(request.body) == [
        "model",
        "messages",
        "stream",
        "temperature",
        "max_tokens",
        "stream_options",
    ]
    assert request.body["temperature"] == 0.3
    assert request.body["max_tokens"] == 50


@pytest.mark.parametrize(
    ("args", "uri"),
    [
        (
            ["--model", "yandexgpt-lite", "--model-version", "rc"],
            f"gpt://{FOLDER}/yandexgpt-lite/rc",
        ),
        (["--folder-id", "b1gother"], "gpt://b1gother/yandexgpt/latest"),
        (
            ["--model", "gpt://b1gx/qwen3-235b-a22b-fp8/latest"],
            "gpt://b1gx/qwen3-235b-a22b-fp8/latest",
        ),
    ],
    ids=["name-and-version", "folder-option", "verbatim-uri"],
)
def test_model_options_build_the_uri(
    server: ChatServer, env: dict[str, str], args: list[str], uri: str
) -> None:
    result = run_cli(*args, "Hi", env=env)

    assert result.returncode == 0, result.stderr
    [request] = server.received
    assert request.body["model"] == uri


def test_base_url_option_and_iam_token(server: ChatServer) -> None:
    env = clean_env(MY_TOKEN=" t1.iam-token\n", YC_FOLDER_ID=FOLDER)

    result = run_cli("--base-url", server.base_url, "--api-key-env", "MY_TOKEN", "Hi", env=env)

    assert result.returncode == 0, result.stderr
    [request] = server.received
    assert request.headers["authorization"] == "Bearer t1.iam-token"


@pytest.mark.parametrize("how", ["option", "environment"])
@pytest.mark.parametrize("mode", [[], ["--json"]], ids=["stream", "json"])
def test_yc_credentials_never_reach_a_custom_base_url(
    server: ChatServer, how: str, mode: list[str]
) -> None:
    env = clean_env(YC_API_KEY=GOOD_KEY, YC_IAM_TOKEN="t1.iam", YC_TOKEN="t1.tok")
    args = ["--base-url", server.base_url] if how == "option" else []
    if how == "environment":
        env["YC_BASE_URL"] = server.base_url

    result = run_cli(*args, *mode, "Hi", env=env)

    assert result.returncode == 0, result.stderr
    [request] = server.received
    assert "authorization" not in request.headers
    for secret in (GOOD_KEY, "t1.iam", "t1.tok"):
        assert secret not in json.dumps(request.headers)


def test_api_key_env_wins_over_yc_variables(server: ChatServer, env: dict[str, str]) -> None:
    env.update(YC_API_KEY=WRONG_KEY, YC_IAM_TOKEN="t1.iam")

    result = run_cli(*KEY_ARGS, "Hi", env=env)

    assert result.returncode == 0, result.stderr
    [request] = server.received
    assert request.headers["authorization"] == f"Bearer {GOOD_KEY}"


def test_a_401_without_a_key_hints_at_api_key_env(server: ChatServer, env: dict[str, str]) -> None:
    env["YC_API_KEY"] = GOOD_KEY

    result = run_cli(AUTH_PROMPT, env=env)

    line = assert_clean_failure(result, 1)
    assert "401" in line
    assert "Missing api key" in line
    assert "--api-key-env" in line
    assert GOOD_KEY not in result.stdout + result.stderr
    [request] = server.received
    assert "authorization" not in request.headers

    result = run_cli(*KEY_ARGS, AUTH_PROMPT, env=env)

    assert result.returncode == 0, result.stderr
    assert server.received[-1].headers["authorization"] == f"Bearer {GOOD_KEY}"


@pytest.mark.parametrize("value", [None, "", "  \n"], ids=["unset", "empty", "blank"])
def test_api_key_env_naming_an_empty_variable_is_a_usage_error(
    server: ChatServer, env: dict[str, str], value: str | None
) -> None:
    del env[KEY_ENV]
    if value is not None:
        env[KEY_ENV] = value

    result = run_cli(*KEY_ARGS, "Hi", env=env)

    line = assert_clean_failure(result, 2)
    assert f"the environment variable {KEY_ENV} is empty or unset" in line
    assert "hint: set YC_API_KEY" not in line
    assert result.stdout == ""
    assert server.received == []


@pytest.mark.parametrize("name", [GOOD_KEY, "", "1KEY", "MY KEY", "KEY=x"])
def test_api_key_env_takes_a_variable_name(
    server: ChatServer, env: dict[str, str], name: str
) -> None:
    result = run_cli("--api-key-env", name, "Hi", env=env)

    line = assert_clean_failure(result, 2)
    assert "--api-key-env takes the name of an environment variable" in line
    assert GOOD_KEY not in result.stdout + result.stderr
    assert server.received == []


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("sk-good\nkey-1234", "a line break at position 8"),
        ("sk-good\r\nX-Evil: 1234", "a line break at position 8"),
        ("sk-good\x1bkey-1234", "a control character at position 8"),
        ("sk-good-\u043aey-1234", "a non-ASCII character at position 9"),  # Cyrillic "к"
    ],
    ids=["newline", "header-injection", "control", "cyrillic-look-alike"],
)
def test_key_unfit_for_a_header_is_a_usage_error_that_hides_it(
    server: ChatServer, env: dict[str, str], key: str, problem: str
) -> None:
    env[KEY_ENV] = key

    result = run_cli(*KEY_ARGS, "Hi", env=env)

    line = assert_clean_failure(result, 2)
    assert f"the environment variable {KEY_ENV} has {problem}" in line
    output = result.stdout + result.stderr
    for start in range(len(key) - 3):
        assert key[start : start + 4] not in output
    assert server.received == []


def test_api_key_env_on_ai_studio_still_needs_a_folder() -> None:
    result = run_cli(*KEY_ARGS, "Hi", env=clean_env(**{KEY_ENV: GOOD_KEY}))

    line = assert_clean_failure(result, 2)
    assert "YC_FOLDER_ID" in line
    assert GOOD_KEY not in result.stdout + result.stderr


def test_help_explains_where_credentials_go() -> None:
    result = run_cli("--help", env=clean_env())

    assert result.returncode == 0
    assert "--api-key-env NAME" in result.stdout
    assert "sent to AI Studio only" in result.stdout
    assert "ycloud-chat batch --help" in result.stdout  # the subcommand is findable


def test_json_prints_the_whole_result(server: ChatServer, env: dict[str, str]) -> None:
    result = run_cli(*KEY_ARGS, "--json", "Hi", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [request] = server.received
    assert request.body["stream"] is False
    assert request.headers["authorization"] == f"Bearer {GOOD_KEY}"
    data = json.loads(result.stdout)
    assert data["text"] == ANSWER
    assert data["status"] == "final"
    assert data["choices"][0]["text"] == ANSWER
    assert data["usage"] == {**USAGE, "reasoning_tokens": None}
    assert data["id"] == "chatcmpl-run"
    assert data["model"] == f"gpt://{FOLDER}/yandexgpt/latest"
    assert data["request_id"] == request.headers["x-client-request-id"]
    assert data["server_request_id"] == SERVER_REQUEST_ID


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (
            ["please truncate"],
            "cut short by the model's context size (no --max-tokens was set)",
        ),
        (["--max-tokens", "4", "please truncate"], "cut short by --max-tokens=4"),
        (
            ["--max-tokens", "9", "please truncate"],
            "cut short by the model's context size (4 tokens, below --max-tokens=9)",
        ),
        (["please filter"], "stopped by the content filter"),
    ],
)
def test_unusual_finish_is_noted_on_stderr(env: dict[str, str], args: list[str], note: str) -> None:
    result = run_cli(*args, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ANSWER + "\n"
    assert note in result.stderr


@pytest.mark.parametrize("mode", [[], ["--json"]], ids=["stream", "json"])
def test_wrong_key_is_a_clean_error(
    server: ChatServer, env: dict[str, str], mode: list[str]
) -> None:
    env[KEY_ENV] = WRONG_KEY

    result = run_cli(*KEY_ARGS, *mode, "Hi", env=env)

    line = assert_clean_failure(result, 1)
    assert "401" in line
    assert "Unknown api key" in line
    assert SERVER_REQUEST_ID in line
    assert "hint" not in line
    assert result.stdout == ""
    assert WRONG_KEY not in result.stdout + result.stderr
    [request] = server.received  # a 401 is not retried
    assert request.headers["authorization"] == f"Bearer {WRONG_KEY}"


def test_missing_credentials_is_a_usage_error_in_the_command_s_terms() -> None:
    result = run_cli("Hi", env=clean_env())

    line = assert_clean_failure(result, 2)
    assert "no credentials for AI Studio: set YC_API_KEY" in line
    assert "--api-key-env" in line
    assert "auth=" not in line
    assert result.stdout == ""


def test_missing_folder_is_a_usage_error_in_the_command_s_terms() -> None:
    result = run_cli("Hi", env=clean_env(YC_API_KEY=GOOD_KEY))

    line = assert_clean_failure(result, 2)
    assert "pass --folder-id or set YC_FOLDER_ID" in line
    assert "folder_id=" not in line
    assert GOOD_KEY not in result.stdout + result.stderr


def test_a_set_but_unusable_key_gets_no_hint_to_set_it() -> None:
    env = clean_env(YC_API_KEY="sk-good key", YC_FOLDER_ID=FOLDER)

    result = run_cli("Hi", env=env)

    line = assert_clean_failure(result, 2)
    assert "the environment variable YC_API_KEY has a space at position 8" in line
    assert "hint" not in line
    assert "sk-good" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--temperature", "warm"], "invalid float value"),
        (["--max-tokens", "1.5"], "invalid int value"),
        (["--temperature", "5"], "--temperature must be from 0 to 2"),
        (["--max-tokens", "-1"], "--max-tokens must be a positive integer"),
        (["--timeout", "0"], "--timeout must be a positive"),
        (["--base-url", "ftp://example"], "--base-url must be an http(s) URL"),
    ],
)
def test_bad_option_values_exit_2(
    server: ChatServer, env: dict[str, str], args: list[str], words: str
) -> None:
    result = run_cli(*args, "Hi", env=env)

    assert result.returncode == 2
    assert words in result.stderr
    assert not re.search(r"(?<![\w-])(temperature|max_tokens|timeout|base_url)\b", result.stderr)
    assert "Traceback" not in result.stderr
    assert server.received == []


def test_connection_refused_is_a_clean_error(server: ChatServer, env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"

    started = time.monotonic()
    result = run_cli("--base-url", url, "--timeout", "5", "Hi", env=env)

    line = assert_clean_failure(result, 1)
    assert "connection failed" in line
    assert time.monotonic() - started < 30
    assert server.received == []  # --base-url wins over YC_BASE_URL


def test_ctrl_c_exits_130_without_a_traceback(server: ChatServer, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ycloud_chat", STALL_PROMPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        # Ctrl-C as in a terminal, even when this suite runs as a background job of a shell,
        # which starts its commands with SIGINT ignored (and Python keeps it ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    # The first delta is printed (and flushed) before the server stalls.
    assert process.stdout.read(len(DELTAS[0])) == DELTAS[0].encode()

    process.send_signal(signal.SIGINT)
    exit_code = process.wait(timeout=20)
    stdout = process.stdout.read().decode()
    stderr = process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()

    assert exit_code == 130
    assert stdout == "\n"  # the answer's line ends before the error's (on a terminal, one)
    assert "Traceback" not in stderr
    assert stderr == "ycloud-chat: error: interrupted\n"


def test_no_prompt_on_a_terminal_prints_how_to_give_one(env: dict[str, str]) -> None:
    """It does not wait on a terminal for a prompt nobody knows to type."""
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ycloud_chat"],
            stdin=terminal,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(controller)

    assert result.returncode == 2
    assert result.stderr.startswith("usage: ycloud-chat")
    assert 'no prompt: pass it as an argument (ycloud-chat "Hi"), or on stdin' in result.stderr
    assert result.stdout == ""


def test_the_readme_names_every_option() -> None:
    """The README's command-line section lists each option, and `--help` for the rest."""
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = readme.partition("## The command line")[2].partition("\n## ")[0]
    options = [
        option
        for action in ycloud_chat._cli.build_parser()._actions
        for option in action.option_strings
        if option.startswith("--")
    ]
    assert "--allow-insecure-http" in options
    missing = [option for option in options if f"`{option}`" not in section]
    assert missing == [], "the README's command-line section does not name these options"


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "ycloud_chat"],
        [str(Path(sys.executable).with_name("ycloud-chat"))],
    ],
    ids=["python-m", "console-script"],
)
def test_version(command: list[str]) -> None:
    result = run_cli("--version", env=clean_env(), command=command)

    assert result.returncode == 0
    assert result.stdout == f"ycloud-chat {ycloud_chat.__version__}\n"


def test_plain_http_to_another_host_needs_the_flag(server: ChatServer, env: dict[str, str]) -> None:
    url = "http://192.0.2.1:9/v1"  # TEST-NET-1: nothing answers there

    result = run_cli("--base-url", url, "Hi", env=env)
    line = assert_clean_failure(result, 2)
    assert "pass --allow-insecure-http if" in line  # the flag, not the SDK's argument
    assert "allow_insecure_http" not in line

    # With the flag the request is made: through a proxy, which is the local server (the
    # test reaches no other host), refusing it with a 404.
    host, port = server.server_address[:2]
    proxy = f"http://{host!s}:{port}"
    proxied = {**env, "HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    flagged = run_cli("--allow-insecure-http", "--base-url", url, "Hi", env=proxied)
    line = assert_clean_failure(flagged, 1)
    assert "no route http://192.0.2.1:9/v1/chat/completions" in line
    assert [received.path for received in server.received] == [f"{url}/chat/completions"]
