"""``borderqa reader calibrate``: the refusal thresholds chosen on the public eval's odd ids, checked on its
even ids, the way the issue asks (never chosen on the cases it is reported on).

Every eval case is answered once with both thresholds off (no ``answering.min_support``, ``reader.min_answer``
0), recording what the thresholds read: the support (the best sentence's extractive score, the reader's
log-odds weighed in) and the reader's best sentence probability. Every other check runs as usual, so with
the thresholds set a case is answered exactly when it was answered here and both values reach them
(``ScopeChecker.decide`` refuses on them before anything else looks at the answer). The pair chosen
makes the fewest wrong decisions on the odd ids, a false refusal and a missed refusal counted alike, with
false refusals at most ``MAX_FALSE_REFUSALS``; the report gives both halves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from borderqa.evaluation.cases import Case, odd_id
from borderqa.evaluation.metrics import MULTI_PART_KINDS, judge
from borderqa.serialize import turns_from_dicts

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

MAX_FALSE_REFUSALS = 0.05  # the target's budget, on the odd half
# min_support candidates: none, then steps (the reader's log-odds can take a support under 0)
SUPPORTS = (float("-inf"), *(round(0.05 * i, 2) for i in range(-20, 25)))
ANSWERS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)  # min_answer candidates


@dataclass(frozen=True)
class CaseRow:
    id: str
    kind: str
    answerable: bool  # expected
    answered: bool  # answered with both thresholds off
    support: float
    reader: float  # the reader's best sentence P(answer); 1 when the reader is off
    facts_ok: bool  # the answer holds every fact (answerable cases)
    lead_ok: bool  # its lead states them

    @property
    def odd(self) -> bool:
        return odd_id(self.id)

    def passes(self, min_support: float, min_answer: float) -> bool:
        return self.answered and self.support >= min_support and self.reader >= min_answer


def collect(assistant: Assistant, cases: Sequence[Case], progress: Callable[[int, int], None] | None = None) -> list[CaseRow]:
    """The row of every case, answered with the configured generator and both thresholds off."""
    pipeline = assistant.pipeline()
    pipeline.scope.min_support = None
    pipeline.scope.reader = pipeline.reader_settings.model_copy(update={"min_answer": 0.0})
    # The parts of a two-part question are read only under a min_answer: read them, as a chosen one would.
    pipeline.reader_settings = pipeline.reader_settings.model_copy(update={"min_answer": 1e-9})
    out = []
    for i, case in enumerate(cases, 1):
        prep = pipeline.prepare(case.question, turns_from_dicts(list(case.history)))
        answer = pipeline.answer_prepared(prep)
        row = judge(case, answer)
        out.append(CaseRow(case.id, case.kind, case.answerable, answer.answerable, round(prep.support, 4),
                           round(prep.confidence if prep.confidence is not None else 1.0, 4),
                           bool(row.get("facts_ok")), bool(row.get("lead_states_fact"))))
        if progress is not None:
            progress(i, len(cases))
    return out


def save_rows(path: Path, rows: Sequence[CaseRow]) -> None:
    path.write_text("\n".join(json.dumps(asdict(r)) for r in rows) + "\n", encoding="utf-8")


def load_rows(path: Path) -> list[CaseRow]:
    return [CaseRow(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class Outcome:
    min_support: float
    min_answer: float
    refusal: float  # share of non-answerable cases refused
    false_refusals: float  # share of answerable cases refused
    fact: float  # share of answerable cases answered with every fact
    lead: float  # share of answered one-part answerable cases whose lead states the fact
    wrong: int  # false refusals plus missed refusals


def outcome(rows: Sequence[CaseRow], min_support: float = float("-inf"), min_answer: float = 0.0) -> Outcome:
    pos = [r for r in rows if r.answerable]
    neg = [r for r in rows if not r.answerable]
    given = [r for r in pos if r.passes(min_support, min_answer) and r.kind not in MULTI_PART_KINDS]
    refused = sum(not r.passes(min_support, min_answer) for r in neg)
    false = sum(not r.passes(min_support, min_answer) for r in pos)
    return Outcome(min_support, min_answer, refused / max(len(neg), 1), false / max(len(pos), 1),
                   sum(r.facts_ok and r.passes(min_support, min_answer) for r in pos) / max(len(pos), 1),
                   sum(r.lead_ok for r in given) / max(len(given), 1), false + len(neg) - refused)


def choose(rows: Sequence[CaseRow], max_false: float = MAX_FALSE_REFUSALS) -> Outcome:
    """The thresholds with the fewest wrong decisions on ``rows`` within ``max_false`` (ties: the laxer)."""
    options = [outcome(rows, s, a) for s in SUPPORTS for a in ANSWERS]
    allowed = [o for o in options if o.false_refusals <= max_false] or [outcome(rows)]
    return min(allowed, key=lambda o: (o.wrong, o.min_support, o.min_answer))


def _floor(value: float) -> str:
    return "none" if value == float("-inf") else f"{value:.2f}"


def setting(value: float) -> str:
    """A chosen min_support as the environment variable takes it (none: the variable unset)."""
    return "unset (no floor)" if value == float("-inf") else f"{value:.2f}"


def report(rows: Sequence[CaseRow]) -> tuple[str, Outcome]:
    """A Markdown table: no thresholds, and the pair chosen on the odd ids, on both halves."""
    odd = [r for r in rows if r.odd]
    even = [r for r in rows if not r.odd]
    chosen = choose(odd)
    lines = ["| thresholds | min_support / min_answer | odd refusal / false ref. / fact | even refusal / false ref. / fact |",
             "|---|---|---|---|"]
    for name, (s, a) in (("none", (float("-inf"), 0.0)), ("chosen on odd ids", (chosen.min_support, chosen.min_answer))):
        o, e = outcome(odd, s, a), outcome(even, s, a)
        lines.append(f"| {name} | {_floor(s)} / {a:.2f} | {o.refusal:.3f} / {o.false_refusals:.3f} / {o.fact:.3f} | "
                     f"{e.refusal:.3f} / {e.false_refusals:.3f} / {e.fact:.3f} |")
    return "\n".join(lines), chosen
