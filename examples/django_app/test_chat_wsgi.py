"""The example site under WSGI (Django's test Client): JSON, form and SSE views, disconnects."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable

from django.test import Client

from ycloud_chat.testing import FakeChatAPI

QUESTION = "What is a platypus?"


def events(chunks: Iterable[bytes]) -> list[tuple[str, dict[str, object]]]:
    """The (event, data) pairs of a server-sent event stream."""
    parsed = []
    for block in b"".join(chunks).decode().split("\n\n"):
        if block:
            name, data = block.split("\n")
            parsed.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return parsed


def wait_until(condition: Callable[[], bool], deadline: float = 5.0) -> None:
    """Wait for something another thread does, failing after `deadline` seconds."""
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, "the condition did not come true in time"
        time.sleep(0.01)


def test_ask_answers_with_json(fake: FakeChatAPI) -> None:
    fake.reply("An egg-laying mammal.")
    response = Client().get("/ask/", {"q": QUESTION})
    assert response.status_code == 200
    assert response.json()["answer"] == "An egg-laying mammal."
    request = fake.last_request
    assert request.messages == [{"role": "user", "content": QUESTION}]
    assert request.model == "gpt://b1g-site-folder/yandexgpt/latest"
    assert request.json["temperature"] == 0.3
    assert response.json()["request_id"] == request.headers["x-client-request-id"]


def test_ask_without_a_question_sends_nothing(fake: FakeChatAPI) -> None:
    response = Client().get("/ask/")
    assert response.status_code == 400
    assert fake.requests == []


def test_ask_reports_an_upstream_failure(fake: FakeChatAPI) -> None:
    fake.fail(500, "internal", times=None)
    response = Client().get("/ask/", {"q": QUESTION})
    assert response.status_code == 502
    assert response.json()["request_id"] == fake.last_request.headers["x-client-request-id"]
    assert len(fake.requests) == 3  # the SDK retried twice before giving up


def test_form_shows_and_answers(fake: FakeChatAPI) -> None:
    fake.reply("Platypuses lay eggs.")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/")
    assert page.status_code == 200
    assert b'name="question"' in page.content
    token = page.cookies["csrftoken"].value
    answer = client.post("/", {"question": QUESTION, "csrfmiddlewaretoken": token})
    assert answer.status_code == 200
    assert b"Platypuses lay eggs." in answer.content
    assert fake.last_request.messages[-1]["content"] == QUESTION


def test_form_rejects_an_empty_question(fake: FakeChatAPI) -> None:
    response = Client().post("/", {"question": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert fake.requests == []


def test_stream_relays_the_deltas_as_events(fake: FakeChatAPI) -> None:
    fake.reply_stream(["Platy", "puses ", "lay eggs."])
    response = Client().get("/stream/", {"q": QUESTION})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response.streaming
    assert events(response.streaming_content) == [
        ("delta", {"text": "Platy"}),
        ("delta", {"text": "puses "}),
        ("delta", {"text": "lay eggs."}),
        ("done", {"finish_reason": "stop"}),
    ]
    assert fake.last_request.stream
    assert fake.last_request.response_completed


def test_stream_reports_an_error_event(fake: FakeChatAPI) -> None:
    fake.fail_stream("overloaded", after=["Platy"])
    response = Client().get("/stream/", {"q": QUESTION})
    parsed = events(response.streaming_content)
    assert parsed[0] == ("delta", {"text": "Platy"})
    assert parsed[1][0] == "error"
    assert parsed[1][1]["request_id"] == fake.last_request.headers["x-client-request-id"]


def test_a_client_going_away_closes_the_upstream_stream(fake: FakeChatAPI) -> None:
    fake.reply_stream([f"{n} " for n in range(200)], chunk_delay=0.02)
    response = Client().get("/stream/", {"q": "Count to 200"})
    first = next(iter(response.streaming_content))
    assert b"event: delta" in first
    response.close()  # what a WSGI server does when the browser disconnects
    record = fake.last_request
    wait_until(lambda: record.response_closed)
    assert not record.response_completed
