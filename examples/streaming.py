"""Stream an answer and print each piece as it arrives.

python examples/streaming.py http://127.0.0.1:8080/v1
"""

from __future__ import annotations

import time

from _common import base_url, model_name, timed

from ycloud_chat import ChatSDK


def main() -> None:
    """Print the deltas as they come, then the time to the first one and the final status."""
    with ChatSDK(base_url=base_url()) as sdk:
        model = sdk.chat.completions(model_name()).configure(
            temperature=0,
            max_tokens=80,
        )
        started = time.perf_counter()
        first_piece: float | None = None
        chunks = 0
        with model.run_stream("Write a short poem about the sea.") as stream:
            for partial in stream:
                if partial.delta and first_piece is None:
                    first_piece = time.perf_counter() - started
                chunks += 1
                print(partial.delta, end="", flush=True)
        print()
        elapsed = time.perf_counter() - started
        final = stream.result
        assert final is not None, "the server sent no chunk"
        print(f"{chunks} chunks in {elapsed:.2f} s, finish reason {final.finish_reason}")
        if first_piece is not None:
            print(f"the first piece arrived after {first_piece:.2f} s")
        if final.usage:
            tokens = final.usage.completion_tokens
            print(f"{tokens} tokens, {tokens / elapsed:.0f} tokens/s")


if __name__ == "__main__":
    with timed("streaming.py"):
        main()
