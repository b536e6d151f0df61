"""End to end: a real ``borderqa serve`` on 127.0.0.1 (real index and models), driven by httpx, the official
``openai`` client (streamed and not) and LangChain's ``ChatOpenAI``, with the API key off and on."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from borderqa.processes import stop

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "How long is Mexico's southern border?"
STARTUP_SECONDS = 900  # importing torch and loading the models: 76 s to 7.5 min on the shared 2-core machine
KEY = "e2e-secret-key"
MESSAGES: list[Any] = [{"role": "user", "content": QUESTION}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(log: Path, key: str = "") -> Iterator[str]:
    """``borderqa serve`` in a subprocess; yields its URL once /readyz says ready, stops it after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERQA_API")}
    if key:
        env["BORDERQA_API_KEY"] = f"another-key,{key}"
    cli = [sys.executable, "-c", "from borderqa.cli import main; main()"]
    with log.open("wb") as out:
        proc = subprocess.Popen([*cli, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"borderqa serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{url}/readyz", timeout=30).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"not ready within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")
                time.sleep(1)
            yield url
        finally:
            stop(proc, 20)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("serve") / "serve.log") as u:
        yield u


@pytest.fixture(scope="module")
def keyed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("serve-key") / "serve.log", key=KEY) as u:
        yield u


def check_answer(d: dict[str, Any]) -> None:
    assert d["answerable"] is True and d["status"] == "answered", d
    assert "714" in d["answer"], d["answer"]
    markers = {c["marker"] for c in d["citations"]}
    assert markers and {int(m) for m in re.findall(r"\[(\d+)\]", d["answer"])} <= markers


def check_content(content: str, annotations: list[dict[str, Any]], url: str) -> None:
    """The content ends with its Sources; each annotation spans one source line and opens its passage."""
    assert "714" in content and "\n\nSources:\n[1] " in content
    assert annotations
    for a in annotations:
        assert a["type"] == "url_citation"
        span = a["url_citation"]
        line = content[span["start_index"] : span["end_index"]]
        assert re.fullmatch(r'\[\d+\] .+, ¶\d+: ".+"', line), line
        assert span["url"].startswith(f"{url}/v1/passages/report:p")
        passage = httpx.get(span["url"], timeout=60).json()
        assert passage["id"] == span["url"].rsplit("/", 1)[1] and passage["section"] in line


# --- httpx ----------------------------------------------------------------------------------------------


def test_health(url: str) -> None:
    assert httpx.get(f"{url}/healthz", timeout=30).json() == {"status": "ok"}
    ready = httpx.get(f"{url}/readyz", timeout=60).json()
    assert ready["ready"] is True and ready["passages"] > 100


def test_search(url: str) -> None:
    r = httpx.post(f"{url}/v1/search", json={"question": QUESTION, "k": 5}, timeout=120)
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert len(hits) == 5 and all(re.fullmatch(r"report:p\d{4}", h["id"]) for h in hits)


def test_ask_and_its_stream_end_with_the_same_verified_answer(url: str) -> None:
    r = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=300)
    assert r.status_code == 200, r.text
    check_answer(r.json())
    with httpx.stream("POST", f"{url}/v1/ask", json={"question": QUESTION, "stream": True}, timeout=300) as s:
        assert s.status_code == 200 and s.headers["content-type"].startswith("text/event-stream")
        blocks = [b for b in s.read().decode().split("\n\n") if b.strip()]
    events = [dict(line.split(": ", 1) for line in b.splitlines()) for b in blocks]
    assert [e["event"] for e in events[:-1]] == ["token"] * (len(events) - 1) and events[-1]["event"] == "answer"
    final = json.loads(events[-1]["data"])
    check_answer(final)
    assert final["answer"] == r.json()["answer"] and final["citations"] == r.json()["citations"]


