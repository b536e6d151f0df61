"""Does the answer found give what the question asks for? Checked on the answer's own sentences, after
the scope check has passed the passages.

* **A figure** (a "how many / how much / what share" question): the answer must hold a number the question
  does not already hold. A date (a year, "February 14") does not count unless the question asks about
  time ("how long").
  "How much did the repair cost?" answered with "the train will start again in 2014" gives no figure.
  Only for a one-part question: in "What is wrong with X, and how low is Y?" the figure is one part of many.
* **The names asked about** (``unbound_names``): a figure asked about "El Salvador" and answered without
  it belongs to someone else; a "Why did X ...?" answered without X explains something X did not do.
"""

from __future__ import annotations

import re

from borderqa.answering.parts import question_parts
from borderqa.answering.questions import offers_kind
from borderqa.lexical import fold
from borderqa.query import Query
from borderqa.reader.perturb import ALL_NAMES, presupposes

# The report's frame: named in nearly every passage, so an answer that omits them still speaks of them.
FRAME_NAMES = frozenset({"Mexico", "the United States", "Central America"})
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# Dates: a year, a day of a month ("February 14", "14 February"); not figures for "how many / how much".
_DATE = re.compile(rf"\b(?:19|20)\d\d\b|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}\b", re.IGNORECASE)
_VAGUE = re.compile(r"\bseveral\b", re.IGNORECASE)
_ASKS_TIME = re.compile(r"\bhow (long|old|often)\b|\bsince when\b", re.IGNORECASE)


def unbound_names(question: str, answer: str) -> list[str]:
    """Names of the question (``perturb.ENTITY_FAMILIES``, any form, the report's frame aside) that
    ``answer`` never mentions."""
    folded = fold(answer)
    return [fam.forms[0] for _, _, fam in ALL_NAMES.names_in(question)
            if fam.forms[0] not in FRAME_NAMES and not fam.present(folded)]


def gives_figure(question: str, answer: str, exact: bool = False) -> bool:
    """Whether ``answer`` holds a figure that ``question`` does not (a date only for a time question);
    ``exact``: "several" is not one (an answer may say "several", its lead should say how many)."""
    text = answer if _ASKS_TIME.search(question) else _DATE.sub(" ", answer)
    return offers_kind("number", question, _VAGUE.sub(" ", text) if exact else text)


def unanswered(query: Query, answer: str) -> str:
    """Why ``answer`` does not answer ``query`` (completing "The report does not say: ..."), or ""."""
    # one part only: "What is wrong with X, and how low is Y?" asks more than a figure
    if query.kind == "number" and len(question_parts(query.text)) == 1 and not gives_figure(query.text, answer):
        phrase = query.focus[0]
        asked = f"for “{phrase}”" if phrase else "of what was asked"
        return f"the passages closest to the question give no figure {asked}"
    if query.kind == "number" or presupposes(query.text):
        unbound = unbound_names(query.text, answer)
        if unbound:
            return f"the passages closest to the question say nothing of {' or '.join(f'“{n}”' for n in unbound)}"
    return ""
