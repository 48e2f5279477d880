"""A fake of the chat API for testing applications that use ycloud-chat, without a network.

Script the answers, hand the SDK a client answered by the fake (or serve it on a loopback
port), then assert on the requests it recorded:

```python
from ycloud_chat import ChatSDK
from ycloud_chat.testing import FakeChatAPI

fake = FakeChatAPI()
fake.reply_stream(["Hel", "lo!"])
with fake.client() as client, ChatSDK(folder_id="f", auth="k", http_client=client) as sdk:
    with sdk.chat.completions("yandexgpt").run_stream("Hi") as stream:
        assert "".join(partial.delta for partial in stream) == "Hello!"
assert fake.last_request.stream
```

It writes exactly the wire format of the service: `chat.completion` bodies, SSE streams in
both shapes (vLLM-style, and YandexGPT's), the usage chunk only when asked (always as AI
Studio, which sends it unasked), OpenAI-style error bodies and SSE error events, so code
tested against it holds against the real service.

Under pytest, the `fake_chat_api` fixture (see `ycloud_chat.testing.pytest_plugin`) does the
wiring: every SDK the code under test makes talks to the fake.

Names are imported when first used, so that pytest loading the plugin costs nothing.
"""

from typing import TYPE_CHECKING

# The public names, listed once: type checkers read these imports, and at run time each
# name is imported on first use from the module that `_exports.py` (generated from these
# lines by build_tools/unasync.py) records for it.
if TYPE_CHECKING:
    from ._fake import CompletionOptions as CompletionOptions
    from ._fake import FakeChatAPI as FakeChatAPI
    from ._fake import FakeTransport as FakeTransport
    from ._fake import RecordedRequest as RecordedRequest
    from ._fake import ReplyOptions as ReplyOptions
    from ._wire import FakeToolCall as FakeToolCall
    from ._wire import Reply as Reply
    from ._wire import StreamShape as StreamShape

    __all__: list[str]  # these names, in the order `_exports.py` has them


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all
    from .._lazy import lazy_attributes

    __all__, __getattr__, __dir__ = lazy_attributes(__name__, globals())
    del lazy_attributes
