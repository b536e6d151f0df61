"""(question, passage) pairs to model inputs, and token logits back to character spans.

The passage side is ``"<setting>: <text>"``: the last section title (and a list item's lead-in), so a
passage that only says "this checkpoint" can still be read as being about Checkpoints. Answer spans are
character offsets into ``passage.text``; the setting's length shifts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from borderqa.reader.model import MAX_ANSWER_TOKENS, MAX_TOKENS
from borderqa.types import Passage


def setting(passage: Passage) -> str:
    parts = [passage.section_path[-1]] if passage.section_path else []
    if passage.context and passage.kind == "list_item":
        parts.append(passage.context[:300])
    return " | ".join(parts)


def passage_side(passage: Passage) -> tuple[str, int]:
    """The passage text as the model reads it, and the offset of ``passage.text`` within it."""
    head = setting(passage)
    prefix = f"{head}: " if head else ""
    return prefix + passage.text, len(prefix)


@dataclass(frozen=True)
class Batch:
    inputs: dict[str, Any]  # input_ids, attention_mask, token_type_ids (torch tensors)
    offsets: list[list[tuple[int, int]]]  # per row, per token: char offsets into the passage side
    in_passage: list[list[bool]]  # per row, per token: a token of passage.text (a span may start/end there)
    shifts: list[int]  # per row: where passage.text starts in the passage side


def encode(tokenizer: Any, questions: Sequence[str], passages: Sequence[Passage], max_tokens: int = MAX_TOKENS) -> Batch:
    sides = [passage_side(p) for p in passages]
    enc = tokenizer(
        list(questions),
        [s for s, _ in sides],
        truncation="only_second",
        max_length=max_tokens,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    offsets: list[list[tuple[int, int]]] = []
    in_passage: list[list[bool]] = []
    for row, (_, shift) in enumerate(sides):
        seq = enc.sequence_ids(row)
        offs = [tuple(o) for o in enc["offset_mapping"][row].tolist()]
        offsets.append([(int(a), int(b)) for a, b in offs])
        in_passage.append([s == 1 and b > a and a >= shift for s, (a, b) in zip(seq, offs, strict=True)])
    inputs = {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
    return Batch(inputs, offsets, in_passage, [s for _, s in sides])


def token_targets(batch: Batch, row: int, start: int, end: int) -> tuple[int, int] | None:
    """Token positions of the answer at chars [start, end) of passage.text; None if truncated away."""
    shift = batch.shifts[row]
    a, b = start + shift, end + shift
    toks = [i for i, (lo, hi) in enumerate(batch.offsets[row]) if batch.in_passage[row][i] and hi > a and lo < b]
    return (toks[0], toks[-1]) if toks else None


def best_span(start_logits: Sequence[float], end_logits: Sequence[float], batch: Batch, row: int) -> tuple[int, int, float]:
    """The best (char start, char end, score) span within passage.text; score is start + end logit minus
    the no-span ([CLS]) score, so > 0 means the span beats "no answer here"."""
    allowed = [i for i, ok in enumerate(batch.in_passage[row]) if ok]
    if not allowed:
        return -1, -1, float("-inf")
    top_starts = sorted(allowed, key=lambda i: -start_logits[i])[:20]
    top_ends = sorted(allowed, key=lambda i: -end_logits[i])[:20]
    best = (-1, -1, float("-inf"))
    for s in top_starts:
        for e in top_ends:
            if e < s or e - s + 1 > MAX_ANSWER_TOKENS:
                continue
            score = start_logits[s] + end_logits[e]
            if score > best[2]:
                best = (s, e, score)
    s, e, score = best
    if s < 0:
        return -1, -1, float("-inf")
    shift = batch.shifts[row]
    null = start_logits[0] + end_logits[0]
    return batch.offsets[row][s][0] - shift, batch.offsets[row][e][1] - shift, score - null
