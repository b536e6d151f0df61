"""Shared fixtures for the eval suite: the real Assistant (real index, real models), the golden cases, and
the session's report.

Selections: every answer case is its own test (``test_answer_quality.py::test_answer_is_well_formed[
extractive-multi-multi-003]``), so ``pytest evals/ -k multi`` or ``-k fact-001`` runs only those cases; the
answers are computed once per generator, for the cases the selected tests need (every case when a
metric test of that generator is selected).

At the end, every result computed during the session goes to evals/reports/ (``eval-<time>[-name].json``
with every case's result, ``.md``, ``latest.json``, ``latest.md`` and the page ``latest.html``), and the
summary is printed. Options (or environment variables):
  --eval-run-name NAME   (BORDERQA_EVAL_RUN_NAME)  a name recorded in the report and its file name
  --eval-compare PATH    (BORDERQA_EVAL_COMPARE)   an older report: print the paired comparison and the flips
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from borderqa import Assistant
from borderqa.config import Settings
from borderqa.evaluation import (
    AnswerResult,
    Case,
    EvalReport,
    ProgressLog,
    RetrievalResult,
    collect_run_info,
    evaluate_answers,
    finish_report,
    load_cases,
    load_report,
    suite_cases,
)

HERE = Path(__file__).parent
CASES = HERE / "cases.jsonl"
REPORTS = HERE / "reports"
GENERATORS = ("extractive", "local")  # the generators the suite's tests use (local on the fixed subset)
_collected: dict[str, list[Any]] = {"retrieval": [], "answers": []}
_state: dict[str, Any] = {"started": time.perf_counter(), "older": None, "selection": {}}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("borderqa eval")
    group.addoption("--eval-run-name", default=os.environ.get("BORDERQA_EVAL_RUN_NAME", ""),
                    help="name of this eval run, recorded in the report (env BORDERQA_EVAL_RUN_NAME)")
    group.addoption("--eval-compare", default=os.environ.get("BORDERQA_EVAL_COMPARE", ""),
                    help="older eval report JSON to compare this run with (env BORDERQA_EVAL_COMPARE)")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--eval-compare", default="")
    if path:  # read it now: a bad path fails before anything runs, and latest.json is read before it is rewritten
        try:
            _state["older"] = load_report(Path(path))
        except Exception as exc:
            raise pytest.UsageError(str(exc)) from exc


def pytest_collection_finish(session: pytest.Session) -> None:
    """Which cases each generator must answer, from the tests left after -k / -m selection."""
    selection: dict[str, set[str] | None] = {}  # None: every case
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        pair = callspec.params.get("answer_case") if callspec is not None else None
        if pair is not None:
            ids = selection.setdefault(pair[0], set())
            if ids is not None:
                ids.add(pair[1])
        for g in GENERATORS:
            if g in getattr(item, "fixturenames", ()):
                selection[g] = None
    _state["selection"] = selection


def _progress_writer(config: pytest.Config) -> Callable[[str], None]:
    capman = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")

    def write(line: str) -> None:
        if reporter is None:
            return
        if capman is not None:
            with capman.global_and_fixture_disabled():
                reporter.write_line(f"  [eval] {line}")
        else:
            reporter.write_line(f"  [eval] {line}")

    return write


@pytest.fixture(scope="session")
def assistant() -> Iterator[Assistant]:
    a = Assistant.from_settings()
    a.build_index()  # no-op when the index is fresh
    yield a


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    return load_cases(CASES)


@pytest.fixture(scope="session")
def progress(pytestconfig: pytest.Config) -> ProgressLog:
    """progress(stage, done, total): a line with the time left, at most every 15 s, shown despite capture."""
    return ProgressLog(_progress_writer(pytestconfig))


def _record(result: RetrievalResult | AnswerResult) -> None:
    key = "retrieval" if isinstance(result, RetrievalResult) else "answers"
    _collected[key].append(result)


@pytest.fixture(scope="session")
def record() -> Callable[[RetrievalResult | AnswerResult], None]:
    """Keep a result for the session's report (eval modules call it on every result they compute)."""
    return _record


@pytest.fixture(scope="session")
def answers(assistant: Assistant, cases: list[Case], progress: ProgressLog) -> Callable[[str], AnswerResult]:
    """answers(generator): that generator's result on the cases the selected tests need, computed once."""
    done: dict[str, AnswerResult] = {}

    def get(generator: str) -> AnswerResult:
        if generator not in done:
            wanted = _state["selection"].get(generator)
            chosen = [c for c in suite_cases(generator, cases) if wanted is None or c.id in wanted]
            done[generator] = evaluate_answers(assistant, chosen, generator, partial(progress, f"answers {generator}"))
            _record(done[generator])
        return done[generator]

    return get


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not (_collected["retrieval"] or _collected["answers"]):
        return
    config = session.config
    ids = {r["id"] for res in [*_collected["retrieval"], *_collected["answers"]] for r in res.cases}
    run = collect_run_info(Settings.load(), config.getoption("--eval-run-name"),
                           {"pytest_k": config.getoption("-k") or "", "pytest_m": config.getoption("-m") or ""})
    report: EvalReport = finish_report(_collected["retrieval"], _collected["answers"], len(ids), run,
                                       _state["started"], _state["older"], REPORTS)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\neval report: {report.json_path}, {report.html_path}")
        reporter.write_line(report.summary_markdown().split("## Hybrid retrieval misses")[0].split("## Compared with")[0])
        if report.comparison is not None:
            reporter.write_line(report.comparison.markdown())
