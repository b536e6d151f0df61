"""``borderqa reader train``: the network, then the verdict model on its outputs, then the card.

Kept apart from ``train.py`` (the loop itself, no project wiring) so training can be run and tested on
its own; this module needs the assistant for the corpus passages, the sentence scorer and the word
statistics that the verdict features read.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.verdict import auc, fit, training_rows
from borderqa.errors import ConfigError
from borderqa.reader.examples import ReaderExample, read_examples
from borderqa.reader.reading import TrainedReader
from borderqa.reader.train import TrainConfig, train_from_files
from borderqa.types import Passage

if TYPE_CHECKING:
    from borderqa.assistant import Assistant


def fit_reader(
    assistant: Assistant,
    data: Path,
    out: Path,
    *,
    epochs: int = 2,
    layers: int = 4,
    max_steps: int = 0,
    verdict_sample: int = 900,
    progress: Callable[[int, int, float], None] | None = None,
) -> str:
    """Train, fit, write ``out``, ``verdict.json`` and ``CARD.md`` beside it; a summary to print."""
    from borderqa.embedding import packaged_model_path

    if not data.is_file():
        raise ConfigError(f"{data} is missing: run `borderqa reader data` first")
    base = Path(assistant.settings.embedding.model_path) if assistant.settings.embedding.model_path else packaged_model_path()
    passages = assistant.passages()
    config = TrainConfig(epochs=epochs, layers=layers, max_steps=max_steps, negatives_per_question=2)
    report, sha = train_from_files(data, passages, base, out, config, progress)

    reader = TrainedReader(base, out, sha, assistant.settings.reader.threads)
    extractive = assistant.generator("extractive")
    if not isinstance(extractive, ExtractiveGenerator):
        raise ConfigError("the verdict features need the extractive generator's sentence scorer")
    score = extractive.score_sentences
    by_id = {p.id: p for p in passages}
    examples = [e for e in read_examples(data) if e.passage_id in by_id]
    trained = [e for e in examples if e.split != "dev"]
    if verdict_sample and len(trained) > verdict_sample:
        trained = random.Random(1).sample(trained, verdict_sample)

    def support(question: str, passage: Passage) -> float:
        scored = score(question, [passage])
        return float(scored[0].score) if scored else 0.0

    def pairs(split: list[ReaderExample]) -> list[tuple[str, Passage, int]]:
        return [(e.question, by_id[e.passage_id], int(e.label == "answer")) for e in split]

    x, y = training_rows(pairs(trained), reader.read, support, assistant.terms)
    model = fit(x, y)
    (out.parent / "verdict.json").write_text(model.to_json(), encoding="utf-8")
    xd, yd = training_rows(pairs([e for e in examples if e.split == "dev"]), reader.read, support, assistant.terms)
    dev_auc = auc([model.probability(r) for r in xd], yd) if xd else float("nan")
    return (f"trained {report.steps} steps on {report.examples} pairs in {report.seconds / 60:.1f} min; dev {report.dev}\n"
            f"verdict model fitted on {len(x)} pairs, dev AUC {dev_auc:.3f}\n"
            f"wrote {out} (sha256 {sha}), {out.parent / 'verdict.json'}, {out.parent / 'CARD.md'}\n"
            f"use it: BORDERQA_READER__WEIGHTS_PATH={out} BORDERQA_READER__SHA256={sha} "
            f"BORDERQA_READER__VERDICT_PATH={out.parent / 'verdict.json'}")
