"""A plain blocking script: list the server's models and ask one question.

python examples/sync_basic.py http://127.0.0.1:8080/v1
"""

from __future__ import annotations

from _common import base_url, model_name, timed

from ycloud_chat import ChatSDK


def main() -> None:
    """List the models, then run one prompt and show the answer with its token usage."""
    with ChatSDK(base_url=base_url()) as sdk:
        with timed("list models"):
            models = sdk.chat.completions.list()
        print("models on the server:", ", ".join(model.uri for model in models))

        model = sdk.chat.completions(model_name()).configure(temperature=0, max_tokens=60)
        with timed("one run"):
            result = model.run("In one sentence: what is a platypus?")
        print(f"answer ({result.status.name}): {result.text.strip()}")
        if result.usage:
            print(f"tokens: {result.usage.prompt_tokens} in, {result.usage.completion_tokens} out")


if __name__ == "__main__":
    with timed("sync_basic.py"):
        main()
