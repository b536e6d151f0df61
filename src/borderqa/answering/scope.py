"""Does the report answer this question? If not, why not, in words staff can act on.

Checks, in order (the first that fails gives the reason):

1. **Later years**: a year after the report's (2014) cannot be covered.
2. **Unknown names**: a capitalised name the report never uses ("Canada", "Trump", "Otto Pérez Molina",
   "Rio Grande Valley"): the question is about something outside it. Acronyms and aliases staff use for
   things the report spells out ("DHS", "Northern Triangle") are not judged (``TermWeights.unknown_names``).
3. **Missing figure**: a number or year the question names ("per 100,000", "in 2010", "pillar 1") is
   not in the top passage, nor written out ("7" / "seven"): the closest paragraph is about something else.
4. **Missing focus**: "how many X" / "what is the X of ..." where no word of X (or a synonym) occurs in
   the top passage or its section: the report has no figure for X ("population", "salary",
   "exchange rate", "kilometers of fence"), however close the rest of the passage is.
5. **Missing act**: "how many X VERB ..." (``questions.action``) where the top passage never names the
   act ("drowned", "were blocked") nor a word for it: the report does not count X that did it.
6. **Missing rate**: "how many ... each day / a year" where the top passage gives no figure per unit of
   time ("a day", "yearly", "per month"): the report does not count it that way.
7. **Weak match**: the best sentence of the top passages scores under ``min_support``
   (extractive score: embedding cosine plus word and answer-kind bonuses; calibrated on the eval suite's
   answerable and unanswerable cases, odd ids for choosing, even ids for checking).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from borderqa.answering.base import REPORT_DATE
from borderqa.answering.questions import action, action_found, asks_rate, focus, focus_found, gives_rate
from borderqa.citations import numbers_in
from borderqa.terms import TermWeights, passage_setting, passage_words
from borderqa.types import Passage

REPORT_YEAR = 2014


@dataclass(frozen=True)
class ScopeDecision:
    answerable: bool
    reason: str = ""  # why not, completing "The report does not say: ..."


def later_years(question: str) -> list[int]:
    return [int(y) for y in re.findall(r"\b(20[1-9]\d)\b", question) if int(y) > REPORT_YEAR]


def _quote(words: Sequence[str]) -> str:
    return " and ".join(f"“{w}”" for w in words)


class ScopeChecker:
    def __init__(self, terms: TermWeights, min_support: float) -> None:
        self.terms = terms
        self.min_support = min_support

    def decide(self, question: str, asked: str, top: Sequence[Passage], support: float) -> ScopeDecision:
        """``question``: stand-alone form; ``asked``: as typed (its capitals are the names to check)."""
        years = later_years(question)
        if years:
            return ScopeDecision(False, f"the report dates from {REPORT_DATE} and cannot cover {years[0]}")
        unknown = self.terms.unknown_names(asked)
        if unknown:
            return ScopeDecision(False, f"it never mentions {_quote(unknown)}")
        missing = self.missing_numbers(asked, top[0]) if top else []
        if missing:
            return ScopeDecision(False, f"the passages closest to the question do not mention {_quote(missing)}")
        phrase, words = focus(question)
        if words and top and not focus_found(words, passage_words(top[0]), top[0].text):
            return ScopeDecision(False, f"the passages closest to the question give nothing on “{phrase}”")
        verb, stems = action(question)
        if stems and top and not action_found(stems, passage_setting(top[0])):
            return ScopeDecision(False, f"the passages closest to the question do not mention “{verb}” or another word for it")
        if top and asks_rate(question) and not gives_rate(top[0].text):
            return ScopeDecision(False, "the passages closest to the question give no figure per day, month or year")
        if support < self.min_support:
            return ScopeDecision(False, "no passage of the report matches the question closely enough")
        return ScopeDecision(True)

    @staticmethod
    def missing_numbers(question: str, passage: Passage) -> list[str]:
        """Figures and years written in the question that the passage (with its setting) does not hold."""
        held = numbers_in(passage_setting(passage))
        return [n for n in re.findall(r"\b\d[\d,.]*\b", question) if not numbers_in(n) <= held]
