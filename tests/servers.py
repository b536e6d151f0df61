"""Helpers for the end-to-end tests: a server subprocess with its log, a free port, the system Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from borderqa.processes import stop

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 180  # the first request loads the embedding model and the index
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A subprocess with its output in a log file, stopped on exit."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        full = {**{k: v for k, v in os.environ.items() if k != "BORDERQA_UI_ASSISTANT"}, **(env or {})}
        self._out = log.open("wb")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=full, stdout=self._out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until(self, url: str, ok: str | None = None, timeout: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                r = httpx.get(url, timeout=timeout)
                if r.status_code == 200 and (ok is None or ok in r.text):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        pytest.fail(f"{url} did not answer within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        stop(self.proc, 15)
        self._out.close()
