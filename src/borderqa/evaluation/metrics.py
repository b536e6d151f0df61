"""What each metric means, per case: a judged row per case, and metrics as sums over rows.

Every metric is a ratio of sums over the cases it counts (``Metric.score`` gives a case's numerator and
denominator, or None when the case does not count), or a quantile of a per-case value. Defining metrics
per case is what lets ``bootstrap.py`` resample cases for an interval and pair two runs case by case.

Answer metrics, per generator:
- fact accuracy: answerable cases answered with every fact regex matching the answer text;
- lead: of the answered fact questions (answerable cases that ask one thing: every answerable kind but
  ``multi``), those whose lead states the fact. The lead is ``Answer.lead``, or else the first sentence
  whose role is "lead"; it *states the fact* when at least one of the case's fact regexes matches the
  whole answer and every regex that matches the whole answer also matches the lead (a wrong answer's
  lead states nothing; a right fact buried in the third sentence does not count);
- citation precision: of the passages cited by answered answerable cases, the share that support the case;
- citation recall: answered answerable cases citing at least one supporting passage;
- refusal accuracy: unanswerable and false-premise cases answered with ``answerable = false``;
- false-refusal rate: answerable cases refused;
- latency p50/p95 of the whole answer (every case), and of the first token (answered cases).

Retrieval metrics, on answerable cases, per mode: recall@1, recall@5 (a supporting passage in the top 1 /
top 5) and MRR (over the top 10). Follow-ups are searched in their stand-alone form.

A case *passes* when it is right: an answerable case when its facts are all there, an unanswerable one when
it is refused. ``reasons`` lists why it failed, and what else is wrong with it (uncited support, a lead
without the fact), so the report can say it per case.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from borderqa.evaluation.cases import Case, normalize
from borderqa.serialize import turns_from_dicts
from borderqa.types import Answer

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

MODES = ("dense", "lexical", "hybrid")
# Kinds whose questions ask more than one thing: their answers have one line per part, so no single lead.
MULTI_PART_KINDS = frozenset({"multi"})
Progress = Callable[[int, int], None]
Row = dict[str, Any]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    score: Callable[[Row], tuple[float, float] | None]  # (numerator, denominator), None: the case does not count
    higher_is_better: bool = True
    quantile: float | None = None  # set: the statistic is this quantile of the numerators, not a ratio
    unit: str = ""  # "s" / "ms": shown with 2 / 1 decimals instead of 3

    def value(self, rows: Sequence[Row]) -> float | None:
        scores = [s for s in (self.score(r) for r in rows) if s is not None]
        if self.quantile is not None:
            return quantile([s[0] for s in scores], self.quantile) if scores else None
        den = sum(s[1] for s in scores)
        return sum(s[0] for s in scores) / den if den else None

    def count(self, rows: Sequence[Row]) -> int:
        """How many cases the metric counts."""
        return sum(1 for r in rows if self.score(r) is not None)


def quantile(values: Sequence[float], q: float) -> float:
    """The nearest-rank quantile (the same rule as the bootstrap's ``method="nearest"``)."""
    return float(np.percentile(np.asarray(values, dtype=float), q * 100, method="nearest"))


def _answerable(r: Row) -> bool:
    return bool(r["answerable_expected"])


def _flag(cond: bool) -> tuple[float, float]:
    return (1.0 if cond else 0.0, 1.0)


def _is_fact_question(r: Row) -> bool:
    return _answerable(r) and r.get("kind") not in MULTI_PART_KINDS


ANSWER_METRICS: tuple[Metric, ...] = (
    Metric("fact_accuracy", "fact acc.", lambda r: _flag(bool(r.get("facts_ok"))) if _answerable(r) else None),
    Metric("lead_accuracy", "lead",
           lambda r: _flag(bool(r["lead_states_fact"]))
           if _is_fact_question(r) and r["answerable_given"] and r.get("lead_states_fact") is not None else None),
    Metric("citation_precision", "cit. precision",
           lambda r: (float(r["cited_supporting"]), float(r["cited_total"]))
           if _answerable(r) and r["answerable_given"] else None),
    Metric("citation_recall", "cit. recall",
           lambda r: _flag(r["cited_supporting"] > 0) if _answerable(r) and r["answerable_given"] else None),
    Metric("refusal_accuracy", "refusal acc.", lambda r: None if _answerable(r) else _flag(not r["answerable_given"])),
    Metric("false_refusal_rate", "false refusals",
           lambda r: _flag(not r["answerable_given"]) if _answerable(r) else None, higher_is_better=False),
    Metric("latency_p50_s", "p50 s", lambda r: (float(r["total_s"]), 1.0), False, 0.5, "s"),
    Metric("latency_p95_s", "p95 s", lambda r: (float(r["total_s"]), 1.0), False, 0.95, "s"),
    Metric("first_token_p50_s", "first token p50 s",
           lambda r: (float(r["first_token_s"]), 1.0) if r["answerable_given"] else None, False, 0.5, "s"),
    Metric("first_token_p95_s", "first token p95 s",
           lambda r: (float(r["first_token_s"]), 1.0) if r["answerable_given"] else None, False, 0.95, "s"),
)

RETRIEVAL_METRICS: tuple[Metric, ...] = (
    Metric("recall_at_1", "recall@1", lambda r: _flag(r["rank"] == 1)),
    Metric("recall_at_5", "recall@5", lambda r: _flag(bool(r["rank"]) and r["rank"] <= 5)),
    Metric("mrr", "MRR", lambda r: (1.0 / r["rank"] if r["rank"] else 0.0, 1.0)),
    Metric("latency_p50_ms", "p50 ms", lambda r: (float(r["ms"]), 1.0) if "ms" in r else None, False, 0.5, "ms"),
)

METRICS = {m.name: m for m in (*ANSWER_METRICS, *RETRIEVAL_METRICS)}


# --- retrieval ----------------------------------------------------------------------------------------


@dataclass
class RetrievalResult:
    mode: str
    cases: list[Row] = field(default_factory=list)

    def value(self, name: str) -> float | None:
        return METRICS[name].value(self.cases)


def evaluate_retrieval(assistant: Assistant, cases: Sequence[Case], mode: str, progress: Progress | None = None) -> RetrievalResult:
    rows: list[Row] = []
    answerable = [c for c in cases if c.answerable and c.support]
    if progress:
        progress(0, len(answerable))
    for n, case in enumerate(answerable, 1):
        t0 = time.perf_counter()
        hits = assistant.search(case.search_query(), k=10, mode=mode)  # type: ignore[arg-type]
        ms = (time.perf_counter() - t0) * 1000
        rank = next((i + 1 for i, h in enumerate(hits) if case.supports(h.passage)), None)
        rows.append({"id": case.id, "kind": case.kind, "question": case.question, "rank": rank,
                     "top": [h.passage.id for h in hits[:3]], "ms": round(ms, 2)})
        if progress:
            progress(n, len(answerable))
    return RetrievalResult(mode, rows)


# --- answers ------------------------------------------------------------------------------------------


@dataclass
class AnswerResult:
    generator: str
    cases: list[Row] = field(default_factory=list)

    @property
    def cases_run(self) -> int:
        return len(self.cases)

    def value(self, name: str) -> float | None:
        return METRICS[name].value(self.cases)

    def row(self, case_id: str) -> Row:
        return next(r for r in self.cases if r["id"] == case_id)


def answer_lead(answer: Answer) -> str:
    """The answer's first sentence as the metrics read it: ``Answer.lead``, else the first "lead" sentence."""
    if answer.lead.strip():
        return answer.lead
    return next((s.text for s in answer.sentences if s.role == "lead"), "")


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def judge(case: Case, answer: Answer) -> Row:
    """One case's row: what was asked and answered, what it cites, and whether it is right and why not."""
    cited = [c.passage for c in answer.citations]
    lead = answer_lead(answer)
    row: Row = {
        "id": case.id, "kind": case.kind, "question": case.question, "history": list(case.history),
        "answer": answer.text, "status": answer.status, "lead": lead,
        "answerable_expected": case.answerable, "answerable_given": answer.answerable,
        "cited": [p.id for p in cited],
        "citations": [
            {"marker": c.marker, "id": c.passage.id, "section": c.passage.section, "paragraph": c.passage.paragraph,
             "text": c.passage.text, "quotes": list(c.quotes), "supports": case.supports(c.passage)}
            for c in answer.citations
        ],
        "sentences": [{"text": s.text, "citations": list(s.citations), "verdict": s.verdict, "role": s.role,
                       "note": s.note} for s in answer.sentences],
        "total_s": answer.timings.get("total", 0.0), "first_token_s": answer.timings.get("first_token", 0.0),
    }
    reasons: list[str] = []
    if case.answerable:
        found = [f for f in case.facts if _matches(f, answer.text)]
        row["facts_missing"] = [f for f in case.facts if f not in found]
        row["facts_ok"] = answer.answerable and not row["facts_missing"]
        row["cited_supporting"] = sum(1 for p in cited if case.supports(p)) if answer.answerable else 0
        row["cited_total"] = len(cited) if answer.answerable else 0
        row["lead_states_fact"] = bool(found) and all(_matches(f, lead) for f in found)
        if not answer.answerable:
            reasons.append(f"refused an answerable question ({answer.status})")
        else:
            reasons += [f"fact /{f}/ not in the answer" for f in row["facts_missing"]]
            if not row["cited_supporting"]:
                reasons.append("cites no supporting passage")
            elif row["cited_supporting"] < row["cited_total"]:
                reasons.append(f"{row['cited_total'] - row['cited_supporting']} of {row['cited_total']} citations do not support")
            if found and not row["lead_states_fact"] and case.kind not in MULTI_PART_KINDS:
                reasons.append("the lead does not state the fact")
        row["outcome"] = "pass" if row["facts_ok"] else "fail"
    else:
        if answer.answerable:
            reasons.append("answered a question the report does not answer")
        row["outcome"] = "fail" if answer.answerable else "pass"
    row["reasons"] = reasons
    return row


# Sentences that state no fact from a passage, so need no citation: "The report does not say: ...", and
# the fixed "The report does not support the question's premise." opening a correction.
UNCITED_ROLES = frozenset({"refusal", "premise"})


def form_problems(row: Row) -> list[str]:
    """What is wrong with the *form* of a judged answer, right or wrong: empty when it is well formed.

    Every kept sentence cites a passage (but a refusal or premise line); every marker a sentence cites
    is one of the answer's citations; every quote occurs in its cited paragraph; an answer with status
    "answered" has a lead; ``answerable`` agrees with the status.
    """
    problems: list[str] = []
    markers = {c["marker"] for c in row.get("citations", [])}
    for s in row.get("sentences", []):
        if s["verdict"] == "dropped":
            continue
        if not s["citations"] and s["role"] not in UNCITED_ROLES:
            problems.append(f"uncited {s['role']} sentence: {s['text'][:80]!r}")
        if unknown := sorted(set(s["citations"]) - markers):
            problems.append(f"sentence cites unknown marker(s) {unknown}: {s['text'][:80]!r}")
    for c in row.get("citations", []):
        text = normalize(c["text"])
        problems += [f"[{c['marker']}] quote not in {c['id']}: {q[:80]!r}" for q in c["quotes"] if normalize(q) not in text]
    status = row.get("status", "answered")
    if status == "answered" and not row.get("lead", "").strip():
        problems.append("answered without a lead")
    if row["answerable_given"] != (status == "answered"):
        problems.append(f"answerable={row['answerable_given']} but status {status!r}")
    return problems


def evaluate_answers(assistant: Assistant, cases: Sequence[Case], generator: str, progress: Progress | None = None) -> AnswerResult:
    rows: list[Row] = []
    if progress:
        progress(0, len(cases))
    for n, case in enumerate(cases, 1):
        answer = assistant.ask(case.question, history=turns_from_dicts(list(case.history)), generator=generator)
        rows.append(judge(case, answer))
        if progress:
            progress(n, len(cases))
    return AnswerResult(generator, rows)


def kind_groups(rows: Sequence[Row], kinds: Sequence[str]) -> dict[str, list[Row]]:
    """Rows per kind, in the given order (kinds with no rows are left out)."""
    groups = {k: [r for r in rows if r.get("kind") == k] for k in kinds}
    return {k: v for k, v in groups.items() if v}

