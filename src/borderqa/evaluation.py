"""The eval suite's engine: golden cases -> retrieval and answer metrics -> JSON and Markdown reports.

Used by ``pytest evals/`` (which asserts the thresholds) and by ``borderqa eval``.

Cases (``evals/cases.jsonl``): id, kind, question, history, answerable, support (snippets that occur in a
passage that answers the case), facts (regexes an answer must match). A passage *supports* a case when it
contains one of its snippets (compared after folding case, accents and quotes).

Retrieval metrics, on answerable cases, per mode: recall@1, recall@5 (a supporting passage in the top 1 /
top 5) and MRR (over the top 10). Follow-ups are searched in their stand-alone form.

Answer metrics, per generator: fact accuracy (answerable cases whose answer matches every fact regex),
citation precision (share of cited passages, over answered answerable cases, that support the case),
citation recall (answered answerable cases citing at least one supporting passage), refusal accuracy
(unanswerable and false-premise cases answered with ``answerable = false``), false-refusal rate
(answerable cases refused), and latency p50/p95 of the whole answer and of the first token.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderqa.conversation import standalone_question
from borderqa.lexical import fold
from borderqa.serialize import turns_from_dicts
from borderqa.types import Answer, Passage

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

CASES_PATH = Path("evals/cases.jsonl")
MODES = ("dense", "lexical", "hybrid")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    question: str
    history: tuple[dict[str, str], ...]
    answerable: bool
    support: tuple[str, ...]
    facts: tuple[str, ...]
    section: str = ""

    def supports(self, passage: Passage) -> bool:
        text = _norm(passage.text)
        return any(_norm(s) in text for s in self.support)

    def search_query(self) -> str:
        return standalone_question(self.question, turns_from_dicts(list(self.history)))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\"“”'‘’]", "'", fold(text))).strip()


def load_cases(path: Path = CASES_PATH) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            cases.append(
                Case(d["id"], d["kind"], d["question"], tuple(d.get("history") or ()), bool(d["answerable"]),
                     tuple(d.get("support") or ()), tuple(d.get("facts") or ()), d.get("section", ""))
            )
    return cases


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- retrieval ----------------------------------------------------------------------------------------


@dataclass
class RetrievalResult:
    mode: str
    recall_at_1: float
    recall_at_5: float
    mrr: float
    latency_p50_ms: float
    cases: list[dict[str, Any]] = field(default_factory=list)


def evaluate_retrieval(assistant: Assistant, cases: Sequence[Case], mode: str, progress: Progress | None = None) -> RetrievalResult:
    rows: list[dict[str, Any]] = []
    latencies = []
    answerable = [c for c in cases if c.answerable and c.support]
    for n, case in enumerate(answerable, 1):
        t0 = time.perf_counter()
        hits = assistant.search(case.search_query(), k=10, mode=mode)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - t0) * 1000)
        rank = next((i + 1 for i, h in enumerate(hits) if case.supports(h.passage)), None)
        rows.append({"id": case.id, "kind": case.kind, "question": case.question, "rank": rank,
                     "top": [h.passage.id for h in hits[:3]]})
        if progress:
            progress(n, len(answerable))
    total = len(rows) or 1
    return RetrievalResult(
        mode=mode,
        recall_at_1=sum(1 for r in rows if r["rank"] == 1) / total,
        recall_at_5=sum(1 for r in rows if r["rank"] and r["rank"] <= 5) / total,
        mrr=sum(1 / r["rank"] for r in rows if r["rank"]) / total,
        latency_p50_ms=statistics.median(latencies) if latencies else 0.0,
        cases=rows,
    )


# --- answers ------------------------------------------------------------------------------------------


@dataclass
class AnswerResult:
    generator: str
    cases_run: int
    fact_accuracy: float
    citation_precision: float
    citation_recall: float
    refusal_accuracy: float
    false_refusal_rate: float
    latency_p50_s: float
    latency_p95_s: float
    first_token_p50_s: float
    first_token_p95_s: float
    cases: list[dict[str, Any]] = field(default_factory=list)


def judge(case: Case, answer: Answer) -> dict[str, Any]:
    cited = [c.passage for c in answer.citations]
    row: dict[str, Any] = {
        "id": case.id, "kind": case.kind, "question": case.question, "answer": answer.text,
        "answerable_expected": case.answerable, "answerable_given": answer.answerable,
        "cited": [p.id for p in cited],
        "total_s": answer.timings.get("total", 0.0), "first_token_s": answer.timings.get("first_token", 0.0),
    }
    if case.answerable:
        row["facts_ok"] = answer.answerable and all(re.search(f, answer.text, re.IGNORECASE) for f in case.facts)
        row["cited_supporting"] = sum(1 for p in cited if case.supports(p)) if answer.answerable else 0
        row["cited_total"] = len(cited) if answer.answerable else 0
    return row


def subset_for_slow_generators(cases: Sequence[Case], size: int = 24) -> list[Case]:
    """A fixed, spread-out subset (every n-th case of each kind) for generators too slow for all cases."""
    out: list[Case] = []
    kinds = sorted({c.kind for c in cases})
    per_kind = max(size // len(kinds), 1)
    for kind in kinds:
        of_kind = [c for c in cases if c.kind == kind]
        step = max(len(of_kind) // per_kind, 1)
        out.extend(of_kind[::step][:per_kind])
    return out


def evaluate_answers(assistant: Assistant, cases: Sequence[Case], generator: str, progress: Progress | None = None) -> AnswerResult:
    rows: list[dict[str, Any]] = []
    for n, case in enumerate(cases, 1):
        answer = assistant.ask(case.question, history=turns_from_dicts(list(case.history)), generator=generator)
        rows.append(judge(case, answer))
        if progress:
            progress(n, len(cases))
    answerable = [r for r in rows if r["answerable_expected"]]
    unanswerable = [r for r in rows if not r["answerable_expected"]]
    answered = [r for r in answerable if r["answerable_given"]]
    cited_total = sum(r["cited_total"] for r in answered)
    totals = [r["total_s"] for r in rows]
    firsts = [r["first_token_s"] for r in rows if r["answerable_given"]]
    return AnswerResult(
        generator=generator,
        cases_run=len(rows),
        fact_accuracy=sum(1 for r in answerable if r["facts_ok"]) / max(len(answerable), 1),
        citation_precision=sum(r["cited_supporting"] for r in answered) / cited_total if cited_total else 0.0,
        citation_recall=sum(1 for r in answered if r["cited_supporting"]) / max(len(answered), 1),
        refusal_accuracy=sum(1 for r in unanswerable if not r["answerable_given"]) / max(len(unanswerable), 1),
        false_refusal_rate=sum(1 for r in answerable if not r["answerable_given"]) / max(len(answerable), 1),
        latency_p50_s=_pct(totals, 0.5),
        latency_p95_s=_pct(totals, 0.95),
        first_token_p50_s=_pct(firsts, 0.5),
        first_token_p95_s=_pct(firsts, 0.95),
        cases=rows,
    )


# --- reports ------------------------------------------------------------------------------------------


@dataclass
class EvalReport:
    retrieval: list[RetrievalResult]
    answers: list[AnswerResult]
    cases: int
    json_path: Path = Path()
    markdown_path: Path = Path()

    def summary_markdown(self) -> str:
        lines = [f"# BorderQA eval ({self.cases} cases)", "", "## Retrieval (answerable cases)", "",
                 "| mode | recall@1 | recall@5 | MRR | p50 ms |", "|---|---|---|---|---|"]
        lines += [f"| {r.mode} | {r.recall_at_1:.3f} | {r.recall_at_5:.3f} | {r.mrr:.3f} | {r.latency_p50_ms:.1f} |" for r in self.retrieval]
        if self.answers:
            lines += ["", "## Answers", "",
                      "| generator | cases | fact acc. | cit. precision | cit. recall | refusal acc. | false refusals | p50 s | p95 s | first token p50 s |",
                      "|---|---|---|---|---|---|---|---|---|---|"]
            lines += [
                f"| {a.generator} | {a.cases_run} | {a.fact_accuracy:.3f} | {a.citation_precision:.3f} | {a.citation_recall:.3f} | "
                f"{a.refusal_accuracy:.3f} | {a.false_refusal_rate:.3f} | {a.latency_p50_s:.2f} | {a.latency_p95_s:.2f} | {a.first_token_p50_s:.2f} |"
                for a in self.answers
            ]
        misses = [(r.mode, c) for r in self.retrieval if r.mode == "hybrid" for c in r.cases if c["rank"] != 1]
        if misses:
            lines += ["", "## Hybrid retrieval misses (rank of first supporting passage)", "", "| case | rank | question |", "|---|---|---|"]
            lines += [f"| {c['id']} | {c['rank'] or '-'} | {c['question']} |" for _, c in misses]
        for a in self.answers:
            bad = [c for c in a.cases if (c["answerable_expected"] and not c.get("facts_ok")) or (not c["answerable_expected"] and c["answerable_given"])]
            if bad:
                lines += ["", f"## {a.generator}: failed answer cases", "", "| case | expected | given | answer |", "|---|---|---|---|"]
                lines += [f"| {c['id']} | {'answer' if c['answerable_expected'] else 'refuse'} | {'answer' if c['answerable_given'] else 'refuse'} | "
                          f"{c['answer'][:160].replace('|', '/').replace(chr(10), ' ')} |" for c in bad]
        return "\n".join(lines)

    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.json_path = out_dir / f"eval-{stamp}.json"
        self.markdown_path = out_dir / f"eval-{stamp}.md"
        data = {"cases": self.cases, "retrieval": [asdict(r) for r in self.retrieval], "answers": [asdict(a) for a in self.answers]}
        self.json_path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        self.markdown_path.write_text(self.summary_markdown() + "\n", encoding="utf-8")
        (out_dir / "latest.md").write_text(self.summary_markdown() + "\n", encoding="utf-8")


def run_evaluation(
    assistant: Assistant,
    generators: Sequence[str] = ("extractive",),
    limit: int | None = None,
    progress: Progress | None = None,
    out_dir: Path | None = None,
    cases_path: Path = CASES_PATH,
    slow_generators: Sequence[str] = ("local", "openai"),
) -> EvalReport:
    cases = load_cases(cases_path)[:limit]
    retrieval = [evaluate_retrieval(assistant, cases, mode, progress) for mode in MODES]
    answers = []
    for g in dict.fromkeys(["extractive", *generators]):
        chosen = subset_for_slow_generators(cases) if g in slow_generators and limit is None else cases
        answers.append(evaluate_answers(assistant, chosen, g, progress))
    report = EvalReport(retrieval, answers, len(cases))
    if out_dir is not None:
        report.write(out_dir)
    return report
