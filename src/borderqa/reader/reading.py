"""The ``Reader`` protocol and the trained reader behind it.

``read(question, passages)`` scores every passage in one batch: the probability that it answers the
question as asked, that it contradicts the question's premise, or neither, and the best answer span in
it. The answer pipeline re-ranks by these and refuses when no passage answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from borderqa.types import Passage

log = logging.getLogger(__name__)


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

    def __init__(self, base_dir: Path, weights: Path, sha256: str, threads: int = 2, onnx_dir: Path | None = None) -> None:
        self._base_dir = base_dir
        self._weights = weights
        self._sha256 = sha256
        self._threads = threads
        self._onnx_dir = onnx_dir  # None: torch only; else the network runs by ONNX Runtime (reader/onnx.py)
        self._loaded: Any = None
        self._forward: Any = None
        self._lock = threading.Lock()
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
            path = onnx.exported_reader(net, tokenizer, cache_dir, self._sha256 or file_sha256(self._weights))
            session = onnx.OnnxReaderNet(path, self._threads)
            worst = onnx.check_against_torch(session, net, tokenizer)
        except (ModelError, OSError) as exc:  # OSError: the cache folder cannot be written
            log.warning("the reader runs on torch: %s", exc)
            return
        log.info("the reader runs on ONNX Runtime (%s, largest logit difference to torch %.1e)", path.name, worst)
        self._forward = session
        self.backend = "onnx"

    def _torch_forward(self, **inputs: Any) -> tuple[Any, Any, Any]:
        import torch

        from borderqa.embedding import torch_threads

        with torch.inference_mode(), torch_threads(self._threads):
            labels, starts, ends = self._loaded.net(**inputs)
        return labels.float().numpy(), starts.float().numpy(), ends.float().numpy()

    def read(self, question: str, passages: Sequence[Passage]) -> list[Reading]:
        if not passages:
            return []
        from borderqa.reader.features import best_span, encode

        loaded = self.load()
        batch = encode(loaded.tokenizer, [question] * len(passages), passages)
        labels, starts, ends = self._forward(**batch.inputs)
        z = np.exp(labels - labels.max(axis=1, keepdims=True))
        probs = (z / z.sum(axis=1, keepdims=True)).tolist()
        out = []
        for row, passage in enumerate(passages):
            s, e, score = best_span(starts[row].tolist(), ends[row].tolist(), batch, row)
            span = passage.text[s:e].strip() if s >= 0 else ""
            p_answer, p_contra, p_none = probs[row]
            out.append(Reading(passage, p_answer, p_contra, p_none, span, s, e, score))
        return out
