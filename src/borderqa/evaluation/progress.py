"""Progress lines with an estimated time left, for runs shown without a progress bar (``pytest evals/``).

The estimate is the stage's mean time per case so far times the cases left. The CLI uses tqdm's bars
instead (one per stage, with the same estimate).
"""

from __future__ import annotations

import time
from collections.abc import Callable


def eta_line(stage: str, done: int, total: int, elapsed: float) -> str:
    left = elapsed / done * (total - done) if done else 0.0
    tail = "done" if done >= total else f"about {_duration(left)} left"
    return f"{stage}: {done}/{total} cases, {_duration(elapsed)}, {tail}"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class ProgressLog:
    """A ``progress(stage, done, total)`` callback: a line when a stage starts (``done`` 0), an ``eta_line``
    after its first case, then at most every ``every`` seconds, and when the stage is done."""

    def __init__(self, write: Callable[[str], None], every: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._write, self._every, self._clock = write, every, clock
        self._stage = ""
        self._start = self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self._clock()
        if stage != self._stage:  # a stage starts with done=0 (evaluate_* report it before the first case)
            self._stage, self._start, self._last = stage, now, now
        if done == 0:
            self._write(f"{stage}: {total} cases")
        elif done == 1 or done >= total or now - self._last >= self._every:
            self._last = now
            self._write(eta_line(stage, done, total, now - self._start))
