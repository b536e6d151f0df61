"""The chat UI under ``streamlit run``, on the real index, driven by the system's headless Chromium
(Playwright for Python with ``executable_path``; never a downloaded browser).

One staff member's session, step by step: open the page (start-up progress, then example questions), ask,
open a citation by its marker and see the highlighted sentence, open the reader at that paragraph, give
feedback, reload and find the conversation and the feedback still there, get a refusal and open its
nearest section. Every request must stay on 127.0.0.1 (no fonts, scripts or CDNs from outside).
Screenshots and the measured times (``timings.json``) are written under the test's ``tmp_path``.

Skipped, with the reason in the summary, where /usr/bin/chromium is missing (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from borderqa.feedback import FeedbackStore

if TYPE_CHECKING:
    from playwright.sync_api import Page
try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # pragma: no cover - the dev extra installs it
    PlaywrightTimeout = TimeoutError  # type: ignore[misc,assignment]
from servers import CHROMIUM, CHROMIUM_ARGS, STARTUP_SECONDS, Server, free_port

SKIP_REASON = (
    "browser tests skipped: /usr/bin/chromium is missing. Enable them with "
    "`sudo apt-get install chromium` (what .ci/run does), then `pytest tests/test_ui_browser.py`"
)
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)]

QUESTION = "How long is Mexico's southern border?"
REFUSED = "What will the border look like in 2030?"
WAIT_MS = STARTUP_SECONDS * 1000 * 7  # 21 min: on a shared, busy machine loading the embedding model took 6


def settle(page: Page) -> None:
    """Wait (up to a minute, without failing) until the script run is over and nothing on the page is stale."""
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "() => !document.querySelector('[data-stale=\"true\"], [data-testid=\"stStatusWidget\"] button')",
            timeout=60_000,
        )
    page.wait_for_timeout(300)


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    port = free_port()
    data = tmp_path_factory.mktemp("data")
    args = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    args += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    server = Server(args, tmp_path_factory.mktemp("ui") / "streamlit.log", env={"BORDERQA_DATA_DIR": str(data)})
    url = f"http://127.0.0.1:{port}"
    try:
        server.wait_until(f"{url}/_stcore/health", ok="ok", timeout=120)
        yield url, data
    finally:
        server.stop()


def test_a_staff_members_session(ui: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, data = ui
    outside: list[str] = []
    timings: dict[str, float] = {}

    def shot(page: Page, name: str) -> None:
        settle(page)
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.on(
                "request",
                lambda r: None if re.match(r"(https?|wss?)://127\.0\.0\.1[:/]|data:|blob:|about:", r.url) else outside.append(r.url),
            )
            page = context.new_page()
            start = time.monotonic()
            page.goto(url, timeout=WAIT_MS, wait_until="domcontentloaded")
            box = page.get_by_placeholder("Ask about Mexico's southern border…")
            expect(box).to_be_visible(timeout=WAIT_MS)
            timings["first_load_page_s"] = time.monotonic() - start
            shot(page, "1-start")
            example = page.get_by_role("button", name=QUESTION)
            expect(example).to_be_visible(timeout=WAIT_MS)  # the example chips come once the assistant is ready
            timings["first_load_ready_s"] = time.monotonic() - start

            # Ask (by its example chip) and get the direct answer first, then the quotes and cards.
            start = time.monotonic()
            example.click()
            reply = page.locator('[data-testid="stChatMessage"]').nth(1)
            lead = reply.locator(".borderqa-lead")
            expect(lead).to_be_visible(timeout=WAIT_MS)
            timings["time_to_answer_s"] = time.monotonic() - start
            expect(lead).to_contain_text(re.compile(r"\w+"))
            expect(reply.get_by_text("Add a comment")).to_be_visible(timeout=WAIT_MS)
            shot(page, "2-answer")

            # The marker opens its citation card; the supporting sentence is highlighted.
            card = reply.locator("details.borderqa-card").first
            expect(card).not_to_have_attribute("open", "")
            lead.locator("a.borderqa-marker").first.click()
            expect(card).to_have_attribute("open", "")
            expect(card.locator(".borderqa-card-body mark").first).to_be_visible()
            expect(card.locator("summary").first).to_contain_text(re.compile(r"\[1\] .+ ¶\d+ report:p\d{4}"))
            card.get_by_text("Read in context").click()
            expect(card.locator(".borderqa-context-before, .borderqa-context-after").first).to_be_visible()
            shot(page, "3-citation")
            cited = re.search(r"report:p\d{4}", card.locator("summary").first.inner_text())
            assert cited is not None

            # "Open in the report reader" opens the reader at that very paragraph.
            with context.expect_page(timeout=120_000) as opened:
                card.get_by_text("Open in the report reader").click()
            reader = opened.value
            target = reader.locator(".borderqa-target")
            expect(target).to_be_visible(timeout=WAIT_MS)
            expect(target).to_contain_text(cited.group(0))
            assert re.search(r"reader\?p=" + cited.group(0).replace(":", "(:|%3A)"), reader.url), reader.url
            settle(reader)
            reader.screenshot(path=str(tmp_path / "4-reader.png"))
            reader.close()

            # Feedback: thumbs up and a comment; then reload and find it stored.
            reply.locator('[data-testid="stFeedbackButton"]').first.click()
            expect(reply.get_by_text("Feedback saved (helpful)")).to_be_visible(timeout=WAIT_MS)
            # the rerun after the click may show the old message beside the new one for a moment
            expect(reply.get_by_text("Add a comment")).to_have_count(1, timeout=WAIT_MS)
            reply.get_by_text("Add a comment").click()
            reply.locator("textarea").fill("Right figure — «checked» 👍🏽")
            reply.get_by_role("button", name="Send feedback").click()
            expect(reply.get_by_text(re.compile(r"Feedback saved \(helpful\) · “Right figure"))).to_be_visible(timeout=WAIT_MS)
            assert "c=" in page.url
            page.reload(timeout=WAIT_MS, wait_until="domcontentloaded")
            reply = page.locator('[data-testid="stChatMessage"]').nth(1)
            expect(reply.get_by_text(re.compile(r"Feedback saved \(helpful\) · “Right figure"))).to_be_visible(timeout=WAIT_MS)
            expect(page.locator('[data-testid="stChatMessage"]').first).to_contain_text(QUESTION)
            shot(page, "5-reloaded")
            records = FeedbackStore(data).records()
            assert [(r.rating, r.comment) for r in records][-1] == ("up", "Right figure — «checked» 👍🏽")
            assert records[-1].question == QUESTION and records[-1].citations

            # A refusal is an info box with the nearest sections; "Read it" opens the reader there.
            box = page.get_by_placeholder("Ask about Mexico's southern border…")
            box.fill(REFUSED)
            box.press("Enter")
            refusal = page.locator('[data-testid="stChatMessage"]').nth(3)
            expect(refusal.locator('[data-testid="stAlertContentInfo"]')).to_contain_text("does not say", timeout=WAIT_MS)
            read_it = refusal.get_by_role("button", name="Read it").first
            expect(read_it).to_be_visible(timeout=WAIT_MS)
            shot(page, "6-refusal")
            read_it.click()
            expect(page.locator(".borderqa-target")).to_be_visible(timeout=WAIT_MS)
            assert re.search(r"reader\?p=report(:|%3A)p\d{4}", page.url), page.url
            shot(page, "7-reader-from-refusal")
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        finally:
            browser.close()
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=1))
    print(f"\nscreenshots in {tmp_path}; timings {json.dumps({k: round(v, 1) for k, v in timings.items()})}")
    assert outside == [], f"requests left the machine: {outside}"
