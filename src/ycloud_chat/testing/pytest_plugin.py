"""The testing kit's pytest plugin: the `fake_chat_api` fixture.

pytest loads it on its own wherever ycloud-chat is installed (a `pytest11` entry point
named `ycloud_chat`; `-p no:ycloud_chat` turns it off). It imports nothing of the SDK until
a test asks for the fixture. With plugin autoloading turned off, name it yourself:
`-p ycloud_chat.testing.pytest_plugin`.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._fake import FakeChatAPI

__all__ = ["PLACEHOLDER_API_KEY", "PLACEHOLDER_FOLDER_ID", "fake_chat_api"]

PLACEHOLDER_FOLDER_ID = "b1g-fake-folder"
"""The `YC_FOLDER_ID` that `fake_chat_api` sets for a test when none is set."""
PLACEHOLDER_API_KEY = "fake-api-key"
"""The `YC_API_KEY` that `fake_chat_api` sets for a test when no AI Studio credential is set."""

_FAKE = pytest.StashKey["FakeChatAPI"]()
_REPORTED = pytest.StashKey[int]()  # how many unanswered requests were reported so far
_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def fake_chat_api(request: pytest.FixtureRequest) -> Iterator[FakeChatAPI]:
    """A `FakeChatAPI` answering every SDK that the code under test makes, for one test.

    Every `ChatSDK()` and `AsyncChatSDK()` that makes its own HTTP client, before the test
    or during it, anywhere in the process, sends its requests to this fake instead of the
    network, whatever its `base_url` (an SDK given `http_client=` is left alone). When
    `YC_FOLDER_ID`, or every one of `YC_API_KEY`, `YC_IAM_TOKEN` and `YC_TOKEN`, is unset,
    it is set to a placeholder for the test, so that `ChatSDK()` finds credentials.

    The test fails when the code under test sends a request that no scripted reply
    accepts, even if that code catches the 400 it gets; the report shows the request.
    After the test, scripted replies that were never used fail it too, unless they were
    scripted with `optional=True`. It works on asyncio and trio alike.

    ```python
    from ycloud_chat import ChatSDK
    from ycloud_chat.testing import FakeChatAPI


    def greet() -> str:
        with ChatSDK() as sdk:  # the application's own code: no injection
            return sdk.chat.completions("yandexgpt").run("Hi").text


    def test_greet(fake_chat_api: FakeChatAPI) -> None:
        fake_chat_api.reply("Hello!")
        assert greet() == "Hello!"
        assert fake_chat_api.last_request.messages == [{"role": "user", "content": "Hi"}]
    ```
    """
    from ._fake import FakeChatAPI

    fake = FakeChatAPI()
    node: pytest.Item = request.node
    with pytest.MonkeyPatch.context() as patch, fake.intercept():
        if not os.environ.get("YC_FOLDER_ID"):
            patch.setenv("YC_FOLDER_ID", PLACEHOLDER_FOLDER_ID)
        if not any(os.environ.get(name) for name in ("YC_API_KEY", "YC_IAM_TOKEN", "YC_TOKEN")):
            patch.setenv("YC_API_KEY", PLACEHOLDER_API_KEY)
        node.stash[_FAKE] = fake
        try:
            yield fake
        finally:
            del node.stash[_FAKE]
    unanswered = _unanswered_report(fake, node)
    if unanswered:
        pytest.fail(unanswered, pytrace=False)
    if fake.unused and not node.stash.get(_CALL_FAILED, False):
        lines = "\n".join(f"  {reply.describe()}" for reply in fake.unused)
        pytest.fail(
            f"fake_chat_api: scripted replies that no request used:\n{lines}\n"
            "Script them with optional=True if they may go unused.",
            pytrace=False,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    """Fail a test whose code sent a request that no scripted reply accepts."""
    outcome = yield
    fake = item.stash.get(_FAKE, None)
    if fake is None:
        return
    failed = outcome.excinfo is not None
    report = _unanswered_report(fake, item)
    item.stash[_CALL_FAILED] = failed or bool(report)  # no more reports at teardown then
    if not report:
        return
    if failed:  # keep the test's own failure; the report tells what the fake was asked
        item.add_report_section("call", "fake_chat_api", report)
    else:
        outcome.force_exception(pytest.fail.Exception(report, pytrace=False))


def _unanswered_report(fake: FakeChatAPI, node: pytest.Item) -> str:
    """What to say about the unanswered requests not reported yet ("" when there are none)."""
    unanswered = fake.unanswered
    reported = node.stash.get(_REPORTED, 0)
    node.stash[_REPORTED] = len(unanswered)
    fresh = unanswered[reported:]
    if not fresh:
        return ""
    lines = ["fake_chat_api: the code under test sent requests that no scripted reply accepts:"]
    for record in fresh:
        lines += [f"  {line}" for line in record.describe().splitlines()]
        lines.append(f"    -> 400: {record.unanswered}")
    if fake.replies:
        lines.append("The scripted replies:")
        lines += [f"  {reply.describe()}" for reply in fake.replies]
    else:
        lines.append("No reply is scripted: use fake_chat_api.reply(...) and friends.")
    return "\n".join(lines)
