"""Questions that ask two things at once ("When did X happen, and how long did it last?"), split so the
reader can find an answer for each part and the answer can give one cited line per part.

A part after the first usually leans on the first for its subject ("... and how many days did it
last?"), so it is read with the first part beside it, in brackets. A question is split only where a
new question word follows "and" (or a second sentence starts) and the first part has at least
``MIN_WORDS`` words, so "When and where did the maras start?" stays whole.
"""

from __future__ import annotations

import re

MIN_WORDS = 4
# "..., and roughly how many ...?" / "..., and in what year ...?" start a part too; "with how many?", "by how
# much?" and "at what cost?" do not (they ask the first part's figure)
_SPLIT = re.compile(
    r",?\s+and\s+(?=(?:what|which|who|whom|when|where|why|how)\b|(?:roughly|approximately|about|exactly)\s+how (?:many|much)\b"
    r"|(?:in|on)\s+(?:what|which)\s+(?:year|month|date|day)\b)"
    r"|(?<=\?)\s+(?=(?-i:[A-Z¿]))",
    re.IGNORECASE,
)


def question_parts(question: str) -> list[str]:
    """The parts of a two-part question as the reader should read them; ``[question]`` otherwise."""
    pieces = [p.strip(" ,;") for p in _SPLIT.split(question) if p and p.strip(" ,;")]
    if len(pieces) < 2 or len(pieces[0].split()) < MIN_WORDS:
        return [question]
    first = pieces[0].rstrip("?") + "?"
    rest = [p[0].upper() + p[1:].rstrip("?.") + "?" for p in pieces[1:] if len(p.split()) >= 2]
    if not rest:
        return [question]
    return [first, *(f"{p} ({first.rstrip('?')})" for p in rest)]


def own_words(part: str) -> str:
    """A part as asked, without the first part read beside it in brackets ("When was it announced? (How
    many kiosks ...)" asks for a date, not a figure); any other question as it is."""
    head, sep, _ = part.partition("? (")
    return f"{head}?" if sep and part.endswith(")") else part
