"""The ``Reader`` protocol and the trained reader behind it.

``read(question, passages)`` scores every passage in one batch: the probability that it answers the
question as asked, that it contradicts the question's premise, or neither, and the best answer span in
it. The answer pipeline re-ranks by these and refuses when no passage answers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from borderqa.types import Passage


@dataclass(frozen=True)
class Reading:
    passage: Passage
    answer: float  # P(the passage answers the question as asked)
    contradicts: float  # P(the passage contradicts what the question assumes)
    none: float  # P(neither)
    span: str = ""  # best answer words, verbatim from passage.text ("" if none)
    start: int = -1  # char offsets of ``span`` in passage.text
    end: int = -1
    span_score: float = float("-inf")  # span logit margin over "no span"


@runtime_checkable
class Reader(Protocol):
    name: str

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        """One reading per passage, in the order given."""
        ...


class TrainedReader:
    """The shipped cross-encoder (``model.py``), loaded on first use, hash-checked."""

    name = "minilm-reader"

    def __init__(self, base_dir: Path, weights: Path, sha256: str, threads: int = 2) -> None:
        self._base_dir = base_dir
        self._weights = weights
        self._sha256 = sha256
        self._threads = threads
        self._loaded: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._loaded is None:
                from borderqa.reader.model import load_reader

                self._loaded = load_reader(self._base_dir, self._weights, self._sha256)
            return self._loaded

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        if not passages:
            return []
        import torch

        from borderqa.embedding import torch_threads
        from borderqa.reader.features import best_span, encode

        loaded = self.load()
        batch = encode(loaded.tokenizer, [question] * len(passages), passages)
        with torch.inference_mode(), torch_threads(self._threads):
            labels, starts, ends = loaded.net(**batch.inputs)
        probs = torch.softmax(labels.float(), dim=-1).tolist()
        out = []
        for row, passage in enumerate(passages):
            s, e, score = best_span(starts[row].tolist(), ends[row].tolist(), batch, row)
            span = passage.text[s:e].strip() if s >= 0 else ""
            p_answer, p_contra, p_none = probs[row]
            out.append(Reading(passage, p_answer, p_contra, p_none, span, s, e, score))
        return out
