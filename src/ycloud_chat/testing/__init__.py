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

if TYPE_CHECKING:
    from ._fake import CompletionOptions, FakeChatAPI, FakeTransport, RecordedRequest, ReplyOptions
    from ._wire import FakeToolCall, Reply, StreamShape

__all__ = [
    "CompletionOptions",
    "FakeChatAPI",
    "FakeToolCall",
    "FakeTransport",
    "RecordedRequest",
    "Reply",
    "ReplyOptions",
    "StreamShape",
]

_LAZY = {
    "CompletionOptions": "._fake",
    "FakeChatAPI": "._fake",
    "FakeTransport": "._fake",
    "RecordedRequest": "._fake",
    "ReplyOptions": "._fake",
    "FakeToolCall": "._wire",
    "Reply": "._wire",
    "StreamShape": "._wire",
}

if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all
    from .._lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals(), __all__)
    del lazy_attributes
