"""The ``Reader`` protocol and the trained reader behind it.

``read(question, passages)`` reads every sentence of every passage in one batch: per sentence, the
probability that it answers the question as asked, that it contradicts the question's premise, or neither,
and the best answer span in it. A passage's ``Reading`` holds its sentences' figures and its best sentence.
The extractive scorer weighs each sentence's answer probability in (``answering/extractive.py``), so the
answer leads with the sentence that answers; the scope check refuses when no sentence does.

Readings are kept per (question, passage): the answer stages ask about the same passages several times.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from borderqa.sentences import passage_sentences
from borderqa.types import Passage

log = logging.getLogger(__name__)

KEPT = 512  # (question, passage) readings kept
CHUNK = 8  # sentences per forward pass, sorted by length (less padding)


@dataclass(frozen=True)
class Reading:
    passage: Passage
    answer: float  # P(the best sentence answers the question as asked)
    contradicts: float  # P(a sentence contradicts what the question assumes), the highest
    none: float  # P(neither) of the best sentence
    span: str = ""  # best answer words of the best sentence, verbatim from passage.text ("" if none)
    start: int = -1  # char offsets of ``span`` in passage.text
    end: int = -1
    span_score: float = float("-inf")  # span logit margin over "no span"
    sentences: tuple[str, ...] = ()  # the passage's sentences (``passage_sentences``), as read
    answers: tuple[float, ...] = ()  # P(answer) of each
    best: int = -1  # index of the best sentence (highest P(answer))
    contradicting: int = -1  # index of the sentence with the highest P(contradicts)


@runtime_checkable
class Reader(Protocol):
    name: str

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        """One reading per passage, in the order given."""
        ...


def log_odds(p: float) -> float:
    """``p``'s log-odds, clipped to 1e-4 from 0 and 1 (the reader's probabilities reach both)."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def label_probabilities(logits: np.ndarray) -> np.ndarray:
    """Each row's label logits (answer / contradicts / none) as probabilities (a softmax)."""
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(z / z.sum(axis=1, keepdims=True))


def _key(question: str, passage: Passage) -> tuple[str, str, str, str]:
    """What a reading depends on: the question, the passage's text, and the title and lead-in it is read with."""
    from borderqa.reader.features import setting

    return question, passage.id, passage.sha, setting(passage, True)


class TrainedReader:
    """The shipped cross-encoder (``model.py``), loaded on first use, hash-checked."""

    name = "minilm-reader"

    def __init__(self, base_dir: Path, weights: Path, sha256: str, threads: int = 2, onnx_dir: Path | None = None,
                 int8: bool = False) -> None:
        self._base_dir = base_dir
        self._weights = weights
        self._sha256 = sha256
        self._threads = threads
        self._onnx_dir = onnx_dir  # None: torch only; else the network runs by ONNX Runtime (reader/onnx.py)
        self._int8 = int8  # ... with the export's weights quantised to int8
        self._loaded: Any = None
        self._forward: Any = None
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, str, str, str], Reading] = OrderedDict()
        self.backend = "torch"

    def load(self) -> Any:
        with self._lock:
            if self._loaded is None:
                from borderqa.reader.model import load_reader

                self._loaded = load_reader(self._base_dir, self._weights, self._sha256)
                self._forward = self._torch_forward
                if self._onnx_dir is not None:
                    self._use_onnx(self._onnx_dir)
            return self._loaded

    def _use_onnx(self, cache_dir: Path) -> None:
        """Run the network by ONNX Runtime when its export is made and matches torch; else stay on torch."""
        from borderqa.embedding import file_sha256
        from borderqa.errors import ModelError
        from borderqa.reader import onnx

        net, tokenizer = self._loaded.net, self._loaded.tokenizer
        try:
            sha = self._sha256 or file_sha256(self._weights)
            path = onnx.exported_reader(net, tokenizer, cache_dir, sha)
            if self._int8:
                path = onnx.quantised_reader(path, sha)
            session = onnx.OnnxReaderNet(path, self._threads)
            worst = onnx.check_against_torch(session, net, tokenizer, self._int8)
        except (ModelError, OSError) as exc:  # OSError: the cache folder cannot be written
            log.warning("the reader runs on torch: %s", exc)
            return
        log.info("the reader runs on ONNX Runtime (%s, largest difference to torch %.1e)", path.name, worst)
        self._forward = session
        self.backend = "onnx-int8" if self._int8 else "onnx"

    def _torch_forward(self, **inputs: Any) -> tuple[Any, Any, Any]:
        import torch

        from borderqa.embedding import torch_threads

        with torch.inference_mode(), torch_threads(self._threads):
            labels, starts, ends = self._loaded.net(**inputs)
        return labels.float().numpy(), starts.float().numpy(), ends.float().numpy()

    def forget(self) -> None:
        """Drop the kept readings (a benchmark times reading, not remembering)."""
        with self._lock:
            self._kept.clear()

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        if not passages:
            return []
        keys = [_key(question, p) for p in passages]
        with self._lock:
            found = [self._kept.get(k) for k in keys]
        todo = [p for p, r in zip(passages, found, strict=True) if r is None]
        fresh = iter(self._read(question, todo) if todo else [])
        out = [r if r is not None else next(fresh) for r in found]
        with self._lock:
            for k, r, was in zip(keys, out, found, strict=True):
                if was is None:
                    self._kept[k] = r
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return out

    def _read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        from borderqa.reader.features import best_span, encode, sentence_side

        loaded = self.load()
        split = [passage_sentences(p) for p in passages]
        sides = [sentence_side(p, sents, i) for p, sents in zip(passages, split, strict=True) for i in range(len(sents))]
        # Similar lengths run together: padding every sentence to the longest one's length cost half the time.
        order = sorted(range(len(sides)), key=lambda k: len(sides[k][0]))
        probs = np.zeros((len(sides), 3))
        spans: list[tuple[int, int, float]] = [(-1, -1, float("-inf"))] * len(sides)
        for at in range(0, len(order), CHUNK):
            rows = order[at : at + CHUNK]
            batch = encode(loaded.tokenizer, [question] * len(rows), [sides[k] for k in rows])
            labels, starts, ends = self._forward(**batch.inputs)
            probs[rows] = label_probabilities(labels)
            for r, k in enumerate(rows):
                spans[k] = best_span(starts[r].tolist(), ends[r].tolist(), batch, r)
        out, row = [], 0
        for passage, sents in zip(passages, split, strict=True):
            rows = list(range(row, row + len(sents)))
            row += len(sents)
            answers = tuple(float(probs[r, 0]) for r in rows)
            best = int(np.argmax(answers))
            r = rows[best]
            s, e, score = spans[r]
            at = passage.text.find(sents[best])
            span, start, end = "", -1, -1
            if s >= 0 and at >= 0:
                start, end = at + s, at + e
                span = passage.text[start:end].strip()
            contradicting = int(np.argmax(probs[rows, 1]))
            out.append(Reading(passage, answers[best], float(probs[rows[contradicting], 1]), float(probs[r, 2]), span, start,
                               end, score, tuple(sents), answers, best, contradicting))
        return out
