"""Training data for the reader, made offline from the corpus (``borderqa reader data``).

Two stages, each resumable or cheap:

1. ``generate_questions``: for every passage with enough text (``eligible``), the local model writes 2-3
   questions the passage answers and one false-premise question (``generation.py``). Each passage's
   record (raw reply, kept and dropped questions, seconds) is appended to ``questions.jsonl`` as soon as
   it is done; a second run skips the passages already there with the same text hash, so an interrupted
   run loses at most one passage.
2. ``build_examples``: ``ReaderExample``s from those records: the generated questions ("answer"), their
   false premises ("contradicts", the correcting sentence as the answer), rule-based unanswerable variants
   against the same passage ("none": ``perturb.py``), and hard negatives (each question with the nearest
   BM25 and dense passages that do not hold its answer, "none"). Split by passage (``split_of``), then
   every question is checked against the eval questions (``eval_overlap``) and dropped if it is too close.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from borderqa.errors import CorpusError
from borderqa.reader.augment import augmented
from borderqa.reader.examples import ReaderExample
from borderqa.reader.generation import (
    GeneratedQuestion,
    QuestionWriter,
    check,
    contains_phrase,
    parse_lines,
    sentence_range,
)
from borderqa.reader.perturb import Perturber, presupposes
from borderqa.types import Passage

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Search = Callable[[str, int], Sequence[Passage]]  # question, k -> passages, best first

DATA_DIR = Path(__file__).parent / "data"
QUESTIONS_FILE = "questions.jsonl"
SENTENCE_QUESTIONS_FILE = "sentence_questions.jsonl"  # two questions per sentence (generation.LlamaSentenceQuestionWriter)
EXAMPLES_FILE = "examples.jsonl"
MIN_WORDS = 12
MIN_ITEM_WORDS = 6  # a list item or quote read with its lead-in
ELIGIBLE_KINDS = frozenset({"paragraph", "quote", "list_item"})
DEV_SHARE = 10  # one passage in ten goes to dev
NEGATIVES_PER_SIDE = 2
SPREAD = 4
SEARCH_K = 40  # dev questions take negatives from dev passages only: look further down
# A generated question is dropped when this share of its word 4-grams occurs in some eval question, or
# its word set has this Jaccard similarity with one (see eval_overlap).
MAX_NGRAM_OVERLAP = 0.5
MAX_JACCARD = 0.6
NGRAM = 4


# --- stage 1: questions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PassageQuestions:
    """What the model wrote for one passage, and what the checks kept."""

    passage_id: str
    passage_sha: str
    document: str
    seconds: float
    raw: str
    questions: tuple[GeneratedQuestion, ...]
    dropped: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> str:
        d = asdict(self)
        d["dropped"] = [{"question": q, "reason": r} for q, r in self.dropped]
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PassageQuestions:
        return cls(
            passage_id=d["passage_id"],
            passage_sha=d["passage_sha"],
            document=d["document"],
            seconds=float(d["seconds"]),
            raw=d["raw"],
            questions=tuple(GeneratedQuestion(**q) for q in d["questions"]),
            dropped=tuple((x["question"], x["reason"]) for x in d.get("dropped", ())),
        )


@dataclass(frozen=True)
class GenerationReport:
    written: int  # passages generated in this run
    skipped: int  # already in the file
    questions: int
    seconds: tuple[float, ...] = field(default=())

    @property
    def seconds_per_passage(self) -> float:
        return sum(self.seconds) / len(self.seconds) if self.seconds else 0.0


def eligible(passages: Iterable[Passage], document: str | None = None) -> list[Passage]:
    """Passages worth questions: paragraphs, quotes and list items with at least ``MIN_WORDS`` words
    (``MIN_ITEM_WORDS`` for an item or quote that has a lead-in); never the title page."""
    out = []
    for p in passages:
        if p.kind not in ELIGIBLE_KINDS or (document and p.document != document):
            continue
        words = len(p.text.split())
        if words >= MIN_WORDS or (p.context and p.kind in ("list_item", "quote") and words >= MIN_ITEM_WORDS):
            out.append(p)
    return out


def read_questions(path: Path) -> dict[str, PassageQuestions]:
    """Records by passage id (the last one wins); a line cut short by an interrupted run is skipped."""
    records: dict[str, PassageQuestions] = {}
    if not path.exists():
        return records
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = PassageQuestions.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("%s:%d is not a questions record (%s): skipped", path, n, exc)
                continue
            records[record.passage_id] = record
    return records


def generate_questions(
    passages: Sequence[Passage],
    writer: QuestionWriter,
    path: Path,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> GenerationReport:
    """Write questions for the passages not yet in ``path`` (same id and text hash), appending one record
    per passage as soon as it is done. ``limit``: at most this many new passages."""
    done = {pid: r.passage_sha for pid, r in read_questions(path).items()}
    todo = [p for p in passages if done.get(p.id) != p.sha]
    skipped = len(passages) - len(todo)
    # every SPREAD-th passage first, then the next: a run stopped early still covers the whole document
    todo = [p for _, p in sorted(enumerate(todo), key=lambda x: (x[0] % SPREAD, x[0]))]
    if limit is not None:
        todo = todo[: max(limit, 0)]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        with path.open("a", encoding="utf-8") as f:
            f.write("\n")  # after a line cut short, start on a fresh one
    seconds: list[float] = []
    kept = 0
    if progress is not None:
        progress(0, len(todo))
    with path.open("a", encoding="utf-8") as f:
        for i, p in enumerate(todo, 1):
            started = time.perf_counter()
            raw = writer.write(p)
            elapsed = time.perf_counter() - started
            checked = check(p, parse_lines(raw))
            record = PassageQuestions(p.id, p.sha, p.document, round(elapsed, 2), raw, checked.kept, checked.dropped)
            f.write(record.to_json() + "\n")
            f.flush()
            seconds.append(elapsed)
            kept += len(checked.kept)
            log.info("%s: %d kept, %d dropped in %.1f s", p.id, len(checked.kept), len(checked.dropped), elapsed)
            if progress is not None:
                progress(i, len(todo))
    return GenerationReport(len(todo), skipped, kept, tuple(seconds))


# --- stage 2: examples -----------------------------------------------------------------------------


def split_of(passage_id: str) -> str:
    """``"dev"`` for about one passage in ``DEV_SHARE`` (by a hash of its id, stable), else ``"train"``."""
    h = int(hashlib.sha256(passage_id.encode("utf-8")).hexdigest()[:8], 16)
    return "dev" if h % DEV_SHARE == 0 else "train"


def holds(passage: Passage, answer: str) -> bool:
    """Whether the passage (its text or its lead-in) contains the answer phrase."""
    return contains_phrase(passage.text, answer) or bool(passage.context and contains_phrase(passage.context, answer))


def hard_negatives(
    question: str,
    answer: str,
    source: Passage,
    search: Search,
    allowed: Callable[[Passage], bool],
    taken: set[str],
    n: int = NEGATIVES_PER_SIDE,
) -> list[Passage]:
    """The best ``n`` passages ``search`` returns for ``question`` that are not the source, do not hold
    the answer, are ``allowed`` (same split) and not ``taken`` yet (by the other side)."""
    out: list[Passage] = []
    for p in search(question, SEARCH_K):
        if p.id == source.id or p.id in taken or p.kind == "title" or not allowed(p) or holds(p, answer):
            continue
        out.append(p)
        taken.add(p.id)
        if len(out) == n:
            break
    return out


def _example(
    ex_id: str, question: str, passage: Passage, label: str, kind: str, origin: str, answer: str = "", start: int = -1
) -> ReaderExample:
    return ReaderExample(
        id=ex_id,
        question=question,
        passage_id=passage.id,
        passage_sha=passage.sha,
        label=label,  # type: ignore[arg-type]
        answer=answer,
        answer_start=start,
        kind=kind,
        origin=origin,
        split=split_of(passage.id),
    )


def passage_examples(
    record: PassageQuestions,
    passage: Passage,
    perturber: Perturber,
    bm25: Search | None = None,
    dense: Search | None = None,
    prefix: str = "q",
) -> Iterator[ReaderExample]:
    """Every example made from one passage's record (see the module docstring); question ids are
    ``<passage id>:<prefix><n>`` (``prefix`` keeps two records of one passage apart)."""
    split = split_of(passage.id)

    def same_split(p: Passage) -> bool:
        return split_of(p.id) == split

    answers = [q for q in record.questions if q.kind == "answer"]
    for n, q in enumerate(record.questions, 1):
        qid = f"{passage.id}:{prefix}{n}"
        if q.kind == "false_premise":
            # The small model's "false premise" is mostly true (4 of 122 held something the passage visibly
            # contradicts): then a name, year or figure its correction states is swapped to make it false.
            premise = q.question if perturber.premise_conflict(q.question, passage) else None
            premise = premise or perturber.falsify(q.question, q.answer, passage)
            if premise:
                yield _example(qid, premise, passage, "contradicts", "false_premise", qid, q.answer, q.answer_start)
            continue
        yield _example(qid, q.question, passage, "answer", "generated", qid, q.answer, q.answer_start)
        if presupposes(q.question):
            # "Why did the Army ...?" with another agency asserts what the passage contradicts: its
            # variant is a false premise, corrected by the sentence that holds the answer
            start, end = sentence_range(passage.text, q.answer_start, q.answer_start + len(q.answer))
            premise = perturber.falsify(q.question, passage.text[start:end], passage)
            if premise:
                yield _example(f"{qid}:premise", premise, passage, "contradicts", "false_premise", qid,
                               passage.text[start:end], start)
        else:
            for kind, variant in perturber.variants(q.question, q.answer, passage):
                yield _example(f"{qid}:{kind}", variant, passage, "none", kind, qid)
        taken: set[str] = set()
        for side, search in (("bm25", bm25), ("dense", dense)):
            if search is None:
                continue
            for r, neg in enumerate(hard_negatives(q.question, q.answer, passage, search, same_split, taken), 1):
                yield _example(f"{qid}:{side}{r}", q.question, neg, "none", f"hard_negative_{side}", qid)
    if answers and prefix == "q":  # one attribute question per passage, made with its first record
        origin = f"{passage.id}:{prefix}{record.questions.index(answers[0]) + 1}"
        attribute = perturber.attribute(passage)
        if attribute:
            yield _example(f"{passage.id}:attribute", attribute, passage, "none", "attribute", origin)


# --- the eval contamination check ------------------------------------------------------------------


def _words(text: str) -> list[str]:
    from borderqa.lexical import fold

    return re.findall(r"[a-z0-9]+", re.sub(r"'s\b", "", fold(text)))


def _ngrams(words: Sequence[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@dataclass(frozen=True)
class Overlap:
    ngram: float  # share of the question's word 4-grams found in some eval question
    jaccard: float  # highest Jaccard similarity of word sets with one eval question
    closest: str  # that eval question


class EvalOverlap:
    """Closeness of a question to the eval questions (and their history turns): lower case, accents and
    punctuation folded, possessive "'s" dropped, then word 4-grams and word sets."""

    def __init__(self, eval_questions: Iterable[str]) -> None:
        self._questions = list(dict.fromkeys(q for q in eval_questions if q.strip()))
        self._word_sets = [set(_words(q)) for q in self._questions]
        self._grams: set[tuple[str, ...]] = set()
        for q in self._questions:
            self._grams |= _ngrams(_words(q))

    def __call__(self, question: str) -> Overlap:
        words = _words(question)
        grams = _ngrams(words)
        share = len(grams & self._grams) / len(grams) if grams else 0.0
        mine = set(words)
        best, closest = 0.0, ""
        for q, ws in zip(self._questions, self._word_sets, strict=True):
            union = mine | ws
            j = len(mine & ws) / len(union) if union else 0.0
            if j > best:
                best, closest = j, q
        return Overlap(share, best, closest)

    def too_close(self, question: str) -> bool:
        o = self(question)
        return o.ngram > MAX_NGRAM_OVERLAP or o.jaccard > MAX_JACCARD


def eval_questions(cases_path: Path) -> list[str]:
    """Every question of the eval cases, with the user turns of their histories."""
    out: list[str] = []
    try:
        lines = cases_path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"cannot read the eval cases {cases_path}: {exc}") from exc
    for line in lines:
        if not line.strip():
            continue
        case = json.loads(line)
        out.append(case["question"])
        out.extend(t["content"] for t in case.get("history") or () if t.get("role") == "user")
    return out


@dataclass(frozen=True)
class BuildReport:
    examples: tuple[ReaderExample, ...]
    dropped: tuple[tuple[str, Overlap], ...]  # (question, its overlap) dropped as too close to the eval
    kept_overlap: tuple[Overlap, ...]  # the overlap of every distinct question kept
    missing: tuple[str, ...]  # records whose passage is gone or changed

    def counts(self, attr: str) -> Counter[str]:
        return Counter(str(getattr(e, attr)) for e in self.examples)


def build_examples(
    records: Iterable[PassageQuestions],
    passages: Sequence[Passage],
    overlap: EvalOverlap,
    *,
    sentence_records: Iterable[PassageQuestions] = (),
    bm25: Search | None = None,
    dense: Search | None = None,
    perturber: Perturber | None = None,
    progress: Progress | None = None,
    augment: bool = True,
) -> BuildReport:
    """All examples from ``records``, with every question too close to an eval question dropped (a
    generated question takes its variants and hard negatives with it). ``augment`` adds ``augment.py``'s
    minimal pairs for every eligible passage. ``sentence_records``: the per-sentence questions, made into
    examples the same way (ids ``<passage id>:s<n>``)."""
    by_id = {p.id: p for p in passages}
    perturber = perturber or Perturber(passages)
    todo = [(r, "q") for r in records] + [(r, "s") for r in sentence_records]
    examples: list[ReaderExample] = []
    dropped: dict[str, Overlap] = {}
    kept: dict[str, Overlap] = {}
    missing: list[str] = []

    def keep(made: Iterable[ReaderExample]) -> list[ReaderExample]:
        """``made`` without the questions too close to an eval question (an origin takes its variants)."""
        out, bad = [], set()
        for ex in made:
            if ex.origin in bad:
                continue
            o = kept.get(ex.question) or dropped.get(ex.question) or overlap(ex.question)
            if o.ngram > MAX_NGRAM_OVERLAP or o.jaccard > MAX_JACCARD:
                dropped[ex.question] = o
                if ex.id == ex.origin:
                    bad.add(ex.origin)
                continue
            kept[ex.question] = o
            out.append(ex)
        return out

    for i, (record, prefix) in enumerate(todo, 1):
        passage = by_id.get(record.passage_id)
        if passage is None or passage.sha != record.passage_sha:
            missing.append(record.passage_id)
        else:
            # checked again from the raw reply, so a better check applies to what was written before it
            record = replace(record, questions=check(passage, parse_lines(record.raw)).kept)
            examples += keep(passage_examples(record, passage, perturber, bm25, dense, prefix))
        if progress is not None:
            progress(i, len(todo))
    if augment:
        usable = eligible(passages)

        def negatives(question: str, answer: str, source: Passage) -> list[tuple[str, Passage]]:
            taken: set[str] = set()
            split = split_of(source.id)
            out: list[tuple[str, Passage]] = []
            for side, search in (("bm25", bm25), ("dense", dense)):
                if search is not None:
                    out += [(side, p) for p in hard_negatives(question, answer, source, search,
                                                             lambda p: split_of(p.id) == split, taken, n=1)]
            return out

        positives = [e for e in examples if e.label == "answer"]
        examples += keep(augmented(usable, positives, _example, perturber, negatives))
    if missing:
        log.warning("%d question records have no matching passage (changed or removed)", len(missing))
    return BuildReport(tuple(examples), tuple(dropped.items()), tuple(kept.values()), tuple(missing))
