"""Retrieval quality on the golden cases, per mode, asserted against the issue's thresholds.

The three modes are evaluated once per module; results go to the session report through ``record``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from borderqa import Assistant
from borderqa.evaluation import MODES, Case, ProgressLog, RetrievalResult, evaluate_retrieval

pytestmark = pytest.mark.slow

THRESHOLDS = {"recall_at_5": 0.97, "recall_at_1": 0.85, "mrr": 0.90}


@pytest.fixture(scope="module")
def results(
    assistant: Assistant, cases: list[Case], record: Callable[[RetrievalResult], None], progress: ProgressLog
) -> dict[str, RetrievalResult]:
    assistant.search("warm up: load the model and the index")
    out = {mode: evaluate_retrieval(assistant, cases, mode, partial(progress, f"retrieval {mode}")) for mode in MODES}
    for result in out.values():
        record(result)
    return out


def _value(result: RetrievalResult, name: str) -> float:
    value = result.value(name)
    assert value is not None, f"{name}: no answerable case"
    return value


# Regression floors just under today's figures (with the tuned question encoder: r@1 0.898, r@5 0.974, MRR
# 0.931, against 0.883 / 0.974 / 0.922 before it; two cases of margin on the recalls): a drop below fails.
FLOORS = {"recall_at_5": 0.967, "recall_at_1": 0.892, "mrr": 0.925}


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_hybrid_above_regression_floor(results: dict[str, RetrievalResult], metric: str) -> None:
    assert _value(results["hybrid"], metric) >= FLOORS[metric]


@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_hybrid_meets_threshold(results: dict[str, RetrievalResult], metric: str) -> None:
    hybrid = results["hybrid"]
    misses = [f"{c['id']} (rank {c['rank']})" for c in hybrid.cases if c["rank"] != 1]
    assert _value(hybrid, metric) >= THRESHOLDS[metric], f"{metric} {_value(hybrid, metric):.4f}; not first: {misses}"


@pytest.mark.parametrize("single", ["dense", "lexical"])
def test_hybrid_beats_single_modes_on_mrr(results: dict[str, RetrievalResult], single: str) -> None:
    assert _value(results["hybrid"], "mrr") > _value(results[single], "mrr")


# Latency is a benchmark (benchmarks/retrieval.py prints warm p50/p95 and the ratio to a baseline measured
# in the same run), not a timed test: on a shared 2-core machine a timed assertion only measures the load.
