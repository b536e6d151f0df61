"""Stopping child processes (the servers benchmarks and end-to-end tests start)."""

from __future__ import annotations

import subprocess
import sys
import time

from borderqa.processes import stop


def _child(code: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(0.3)  # let it install its handler
    return proc


def test_a_child_that_ends_on_terminate_is_terminated() -> None:
    proc = _child("import time; time.sleep(60)")
    stop(proc, 5)
    assert proc.returncode is not None and proc.returncode != 0


def test_a_child_that_ignores_terminate_is_killed_after_the_timeout() -> None:
    proc = _child("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)")
    start = time.monotonic()
    stop(proc, 0.5)
    assert proc.returncode == -9 and time.monotonic() - start < 5


def test_a_child_already_gone_is_left_alone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    stop(proc)
    assert proc.returncode == 0
