"""Whose place or police force a figure is: the states, regions and cities the report names, the places a
figure is said of, and the police forces.

The checks take the answer's sentences that give a figure (``bound.gives_figure``) from the caller, which
knows what the question counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from borderqa.answering.names import ALL_NAMES
from borderqa.lexical import STOP_WORDS, fold


def _places(text: str) -> list[tuple[str, str]]:
    """(kind, name) of each state, region or city ``text`` names."""
    return list(dict.fromkeys((fam.type, fam.forms[0]) for _, _, fam in ALL_NAMES.names_in(text) if fam.type in ("region", "city")))


def places_in(text: str) -> list[str]:
    """The states, regions and cities ``text`` names (``perturb.ENTITY_FAMILIES``), each once."""
    return list(dict.fromkeys(name for _, name in _places(text)))


def _ranked_after_dropped(sentence: str) -> str:
    """``sentence`` without a "followed by ..." clause that gives no figure: "Chiapas ... was in first place with
    43 percent (34,252), followed by Veracruz, Tabasco, and Oaxaca" gives Veracruz no figure. (A scan, not a
    regex: one over every "followed by" of a long text was quadratic.)"""
    at = sentence.lower().find("followed by")
    if at < 0:
        return sentence
    ends = [i for i in (sentence.find(".", at), sentence.find(";", at)) if i >= 0]
    end = min(ends) if ends else len(sentence)
    if any(ch.isdigit() for ch in sentence[at:end]):
        return sentence
    return sentence[:at].rstrip(" ,") + sentence[end:]


def other_place(question: str, figures: Sequence[str]) -> tuple[str, str] | None:
    """(a place ``question`` asks a figure of, the place of its kind that every figure-giving sentence
    (``figures``) names instead), or None: "How many checkpoints are there between Comitán and Palenque?" is not answered by
    "two of the Army checkpoints between Benemérito de las Américas and Palenque", which names a city but not
    Comitán. A sentence that names no place of that kind does not clash (the place may be the paragraph's).
    Places ranked after the figure's own without a figure ("followed by Veracruz") are not named for it."""
    asked = _places(question)
    named = [_places(_ranked_after_dropped(s)) for s in figures]
    if not asked or not named:
        return None
    for kind, name in asked:
        others = [[n for k, n in here if k == kind] for here in named]
        if all(names and name not in names for names in others):
            return name, others[0][0]
    return None


_WITHIN = {"Soconusco": "Chiapas"}  # a region inside another is no other place for it
# A question that asks for a place ("Where do migrants go after Lechería?", "Which state besides Chiapas ...?")
# is answered by another one; "Where did Campeche rank?" asks for a rank
_ASKS_PLACE = re.compile(
    r"^\W*(?:and\s+)?(?:(?:from|to|in)\s+)?where\b(?![^?]*\brank)|\b(?:which|what)\s+(?:other\s+)?(?:states?|cit(?:y|ies)|"
    r"towns?|places?|regions?|departments?|municipalit(?:y|ies))\b|\b(?:besides|other than|apart from|aside from|except|instead of)\b",
    re.IGNORECASE,
)


def place_elsewhere(question: str, sentences: Sequence[str]) -> tuple[str, str] | None:
    """(a place ``question`` names, another place of its kind) when the sentences never name the one asked
    and each of them that names a place of that kind names another: "Where did Campeche rank for homicides?"
    is not answered by "Chiapas had the 12th lowest homicide rate ..., and Tabasco had the 6th lowest"
    (``other_place`` for any question, not only a figure's; sentences naming no such place do not count). A
    question that asks for a place is answered by another (``_ASKS_PLACE``)."""
    if _ASKS_PLACE.search(question):
        return None
    said = [_places(s) for s in sentences]
    named = {n for here in said for _, n in here}
    for kind, name in _places(question):
        others = [n for here in said for k, n in here if k == kind and _WITHIN.get(n) != name]
        if name not in named and others:
            return name, others[0]
    return None


# A police force by the capitalised word before "Police" ("Road Police", "Border Police"); a level of
# government or a country is not a force of its own ("the Chiapas State Police" is named "State Police" too),
# nor is "How many police ...?"
_FORCE = re.compile(r"(?<![\w-])([A-Z][\w-]*)\s+Police\b")
_NO_FORCE = frozenset({"the", "state", "federal", "national", "municipal", "local", "chiapas", "mexican", "guatemalan"})


def _forces(text: str) -> set[str]:
    return {f for f in (fold(m.group(1)) for m in _FORCE.finditer(text)) if f not in _NO_FORCE and f not in STOP_WORDS}


def other_force(question: str, sentences: Sequence[str], figures: Sequence[str], setting: str = "") -> tuple[str, str] | None:
    """(the police force ``question`` asks a figure of, another force a figure-giving sentence (of ``figures``,
    those of ``sentences`` that give an exact figure) names) when the sentences and their ``setting`` never
    name the one asked: "How many officers does the Chiapas Road
    Police have?" is not answered by "the 135-member Border Police" (three writers asked it)."""
    asked = _forces(question)
    if not asked or asked & _forces(f"{' '.join(sentences)} {setting}"):
        return None
    for sentence in figures:
        other = sorted(_forces(sentence) - asked)
        if other:
            return f"{sorted(asked)[0].title()} Police", f"{other[0].title()} Police"
    return None
