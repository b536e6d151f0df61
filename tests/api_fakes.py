"""A fake ``Assistant`` for the HTTP API tests (no models, no index), and a real uvicorn in a thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn
from fastapi import FastAPI

from borderqa.config import Settings
from borderqa.corpus.manifest import ManifestEntry
from borderqa.errors import BorderQAError, QueryError
from borderqa.index import IndexState
from borderqa.types import Answer, Citation, Hit, Passage, Sentence, Turn

PASSAGES = [
    Passage("report:p0001", "report", ("Introduction",), 1, 1, "This is our first report on Mexico's 714-mile southern border zone."),
    Passage("report:p0002", "report", ("Border Security Strategy",), 1, 2, "Mexico's strategy relies on belts of control."),
    Passage(
        "report:p0003",
        "report",
        ("Border Security Strategy", '"Belts of Control"'),
        1,
        3,
        "Checkpoints stand along the highways north of the border.",
        cites=("INM 2013",),
        context_id="report:p0002",
    ),
    Passage("report:p0004", "report", ("Migrants in Transit",), 1, 4, "Migrants ride the train called La Bestia."),
]
DOCUMENTS = [
    ManifestEntry("report", "Mexico's Other Border", "report.md", "report", "markdown", ("Adam Isacson",), "WOLA", "2014-06"),
    ManifestEntry("inm", "INM statistics", "inm.pdf", "source", "pdf"),
]
READY = IndexState(True, True, "", {"built_at": "2014-06-01T00:00:00+0000", "model": "fake-model", "passages": 4})
QUOTE = "This is our first report on Mexico's 714-mile southern border zone."
TOKENS = ("Mexico's southern border is ", "714 miles long [1].")


def make_answer(question: str, generator: str = "fake") -> Answer:
    p, q = PASSAGES[0], PASSAGES[2]
    return Answer(
        question=question,
        text="Mexico's southern border is 714 miles long [1]. Checkpoints stand north of it [2].",
        answerable=True,
        generator=generator,
        citations=(Citation(1, p, (QUOTE,)), Citation(2, q, ())),
        sentences=(
            Sentence("Mexico's southern border is 714 miles long.", (1,), "supported", role="lead"),
            Sentence("Checkpoints stand north of it.", (2,), "repaired"),
        ),
        hits=(Hit(p, 0.9), Hit(q, 0.5)),
        standalone_question=question,
        lead="Mexico's southern border is 714 miles long [1].",
        span="714-mile",
        timings={"total": 0.01},
    )


class FakeAssistant:
    """Duck-types ``Assistant``. ``fail`` is raised by every question method, ``fail_mid_stream`` after a
    token; ``search_delay`` makes searches slow, ``token_delay`` the stream (seconds per token, ``tokens`` of them), and ``closed`` /
    ``produced`` record what a stream did."""

    def __init__(
        self,
        fail: Exception | None = None,
        fail_mid_stream: BorderQAError | None = None,
        state: IndexState = READY,
        settings: Settings | None = None,
        token_delay: float = 0.0,
        tokens: int = 2,
        loaded: bool = True,
        search_delay: float = 0.0,
        warm_delay: float = 0.0,
        hold: threading.Event | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.fail = fail
        self.fail_mid_stream = fail_mid_stream
        self.state = state
        self.token_delay = token_delay
        self.tokens = tokens
        self.loaded = loaded
        self.search_delay = search_delay
        self.warm_delay = warm_delay
        self.hold = hold  # a stream waits for it before its first token
        self.calls: list[tuple[Any, ...]] = []
        self.documents_seen: list[list[str] | None] = []  # the documents filter of each search / answer
        self.produced = 0
        self.closed = threading.Event()
        self.running = 0
        self.searching = 0
        self.most_searching = 0
        self.most_running = 0
        self._lock = threading.Lock()

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

    def search(self, query: str, k: int | None = None, mode: str | None = None, documents: Sequence[str] | None = None) -> list[Hit]:
        self._begin("search", query, k, mode)
        self.documents_seen.append(list(documents) if documents else None)
        self.check_question(query)
        with self._lock:
            self.searching += 1
            self.most_searching = max(self.most_searching, self.searching)
        time.sleep(self.search_delay)
        with self._lock:
            self.searching -= 1
        return [Hit(p, 1.0 / (i + 1)) for i, p in enumerate(PASSAGES)][: k or 5]

    def ask(self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None,
            documents: Sequence[str] | None = None) -> Answer:
        self._begin("ask", question, list(history or ()), generator)
        self.documents_seen.append(list(documents) if documents else None)
        return make_answer(self.check_question(question), generator or "fake")

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None,
        documents: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        self._begin("stream", question, list(history or ()), generator)
        self.documents_seen.append(list(documents) if documents else None)
        question = self.check_question(question)
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            if self.hold is not None:
                self.hold.wait(60)
            for i in range(self.tokens):
                if i == 1 and self.fail_mid_stream is not None:
                    raise self.fail_mid_stream
                time.sleep(self.token_delay)
                self.produced += 1
                yield TOKENS[i] if self.tokens == 2 else f"t{i} "
            yield make_answer(question, generator or "fake")
        finally:
            with self._lock:
                self.running -= 1
            self.closed.set()

    def passages(self) -> list[Passage]:
        self._begin("passages")
        return list(PASSAGES)

    def documents(self) -> list[ManifestEntry]:
        return list(DOCUMENTS)

    def index_state(self) -> IndexState:
        return self.state

    def generator_names(self) -> list[str]:
        return ["extractive", "local", "openai"]

    def generator_loaded(self, name: str | None = None) -> bool:
        return self.loaded

    def warm_up(self) -> float:
        time.sleep(self.warm_delay)
        self.loaded = True
        return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """A real uvicorn serving ``app`` on 127.0.0.1 in a thread of this process; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
