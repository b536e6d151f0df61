"""Does this passage answer this question? The reader's probabilities combined with what the report's
words say, by a logistic model fitted on the reader's training data (never on the eval).

The cross-encoder (``reader/``) is small and was trained on a few thousand synthetic pairs; it is good at
where an answer sits and fair at whether there is one. The word checks that once refused questions by
rule (``questions.py``: a figure, a name, the thing counted or the act asked about is missing from the
passage) are strong evidence the network cannot always see in 256 word pieces. Here they are features,
weighted by data instead of fixed by hand:

* ``reader_answer``, ``reader_contradicts``, ``span_margin``: the reader's outputs;
* ``support``: the extractive score of the passage's best sentence (embedding cosine plus rare-word
  coverage plus answer kind, ``ExtractiveGenerator.score_sentences``);
* ``coverage``: the share of the question's rarity-weighted words in the passage and its setting;
* ``missing_figure``, ``unknown_name``, ``missing_focus``, ``missing_act``, ``missing_rate``: 1 when the
  word check fails for this passage.

The fitted weights ship as ``reader/weights/verdict.json`` (written by ``borderqa reader train``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from borderqa.answering.questions import action_found, focus_found, gives_rate
from borderqa.citations import numbers_in
from borderqa.errors import ModelError
from borderqa.query import Query
from borderqa.reader.reading import Reading
from borderqa.terms import TermWeights, passage_setting, passage_words
from borderqa.types import Passage

FEATURES = (
    "reader_answer", "reader_contradicts", "span_margin", "support", "coverage",
    "missing_figure", "unknown_name", "missing_focus", "missing_act", "missing_rate",
)


def missing_numbers(figures: Sequence[str], passage: Passage) -> list[str]:
    """Figures and years written in the question that the passage (with its setting) does not hold."""
    held = numbers_in(passage_setting(passage))
    return [n for n in figures if not numbers_in(n) <= held]


def features(query: Query, reading: Reading, support: float, terms: TermWeights) -> list[float]:
    """The feature row for one (question, passage) reading."""
    p = reading.passage
    words = passage_words(p)
    focus_words = list(query.focus[1])
    stems = list(query.action[1])
    return [
        reading.answer,
        reading.contradicts,
        max(min(reading.span_score, 20.0), -20.0) / 10 if math.isfinite(reading.span_score) else -2.0,
        support,
        terms.coverage(query.weights, words),
        float(bool(missing_numbers(query.figures, p))),
        float(bool(query.unknown_names)),
        float(bool(focus_words) and not focus_found(focus_words, words, p.text)),
        float(bool(stems) and not action_found(stems, passage_setting(p))),
        float(query.asks_rate and not gives_rate(p.text)),
    ]


@dataclass(frozen=True)
class VerdictModel:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, row: Sequence[float]) -> float:
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, row, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def to_json(self) -> str:
        return json.dumps({"features": FEATURES, "mean": self.mean, "scale": self.scale, "weights": self.weights,
                           "bias": self.bias}, indent=1)

    @classmethod
    def load(cls, path: Path) -> VerdictModel:
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            if tuple(d["features"]) != FEATURES:
                raise ValueError(f"features {d['features']} are not {FEATURES}")
            return cls(tuple(d["mean"]), tuple(d["scale"]), tuple(d["weights"]), float(d["bias"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{path} is not a usable verdict model ({exc}): run `borderqa reader train`") from exc


def fit(rows: Sequence[Sequence[float]], labels: Sequence[int], l2: float = 1e-2, steps: int = 3000) -> VerdictModel:
    """L2-regularised logistic regression by gradient descent on standardised features."""
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    w = np.zeros(z.shape[1])
    b = 0.0
    pos = max(y.mean(), 1e-3)
    sample = np.where(y == 1, 0.5 / pos, 0.5 / max(1 - pos, 1e-3))  # balance the classes
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * sample
        w -= 0.5 * (z.T @ g / len(y) + l2 * w)
        b -= 0.5 * g.mean()
    return VerdictModel(tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()), float(b))


def training_rows(
    examples: Sequence[tuple[str, Passage, int]],
    read: Callable[[str, Sequence[Passage]], list[Reading]],
    support: Callable[[str, Passage], float],
    terms: TermWeights,
) -> tuple[list[list[float]], list[int]]:
    """Feature rows and labels (1: the passage answers) for (question, passage, label) examples, read
    one question at a time (its passages in one batch)."""
    by_question: dict[str, list[tuple[Passage, int]]] = {}
    for question, passage, label in examples:
        by_question.setdefault(question, []).append((passage, label))
    rows: list[list[float]] = []
    labels: list[int] = []
    for question, pairs in by_question.items():
        readings = read(question, [p for p, _ in pairs])
        query = Query.parse(question, question, terms)
        for reading, (passage, label) in zip(readings, pairs, strict=True):
            rows.append(features(query, reading, support(question, passage), terms))
            labels.append(label)
    return rows, labels


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))
