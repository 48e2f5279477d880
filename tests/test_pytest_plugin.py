"""The pytest plugin, run by pytest on test files made here: what passes, what fails and how.

Each made-up test suite runs in process with pytester; the plugin comes from the package's
`pytest11` entry point, as it does for users.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

HEADER = """
import pytest

from ycloud_chat import AsyncChatSDK, ChatSDK, YCloudChatError
from ycloud_chat.testing import FakeChatAPI


def ask(question: str) -> str:
    with ChatSDK() as sdk:
        return sdk.chat.completions("yandexgpt").run(question).text


def ask_quietly(question: str) -> str:
    try:
        return ask(question)
    except YCloudChatError:
        return "sorry"  # code that hides a failed call
"""


def clean_environment() -> dict[str, str]:
    """This process's environment less what other tests of the suite set for their own use."""
    return {name: value for name, value in os.environ.items() if name not in LEAKS}


# The Django example's conftest names its settings module in the environment when collected.
LEAKS = {"DJANGO_SETTINGS_MODULE"}


def run(pytester: pytest.Pytester, tests: str, *args: str) -> pytest.RunResult:
    """Run pytest on these tests in a fresh interpreter, as a user's suite runs."""
    pytester.makepyfile(test_app=HEADER + textwrap.dedent(tests))
    with pytest.MonkeyPatch.context() as patch:
        for name in LEAKS:
            patch.delenv(name, raising=False)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", *args)


SUITE = """
def test_passing(fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("Hello!")
    fake_chat_api.reply("never asked", optional=True)
    assert ask("Hi") == "Hello!"


def test_hidden(fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("for the lite model", model="yandexgpt-lite", optional=True)
    assert ask_quietly("What is a platypus?") == "sorry"


def test_broken(fake_chat_api: FakeChatAPI) -> None:
    assert ask_quietly("Hi") == "Hello!"


def test_predicate(fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("x", when=lambda messages: messages[3]["content"] == "x")
    assert ask_quietly("Hi") == "sorry"


def test_unused(fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("Hello!", times=2)
    fake_chat_api.reply_models(["yandexgpt"], times=None)
    fake_chat_api.fail(429, optional=True)
    assert ask("Hi") == "Hello!"


def test_fails_early(fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("Hello!")
    assert 1 == 2


@pytest.fixture
def goodbye(fake_chat_api: FakeChatAPI):
    yield
    ask_quietly("Goodbye")  # in a teardown that runs before the fake's own


def test_goodbye(goodbye: None, fake_chat_api: FakeChatAPI) -> None:
    fake_chat_api.reply("Hello!")
    assert ask("Hi") == "Hello!"
"""


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The output of one run of SUITE (one interpreter start for every case below)."""
    folder = tmp_path_factory.mktemp("suite")
    (folder / "test_app.py").write_text(HEADER + SUITE, "utf-8")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", str(folder)]
    run = subprocess.run(
        command, capture_output=True, text=True, cwd=folder, env=clean_environment()
    )
    return run.stdout


def section(output: str, test: str) -> list[str]:
    """The lines of the report section about one test (its failure or its teardown error)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("_") and f" {test} " in line)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith(("___", "===="))),
        len(lines),
    )
    return lines[start:end]


def test_the_outcomes(suite: str) -> None:
    summary = [
        line for line in suite.splitlines() if line.startswith(("PASSED", "FAILED", "ERROR"))
    ]
    assert sorted(line.split(" - ")[0] for line in summary) == [
        "ERROR test_app.py::test_goodbye",
        "ERROR test_app.py::test_unused",
        "FAILED test_app.py::test_broken",
        "FAILED test_app.py::test_fails_early",
        "FAILED test_app.py::test_hidden",
        "FAILED test_app.py::test_predicate",
        "PASSED test_app.py::test_goodbye",
        "PASSED test_app.py::test_passing",
        "PASSED test_app.py::test_unused",
    ]


