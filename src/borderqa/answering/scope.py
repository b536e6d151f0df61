"""Does the report answer this question? If not, why not, in words staff can act on.

Checks, in order (the first that fails gives the reason):

1. **Later years**: a year after the report's (2014) cannot be covered.
2. **What is missing** (``missing``): a capitalised name the report never uses ("it never mentions
   “Canada”"), every word of the question (the closest passage shares none), a figure or year the top passage does not hold, the thing a "how many X" question counts,
   a rate per day or year. A two-part question is answered from the top two passages (one line per
   part), so it is checked against both together: "How many were apprehended in 2013, and how many in
   2011?" is not refused because the top passage gives only 2013.
3. **Weak match** (off by default): the best sentence of the top passages scores under ``min_support`` (the
   extractive score, with the reader's log-odds that the sentence answers weighed in: ``extractive.py``).
3b. **A premise stated the other way round** (``premise.py``): a "Why/How did/Since ..." question
   asserts a direction or an extreme that a sentence of the top passage about the same thing reverses;
   the answer is then a premise correction citing that sentence.
4. **The reader** (``read``): the best sentence's probability of answering must reach
   ``reader.min_answer``; a passage contradicting the question with ``reader.min_premise`` makes the
   answer a premise correction.

After them, once the answer's sentences are chosen, ``bound.py`` checks that they give what was asked (a
figure for a "how many" question, the names a "Why did X ...?" question presupposes).

``min_support`` and ``reader.min_answer`` are chosen together on the eval's odd ids and checked on the
even ids (``borderqa reader calibrate``).

Tried (2026-12-07): letting the local model overturn a refusal when it says the top passage's two best
sentences answer (``PremiseJudge.margin``, as the recheck asks). Of 257 refusals (the public eval's 124 and
133 of held-out files a-e; 6 of them of answerable questions) it says so at margin 0 for 5 answerable and 171
unanswerable ones, at margin 3 for 1 and 7: no margin frees more answerable questions than it lets
unanswerable ones through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from borderqa.answering.base import REPORT_DATE
from borderqa.answering.premise import conflict
from borderqa.answering.questions import focus_found, gives_rate
from borderqa.citations import numbers_in
from borderqa.config import ReaderSettings
from borderqa.query import Query
from borderqa.reader.reading import Reading
from borderqa.terms import TermWeights, passage_setting, passage_words
from borderqa.types import Passage


@dataclass(frozen=True)
class ScopeDecision:
    answerable: bool
    reason: str = ""  # why not, completing "The report does not say: ..."
    premise: Reading | None = None  # set when the closest passage contradicts what the question assumes


MISSING_FIGURES = "the passages closest to the question do not mention"  # the reason a year or figure missing gives


def _quote(words: Sequence[str]) -> str:
    return " and ".join(f"“{w}”" for w in words)


def missing_numbers(figures: Sequence[str], passage: Passage) -> list[str]:
    """Figures and years written in the question that the passage (with its setting) does not hold."""
    held = numbers_in(passage_setting(passage))
    return [n for n in figures if not numbers_in(n) <= held]


def missing(query: Query, top: Passage) -> str:
    """What the question asks about that the passage does not hold, as a reason ("" when nothing is)."""
    if query.unknown_names:
        return f"it never mentions {_quote(query.unknown_names)}"
    words = passage_words(top)
    if query.weights and not any(TermWeights.matches(t, words) for t in query.weights):
        return "the passages closest to the question share none of its words"
    figures = missing_numbers(query.figures, top)
    if figures:
        return f"{MISSING_FIGURES} {_quote(figures)}"
    phrase, focus = query.focus
    if focus and not focus_found(list(focus), words, top.text):
        return f"the passages closest to the question give nothing on “{phrase}”"
    if query.asks_rate and not gives_rate(top.text):
        return "the passages closest to the question give no figure per day, month or year"
    return ""


def joined(passages: Sequence[Passage]) -> Passage:
    """The passages as one (text, titles and lead-ins), for the checks on a question whose parts the answer
    takes from several of them."""
    return replace(passages[0], text=" ".join(p.text for p in passages),
                   section_path=tuple(t for p in passages for t in p.section_path),
                   context=" ".join(p.context for p in passages if p.context))


class ScopeChecker:
    def __init__(self, min_support: float | None, reader: ReaderSettings | None = None) -> None:
        self.min_support = min_support
        self.reader = reader or ReaderSettings()

    def decide(self, query: Query, top: Sequence[Passage], support: float, readings: Sequence[Reading] = (),
               sentences: Sequence[str] = (), terms: TermWeights | None = None,
               part_passages: Sequence[Passage] = (), chosen: bool = False) -> ScopeDecision:
        """The word checks on the top passage (for a question of several parts, on the top two and each
        part's own closest passage, ``part_passages``), the best-sentence match, a premise its sentences
        (``sentences``: the top passage's, best first) state the other way round, then the reader.
        ``chosen``: a rule put the top passage first for what the question asks (``types.Hit.chosen``: "Who
        published the report?" of the paragraph naming WOLA), so the question's words need not be its words."""
        if query.later_years or query.after_report:
            later = query.after_report or query.later_years[0]
            return ScopeDecision(False, f"the report dates from {REPORT_DATE} and cannot cover {later}")
        several = [*top[:2], *(p for p in part_passages if p not in top[:2])]
        why = missing(query, joined(several) if len(query.parts) > 1 else top[0]) if top and not chosen else ""
        if why:
            return ScopeDecision(False, why)
        if self.min_support is not None and support < self.min_support:
            return ScopeDecision(False, "no passage of the report matches the question closely enough")
        found = conflict(query, sentences, terms) if top and sentences and terms is not None else None
        if found is not None:
            at = top[0].text.find(found.sentence)
            reading = Reading(top[0], 0.0, 1.0, 0.0, found.sentence, at, at + len(found.sentence))
            return ScopeDecision(False, f"it says “{found.stated}” where the question assumes “{found.asked}”", reading)
        if readings:
            return self.read(query, readings)
        return ScopeDecision(True)

    def read(self, query: Query, readings: Sequence[Reading]) -> ScopeDecision:
        """The reader's verdict: a false premise when the top passage contradicts the question with
        ``reader.min_premise`` (under 1); not in the report when no passage's verdict probability reaches
        ``reader.min_answer`` (over 0); else answered."""
        top = readings[0]
        if self.reader.min_premise < 1 and top.contradicts >= self.reader.min_premise:
            return ScopeDecision(False, "the report contradicts what the question assumes", top)
        if self.reader.min_answer > 0 and max(r.answer for r in readings) < self.reader.min_answer:
            best = max(readings, key=lambda r: r.answer)
            why = missing(query, best.passage) or "none of the passages closest to the question answers it"
            return ScopeDecision(False, why)
        return ScopeDecision(True)
