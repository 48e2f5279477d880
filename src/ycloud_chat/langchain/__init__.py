"""LangChain over ycloud-chat: `ChatYCloud` (a chat model) and `YCloudEmbeddings`.

Both run on the SDK itself (its retries, deadlines, errors and connection pool), made from
settings (`ChatYCloud(model="yandexgpt", folder_id=...)`) or from a model of yours
(`sdk.chat.completions("yandexgpt").langchain()`). Needs `langchain-core`:
`pip install "ycloud-chat[langchain]"`.
"""

try:
    import langchain_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is installed wherever this is tested
    raise ImportError(
        'ycloud_chat.langchain needs langchain-core: pip install "ycloud-chat[langchain]"'
    ) from exc

from ._chat import ChatYCloud
from ._embeddings import YCloudEmbeddings

__all__ = ["ChatYCloud", "YCloudEmbeddings"]
