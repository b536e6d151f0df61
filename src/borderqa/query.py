"""A question analysed once: the one value every answering stage reads (scope, the verdict features, the
extractive scorer, time framing) instead of re-tokenising the text.

``Query.parse(asked, standalone, terms)`` does the work; every field is plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from borderqa.answering.parts import question_parts
from borderqa.answering.questions import asks_rate, expected_kind, focus
from borderqa.lexical import tokenize
from borderqa.terms import TermWeights

REPORT_YEAR = 2014
_TIME_WORDS = re.compile(
    r"\b(now|today|currently|current|still|latest|recent(ly)?|at present|nowadays|these days|so far|to date)\b", re.IGNORECASE
)

# A period that ends after the report's date (June 2014), though its year does not: "the whole of fiscal year
# 2014", "by the end of 2014", "December 2014" (the report has figures for the first months of 2014 only).
_AFTER_REPORT = re.compile(
    r"\b((?:whole|full|entire|end|rest|remainder|last quarter|all) of (?:the )?(?:(?:fiscal|calendar) year |fy ?)?2014"
    r"|(?:full|whole|entire)[- ](?:fiscal[- ])?year (?:of )?(?:fy ?)?2014|(?:fy|fiscal year) ?2014 as a whole|2014 as a whole"
    r"|(?:july|august|september|october|november|december) (?:of )?2014|q[34] (?:of )?2014|(?:third|fourth) quarter of 2014)\b",
    re.IGNORECASE,
)
# ... unless the question asks what the report expected of it ("What did the memo estimate for the whole of
# fiscal year 2014?", "ahead of the November 2014 midterms"): the report states forecasts
_FORECAST = re.compile(
    r"\b(expect\w*|estimat\w*|project\w*|forecast\w*|predict\w*|plan\w*|will|would|could|ahead|scheduled|due|aim\w*|"
    r"intend\w*|anticipat\w*|likely)\b",
    re.IGNORECASE,
)


def after_report(question: str) -> str:
    """A period of 2014 after the report's date that the question asks about as past ("the whole of fiscal year
    2014"), as written; "" when none, or when the question asks for a forecast of it."""
    m = _AFTER_REPORT.search(question)
    if m is None or _FORECAST.search(question):
        return ""
    return m.group(0) if m.group(0)[0].isdigit() or m.group(0)[0].isupper() else f"the {m.group(0)}"


@dataclass(frozen=True)
class Query:
    asked: str  # as typed (its capitals are the names to check)
    text: str  # stand-alone form (follow-ups resolved)
    tokens: tuple[str, ...]  # lexical tokens of ``text``
    weights: dict[str, float]  # its words (and the report's synonyms) by rarity
    kind: str  # the kind of answer expected: number, date, name or ""
    figures: tuple[str, ...]  # numbers and years written in ``asked``
    later_years: tuple[int, ...]  # years after the report's
    unknown_names: tuple[str, ...]  # capitalised names the report never uses
    focus: tuple[str, tuple[str, ...]]  # "how many X": X as typed and its words
    asks_rate: bool  # a figure per day / month / year
    time_sensitive: bool  # asks about the present ("now", "currently")
    parts: tuple[str, ...]  # ``parts.question_parts``: two or more for a question that asks two things
    after_report: str = ""  # a period of the report's year that ends after its date, as written

    @classmethod
    def parse(cls, asked: str, standalone: str, terms: TermWeights) -> Query:
        phrase, words = focus(standalone)
        return cls(
            asked=asked,
            text=standalone,
            tokens=tuple(tokenize(standalone)),
            weights=terms.question_weights(standalone),
            kind=expected_kind(standalone),
            figures=tuple(re.findall(r"\b\d[\d,.]*\b", asked)),
            later_years=tuple(int(y) for y in re.findall(r"\b(20[1-9]\d)\b", standalone) if int(y) > REPORT_YEAR),
            unknown_names=tuple(terms.unknown_names(asked)),
            focus=(phrase, tuple(words)),
            asks_rate=asks_rate(standalone),
            time_sensitive=bool(_TIME_WORDS.search(asked)),
            parts=tuple(question_parts(standalone)),
            after_report=after_report(standalone),
        )
