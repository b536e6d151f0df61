"""Questions that ask two things at once ("When did X happen, and how long did it last?"), split so the
reader can find an answer for each part and the answer can give one cited line per part.

A part after the first often leans on the first for its subject ("... and how many days did it
last?", "... and how many were minors?"), so it is read with the first part beside it, in brackets. A part
that names its own subject ("..., and how many officers does the new Citizen Power Police have?") is read
alone: the first part beside it drew its search and its sentence scores to the first part's passage. A
question is split only where a new question word follows "and" (or a second sentence starts) and the first
part has at least ``MIN_WORDS`` words, so "When and where did the maras start?" stays whole.
"""

from __future__ import annotations

import re

from borderqa.lexical import tokenize

MIN_WORDS = 4
# A first part with fewer words of its own than this shares its subject with the next ("Is there a limit on how
# far and how long Guatemalans ... can stay?", "How far into Mexico, and for how long, does the card let ...?"):
# one question, not two
FIRST_OWN = 2
# "since when" / "for how long" after a first part without a verb of its own share the rest of the question
_SHARED_TAIL = re.compile(r"(since|for)\b", re.IGNORECASE)
_VERB = re.compile(r"\b(is|are|was|were|be|been|has|have|had|do|does|did|can|could|may|might|will|would|should|must)\b|\w+ed\b",
                   re.IGNORECASE)
STANDS_ALONE = 3  # content words a later part needs (with no word pointing back) to be read without the first
# words that say what kind of answer is asked, not what about ("In what year did the program start?")
_FRAME = frozenset({"year", "month", "date", "day", "time", "share", "percent", "percentage", "number", "long", "far", "often"})
# words by which a part points back at the first ("did it last", "in that year", "did that state", "the latter",
# "there"; not "its" / "their", which point within the part as often: "below their national poverty line")
_POINTS_BACK = re.compile(
    r"\b(it|they|them|he|she|him|her|these|those|this|such|each|both|either|latter|former|there|same)\b"
    r"|\b(in|of|for|at|by|from|to|with|on|did|does|do|was|were|is|are|has|have|had)\s+that\b|\bthat (year|period|time|month|day)\b",
    re.IGNORECASE,
)
# "..., and roughly how many ...?" / "..., and in what year ...?" start a part too; "with how many?", "by how
# much?" and "at what cost?" do not (they ask the first part's figure)
_SPLIT = re.compile(
    r",?\s+and\s+(?=(?:what|which|who|whom|when|where|why|how)\b|(?:roughly|approximately|about|exactly)\s+how (?:many|much)\b"
    r"|(?:in|on)\s+(?:what|which)\s+(?:year|month|date|day)\b|since\s+(?:when|what)\b|for\s+how\s+long\b(?!,))"
    r"|(?<=\?)\s+(?=(?-i:[A-Z¿]))",
    re.IGNORECASE,
)


# "..., and in which state did the survey find the most abuse?": a part that starts "in / on which ..." is
# split off only when it asks a question of its own (it names its own subject and points nowhere back) after a
# first part with a verb; "..., and in which town is it?" or "In which cities and on which crossings ...?"
# stay one question, whose answer checks (``bound.unanswered``) read it whole
_OWN_SPLIT = re.compile(r",?\s+and\s+(?=(?:in|on)\s+(?:what|which)\b)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The parts of a two-part question as the reader should read them; ``[question]`` otherwise."""
    pieces = [p.strip(" ,;") for p in _SPLIT.split(question) if p and p.strip(" ,;")]
    pieces = [q for p in pieces for q in _own_split(p)]
    if len(pieces) < 2 or len(pieces[0].split()) < MIN_WORDS or len(_own(pieces[0])) < FIRST_OWN:
        return [question]
    if _SHARED_TAIL.match(pieces[1]) and not _VERB.search(pieces[0]):
        return [question]  # "In which city and since when has the task force operated?": one verb for both
    first = pieces[0].rstrip("?") + "?"
    rest = [p[0].upper() + p[1:].rstrip("?.") + "?" for p in pieces[1:] if len(p.split()) >= 2]
    if not rest:
        return [question]
    return [first, *(f"{p} ({first.rstrip('?')})" if leans(p) else p for p in rest)]


def _own_split(piece: str) -> list[str]:
    """``piece`` split at ", and in / on which ..." when the rest asks a question of its own (see ``_OWN_SPLIT``)."""
    found = _OWN_SPLIT.split(piece, maxsplit=1)
    if len(found) < 2:
        return [piece]
    first, rest = (x.strip(" ,;") for x in found)
    if not _VERB.search(first) or leans(rest):
        return [piece]
    return [first, rest]


def _own(part: str) -> list[str]:
    return [w for w in tokenize(part) if w not in _FRAME]


def leans(part: str) -> bool:
    """Whether a later part needs the first beside it: it points back at it, or names too little of its own."""
    return len(_own(part)) < STANDS_ALONE or bool(_POINTS_BACK.search(part))


def leans_back(part: str) -> bool:
    """Whether a part of ``question_parts`` is read with the first part beside it (it leans on it)."""
    return own_words(part) != part


def own_words(part: str) -> str:
    """A part as asked, without the first part read beside it in brackets ("When was it announced? (How
    many kiosks ...)" asks for a date, not a figure); any other question as it is."""
    head, sep, _ = part.partition("? (")
    return f"{head}?" if sep and part.endswith(")") else part
