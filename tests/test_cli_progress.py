"""The CLI progress bars."""

from __future__ import annotations

import pytest


def test_a_progress_bar_made_at_the_first_report_is_timed_from_its_start(capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from borderqa.cli import _progress_bar

    update, close = _progress_bar("embedding")
    time.sleep(0.3)  # model load, the first chunk
    update(32, 320)
    update(64, 320)
    close()
    rate = float(capsys.readouterr().err.rsplit("text/s", 1)[0].rsplit(",", 1)[-1].strip())
    assert rate < 1000  # about 200 texts/s here; millions when timed from the first report
