"""A question whose premise the closest passage states the other way round ("Why did deportations fall
in 2013?" against "deportations jumped 9 percent"): the answer corrects the premise instead of quoting.

The trained reader could not learn this from the pairs made for it (its P(contradicts) stayed the same
for a flipped and an unflipped "Why ...?"), so it is checked here by words: a question that presupposes
(``perturb.presupposes``: "Why ...", "How did ...", "Since ...") asserts a direction or an extreme
(``SCALES``: up / down, most / least, open / closed ...), and a sentence of the top passage that is
about the same thing (``MIN_COVERAGE`` of the question's rarity-weighted words) asserts the opposite
end of that scale and not the question's own. The scales are general English, not any question's words.
Such a sentence that gives the word the question qualifies by one country to another ("Why ... on the
Mexican side?" against "on the southern (Guatemalan) side", ``bound.clashing_name``) corrects it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from borderqa.answering.bound import clashing_name
from borderqa.lexical import fold, tokenize
from borderqa.query import Query
from borderqa.reader.perturb import presupposes
from borderqa.terms import TermWeights


def _ends_of(words: str) -> frozenset[str]:
    return frozenset(words.split())


# scale -> (one end, the other end); a word belongs to one end of one scale.
SCALES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "change": (
        _ends_of("increase increased increases increasing rise rose risen rising grow grew grown growing growth jump jumped "
                  "surge surged double doubled triple tripled quadrupled climb climbed soar soared expand expanded"),
        _ends_of("decrease decreased decreases decreasing fall fell fallen falling drop dropped dropping decline declined "
                  "declining shrink shrank shrunk halve halved plunge plunged fewer"),
    ),
    "size": (_ends_of("largest biggest greatest highest"), _ends_of("smallest fewest lowest")),
    "danger": (_ends_of("safest safer calm calmest tranquil peaceful"),
               _ends_of("dangerous deadliest violent deadly riskiest")),
    "state": (_ends_of("complete completed finished"),
              _ends_of("unfinished incomplete uncompleted unbuilt")),
    "access": (_ends_of("open opened opening reopened"), _ends_of("closed closing closure closures shut")),
}
MIN_COVERAGE = 0.3  # of the question's rarity-weighted words in the correcting sentence
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Conflict:
    sentence: str  # the passage's sentence that states the other end
    asked: str  # the question's word
    stated: str  # the sentence's word


def _ends(words: set[str]) -> dict[str, tuple[set[str], set[str]]]:
    return {name: (words & a, words & b) for name, (a, b) in SCALES.items()}


def conflict(query: Query, sentences: Sequence[str], terms: TermWeights) -> Conflict | None:
    """The first sentence (best first) that states the opposite of what the question presupposes."""
    if not presupposes(query.text):
        return None
    asked = _ends(set(_WORD.findall(fold(query.text))))
    for sentence in sentences:
        if terms.coverage(query.weights, set(tokenize(sentence))) < MIN_COVERAGE:
            continue
        clash = clashing_name(query.text, sentence)
        if clash:
            return Conflict(sentence, *clash)
        stated = _ends(set(_WORD.findall(fold(sentence))))
        for name, (q_up, q_down) in asked.items():
            s_up, s_down = stated[name]
            if q_down and s_up and not s_down:
                return Conflict(sentence, sorted(q_down)[0], sorted(s_up)[0])
            if q_up and s_down and not s_up:
                return Conflict(sentence, sorted(q_up)[0], sorted(s_down)[0])
    return None
