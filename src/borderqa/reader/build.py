"""``borderqa reader data``: the data builder wired to the real index, retriever and local model."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.errors import QueryError
from borderqa.reader.data import (
    DATA_DIR,
    EXAMPLES_FILE,
    MAX_JACCARD,
    MAX_NGRAM_OVERLAP,
    QUESTIONS_FILE,
    SENTENCE_QUESTIONS_FILE,
    BuildReport,
    EvalOverlap,
    GenerationReport,
    PassageQuestions,
    build_examples,
    eligible,
    eval_questions,
    generate_questions,
    read_questions,
)
from borderqa.reader.examples import write_examples
from borderqa.reader.generation import LlamaQuestionWriter, LlamaSentenceQuestionWriter, QuestionWriter
from borderqa.types import Passage

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

Progress = Callable[[int, int], None]
DATA_CONTEXT_TOKENS = 2048  # instruction + example + one passage + reply fit with room to spare


def local_writer(assistant: Assistant, false_premise: bool = True, per_sentence: bool = False) -> QuestionWriter:
    """The local model as the project loads it (joined, hash-checked), without saved states: every prompt
    shares the instruction prefix with the one before, which llama.cpp reuses in place. ``per_sentence``:
    two questions per sentence (``LlamaSentenceQuestionWriter``) instead of two or three per passage."""
    from borderqa.answering.local import LlamaCppGenerator

    settings = assistant.settings.local.model_copy(update={"cache_mb": 0, "context_tokens": DATA_CONTEXT_TOKENS})
    if per_sentence:
        return LlamaSentenceQuestionWriter(LlamaCppGenerator(settings))
    return LlamaQuestionWriter(LlamaCppGenerator(settings), false_premise=false_premise)


def run_data(
    assistant: Assistant,
    *,
    out: Path | None = None,
    cases: Path = Path("evals/cases.jsonl"),
    document: str | None = None,
    limit: int | None = None,
    generate: bool = True,
    false_premise: bool = True,
    per_sentence: bool = False,
    writer: QuestionWriter | None = None,
    progress: Mapping[str, Progress] | None = None,
) -> str:
    """Generate questions for the indexed passages (resuming), rebuild every example, and return a
    Markdown summary of what was written. ``per_sentence``: generate into ``sentence_questions.jsonl``
    (two questions per sentence) instead of ``questions.jsonl``; examples are made from both files."""
    out = out or DATA_DIR
    progress = progress or {}
    passages = assistant.passages()
    if document and not any(p.document == document for p in passages):
        known = ", ".join(sorted({p.document for p in passages}))
        raise QueryError(f"no document {document!r} in the index (it has: {known}): add it to the corpus and run `borderqa index`")
    generation: GenerationReport | None = None
    if generate:
        generation = generate_questions(
            eligible(passages, document), writer or local_writer(assistant, false_premise, per_sentence),
            out / (SENTENCE_QUESTIONS_FILE if per_sentence else QUESTIONS_FILE), limit=limit, progress=progress.get("passages"),
        )
    retriever = assistant.retriever

    def bm25(question: str, k: int) -> list[Passage]:
        return [h.passage for h in retriever.search(question, k=k, mode="lexical")]

    def dense(question: str, k: int) -> list[Passage]:
        return [h.passage for h in retriever.search(question, k=k, mode="dense")]

    records = list(read_questions(out / QUESTIONS_FILE).values())
    sentence_records = list(read_questions(out / SENTENCE_QUESTIONS_FILE).values())
    report = build_examples(
        records, passages, EvalOverlap(eval_questions(cases)), sentence_records=sentence_records, bm25=bm25, dense=dense,
        progress=progress.get("examples"),
    )
    write_examples(out / EXAMPLES_FILE, report.examples)
    return summary(records, report, generation, len(eligible(passages)), sentence_records)


def _quantiles(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    s = sorted(values)

    def q(f: float) -> float:
        return s[min(len(s) - 1, int(f * len(s)))]

    return f"median {q(0.5):.2f}, p90 {q(0.9):.2f}, p99 {q(0.99):.2f}, max {s[-1]:.2f}"


def summary(
    records: Sequence[PassageQuestions], report: BuildReport, generation: GenerationReport | None, eligible_count: int,
    sentence_records: Sequence[PassageQuestions] = (),
) -> str:
    lines: list[str] = []
    for name, recs in (("per passage", records), ("per sentence", sentence_records)):
        seconds = [r.seconds for r in recs if r.seconds > 0]
        lines += [
            f"passages with questions {name}: {len(recs)} of {eligible_count} eligible",
            f"  model questions kept: {sum(len(r.questions) for r in recs)} (answer "
            f"{sum(q.kind == 'answer' for r in recs for q in r.questions)}, false premise "
            f"{sum(q.kind == 'false_premise' for r in recs for q in r.questions)}); lines dropped by the checks: "
            f"{sum(len(r.dropped) for r in recs)}",
            f"  seconds per passage: mean {statistics.fmean(seconds):.1f}, median {statistics.median(seconds):.1f}"
            if seconds else "  seconds per passage: n/a",
        ]
    if generation is not None:
        lines.append(
            f"this run: {generation.written} passages generated ({generation.seconds_per_passage:.1f} s each), "
            f"{generation.skipped} already done"
        )
    lines.append(f"examples: {len(report.examples)}")
    for attr in ("label", "kind", "split"):
        counts = report.counts(attr)
        lines.append(f"  by {attr}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    lines.append(
        f"eval overlap (drop above 4-gram share {MAX_NGRAM_OVERLAP} or word Jaccard {MAX_JACCARD}): "
        f"{len(report.dropped)} questions dropped"
    )
    lines.append("  kept, 4-gram share: " + _quantiles([o.ngram for o in report.kept_overlap]))
    lines.append("  kept, word Jaccard: " + _quantiles([o.jaccard for o in report.kept_overlap]))
    if report.missing:
        lines.append(f"records without their passage (changed or removed): {len(report.missing)}")
    return "\n".join(lines)
