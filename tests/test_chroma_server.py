"""Server mode against a real ``chroma run`` on 127.0.0.1: the same passages as embedded mode, a clear 503
while the server is down, and answers again once it is back. Needs the real model (slow)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from borderqa.api import create_app
from borderqa.assistant import Assistant
from borderqa.config import Settings, fingerprint
from borderqa.errors import IndexUnavailableError
from borderqa.evaluation import load_cases
from borderqa.index import ChromaIndex, ChromaServer

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [c.question for c in load_cases() if c.answerable][:12]


class ChromaProcess:
    """``chroma run`` on a fixed port and data folder, so it can be stopped and started again."""

    def __init__(self, path: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.path = path
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        self.proc = subprocess.Popen(
            [chroma, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError("chroma run did not start in 30 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaProcess]:
    server = ChromaProcess(tmp_path_factory.mktemp("chroma") / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index_dir = tmp_path_factory.mktemp("embedded") / "index"
    if (ROOT / "index" / "manifest.json").is_file():
        shutil.copytree(ROOT / "index", index_dir)  # the project's index: a no-op build if it is current
    a = Assistant.from_settings(Settings.load(corpus_dir=ROOT / "corpus", index_dir=index_dir))
    a.build_index()
    return a


@pytest.fixture(scope="module")
def served(embedded: Assistant, chroma: ChromaProcess, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index_dir = tmp_path_factory.mktemp("served") / "index"
    shutil.copytree(embedded.settings.index_dir, index_dir)
    settings = Settings.load(corpus_dir=ROOT / "corpus", index_dir=index_dir, chroma_url=chroma.url)
    index = ChromaIndex(index_dir, embedded.embedder, fingerprint(settings), settings.collection, ChromaServer(chroma.url))
    a = Assistant(settings, embedded.embedder, index, reader=embedded.reader)  # the same reader: the same leads
    report, _ = a.build_index()
    assert not report.skipped and report.embedded == 0, "moving to the server reuses every vector"
    return a


def test_server_build_is_a_versioned_collection_and_rebuilds_switch_it(served: Assistant, chroma: ChromaProcess) -> None:
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma.port)
    live = served.index.build_id()
    assert f"borderqa-{live}" in {c.name for c in client.list_collections()}
    report, _ = served.build_index(force=True)  # a new version, switched to atomically
    assert report.embedded == 0 and served.index.build_id() != live
    names = {c.name for c in client.list_collections()}
    assert f"borderqa-{served.index.build_id()}" in names and f"borderqa-{live}" in names  # previous kept
    served.build_index(force=True)
    assert f"borderqa-{live}" not in {c.name for c in client.list_collections()}  # removed after the next switch


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_search_returns_the_same_passages_as_embedded_mode(embedded: Assistant, served: Assistant, mode: str) -> None:
    for q in QUESTIONS:
        assert [h.passage.id for h in served.search(q, k=5, mode=mode)] == [h.passage.id for h in embedded.search(q, k=5, mode=mode)], q


def test_ask_returns_the_same_answers_as_embedded_mode(embedded: Assistant, served: Assistant) -> None:
    for q in QUESTIONS[:6]:
        a, b = served.ask(q), embedded.ask(q)
        assert (a.text, [c.passage.id for c in a.citations]) == (b.text, [c.passage.id for c in b.citations]), q


def test_server_gone_is_503_then_answers_again(served: Assistant, chroma: ChromaProcess) -> None:
    api = TestClient(create_app(served))
    question = {"question": QUESTIONS[0]}
    before = api.post("/v1/search", json=question)
    assert before.status_code == 200
    chroma.stop()
    try:
        for path in ("/v1/search", "/v1/ask"):
            r = api.post(path, json=question)
            assert r.status_code == 503, (path, r.text)
            assert "Chroma server" in r.text and "make chroma" in r.text
        with pytest.raises(IndexUnavailableError):
            served.search(QUESTIONS[1])
    finally:
        chroma.start()
    after = api.post("/v1/search", json=question)
    assert after.status_code == 200 and after.json() == before.json()
