"""The eval suite's engine: golden cases -> judged rows -> metrics with bootstrap intervals -> reports.

Used by ``pytest evals/`` (which asserts the floors and targets) and by ``borderqa eval``.

| module | job |
|---|---|
| ``cases.py`` | the golden cases, selections by kind / id / limit, the fixed subset for slow generators |
| ``metrics.py`` | each metric defined per case, the judged row of a case, retrieval and answer runs |
| ``bootstrap.py`` | 95 % intervals over cases, paired differences between two runs |
| ``compare.py`` | one run against an older report: metric differences and flipped cases |
| ``report.py`` | the report: JSON, Markdown, reading older reports back |
| ``html_report.py`` | the self-contained HTML page (``report.html.j2``) |
| ``run.py`` | running an eval and recording what ran it |
| ``progress.py`` | progress lines with the time left |
"""

from __future__ import annotations

from borderqa.evaluation.bootstrap import RESAMPLES, SEED, Difference, Estimate, estimate, paired_difference
from borderqa.evaluation.cases import (
    CASES_PATH,
    KINDS,
    SLOW_GENERATORS,
    Case,
    load_cases,
    ordered_kinds,
    select_cases,
    subset_for_slow_generators,
    suite_cases,
)
from borderqa.evaluation.compare import NO_CHANGE, Comparison, Flip, compare_reports
from borderqa.evaluation.metrics import (
    ANSWER_METRICS,
    METRICS,
    MODES,
    RETRIEVAL_METRICS,
    AnswerResult,
    Metric,
    RetrievalResult,
    answer_lead,
    evaluate_answers,
    evaluate_retrieval,
    judge,
)
from borderqa.evaluation.progress import ProgressLog, eta_line
from borderqa.evaluation.report import EvalReport, fmt, load_report
from borderqa.evaluation.run import collect_run_info, finish_report, run_evaluation

__all__ = [
    "ANSWER_METRICS", "CASES_PATH", "KINDS", "METRICS", "MODES", "NO_CHANGE", "RESAMPLES", "RETRIEVAL_METRICS",
    "SEED", "SLOW_GENERATORS", "AnswerResult", "Case", "Comparison", "Difference", "Estimate", "EvalReport", "Flip",
    "Metric", "ProgressLog", "RetrievalResult", "answer_lead", "collect_run_info", "compare_reports", "estimate",
    "eta_line", "evaluate_answers", "evaluate_retrieval", "finish_report", "fmt", "judge", "load_cases", "load_report",
    "ordered_kinds", "paired_difference", "run_evaluation", "select_cases", "subset_for_slow_generators", "suite_cases",
]
