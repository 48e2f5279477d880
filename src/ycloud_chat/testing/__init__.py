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
both shapes (vLLM-style with a usage chunk, and AI Studio's), error bodies and SSE error
events, so code tested against it holds against the real service.
"""

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
