"""Shared pytest hooks: say loudly when the real-browser tests did not run."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = {str(r.longrepr[2]) for r in skipped if isinstance(r.longrepr, tuple) and "browser tests skipped" in str(r.longrepr[2])}
    if reasons:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", yellow=True, bold=True)
        for reason in sorted(reasons):
            terminalreporter.write_line(reason.removeprefix("Skipped: "), yellow=True)
