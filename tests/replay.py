"""Replay VCR cassettes (tests/cassettes, recorded from production) through httpx.MockTransport.

Each request the SDK sends is checked against the next recorded interaction: method, URL,
JSON body and the headers that matter; the recorded response is then played back.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

CASSETTES = Path(__file__).parent / "cassettes"
USER_AGENT = re.compile(r"^ycloud-chat/\d+\.\d+\.\d+\S* python/3\.\d+$")
_DROPPED_RESPONSE_HEADERS = {"content-length", "transfer-encoding", "content-encoding"}


def load(name: str) -> list[dict[str, Any]]:
    """The interactions of one cassette, e.g. `test_completions/test_run`."""
    text = (CASSETTES / f"{name}.yaml").read_text("utf-8")
    interactions: list[dict[str, Any]] = yaml.safe_load(text)["interactions"]
    return interactions


def recorded_body(interaction: dict[str, Any]) -> Any:
    """The JSON body the reference SDK sent, or None for a bodiless request."""
    body = interaction["request"]["body"]
    return json.loads(body) if body else None


@dataclass
class Replay:
    """A MockTransport handler that checks each request and answers from the cassette."""

    name: str
    interactions: list[dict[str, Any]] = field(init=False)
    requests: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.interactions = load(self.name)

    @property
    def done(self) -> bool:
        """True once every recorded interaction has been replayed."""
        return len(self.requests) == len(self.interactions)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert len(self.requests) < len(self.interactions), (
            f"{self.name}: unexpected extra request {request.method} {request.url}"
        )
        interaction = self.interactions[len(self.requests)]
        self.requests.append(request)
        check_request(request, interaction)
        response = interaction["response"]
        headers = {
            name: values[0]
            for name, values in response["headers"].items()
            if name.lower() not in _DROPPED_RESPONSE_HEADERS
        }
        return httpx.Response(
            response["status"]["code"],
            headers=headers,
            content=response["body"]["string"].encode("utf-8"),
        )


def check_request(request: httpx.Request, interaction: dict[str, Any]) -> None:
    """Assert the SDK's request equals the recorded one where it matters."""
    recorded = interaction["request"]
    assert request.method == recorded["method"]
    assert str(request.url) == recorded["uri"]
    body = json.loads(request.content) if request.content else None
    assert body == recorded_body(interaction)
    assert USER_AGENT.match(request.headers["user-agent"]), request.headers["user-agent"]
    assert uuid.UUID(request.headers["x-client-request-id"]).version == 4
    assert request.headers["authorization"].startswith("Api-Key ")
    if request.method == "POST":
        assert request.headers["content-type"] == "application/json"
    for name in ("openai-project",):
        if name in recorded["headers"]:
            assert request.headers.get(name) == recorded["headers"][name][0]
        else:
            assert name not in request.headers


def folder_of(interaction: dict[str, Any]) -> str:
    """The folder id in a recorded chat request's model URI (or the models listing header)."""
    body = recorded_body(interaction)
    if body is None:
        folder: str = interaction["request"]["headers"]["openai-project"][0]
        return folder
    return str(body["model"]).split("/")[2]
