"""``borderqa reader calibrate``: the refusal threshold chosen on the public eval's odd ids, checked on its
even ids, the way the issue asks (never chosen on the cases it is reported on).

For every eval case the answer pipeline prepares the question as it would at answer time (retrieval, the
word checks, the reader on the top passages) and records, per read passage, the verdict features
(``answering/verdict.py``). Two verdicts are compared on the same rows:

* ``shipped``: the verdict model fitted on the reader's own synthetic data (``reader/weights/verdict.json``);
* ``odd-fit``: the same logistic regression fitted on the odd cases' rows (a case's top passage, label =
  the case is answerable), so its weights learn how people ask, not how the rule questions do.

A case is answered when the word checks pass, the top passage's P(contradicts) stays under ``min_premise``
and the best passage's verdict probability reaches ``min_answer`` (exactly ``ScopeChecker.decide``). The
pair is the one that refuses the most odd non-answerable cases while refusing at most
``MAX_FALSE_REFUSALS`` of the odd answerable ones; the report gives both halves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.answering.verdict import FEATURES, VerdictModel, features, fit
from borderqa.evaluation.cases import Case
from borderqa.serialize import turns_from_dicts

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

MAX_FALSE_REFUSALS = 0.05  # the target's budget, on the odd half
CONTRADICTS = FEATURES.index("reader_contradicts")


@dataclass(frozen=True)
class CaseRows:
    id: str
    kind: str
    answerable: bool  # expected
    words_pass: bool  # the word checks and the support floor let it through
    rows: tuple[tuple[float, ...], ...]  # verdict features per read passage, retrieval order

    @property
    def odd(self) -> bool:
        digits = "".join(c for c in self.id if c.isdigit())
        return bool(digits) and int(digits) % 2 == 1


def collect(assistant: Assistant, cases: Sequence[Case], progress: Callable[[int, int], None] | None = None) -> list[CaseRows]:
    """The rows for every case (the reader must be on)."""
    pipeline = assistant.pipeline()
    if pipeline.reader is None:
        raise ValueError("the reader is off (reader.enabled): nothing to calibrate")
    pipeline.verdict = None  # raw readings: the features are computed here
    pipeline.scope.reader = pipeline.reader_settings.model_copy(update={"min_answer": 0.0})
    out = []
    for i, case in enumerate(cases, 1):
        prep = pipeline.prepare(case.question, turns_from_dicts(list(case.history)))
        assert prep.query is not None
        best: dict[int, float] = {}
        read = [r.passage for r in prep.readings]
        for sc in pipeline.extractive.score_sentences(prep.query.text, read):
            best.setdefault(sc.passage, sc.score)
        rows = tuple(tuple(features(prep.query, r, best.get(k, 0.0), pipeline.extractive.terms)) for k, r in enumerate(prep.readings))
        out.append(CaseRows(case.id, case.kind, case.answerable, prep.answerable, rows))
        if progress is not None:
            progress(i, len(cases))
    return out


def save_rows(path: Path, rows: Sequence[CaseRows]) -> None:
    path.write_text("\n".join(json.dumps(asdict(r)) for r in rows) + "\n", encoding="utf-8")


def load_rows(path: Path) -> list[CaseRows]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(CaseRows(d["id"], d["kind"], d["answerable"], d["words_pass"], tuple(tuple(r) for r in d["rows"])))
    return out


@dataclass(frozen=True)
class Outcome:
    min_answer: float  # verdict probability the best passage must reach (0: not used)
    min_premise: float  # P(contradicts) of the top passage that makes it a false premise (1: not used)
    refusal: float  # share of non-answerable cases refused
    false_refusals: float  # share of answerable cases refused
    cases: int


def answered(r: CaseRows, model: VerdictModel | None, min_answer: float, min_premise: float) -> bool:
    """``ScopeChecker.decide`` on recorded rows."""
    if not r.words_pass:
        return False
    if not r.rows:
        return True
    if r.rows[0][CONTRADICTS] >= min_premise:
        return False
    return model is None or min_answer <= 0 or max(model.probability(x) for x in r.rows) >= min_answer


def outcome(rows: Sequence[CaseRows], model: VerdictModel | None, min_answer: float = 0.0, min_premise: float = 1.01) -> Outcome:
    pos = [r for r in rows if r.answerable]
    neg = [r for r in rows if not r.answerable]
    refused = sum(not answered(r, model, min_answer, min_premise) for r in neg) / max(len(neg), 1)
    false = sum(not answered(r, model, min_answer, min_premise) for r in pos) / max(len(pos), 1)
    return Outcome(min_answer, min_premise, refused, false, len(rows))


def choose(rows: Sequence[CaseRows], model: VerdictModel, max_false: float = MAX_FALSE_REFUSALS) -> Outcome:
    """The pair of thresholds that refuses most of ``rows``' non-answerable cases within ``max_false``
    (ties: the fewer false refusals, then the laxer thresholds)."""
    best = outcome(rows, model)
    for min_premise in [*(i / 40 for i in range(20, 40)), 0.99, 0.995, 1.01]:
        for min_answer in (0.0, *(i / 100 for i in range(1, 60))):
            o = outcome(rows, model, min_answer, min_premise)
            if o.false_refusals <= max_false and (o.refusal, -o.false_refusals) > (best.refusal, -best.false_refusals):
                best = o
    return best


def fit_on(rows: Sequence[CaseRows]) -> VerdictModel:
    """The verdict fitted on each case's top passage (label: the case is answerable)."""
    data = [(r.rows[0], int(r.answerable)) for r in rows if r.rows and r.words_pass]
    return fit([x for x, _ in data], [y for _, y in data])


def report(rows: Sequence[CaseRows], shipped: VerdictModel) -> tuple[str, dict[str, tuple[VerdictModel, Outcome]]]:
    """A Markdown table of word checks alone / shipped verdict / odd-fit verdict, on both halves."""
    odd = [r for r in rows if r.odd]
    even = [r for r in rows if not r.odd]
    odd_fit = fit_on(odd)
    chosen = {"shipped": (shipped, choose(odd, shipped)), "odd-fit": (odd_fit, choose(odd, odd_fit))}
    lines = ["| verdict | min_answer / min_premise (chosen on odd) | odd refusal | odd false ref. | even refusal | even false ref. |",
             "|---|---|---|---|---|---|"]
    w_odd, w_even = outcome(odd, None), outcome(even, None)
    lines.append(f"| word checks only | - | {w_odd.refusal:.3f} | {w_odd.false_refusals:.3f} | {w_even.refusal:.3f} | {w_even.false_refusals:.3f} |")
    for name, (model, o) in chosen.items():
        e = outcome(even, model, o.min_answer, o.min_premise)
        lines.append(f"| {name} | {o.min_answer:.2f} / {min(o.min_premise, 1):.3f} | {o.refusal:.3f} | {o.false_refusals:.3f} | "
                     f"{e.refusal:.3f} | {e.false_refusals:.3f} |")
    return "\n".join(lines), chosen
