"""End to end, on the real index and models: the UI under ``streamlit run`` driven by a real headless
Debian chromium (Playwright, never a downloaded browser). The HTTP API's are in test_api_e2e.py.

Needs ``index/`` (``borderqa index``) and, for the browser test, ``apt-get install chromium``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
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
QUESTION = "How long is Mexico's southern border?"
SCREENSHOT = Path("/tmp/borderqa-ui.png")
STARTUP_SECONDS = 180  # the first request loads the embedding model and the index


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A subprocess with its output in a log file, stopped on exit."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        env = {k: v for k, v in os.environ.items() if k != "BORDERQA_UI_ASSISTANT"}
        self._out = log.open("wb")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

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
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._out.close()


# --- UI under streamlit run, in a real browser ----------------------------------------------------------


@pytest.fixture(scope="module")
def ui_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    args += [
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    server = Server(args, tmp_path_factory.mktemp("ui") / "streamlit.log")
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_until(f"{url}/_stcore/health", ok="ok", timeout=60)
        yield url
    finally:
        server.stop()


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian chromium: apt-get install chromium chromium-driver"
)
def test_ui_answers_with_citations_in_a_real_browser(ui_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(ui_url)
            box = page.get_by_placeholder("Ask about Mexico's southern border…")
            expect(box).to_be_visible(timeout=STARTUP_SECONDS * 1000)
            box.fill(QUESTION)
            box.press("Enter")

            bubbles = page.locator('[data-testid="stChatMessage"]')
            reply = bubbles.nth(1)
            # Citation expanders appear only with the final, verified answer.
            first = reply.locator('[data-testid="stExpander"] summary').first
            expect(first).to_be_visible(timeout=STARTUP_SECONDS * 1000)
            first.click()
            expect(reply.locator(".borderqa-passage mark").first).to_be_visible()
            page.wait_for_timeout(800)  # let the expander finish opening
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
            expect(first).to_contain_text(re.compile(r"\[1\] .+ ¶\d+ \(report:p\d{4}\)"))
            expect(reply.locator(".borderqa-answer")).to_contain_text("714", timeout=1000)
        finally:
            browser.close()
