"""Answer quality per generator: regression floors and the issue's targets, asserted per metric, and every
case's answer checked for form (one test per case, so ``-k`` selects cases by id or kind).

extractive runs on every case; local (a 1.5B model at ~3-6 s an answer on 2 cores) on a fixed, spread-out
subset so CI stays within its time (every case: `borderqa eval --generator local --all`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from borderqa.evaluation import AnswerResult, load_cases, suite_cases
from borderqa.evaluation.metrics import form_problems

pytestmark = pytest.mark.slow

THRESHOLDS = {"fact_accuracy": 0.90, "citation_precision": 0.95, "refusal_accuracy": 0.90}
MAX_FALSE_REFUSALS = 0.05
# Regression floors: just under what extractive reaches on the 471 cases (fact 0.828, precision 0.858, recall 0.906,
# refusal 0.680 with the premise check and the answer checks of answering/bound.py; the 115 lookalike and false-premise cases added before
# the reader was trained had pulled it down from 0.721 on the 356 older ones to 0.438), below the targets. A drop under a floor fails the suite; the
# targets themselves are reported as xfail/xpass until they are reached (issue 8).
FLOORS = {"fact_accuracy": 0.80, "citation_precision": 0.82, "citation_recall": 0.87, "refusal_accuracy": 0.75}
LOCAL_FLOORS = {"fact_accuracy": 0.40, "citation_precision": 0.50}
GENERATORS = ("extractive", "local")  # conftest.GENERATORS: the generator fixtures below
TARGETS_NOT_YET_MET = pytest.mark.xfail(reason="issue 8 targets not reached yet: see evals/reports/latest.md", strict=False)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "answer_case" in metafunc.fixturenames:
        cases = load_cases(Path(__file__).parent / "cases.jsonl")
        params = [
            pytest.param((g, c.id), id=f"{g}-{c.kind}-{c.id}", marks=[pytest.mark.llm] if g != "extractive" else [])
            for g in GENERATORS for c in suite_cases(g, cases)
        ]
        metafunc.parametrize("answer_case", params)


def _value(result: AnswerResult, name: str) -> float:
    value = result.value(name)
    assert value is not None, f"{name}: no case counts for it in this selection"
    return value


def _below(result: AnswerResult, floors: dict[str, float]) -> dict[str, float]:
    return {k: round(_value(result, k), 3) for k, v in floors.items() if _value(result, k) < v}


def _check(result: AnswerResult) -> list[str]:
    problems = [f"{name} {_value(result, name):.3f} < {floor}" for name, floor in THRESHOLDS.items() if _value(result, name) < floor]
    if _value(result, "false_refusal_rate") > MAX_FALSE_REFUSALS:
        problems.append(f"false_refusal_rate {_value(result, 'false_refusal_rate'):.3f} > {MAX_FALSE_REFUSALS}")
    return problems


@pytest.fixture(scope="module")
def extractive(answers: Callable[[str], AnswerResult]) -> AnswerResult:
    return answers("extractive")


@pytest.fixture(scope="module")
def local(answers: Callable[[str], AnswerResult]) -> AnswerResult:
    return answers("local")


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_extractive_above_regression_floor(extractive: AnswerResult, metric: str) -> None:
    assert not _below(extractive, {metric: FLOORS[metric]}), _below(extractive, FLOORS)


def test_extractive_false_refusals_within_limit(extractive: AnswerResult) -> None:
    assert _value(extractive, "false_refusal_rate") <= MAX_FALSE_REFUSALS


@TARGETS_NOT_YET_MET
def test_extractive_meets_thresholds(extractive: AnswerResult) -> None:
    assert not _check(extractive), _check(extractive)


@pytest.mark.llm
@TARGETS_NOT_YET_MET
def test_local_meets_thresholds(local: AnswerResult) -> None:
    assert not _check(local), _check(local)


@pytest.mark.llm
def test_local_above_regression_floors(local: AnswerResult) -> None:
    assert not _below(local, LOCAL_FLOORS), _below(local, LOCAL_FLOORS)


# Latency (p50/p95 of the whole answer and of the first token, with intervals) is in the eval report; the
# targets are checked by benchmarks/local_llm.py (and benchmarks/retrieval.py for search), not by timed tests
# (machines here are noisy).


def test_answer_is_well_formed(
    answer_case: tuple[str, str], answers: Callable[[str], AnswerResult], record_property: Callable[[str, object], None]
) -> None:
    """Right or wrong, an answer cites every kept sentence, quotes its paragraphs verbatim and has a lead.

    Whether the case is right is the metrics' business (its outcome is recorded as a property).
    """
    generator, case_id = answer_case
    row = answers(generator).row(case_id)
    record_property("outcome", row["outcome"])
    assert not form_problems(row), (case_id, form_problems(row), row["answer"])
