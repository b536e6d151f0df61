"""Concurrency on a real uvicorn (in a thread, fake assistant): the local model's bounded queue (503 with
Retry-After past its depth), searches and health never waiting for it, and disconnected clients stopping
their generation."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from api_fakes import FakeAssistant, running
from borderqa.api import create_app
from borderqa.api.streams import GenerationQueue, QueueFullError
from borderqa.config import Settings

LOCAL = {"question": "How long?", "generator": "local"}


def app_for(fake: FakeAssistant, depth: int = 2) -> Any:
    return create_app(fake, settings=Settings(api={"queue_depth": depth}))  # type: ignore[arg-type]


def test_queue_admits_up_to_its_depth_then_refuses_with_a_retry_time() -> None:
    queue = GenerationQueue(2)
    first, second = queue.admit(), queue.admit()
    with pytest.raises(QueueFullError, match=r"api\.queue_depth=2") as caught:
        queue.admit()
    assert caught.value.retry_after == 8 and caught.value.http_status == 503
    first.release()
    first.release()  # twice is harmless
    assert queue.admitted == 1
    queue.admit()
    second.release()


def test_queue_runs_one_at_a_time_and_learns_how_long_an_answer_takes() -> None:
    queue = GenerationQueue(3)
    cancel = threading.Event()
    a, b = queue.admit(), queue.admit()
    assert a.hold(cancel)
    held: list[bool] = []
    waiter = threading.Thread(target=lambda: held.append(b.hold(cancel)))
    waiter.start()
    time.sleep(0.2)
    assert held == []  # b waits while a runs
    time.sleep(0.1)
    a.release()
    waiter.join(2)
    assert held == [True]
    b.release()
    assert queue.retry_after() == 1 and queue.admitted == 0
    c = queue.admit()
    cancel.set()
    assert c.hold(cancel) is False  # a cancelled waiter never runs
    c.release()
    assert queue.admitted == 0


def test_past_its_depth_the_local_queue_answers_503_at_once_and_never_blocks_search_or_health() -> None:
    hold = threading.Event()  # the local model "generates" until the test lets it finish
    fake = FakeAssistant(hold=hold)
    with running(app_for(fake, depth=2)) as url, ThreadPoolExecutor(6) as pool:
        asks = [pool.submit(httpx.post, f"{url}/v1/ask", json=LOCAL, timeout=60) for _ in range(4)]
        # While the model is busy: two requests are refused at once, searches and health still answer.
        busy = [f.result() for f in _first_done(asks, 2)]
        assert [r.status_code for r in busy] == [503, 503], [r.text for r in busy]
        assert all(int(r.headers["retry-after"]) >= 1 for r in busy) and "busy" in busy[0].json()["error"]
        assert httpx.get(f"{url}/healthz", timeout=30).status_code == 200
        assert httpx.post(f"{url}/v1/search", json={"question": "How long?"}, timeout=30).status_code == 200
        assert httpx.post(f"{url}/v1/ask", json={"question": "How long?"}, timeout=30).status_code == 200
        assert not hold.is_set() and sum(f.done() for f in asks) == 2  # the admitted two still wait
        hold.set()
        codes = sorted(f.result().status_code for f in asks)
    assert codes == [200, 200, 503, 503]
    assert fake.most_running == 1  # the model served one request at a time


def _first_done(futures: list[Any], n: int) -> list[Any]:
    deadline = time.monotonic() + 30
    while sum(f.done() for f in futures) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return [f for f in futures if f.done()]


def test_openai_route_503_is_openai_shaped_with_retry_after() -> None:
    fake = FakeAssistant(token_delay=0.3, tokens=4)
    body = {"model": "borderqa-local", "messages": [{"role": "user", "content": "How long?"}]}
    with running(app_for(fake, depth=1)) as url, ThreadPoolExecutor(2) as pool:
        first = pool.submit(httpx.post, f"{url}/v1/chat/completions", json=body, timeout=30)
        time.sleep(0.3)
        r = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=5)
        assert first.result().status_code == 200
    assert r.status_code == 503 and r.headers["retry-after"]
    assert r.json()["error"]["code"] == "overloaded"


def test_searches_run_in_parallel() -> None:
    fake = FakeAssistant(search_delay=0.5)
    with running(app_for(fake)) as url, ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: httpx.post(f"{url}/v1/search", json={"question": "q"}, timeout=30).status_code, range(4)))
    assert codes == [200] * 4 and fake.most_searching >= 2


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/ask", {**LOCAL, "stream": True}),
        ("/v1/chat/completions", {"model": "borderqa-local", "stream": True, "messages": [{"role": "user", "content": "How long?"}]}),
    ],
)
def test_a_client_that_disconnects_mid_stream_stops_its_generation(path: str, body: dict[str, Any]) -> None:
    fake = FakeAssistant(token_delay=0.05, tokens=200)  # 10 s if nobody stopped it
    app = app_for(fake)
    with running(app) as url:
        with httpx.stream("POST", f"{url}{path}", json=body, timeout=10) as r:
            assert r.status_code == 200
            next(r.iter_bytes())
        assert fake.closed.wait(3), "the generation went on after the client left"
        assert fake.produced < 100
        for _ in range(50):
            if app.state.queues["local"].admitted == 0:
                break
            time.sleep(0.05)
        assert app.state.queues["local"].admitted == 0  # its place in the queue is free again


def test_a_client_that_gives_up_on_a_whole_answer_stops_its_generation() -> None:
    fake = FakeAssistant(token_delay=0.05, tokens=200)
    app = app_for(fake)
    with running(app) as url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{url}/v1/ask", json=LOCAL, timeout=0.5)
        assert fake.closed.wait(3) and fake.produced < 100
