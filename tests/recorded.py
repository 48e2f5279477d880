"""The tools and the answer model of the recordings (tests/cassettes), exactly as recorded."""

from __future__ import annotations

from pydantic import BaseModel

from ycloud_chat import FunctionTool


class Numbers(BaseModel):
    numbers: list[int]


SOMETHING = FunctionTool(
    name="something",
    description="Tool which have to collect all the numbers from user message and do a SOMETHING "
    "with it",
    parameters=Numbers.model_json_schema(),
)

CALCULATOR = FunctionTool(
    name="calculator",
    description="A simple calculator that performs basic arithmetic and @ operations; call it on "
    "ANY arithmetic questions",
    parameters={
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "description": "The mathematical expression to evaluate (e.g., '2 + 3 * 4').",
            }
        },
        "required": ["expression"],
    },
    strict=True,
)
