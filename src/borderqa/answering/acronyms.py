"""Questions asking what an abbreviation stands for ("What does COMAR stand for?", "What is the full name of
the IFAI?"): the sentence where the report spells it out answers them.

The report introduces an agency's abbreviation once, in brackets after its name, often with the Spanish name
first: "the Secretariat of the Interior's Refugee Assistance Commission (Comisión Mexicana de Ayuda a
Refugiados, COMAR)". Later paragraphs use the bare abbreviation, and those are what retrieval ranks first for
a question about it ("COMAR only approves a small number of requests each year"). So for such a question the
first passage that spells the abbreviation out leads, and its sentence that does is the answer's first line.
A question typed in lower case ("what does inm stand for") asks about the word in capitals; when the report
spells out no such abbreviation ("what does the report stand for"), nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from borderqa.types import Hit, Passage, led_by

_ABBR = r"([A-Z][A-Za-z]*[A-Z])"  # its case is kept: "What does INM stand for?" asks about INM, not "inm"
_LOWER_ABBR = r"([a-z]{2,7})"  # the same questions typed in lower case: "what does inm stand for"
# the ways to ask, around the abbreviation ({a}); the asking words in any case
_SHAPES = (
    r"(?i:\b(?:what|which)\s+(?:does|do|did|is|was)\s+(?:the\s+)?(?:abbreviation\s+|acronym\s+)?){a}"
    r"(?:'s|’s)?(?i:\s+stands?\s+for\b)"
    r"|(?i:\b(?:full|spelled-out|long)\s+(?:name|form)\s+(?:of|for)\s+(?:the\s+)?){a}\b"
    r"|\b{a}(?i:\s+(?:is\s+)?short\s+for\b)"
    r"|(?i:\b(?:abbreviation|acronym)\s+){a}\b"
)
_ASKED = re.compile(_SHAPES.replace("{a}", _ABBR))
_LOWER_ASKED = re.compile(_SHAPES.replace("{a}", _LOWER_ABBR))


def asked_abbreviation(question: str) -> str | None:
    """The abbreviation ``question`` asks to have spelled out (two capitals at least), or None."""
    m = _ASKED.search(question)
    if m is None:
        lower = _LOWER_ASKED.search(question.lower()) if question[1:] == question[1:].lower() else None
        return next(g for g in lower.groups() if g).upper() if lower else None
    found = next(g for g in m.groups() if g)
    return found if sum(c.isupper() for c in found) >= 2 else None  # "What does the report stand for?": no


def spells_out(abbreviation: str, sentence: str) -> bool:
    """Whether ``sentence`` introduces ``abbreviation`` after a name: "Name (ABBR)" or "(Spanish name, ABBR)"."""
    return re.search(r"\w[^()]*\((?:[^()]*,\s*)?" + re.escape(abbreviation) + r"\)", sentence) is not None


def defining_passage(abbreviation: str, passages: Sequence[Passage]) -> Passage | None:
    """The first passage (in document order) that spells ``abbreviation`` out."""
    found = [p for p in passages if abbreviation in p.text and spells_out(abbreviation, p.text)]
    return min(found, key=lambda p: (p.document, p.ordinal)) if found else None


def defined_first(question: str, hits: list[Hit], passages: Sequence[Passage]) -> list[Hit]:
    """``hits`` led by the passage spelling out the abbreviation ``question`` asks about (scored as the top
    hit); the same list when it asks about none, or the report never spells it out."""
    asked = asked_abbreviation(question)
    where = defining_passage(asked, passages) if asked else None
    if where is None:
        return hits
    return led_by(where, hits, "abbreviation")
