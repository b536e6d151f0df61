"""``borderqa reader train``: the network trained on the examples, its weights and card written.

Kept apart from ``train.py`` (the loop itself, no project wiring) so training can be run and tested on
its own; this module needs the assistant for the corpus passages and the packaged base model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.errors import ConfigError
from borderqa.reader.train import TrainConfig, train_from_files

if TYPE_CHECKING:
    from borderqa.assistant import Assistant


def fit_reader(
    assistant: Assistant,
    data: Path,
    out: Path,
    *,
    epochs: int = 2,
    layers: int = 6,
    max_steps: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
) -> str:
    """Train, write ``out`` and ``CARD.md`` beside it; a summary to print."""
    from borderqa.embedding import model_dir

    if not data.is_file():
        raise ConfigError(f"{data} is missing: run `borderqa reader data` first")
    base = model_dir(assistant.settings.embedding)
    config = TrainConfig(epochs=epochs, layers=layers, max_steps=max_steps)
    report, sha = train_from_files(data, assistant.passages(), base, out, config, progress)
    dev = ", ".join(f"{k} {v:.3f}" for k, v in report.dev.items())
    return (f"trained {report.steps} steps on {report.items} (question, sentence) items in {report.seconds / 60:.1f} min; dev {dev}\n"
            f"wrote {out} (sha256 {sha}) and {out.parent / 'CARD.md'}\n"
            f"use it: BORDERQA_READER__WEIGHTS_PATH={out} BORDERQA_READER__SHA256={sha}")
