"""Structured output: the server is held to a JSON schema made from a pydantic model.

python examples/structured_output.py http://127.0.0.1:8080/v1
"""

from __future__ import annotations

from _common import base_url, model_name, timed
from pydantic import BaseModel

from ycloud_chat import ChatSDK


class City(BaseModel):
    """What the answer must be: one JSON object of this shape."""

    name: str
    country: str
    population_millions: float


def main() -> None:
    """Ask for a city as JSON following `City`'s schema and validate the answer into it."""
    with ChatSDK(base_url=base_url()) as sdk:
        model = sdk.chat.completions(model_name()).configure(
            temperature=0, max_tokens=80, response_format=City
        )
        with timed("structured run"):
            result = model.run("Describe Paris as JSON: name, country and population in millions.")
        print(f"raw JSON: {result.text.strip()}")
        city = result.parse(City)  # also `result.parsed`, typed Any
        print(f"as a pydantic model: {city!r}")


if __name__ == "__main__":
    with timed("structured_output.py"):
        main()