def test_an_unscripted_request_fails_the_test_even_when_caught(suite: str) -> None:
    assert section(suite, "test_hidden")[1:] == [
        "fake_chat_api: the code under test sent requests that no scripted reply accepts:",
        "  POST /v1/chat/completions model='gpt://b1g-fake-folder/yandexgpt/latest' stream=False",
        '    {"role": "user", "content": "What is a platypus?"}',
        "    -> 400: FakeChatAPI has no scripted reply for POST /v1/chat/completions"
        " (model 'gpt://b1g-fake-folder/yandexgpt/latest'); script one with fake.reply(...)"
        " and friends",
        "The scripted replies:",
        "  reply('for the lite model') model='yandexgpt-lite' used 0 of 1",
    ]


def test_a_failing_test_keeps_its_own_failure(suite: str) -> None:
    lines = section(suite, "test_broken")
    assert any("assert 'sorry' == 'Hello!'" in line for line in lines)
    report = lines.index(next(line for line in lines if "Captured fake_chat_api call" in line))
    assert lines[report + 1].startswith("fake_chat_api: the code under test sent requests")
    assert "No reply is scripted: use fake_chat_api.reply(...) and friends." in lines


def test_a_failing_predicate_is_reported(suite: str) -> None:
    assert any(
        "-> 400: FakeChatAPI could not answer: IndexError" in line
        for line in section(suite, "test_predicate")
    )


def test_unused_replies_fail_at_teardown(suite: str) -> None:
    lines = section(suite, "test_unused")
    assert "ERROR at teardown of test_unused" in lines[0]
    assert lines[-4:] == [
        "fake_chat_api: scripted replies that no request used:",
        "  reply('Hello!') used 1 of 2",
        "  reply_models(['yandexgpt']) used 0 (times=None)",
        "Script them with optional=True if they may go unused.",
    ]


def test_a_failed_test_does_not_also_report_its_unused_replies(suite: str) -> None:
    assert "ERROR at teardown of test_fails_early" not in suite


def test_a_request_after_the_test_body_fails_at_teardown(suite: str) -> None:
    lines = section(suite, "test_goodbye")
    assert "ERROR at teardown of test_goodbye" in lines[0]
    assert '    {"role": "user", "content": "Goodbye"}' in lines


def test_async_tests_on_both_backends(pytester: pytest.Pytester) -> None:
    # One run for both backends: each run of a fresh pytest costs seconds.
    result = run(
        pytester,
        """
        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request: pytest.FixtureRequest) -> str:
            return str(request.param)


        @pytest.mark.anyio
        async def test_answered(fake_chat_api: FakeChatAPI) -> None:
            fake_chat_api.reply_stream(["Hel", "lo"])
            async with AsyncChatSDK() as sdk:
                async with sdk.chat.completions("yandexgpt").run_stream("Hi") as stream:
                    assert [partial.delta async for partial in stream if partial.delta] == [
                        "Hel",
                        "lo",
                    ]


        @pytest.mark.anyio
        async def test_unscripted(fake_chat_api: FakeChatAPI) -> None:
            async with AsyncChatSDK() as sdk:
                try:
                    await sdk.chat.completions("yandexgpt").run("Hi")
                except YCloudChatError:
                    pass
        """,
    )
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "PASSED test_app.py::test_answered[[]asyncio[]]*",
            "PASSED test_app.py::test_answered[[]trio[]]*",
            "FAILED test_app.py::test_unscripted[[]asyncio[]]*",
            "FAILED test_app.py::test_unscripted[[]trio[]]*",
        ]
    )


def test_the_plugin_can_be_turned_off_and_named(pytester: pytest.Pytester) -> None:
    tests = """
        def test_ask(fake_chat_api: FakeChatAPI) -> None:
            fake_chat_api.reply("Hello!")
            assert ask("Hi") == "Hello!"
        """
    run(pytester, tests, "-p", "no:ycloud_chat").assert_outcomes(errors=1)
    named = run(pytester, tests, "-p", "no:ycloud_chat", "-p", "ycloud_chat.testing.pytest_plugin")
    named.assert_outcomes(passed=1)


def test_loading_the_plugin_imports_no_http_library() -> None:
    heavy = "{'httpx', 'pydantic', 'anyio', 'ycloud_chat.testing._fake'}"
    probe = (
        f"import sys, ycloud_chat.testing.pytest_plugin\nprint(sorted({heavy} & set(sys.modules)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
