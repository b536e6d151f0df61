"""Does the report answer this question? If not, why not, in words staff can act on.

1. **Later years** (a rule, because it is a fact about the report, not a judgement): a year after the
   report's (2014) cannot be covered.
2. **The reader decides** (``read``): the question is answered when the best passage's verdict probability
   (``answering/verdict.py``: the trained reader combined with the word checks below, fitted on the
   reader's training data) reaches ``reader.min_answer``; otherwise, when a passage contradicts what the
   question assumes with ``reader.min_premise``, the answer corrects the premise; otherwise the report
   does not say.
3. **Why not** (``reason``): the word checks that fail for the best passage name what is missing,
   "it never mentions “Canada”", "the passages closest to the question do not mention “2010”", or "...
   give nothing on “population”". They explain a refusal; they no longer make one.

Without a reader (``reader.enabled = false``) the word checks decide, in the order of ``reason``, and
then a weak best-sentence match (``min_support``) refuses; this is the behaviour before the reader, kept
for deployments that turn it off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from borderqa.answering.base import REPORT_DATE
from borderqa.answering.questions import action_found, focus_found, gives_rate
from borderqa.answering.verdict import missing_numbers
from borderqa.config import ReaderSettings
from borderqa.query import Query
from borderqa.reader.reading import Reading
from borderqa.terms import passage_setting, passage_words
from borderqa.types import Passage


@dataclass(frozen=True)
class ScopeDecision:
    answerable: bool
    reason: str = ""  # why not, completing "The report does not say: ..."
    premise: Reading | None = None  # set when the closest passage contradicts what the question assumes


def _quote(words: Sequence[str]) -> str:
    return " and ".join(f"“{w}”" for w in words)


def missing(query: Query, top: Passage) -> str:
    """What the question asks about that the passage does not hold, as a reason ("" when nothing is)."""
    if query.unknown_names:
        return f"it never mentions {_quote(query.unknown_names)}"
    figures = missing_numbers(query.figures, top)
    if figures:
        return f"the passages closest to the question do not mention {_quote(figures)}"
    phrase, words = query.focus
    if words and not focus_found(list(words), passage_words(top), top.text):
        return f"the passages closest to the question give nothing on “{phrase}”"
    verb, stems = query.action
    if stems and not action_found(list(stems), passage_setting(top)):
        return f"the passages closest to the question do not mention “{verb}” or another word for it"
    if query.asks_rate and not gives_rate(top.text):
        return "the passages closest to the question give no figure per day, month or year"
    return ""


class ScopeChecker:
    def __init__(self, min_support: float, reader: ReaderSettings | None = None) -> None:
        self.min_support = min_support
        self.reader = reader or ReaderSettings()

    def decide(self, query: Query, top: Sequence[Passage], support: float, readings: Sequence[Reading] = ()) -> ScopeDecision:
        """``readings``: the reader's, best first (without them, the word checks decide)."""
        if query.later_years:
            return ScopeDecision(False, f"the report dates from {REPORT_DATE} and cannot cover {query.later_years[0]}")
        if readings:
            return self.read(query, readings)
        why = missing(query, top[0]) if top else ""
        if why:
            return ScopeDecision(False, why)
        if support < self.min_support:
            return ScopeDecision(False, "no passage of the report matches the question closely enough")
        return ScopeDecision(True)

    def read(self, query: Query, readings: Sequence[Reading]) -> ScopeDecision:
        """The reader's verdict: answered when a passage answers with enough probability; else a false
        premise when a passage contradicts the question; else not in the report."""
        best = max(readings, key=lambda r: r.answer)
        if best.answer >= self.reader.min_answer:
            return ScopeDecision(True)
        premise = max(readings, key=lambda r: r.contradicts)
        if premise.contradicts >= self.reader.min_premise:
            return ScopeDecision(False, "the report contradicts what the question assumes", premise)
        why = missing(query, best.passage) or "none of the passages closest to the question answers it"
        return ScopeDecision(False, why)
