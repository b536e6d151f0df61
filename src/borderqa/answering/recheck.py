"""Which of retrieval's top two passages answers the question: the local model's second opinion, asked only
when retrieval cannot tell them apart.

The answer leads from the top passage. When the second scores close to it (fused scores within
``answering.recheck_gap``, in the fusion's units of standard deviations), the local model reads each
passage's two best sentences (the answer it would give) with the question, and says whether they answer it
(``PremiseJudge.margin``: the same yes/no prompt as the premise check); the second passage moves first when
its margin beats the top one's by more than ``answering.recheck_margin``.

Measured before it was built, on the answerable one-part questions of the public eval and held-out files a,
b, e and f (454): the second passage answers and the first does not for 27, the reverse for 396. On all 27
and a random 50 of the 396, the model's margin picks the second for 25 of 27 and for 3 of 50 (margin 0);
within a gap of 1.5, retrieval leaves 22 of the 27 and 67 of the 396 undecided, and 31 % of all questions
are read (about 2-3 s each: 2 prompts of ~80 new tokens), so the median answer does not wait for it.

When the third passage also scores within the gap of the first, the model reads it too (one more prompt on
those questions): on all 23 held-out files facts 767 -> 768 of 880, precision 0.941 -> 0.943; public fact
accuracy 0.854 -> 0.857.

The gap and margin are calibrated by ``benchmarks/recheck.py`` (margins measured once, this function replayed
under each setting); a wider gap (2.5) or a margin of 0.5 looked better there and were not as answers (README).

No local model (or one busy with another answer): the order stays retrieval's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from borderqa.answering.assumption import PremiseJudge
from borderqa.answering.extractive import is_prose
from borderqa.types import Hit, Passage


@dataclass(frozen=True)
class Recheck:
    """The second opinion on one question: the model's margin for the first passage and for the best of the
    others it read (the second, or the third when that was read and scored higher), and whether that one moved
    first."""

    margins: tuple[float, float]
    swapped: bool


def undecided(hits: Sequence[Hit], gap: float) -> bool:
    """Whether retrieval's top two prose passages score within ``gap`` of each other (``gap`` 0: never)."""
    if gap <= 0 or len(hits) < 2:
        return False
    first, second = hits[0], hits[1]
    if not (is_prose(first.passage) and is_prose(second.passage)):  # a caption answers nothing
        return False
    return first.score - second.score < gap


def recheck(question: str, hits: list[Hit], judge: PremiseJudge, best_sentences: Callable[[Passage], list[str]],
            margin: float, gap: float = 0.0) -> tuple[list[Hit], Recheck | None]:
    """``hits`` with the second (or the third, when it too scores within ``gap`` of the first and is prose)
    moved first when the model finds its best sentences answer ``question`` better than the first's by more
    than ``margin`` (the higher of the two when both do); None when the model gave no margin for one of them."""
    read = 3 if len(hits) > 2 and hits[0].score - hits[2].score < gap and is_prose(hits[2].passage) else 2
    found = []
    for hit in hits[:read]:
        m = judge.margin(question, best_sentences(hit.passage))
        if m is None:
            return hits, None
        found.append(m)
    best = max(range(1, read), key=lambda i: found[i])
    swapped = found[best] - found[0] > margin
    out = [hits[best], *(h for i, h in enumerate(hits) if i != best)] if swapped else hits
    return out, Recheck((found[0], found[best]), swapped)
