"""Shared fixtures for the eval suite: the real Assistant (real index, real models) and the golden cases.

Every metric computed during the session is collected and written, at the end, to evals/reports/
(eval-<time>.json with every case's result, eval-<time>.md and latest.md with the summary tables).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from borderqa import Assistant
from borderqa.evaluation import AnswerResult, Case, EvalReport, RetrievalResult, load_cases

HERE = Path(__file__).parent
_collected: dict[str, list] = {"retrieval": [], "answers": []}


@pytest.fixture(scope="session")
def assistant() -> Iterator[Assistant]:
    a = Assistant.from_settings()
    a.build_index()  # no-op when the index is fresh
    yield a


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    return load_cases(HERE / "cases.jsonl")


def _record(result: RetrievalResult | AnswerResult) -> None:
    key = "retrieval" if isinstance(result, RetrievalResult) else "answers"
    _collected[key].append(result)


@pytest.fixture(scope="session")
def record() -> Callable[[RetrievalResult | AnswerResult], None]:
    """Keep a result for the session's report (eval modules call it on every result they compute)."""
    return _record


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not (_collected["retrieval"] or _collected["answers"]):
        return
    report = EvalReport(_collected["retrieval"], _collected["answers"], len(load_cases(HERE / "cases.jsonl")))
    report.write(HERE / "reports")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\neval report: {report.markdown_path}")
        reporter.write_line(report.summary_markdown().split("## Hybrid retrieval misses")[0])
