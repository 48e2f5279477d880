"""A multi-turn chat: each answer goes back into the history of the next question.

python examples/multi_turn.py http://127.0.0.1:8080/v1
"""

from __future__ import annotations

from typing import Any

from _common import base_url, model_name, timed

from ycloud_chat import ChatSDK, TextMessage

TURNS = [
    "My name is Ada and I like astronomy.",
    "What is my name?",
    "Suggest one thing I could look at in the night sky.",
]


def main() -> None:
    """Ask each turn with the whole conversation so far; a result is itself a message."""
    with ChatSDK(base_url=base_url()) as sdk:
        model = sdk.chat.completions(model_name()).configure(temperature=0, max_tokens=60)
        history: list[Any] = [
            TextMessage(role="system", text="You are a brief, friendly assistant.")
        ]
        for number, question in enumerate(TURNS, 1):
            history.append(question)
            with timed(f"turn {number}, {len(history)} messages sent"):
                result = model.run(history)
            history.append(result)
            print(f"user: {question}\nassistant: {result.text.strip()}")


if __name__ == "__main__":
    with timed("multi_turn.py"):
        main()
