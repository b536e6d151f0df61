"""Questions about something a document gives a section to: "What is the Border Zone Support Program?", "What
is Paso Seguro?", "What are the belts of control?".

The section's paragraphs seldom name it again ("This program devotes resources to infrastructure ...", under
the heading "Border Zone Support Program (Programa de Apoyo a la Zona Fronteriza)"), so the paragraph that
answers shares few of the question's words, and another section that names the thing in passing ranks first:
"What is the Border Zone Support Program?" was answered with the biometric program's paragraph, "What is Paso
Seguro?" refused. Such a question ("What is / are / was X?", "Tell me about X") is answered from the section
whose title names X (its paragraph retrieval ranks highest, else its first: the plan's section opens with the
meeting that launched it, "On June 3, 2013, Tapachula hosted ...", and its second paragraph says what it is): the English name or the one in brackets, with every
word of X in it and all but one of the name's words in X ("Paso Seguro" for "Programa “Paso Seguro”"; the
"Integrated Development Plan" is not the whole "Integrated Development Plan for the South-Southeast Zone",
so it is left to retrieval). Each title is read as its own words only, not its parents'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from borderqa.lexical import content_words, tokenize
from borderqa.types import Hit, Passage, led_by

_ASKS_WHAT = re.compile(
    r"^\s*(?:what\s+(?:is|are|was|were)|tell\s+me\s+about|explain|describe)\s+(?P<x>.+?)[\s?.!]*$", re.IGNORECASE)
_GENERIC = frozenset(tokenize("program programa plan section part chapter"))


def _names(title: str) -> list[set[str]]:
    """The names a section title gives: the English name and the one in brackets."""
    return [w for w in (content_words(part) for part in re.split(r"[()]", title)) if w]


def asked_thing(question: str) -> set[str]:
    """The words of what a "What is X?" question asks about ({} for any other question)."""
    m = _ASKS_WHAT.match(question)
    return content_words(m.group("x")) if m else set()


def titled_section(question: str, passages: Sequence[Passage]) -> list[Passage]:
    """The prose paragraphs of the one section whose title names what ``question`` asks about, in order; []
    when it asks about nothing so named, or two sections are."""
    asked = asked_thing(question)
    if not asked or asked <= _GENERIC:
        return []
    found: dict[tuple[str, tuple[str, ...]], list[Passage]] = {}
    for p in passages:
        if p.kind != "paragraph" or not p.section_path:
            continue
        key = (p.document, p.section_path)
        if key in found or any(asked <= name and len(name - asked) <= 1 for name in _names(p.section_path[-1])):
            found.setdefault(key, []).append(p)
    return next(iter(found.values())) if len(found) == 1 else []


def titled_first(question: str, hits: list[Hit], passages: Sequence[Passage]) -> list[Hit]:
    """``hits`` led by the section's paragraph retrieval ranks highest, or its first when retrieval found none
    of them (scored as the top hit); the same list for any other question."""
    section = titled_section(question, passages)
    if not section:
        return hits
    where = next((h.passage for h in hits if h.passage in section), section[0])
    return led_by(where, hits, "section")
