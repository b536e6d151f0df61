"""End to end, on the real index and models: the HTTP API under uvicorn (the chat UI in a real browser is
``test_ui_browser.py``).

Needs ``index/`` (``borderqa index``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from servers import Server, free_port

pytestmark = pytest.mark.slow

QUESTION = "How long is Mexico's southern border?"


# --- HTTP API under uvicorn ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "--factory", "borderqa.api:create_app"]
    server = Server(
        [*args, "--host", "127.0.0.1", "--port", str(port)], tmp_path_factory.mktemp("api") / "uvicorn.log"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_until(f"{url}/health", ok='"ok":true')
        yield url
    finally:
        server.stop()


def test_api_health(api_url: str) -> None:
    body = httpx.get(f"{api_url}/health", timeout=60).json()
    assert body["ok"] is True and body["passages"] > 100, body


def test_api_search(api_url: str) -> None:
    r = httpx.post(f"{api_url}/search", json={"question": QUESTION, "k": 5}, timeout=120)
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert len(hits) == 5
    assert all(re.fullmatch(r"report:p\d{4}", h["id"]) for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def check_answer(d: dict[str, Any]) -> None:
    assert d["answerable"] is True, d
    assert "714" in d["answer"], d["answer"]
    markers = {c["marker"] for c in d["citations"]}
    assert markers and {int(m) for m in re.findall(r"\[(\d+)\]", d["answer"])} <= markers
    for s in d["sentences"]:
        assert set(s["citations"]) <= markers


def test_api_ask(api_url: str) -> None:
    r = httpx.post(f"{api_url}/ask", json={"question": QUESTION}, timeout=300)
    assert r.status_code == 200, r.text
    check_answer(r.json())


def test_api_ask_stream(api_url: str) -> None:
    with httpx.stream("POST", f"{api_url}/ask/stream", json={"question": QUESTION}, timeout=300) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.iter_lines() if line.strip()]
    assert lines[-1]["type"] == "answer"
    assert all(line["type"] == "token" for line in lines[:-1]) and lines[:-1]
    check_answer(lines[-1])


def test_api_refuses_a_100kb_question(api_url: str) -> None:
    r = httpx.post(f"{api_url}/ask", json={"question": "x" * 100_000}, timeout=60)
    assert 400 <= r.status_code < 500, r.text
    assert "error" in r.json()
    assert httpx.get(f"{api_url}/health", timeout=60).json()["ok"] is True  # and the server is fine


def test_api_empty_question(api_url: str) -> None:
    r = httpx.post(f"{api_url}/search", json={"question": "  "}, timeout=60)
    assert r.status_code == 422 and "empty" in r.json()["error"]
