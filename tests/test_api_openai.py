"""The OpenAI-compatible routes against a fake assistant: the reply keeps its citations (content, annotations,
``citations``), streamed or not; OpenAI-shaped errors; the official ``openai`` client reads it all."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

from api_fakes import FakeAssistant, make_answer
from borderqa.api import create_app
from borderqa.api.openai_compat import render
from borderqa.config import Settings
from borderqa.errors import GeneratorError, IndexNotReadyError
from borderqa.types import Turn

URL = "http://testserver/v1/passages/{id}"


@pytest.fixture
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
def client(fake: FakeAssistant) -> TestClient:
    return TestClient(create_app(fake), raise_server_exceptions=False)  # type: ignore[arg-type]


def chat(client: TestClient, **body: Any) -> Any:
    return client.post("/v1/chat/completions", json={"model": "borderqa", "messages": [{"role": "user", "content": "How long?"}], **body})


def data_lines(text: str) -> list[Any]:
    out = []
    for block in text.strip().split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data: "):
                payload = line.removeprefix("data: ")
                out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def test_content_ends_with_sources_and_annotations_point_into_it() -> None:
    content, annotations, citations = render(make_answer("How long?"), URL)
    assert content.startswith("Mexico's southern border is 714 miles long [1]. Checkpoints stand north of it [2].\n\nSources:\n")
    assert content.endswith('[2] Border Security Strategy > "Belts of Control", ¶1: "Checkpoints stand along the highways north of the border."')
    assert len(annotations) == 2 == len(citations)
    first = annotations[0]["url_citation"]
    assert content[first["start_index"] : first["end_index"]] == f'[1] Introduction, ¶1: "{make_answer("q").citations[0].quotes[0]}"'
    assert first["url"] == "http://testserver/v1/passages/report:p0001" and first["title"] == "Introduction, ¶1"
    assert annotations[1]["url_citation"]["end_index"] == len(content)
    assert citations[0]["quote"].startswith("This is our first report") and citations[0]["verdict"] == "supported"
    assert citations[1]["verdict"] == "repaired" and citations[1]["quote"].startswith("Checkpoints")
    assert {"id", "document", "section", "paragraph", "quote", "verdict", "url", "marker", "quotes", "text",
            "document_title", "locator", "page", "sources"} == set(citations[0])


def test_completion(client: TestClient, fake: FakeAssistant) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello [1]."}]},
        {"role": "user", "content": "How long?"},
    ]
    r = client.post("/v1/chat/completions", json={"model": "borderqa-extractive", "messages": messages, "temperature": 0.2, "user": "me"})
    assert r.status_code == 200, r.text
    body = r.json()
    content, annotations, citations = render(make_answer("How long?", "extractive"), URL)
    assert body["object"] == "chat.completion" and body["model"] == "borderqa-extractive"
    assert body["id"].startswith("chatcmpl-") and isinstance(body["created"], int)
    assert body["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": content, "refusal": None, "annotations": annotations}, "finish_reason": "stop", "logprobs": None}
    ]
    assert body["citations"] == citations
    assert body["usage"]["completion_tokens"] == len(content.split())
    assert fake.calls == [("ask", "How long?", [Turn("user", "Hi"), Turn("assistant", "Hello [1].")], "extractive")]


def test_stream_sends_verified_content_then_annotations_and_citations_in_the_final_chunk(client: TestClient) -> None:
    r = chat(client, stream=True, stream_options={"include_usage": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    lines = data_lines(r.text)
    assert lines[-1] == "[DONE]"
    chunks = lines[:-1]
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    usage, final = chunks[-1], chunks[-2]
    assert usage["choices"] == [] and usage["usage"]["total_tokens"] > 0
    content, annotations, citations = render(make_answer("How long?", "extractive"), URL)
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1]) == content
    assert final["choices"][0]["finish_reason"] == "stop"
    assert final["choices"][0]["delta"] == {"annotations": annotations}
    assert final["citations"] == citations
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-2])
    assert ": drafting" in r.text  # the draft tokens are not content


def test_stream_failure_mid_way_is_an_openai_error_line() -> None:
    fake = FakeAssistant(fail_mid_stream=GeneratorError("the model server went away"))
    r = chat(TestClient(create_app(fake)), stream=True)  # type: ignore[arg-type]
    assert r.status_code == 200
    last = data_lines(r.text)[-1]
    assert last["error"]["message"] == "the model server went away" and last["error"]["type"] == "api_error"


def test_models(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["borderqa", "borderqa-extractive", "borderqa-local", "borderqa-openai"]
    assert client.get("/v1/models/borderqa-local").json()["id"] == "borderqa-local"


@pytest.mark.parametrize("request_", [lambda c: chat(c, model="gpt-4o"), lambda c: c.get("/v1/models/gpt-4o")])
def test_unknown_model_is_an_openai_404(client: TestClient, fake: FakeAssistant, request_: Any) -> None:
    r = request_(client)
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "model_not_found" and error["type"] == "invalid_request_error" and error["param"] == "model"
    assert "'gpt-4o' does not exist" in error["message"]
    assert fake.calls == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"model": "borderqa", "messages": []}, "messages"),
        ({"model": "borderqa", "messages": [{"role": "system", "content": "x"}]}, "no user message"),
        ({"model": "borderqa", "messages": [{"role": "user", "content": "  "}]}, "empty"),
        ({"model": "borderqa", "messages": [{"role": "robot", "content": "x"}]}, "role"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "borderqa", "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
    ],
)
def test_bad_requests_are_openai_400s(client: TestClient, fake: FakeAssistant, body: dict[str, Any], words: str) -> None:
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and words in error["message"]
    assert fake.calls == []


def test_library_errors_keep_their_status_in_openai_shape() -> None:
    r = chat(TestClient(create_app(FakeAssistant(fail=IndexNotReadyError("index/ is missing: run `borderqa index`")))))  # type: ignore[arg-type]
    assert r.status_code == 503
    assert r.json()["error"]["message"] == "index/ is missing: run `borderqa index`" and r.json()["error"]["type"] == "server_error"


def test_the_openai_client_reads_citations_streamed_and_not(fake: FakeAssistant) -> None:
    http = TestClient(create_app(fake, settings=Settings(api_key="sk-test")))  # type: ignore[arg-type]
    client = openai.OpenAI(base_url="http://testserver/v1", api_key="sk-test", http_client=http, max_retries=0)
    done = client.chat.completions.create(model="borderqa", messages=[{"role": "user", "content": "How long?"}])
    message = done.choices[0].message
    assert message.annotations and message.annotations[0].type == "url_citation"
    span = message.annotations[0].url_citation
    assert message.content is not None and message.content[span.start_index : span.end_index].startswith("[1] Introduction, ¶1")
    assert done.model_extra is not None and done.model_extra["citations"][0]["id"] == "report:p0001"

    chunks = list(client.chat.completions.create(model="borderqa", messages=[{"role": "user", "content": "How long?"}], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == message.content
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].delta.model_extra is not None
    assert final.choices[0].delta.model_extra["annotations"] == [a.model_dump() for a in message.annotations]
    assert final.model_extra is not None and final.model_extra["citations"] == done.model_extra["citations"]

    wrong = openai.OpenAI(base_url="http://testserver/v1", api_key="sk-wrong", http_client=http, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "How long?"}])
