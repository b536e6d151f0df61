"""Bootstrap intervals over cases, and paired bootstrap differences between two runs on the same cases.

The percentile bootstrap: draw the cases with replacement ``resamples`` times, recompute the metric on each
draw (ratio metrics as sum of numerators over sum of denominators, so the number of cases a metric counts
varies from draw to draw as it would with other cases), and take the 2.5th and 97.5th percentiles. Draws
where a metric counts no case are left out. The draws come from ``numpy.random.default_rng`` seeded with
the run's seed and the metric's name, so a rerun on the same rows gives the same interval, and adding a
metric does not move the others.

A comparison draws the *same* case indices for both runs (a paired bootstrap): the interval of
``after - before`` then reflects only the cases that changed, and the difference is *significant* when
that 95 % interval excludes zero.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from borderqa.evaluation.metrics import Metric, Row

SEED = 2014
RESAMPLES = 2000


@dataclass(frozen=True)
class Estimate:
    """A metric's value on the cases, its 95 % bootstrap interval, and how many cases it counts."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    def to_dict(self) -> dict[str, float | int | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 6)

        return {"value": r(self.value), "low": r(self.low), "high": r(self.high), "n": self.n}

    @classmethod
    def from_dict(cls, d: dict[str, float | int | None]) -> Estimate:
        def f(x: float | int | None) -> float | None:
            return None if x is None else float(x)

        return cls(f(d.get("value")), f(d.get("low")), f(d.get("high")), int(d.get("n") or 0))


@dataclass(frozen=True)
class Difference:
    """``after - before`` on the cases both runs have, with its paired 95 % interval."""

    metric: str
    before: float | None
    after: float | None
    diff: float | None
    low: float | None
    high: float | None
    n: int  # cases in both runs that the metric counts in either

    @property
    def significant(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])


def _arrays(metric: Metric, rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = [metric.score(r) for r in rows]
    num = np.array([s[0] if s else 0.0 for s in scores], dtype=float)
    den = np.array([s[1] if s else 0.0 for s in scores], dtype=float)
    counted = np.array([s is not None for s in scores], dtype=bool)
    return num, den, counted


def _statistic(metric: Metric, arrays: tuple[np.ndarray, np.ndarray, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """The metric on each draw (one row of ``idx`` per draw); NaN where a draw counts no case."""
    num, den, counted = arrays
    if metric.quantile is not None:  # nearest-rank quantile of the counted cases of each draw, vectorised
        values = np.sort(np.where(counted, num, np.inf)[idx], axis=1)  # uncounted cases sort last
        k = counted[idx].sum(axis=1)
        pos = np.rint(metric.quantile * np.maximum(k - 1, 0)).astype(int)
        picked = np.take_along_axis(values, pos[:, None], axis=1)[:, 0]
        return np.where(k > 0, picked, np.nan)
    sums = den[idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sums > 0, num[idx].sum(axis=1) / np.where(sums > 0, sums, 1), np.nan)


def _interval(draws: np.ndarray) -> tuple[float | None, float | None]:
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return None, None
    low, high = np.percentile(draws, [2.5, 97.5])
    return float(low), float(high)


def estimate(metric: Metric, rows: Sequence[Row], seed: int = SEED, resamples: int = RESAMPLES, key: str = "") -> Estimate:
    """The metric on ``rows`` with its percentile-bootstrap 95 % interval (``key`` names the group)."""
    n = metric.count(rows)
    value = metric.value(rows)
    if value is None or not rows:
        return Estimate(None, None, None, n)
    idx = _rng(seed, f"{metric.name}|{key}").integers(0, len(rows), size=(resamples, len(rows)))
    low, high = _interval(_statistic(metric, _arrays(metric, rows), idx))
    return Estimate(value, low, high, n)


def paired_difference(
    metric: Metric, before: Sequence[Row], after: Sequence[Row], seed: int = SEED, resamples: int = RESAMPLES, key: str = ""
) -> Difference:
    """``after - before`` on the cases both hold (matched by id), with a paired bootstrap interval."""
    old = {r["id"]: r for r in before}
    ids = [r["id"] for r in after if r["id"] in old]
    b_rows = [old[i] for i in ids]
    a_rows = [r for r in after if r["id"] in old]
    b_val, a_val = metric.value(b_rows), metric.value(a_rows)
    n = sum(1 for x, y in zip(b_rows, a_rows, strict=True) if metric.score(x) is not None or metric.score(y) is not None)
    if b_val is None or a_val is None:
        return Difference(metric.name, b_val, a_val, None, None, None, n)
    idx = _rng(seed, f"paired|{metric.name}|{key}").integers(0, len(ids), size=(resamples, len(ids)))
    draws = _statistic(metric, _arrays(metric, a_rows), idx) - _statistic(metric, _arrays(metric, b_rows), idx)
    low, high = _interval(draws)
    return Difference(metric.name, b_val, a_val, a_val - b_val, low, high, n)
