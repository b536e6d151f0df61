"""Load on a real ``borderqa serve`` over loopback: concurrent clients on /v1/search, /v1/ask (extractive) and
/v1/chat/completions (extractive), at 1, 8 and 32 clients, against 1 and 2 workers.

The same six questions go round, after a warm-up that asks each of them twice per worker: the figures are
the steady state, with every retrieved passage's sentences embedded. Prints, per cell: requests, throughput
(answers/s), latency p50/p95/p99 (ms) and errors (anything but 200, and timeouts). Bounded: each cell stops
after ``--seconds`` or ``--max-requests``, whichever comes first.

``--paired R``: after one uncounted round, R rounds of the six questions, one request at a time, each through
/v1/ask and then /v1/chat/completions (the order swapped every round), so that a load that moves hits both
endpoints alike: prints both medians and the median of the per-question ratios chat/ask.

``--overload``: one burst of ``--burst`` simultaneous requests for the local model (the real one, brief)
against a queue of depth 2: the queue must refuse the extra ones at once with 503 and Retry-After, and the
admitted ones must be answered; nothing may time out.

    nice -n 10 python benchmarks/load.py                                   # the table (5 min on 2 quiet cores)
    nice -n 10 python benchmarks/load.py --workers 1 --clients --paired 5  # only the paired comparison
    nice -n 10 python benchmarks/load.py --workers --overload              # only the local-model burst
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from borderqa.processes import stop

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "How long is Mexico's southern border?",
    "What is La Bestia?",
    "How many migrants did Mexico deport in 2013?",
    "What are the belts of control?",
    "Which agencies guard the Guatemala border?",
    "Why do migrants ride the train?",
]
STARTUP_SECONDS = 900  # the first search loads the models: 4 min and more on the shared 2-core machine


def body_for(endpoint: str, i: int) -> dict[str, Any]:
    q = QUESTIONS[i % len(QUESTIONS)]
    if endpoint == "/v1/search":
        return {"question": q, "k": 5}
    if endpoint == "/v1/ask":
        return {"question": q, "generator": "extractive"}
    return {"model": "borderqa-extractive", "messages": [{"role": "user", "content": q}]}


@dataclass
class Cell:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def row(self) -> str:
        ok = sorted(self.latencies)

        def pct(p: float) -> str:
            if not ok:
                return "-"
            return f"{ok[min(len(ok) - 1, round(p / 100 * (len(ok) - 1)))] * 1000:.0f}"

        errors = sum(self.errors.values())
        detail = f" ({', '.join(f'{k}: {v}' for k, v in self.errors.items())})" if errors else ""
        rate = len(ok) / self.seconds if self.seconds else 0.0
        return f"{len(ok) + errors} | {rate:.1f} | {pct(50)} | {pct(95)} | {pct(99)} | {errors}{detail}"


async def run_cell(url: str, endpoint: str, clients: int, seconds: float, max_requests: int) -> Cell:
    cell = Cell()
    issued = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def client() -> None:
            nonlocal issued
            while time.monotonic() < deadline and issued < max_requests:
                i = issued
                issued += 1
                t0 = time.perf_counter()
                try:
                    r = await http.post(endpoint, json=body_for(endpoint, i))
                except httpx.TimeoutException:
                    cell.error("timeout")
                    continue
                except httpx.TransportError as exc:
                    cell.error(type(exc).__name__)
                    continue
                if r.status_code == 200:
                    cell.latencies.append(time.perf_counter() - t0)
                else:
                    cell.error(str(r.status_code))

        start = time.monotonic()
        await asyncio.gather(*(client() for _ in range(clients)))
        cell.seconds = time.monotonic() - start
    return cell


async def paired(url: str, rounds: int) -> None:
    """The same extractive question through /v1/ask and /v1/chat/completions, back to back, one at a time."""
    seconds: dict[str, list[float]] = {"/v1/ask": [], "/v1/chat/completions": []}
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for r in range(-1, rounds):  # round -1 warms up, not counted: a question's first answer embeds sentences
            for i in range(len(QUESTIONS)):
                order = list(seconds) if r % 2 == 0 else list(reversed(seconds))
                for endpoint in order:
                    t0 = time.perf_counter()
                    response = await http.post(endpoint, json=body_for(endpoint, i))
                    response.raise_for_status()
                    if r >= 0:
                        seconds[endpoint].append(time.perf_counter() - t0)
    ask, chat = seconds["/v1/ask"], seconds["/v1/chat/completions"]
    ratios = [c / a for a, c in zip(ask, chat, strict=True)]
    print(
        f"# paired, {len(ask)} pairs: /v1/ask median {statistics.median(ask) * 1000:.0f} ms, "
        f"/v1/chat/completions median {statistics.median(chat) * 1000:.0f} ms, "
        f"chat/ask median {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})",
        flush=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(workers: int, env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """``borderqa serve --workers N`` on a free loopback port, until every worker says it is ready."""
    port = free_port()
    env = {**os.environ, **(env_extra or {})}
    cli = [sys.executable, "-c", "from borderqa.cli import main; main()"]
    log = Path(f"/tmp/borderqa-load-{port}.log")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            t0 = time.monotonic()
            ready_in_a_row = 0
            while ready_in_a_row < 4 * workers:  # requests land on any worker: all of them must be ready
                if proc.poll() is not None:
                    raise SystemExit(f"borderqa serve exited:\n{log.read_text()[-3000:]}")
                if time.monotonic() - t0 > STARTUP_SECONDS:
                    raise SystemExit(f"not ready in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")
                try:
                    ok = httpx.get(f"{url}/readyz", timeout=30).status_code == 200
                except httpx.TransportError:
                    ok = False
                ready_in_a_row = ready_in_a_row + 1 if ok else 0
                time.sleep(0.2 if ok else 1.0)
            print(f"# {workers} worker(s) ready in {time.monotonic() - t0:.0f} s", flush=True)
            yield url
        finally:
            stop(proc, 30)


async def overload(url: str, burst: int) -> None:
    """``burst`` simultaneous local-model requests against a queue of depth 2."""
    body = {"model": "borderqa-local", "messages": [{"role": "user", "content": QUESTIONS[0]}]}
    async with httpx.AsyncClient(base_url=url, timeout=180) as http:

        async def one() -> tuple[str, float, str]:
            t0 = time.perf_counter()
            try:
                r = await http.post("/v1/chat/completions", json=body)
            except httpx.TimeoutException:
                return "timeout", time.perf_counter() - t0, ""
            return str(r.status_code), time.perf_counter() - t0, r.headers.get("retry-after", "")

        results = await asyncio.gather(*(one() for _ in range(burst)))
    for status in sorted({s for s, _, _ in results}):
        times = [t for s, t, _ in results if s == status]
        retry = sorted({ra for s, _, ra in results if s == status and ra})
        extra = f", Retry-After {', '.join(retry)} s" if retry else ""
        print(f"local burst of {burst}: {len(times)} x {status} in {min(times):.2f}-{max(times):.2f} s{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="none: no table (e.g. only --overload)")
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--endpoints", nargs="+", default=["/v1/search", "/v1/ask", "/v1/chat/completions"])
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--max-requests", type=int, default=300, help="per cell")
    parser.add_argument("--paired", type=int, default=0, metavar="R", help="rounds of /v1/ask vs chat, per worker count")
    parser.add_argument("--overload", action="store_true", help="also the local-model queue burst (1 worker)")
    parser.add_argument("--burst", type=int, default=6)
    args = parser.parse_args()
    print(f"# load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if args.workers:
        print("| workers | endpoint | clients | requests | answers/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for workers in args.workers:
        with server(workers) as url:
            for endpoint in args.endpoints:
                # Warm-up, not counted: each question twice per worker, so that every worker has embedded
                # the sentences of the passages those questions retrieve (the extractive generator's cache).
                asyncio.run(run_cell(url, endpoint, 2, 600.0, 2 * workers * len(QUESTIONS)))
                for clients in args.clients:
                    cell = asyncio.run(run_cell(url, endpoint, clients, args.seconds, args.max_requests))
                    label = endpoint + (" (extractive)" if endpoint != "/v1/search" else "")
                    print(f"| {workers} | {label} | {clients} | {cell.row()} |", flush=True)
            if args.paired:
                asyncio.run(paired(url, args.paired))
            print(f"# load average with {workers} worker(s) done: {os.getloadavg()[0]:.2f}", flush=True)
    if args.overload:
        with server(1, {"BORDERQA_API__QUEUE_DEPTH": "2", "BORDERQA_ANSWERING__GENERATOR": "local"}) as url:
            asyncio.run(overload(url, args.burst))
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
