"""One training example for the reader, and its JSONL form.

A record pairs a question with one passage (by id, with the passage text's hash so drift is caught):

* ``label``: ``"answer"`` (the passage answers the question as asked; ``answer`` is the verbatim span and
  ``answer_start`` its character offset in the passage text), ``"contradicts"`` (the question's premise is
  contradicted by the passage; ``answer`` is the correcting sentence, verbatim), or ``"none"`` (the
  passage does not answer; ``answer`` empty, ``answer_start`` -1);
* ``kind``: how it was made: ``generated`` (written by the local model from this passage), ``entity_swap``,
  ``year_swap``, ``figure_swap``, ``attribute`` (asks for something the passage lacks), ``false_premise``,
  ``hard_negative_bm25``, ``hard_negative_dense``;
* ``origin``: the id of the generated question it derives from (its own id for ``generated``);
* ``split``: ``"train"`` or ``"dev"`` (by passage, so no dev passage is seen in training).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Label = Literal["answer", "contradicts", "none"]
LABELS: tuple[Label, ...] = ("answer", "contradicts", "none")


@dataclass(frozen=True)
class ReaderExample:
    id: str
    question: str
    passage_id: str
    passage_sha: str
    label: Label
    answer: str = ""
    answer_start: int = -1
    kind: str = "generated"
    origin: str = ""
    split: str = "train"


def write_examples(path: Path, examples: Iterable[ReaderExample]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(asdict(ex), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_examples(path: Path) -> Iterator[ReaderExample]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield ReaderExample(**json.loads(line))