def test_passage_and_documents(url: str) -> None:
    p = httpx.get(f"{url}/v1/passages/report:p0002", timeout=60).json()
    assert p["previous"]["id"] == "report:p0001" and p["next"]["id"] == "report:p0003"
    docs = httpx.get(f"{url}/v1/documents", timeout=60).json()["documents"]
    assert docs[0]["id"] == "report" and docs[0]["passages"] > 100


def test_errors(url: str) -> None:
    r = httpx.post(f"{url}/v1/ask", content=QUESTION, headers={"content-type": "text/plain"}, timeout=60)
    assert r.status_code == 415 and "application/json" in r.json()["error"]
    r = httpx.post(f"{url}/v1/ask", json={"question": "x" * 100_000}, timeout=60)
    assert r.status_code == 413 and "error" in r.json()
    r = httpx.post(f"{url}/v1/search", json={"question": "  "}, timeout=60)
    assert r.status_code == 422 and "empty" in r.json()["error"]
    r = httpx.get(f"{url}/ask", timeout=60)
    assert r.status_code == 404 and "/v1" in r.json()["error"]
    assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200  # and the server is fine


# --- the official openai client -------------------------------------------------------------------------


def test_openai_client(url: str) -> None:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=300)
    assert "borderqa" in [m.id for m in client.models.list()]
    done = client.chat.completions.create(model="borderqa", messages=MESSAGES)
    message = done.choices[0].message
    assert message.content is not None and message.annotations
    check_content(message.content, [a.model_dump() for a in message.annotations], url)
    citations = (done.model_extra or {})["citations"]
    assert {"id", "document", "section", "paragraph", "quote", "verdict"} <= set(citations[0])

    chunks = list(client.chat.completions.create(model="borderqa", messages=MESSAGES, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == message.content
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert (final.choices[0].delta.model_extra or {})["annotations"] == [a.model_dump() for a in message.annotations]
    assert (final.model_extra or {})["citations"] == citations

    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)


# --- LangChain -----------------------------------------------------------------------------------------


def test_langchain_chat_openai_keeps_the_sources(url: str) -> None:
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=f"{url}/v1", api_key="not-needed", model="borderqa", max_retries=0, timeout=300)  # type: ignore[arg-type]
    reply = llm.invoke(QUESTION)
    assert isinstance(reply.content, str) and "714" in reply.content
    assert re.search(r'\n\nSources:\n\[1\] .+, ¶\d+: ".+"', reply.content)
    streamed = "".join(str(chunk.content) for chunk in llm.stream(QUESTION))
    assert streamed == reply.content


# --- the API key on -------------------------------------------------------------------------------------


def test_with_a_key_every_v1_route_needs_it(keyed_url: str) -> None:
    assert httpx.get(f"{keyed_url}/healthz", timeout=30).status_code == 200
    assert httpx.get(f"{keyed_url}/readyz", timeout=60).status_code == 200
    r = httpx.post(f"{keyed_url}/v1/search", json={"question": QUESTION}, timeout=60)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    wrong = httpx.post(f"{keyed_url}/v1/search", json={"question": QUESTION}, headers={"authorization": "Bearer nope"}, timeout=60)
    assert wrong.status_code == 401 and wrong.json() == r.json()  # missing and wrong look the same
    ok = httpx.post(f"{keyed_url}/v1/search", json={"question": QUESTION}, headers={"authorization": f"Bearer {KEY}"}, timeout=120)
    assert ok.status_code == 200

    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{keyed_url}/v1", api_key="wrong", max_retries=0).models.list()
    client = openai.OpenAI(base_url=f"{keyed_url}/v1", api_key=KEY, max_retries=0, timeout=300)
    done = client.chat.completions.create(model="borderqa-extractive", messages=MESSAGES)
    assert done.choices[0].message.annotations

    from langchain_openai import ChatOpenAI

    reply = ChatOpenAI(base_url=f"{keyed_url}/v1", api_key=KEY, model="borderqa", max_retries=0, timeout=300).invoke(QUESTION)  # type: ignore[arg-type]
    assert "Sources:" in str(reply.content)
