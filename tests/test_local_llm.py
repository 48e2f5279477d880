"""The local model's tooling: a chosen port, pruned logs, the tools template, nox's wrappers."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any

import noxfile
import pytest

# build_tools/ is no package: the module the noxfile put on the path and loaded.
local_llm: Any = sys.modules["local_llm"]


def test_server_logs_are_pruned_to_the_newest(tmp_path: Path) -> None:
    for age, port in enumerate([5001, 5002, 5003, 5004]):
        log = tmp_path / f"server-{port}.log"
        log.write_text("log")
        os.utime(log, (1_000_000 - age, 1_000_000 - age))  # 5001 is the newest
    (tmp_path / "build.log").write_text("kept: not a server log")

    removed = local_llm.prune_server_logs(tmp_path, keep=2)

    assert sorted(path.name for path in removed) == ["server-5003.log", "server-5004.log"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "build.log",
        "server-5001.log",
        "server-5002.log",
    ]


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(local_llm.LocalLLMError, match=f"port {port} on 127.0.0.1 is taken"):
            local_llm._check_port_free(port)


@pytest.mark.parametrize("text", ["0", "65536", "http", "8o"])
def test_a_port_is_a_number_in_range(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        local_llm.main(["serve", "--port", text])
    assert exit_info.value.code == 2
    assert "a port is a number from 1 to 65535" in capsys.readouterr().err


def test_the_server_gets_the_template_with_tools() -> None:
    built = local_llm.Artifacts(server=Path("llama-server"), model=Path("model.gguf"))
    command = local_llm.server_command(built, 8080)
    template = Path(command[command.index("--chat-template-file") + 1])
    assert template.is_file()
    assert "<tool_call>" in template.read_text()
    assert command[command.index("--port") + 1] == "8080"


class FakeSession:
    """What the noxfile's helpers use of a nox session."""

    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs
        self.logs: list[str] = []

    def log(self, message: str) -> None:
        self.logs.append(message)

    def error(self, message: str) -> None:
        raise AssertionError(message)


@pytest.mark.parametrize(
    ("posargs", "expected"),
    [
        ([], ["serve"]),
        (["--port", "8080"], ["serve", "--port", "8080"]),
        (["build"], ["build"]),
    ],
)
def test_nox_llm_takes_a_port(
    monkeypatch: pytest.MonkeyPatch, posargs: list[str], expected: list[str]
) -> None:
    called: list[list[str]] = []

    def main(args: list[str]) -> int:
        called.append(args)
        return 0

    monkeypatch.setattr(local_llm, "main", main)
    noxfile.llm(FakeSession(posargs))
    assert called == [expected]


def test_the_demo_says_when_it_stopped_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    class Server:
        base_url = "http://127.0.0.1:9/v1"
        stopped = False

        class process:
            pid = 4242

        def stop(self) -> None:
            self.stopped = True

    server = Server()
    monkeypatch.setattr(local_llm, "start_server", lambda **kwargs: server)
    session: Any = FakeSession([])
    with noxfile._local_model(session) as url:
        assert url == server.base_url
    assert server.stopped
    assert session.logs[-1] == "stopped the local model, smollm2-135m (llama-server, pid 4242)"
