"""Tools: the model calls a Python function, `run_tools` answers it, the model answers in words.

python examples/tools.py http://127.0.0.1:8080/v1

The local SmolLM2-135M calls a tool once it has seen one call in its history: alone, at this
size, it answers in words even when told to call (`tool_choice="required"`). So the history
below opens with one worked turn, as a few-shot prompt; a larger model needs none.
"""

from __future__ import annotations

from typing import Any

from _common import EXAMPLE_TOOL_TURN, base_url, model_name, timed

from ycloud_chat import ChatSDK

CALLS: list[str] = []


def get_weather(city: str) -> dict[str, Any]:
    """The current weather in a city.

    Args:
        city: the city's name.
    """
    CALLS.append(city)
    return {"city": city, "degrees": 21, "sky": "clear"}


def main() -> None:
    """Ask about the weather, let the model call `get_weather`, and print the exchange."""
    with ChatSDK(base_url=base_url()) as sdk:
        model = sdk.chat.completions(model_name()).configure(
            tools=[get_weather], temperature=0, max_tokens=60
        )
        with timed("run_tools"):
            run = model.run_tools(
                [*EXAMPLE_TOOL_TURN, "What is the weather in Oslo?"], max_rounds=3
            )
        for message in run.messages[len(EXAMPLE_TOOL_TURN) + 1 :]:
            for call in message.get("tool_calls") or ():
                function = call["function"]
                print(f"the model called {function['name']}({function['arguments']})")
            if message["role"] == "tool":
                print(f"the function answered: {message['content']}")
        print(f"final answer after {run.rounds} runs of the model: {run.text.strip()!r}")
        if not CALLS:
            raise SystemExit("the model answered without calling the tool")


if __name__ == "__main__":
    with timed("tools.py"):
        main()
