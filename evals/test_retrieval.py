"""Retrieval quality on the golden cases, per mode, asserted against the issue's thresholds.

The three modes are evaluated once per module; results go to the session report through ``record``.
"""

from __future__ import annotations

import statistics
import time

import pytest

from borderqa import Assistant
from borderqa.evaluation import MODES, Case, RetrievalResult, evaluate_retrieval

from .conftest import record

pytestmark = pytest.mark.slow

THRESHOLDS = {"recall_at_5": 0.97, "recall_at_1": 0.85, "mrr": 0.90}
MAX_P50_MS = 30.0


@pytest.fixture(scope="module")
def results(assistant: Assistant, cases: list[Case]) -> dict[str, RetrievalResult]:
    assistant.search("warm up: load the model and the index")
    out = {mode: evaluate_retrieval(assistant, cases, mode) for mode in MODES}
    for result in out.values():
        record(result)
    return out


@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_hybrid_meets_threshold(results: dict[str, RetrievalResult], metric: str) -> None:
    hybrid = results["hybrid"]
    misses = [f"{c['id']} (rank {c['rank']})" for c in hybrid.cases if c["rank"] != 1]
    assert getattr(hybrid, metric) >= THRESHOLDS[metric], f"{metric} {getattr(hybrid, metric):.4f}; not first: {misses}"


@pytest.mark.parametrize("single", ["dense", "lexical"])
def test_hybrid_beats_single_modes_on_mrr(results: dict[str, RetrievalResult], single: str) -> None:
    assert results["hybrid"].mrr > results[single].mrr


def test_warm_hybrid_search_is_fast(assistant: Assistant, cases: list[Case]) -> None:
    questions = [c.search_query() for c in cases if c.answerable][:60]
    assistant.search(questions[0])
    times = []
    for q in questions:
        t0 = time.perf_counter()
        assistant.search(q, k=10, mode="hybrid")
        times.append((time.perf_counter() - t0) * 1000)
    assert statistics.median(times) < MAX_P50_MS, f"p50 {statistics.median(times):.1f} ms"
