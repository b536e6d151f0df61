"""First load of the chat UI in a real browser: a fresh ``streamlit run``, the system Chromium, the real index.

For each run (a new server process, so nothing is cached), medians printed at the end:

- ``page``:   from opening the URL to the question box on screen (the page can be read and typed in);
- ``ready``:  to the first answer when the question is sent as soon as the box appears (so start-up, index,
              embedding model and generator loading are all inside it);
- ``answer``: a second question in the same page, box to final answer (the time to answer once warm);
- ``reload``: a reload of the page, to the question box again (later visitors).

Compare two checkouts with --root (each one's app.py with its own src/):

    nice -n 10 python benchmarks/ui_first_load.py --runs 3
    nice -n 10 python benchmarks/ui_first_load.py --runs 3 --root /work/main

The machine this runs on may be shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from borderqa.processes import stop

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
FIRST = "How long is Mexico's southern border?"
SECOND = "What is La Bestia?"
TIMEOUT_MS = 900_000
# The final answer (not the streaming draft) is there once its bubble holds an expander: "Sentence check"
# here, the citation expanders in older versions of the page.
FINAL = '[data-testid="stExpander"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=5).text == "ok":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("streamlit did not start")


def one_run(root: Path) -> dict[str, float]:
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "BORDERQA_UI_ASSISTANT"}
    env.update(PYTHONPATH=str(root / "src"), BORDERQA_DATA_DIR=tempfile.mkdtemp(prefix="borderqa-bench-"))
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
           str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, float] = {}
    try:
        wait_healthy(url, proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            bubbles = page.locator('[data-testid="stChatMessage"]')
            box = page.get_by_placeholder("Ask about Mexico's southern border…")
            start = time.monotonic()
            page.goto(url, timeout=TIMEOUT_MS, wait_until="domcontentloaded")
            expect(box).to_be_visible(timeout=TIMEOUT_MS)
            out["page"] = time.monotonic() - start
            box.fill(FIRST)
            box.press("Enter")
            expect(bubbles.nth(1).locator(FINAL).first).to_be_visible(timeout=TIMEOUT_MS)
            out["ready"] = time.monotonic() - start
            t = time.monotonic()
            box.fill(SECOND)
            box.press("Enter")
            expect(bubbles.nth(3).locator(FINAL).first).to_be_visible(timeout=TIMEOUT_MS)
            out["answer"] = time.monotonic() - t
            t = time.monotonic()
            page.reload(timeout=TIMEOUT_MS, wait_until="domcontentloaded")
            expect(box).to_be_visible(timeout=TIMEOUT_MS)
            out["reload"] = time.monotonic() - t
            browser.close()
    finally:
        stop(proc, 30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="checkout to run")
    args = ap.parse_args()
    runs = []
    for i in range(args.runs):
        load = os.getloadavg()[0]
        r = one_run(args.root)
        runs.append(r)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.items()) + f" (load {load:.1f})", flush=True)
    print(f"\n{args.root}: medians of {len(runs)} on {os.cpu_count()} cores, load average now {os.getloadavg()[0]:.1f}")
    for key in runs[0]:
        print(f"  {key:7s} {statistics.median(r[key] for r in runs):6.1f} s")


if __name__ == "__main__":
    main()
