"""A question whose premise the closest passage states the other way round ("Why did deportations fall
in 2013?" against "deportations jumped 9 percent"): the answer corrects the premise instead of quoting.

The trained reader could not learn this from the pairs made for it (its P(contradicts) stayed the same
for a flipped and an unflipped "Why ...?"), so it is checked here by words: a question that presupposes
(``perturb.presupposes``: "Why ...", "How did ...", "Since ...") asserts a direction or an extreme
(``SCALES``: up / down, most / least, open / closed ...), and a sentence of the top passage that is
about the same thing (``MIN_COVERAGE`` of the question's rarity-weighted words) asserts the opposite
end of that scale and not the question's own. The scales are general English, not any question's words.
Such a sentence that gives the word the question qualifies by one country to another ("Why ... on the
Mexican side?" against "on the southern (Guatemalan) side", ``bound.clashing_name``), or the most of a group
("Why were Nicaraguans the bulk of arrivals?" against "90 percent ... had come from Honduras",
``bound.majority_name``), corrects it too; so does one that says there is none of what "Which X has ...?"
takes to exist (``denied``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from borderqa.answering.bound import clashing_name, majority_name, no_counts
from borderqa.lexical import STOP_WORDS, fold, tokenize
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
    "danger": (_ends_of("safest safer calm calmer calmest tranquil peaceful"),
               _ends_of("dangerous deadliest violent deadly riskiest")),
    "state": (_ends_of("complete completed finished"),
              _ends_of("unfinished incomplete uncompleted unbuilt")),
    "access": (_ends_of("open opened opening reopened"), _ends_of("closed closing closure closures shut")),
    # "How did the INM's removal from the National Security Council change ...?" against "the INM's 2005 incorporation"
    "membership": (_ends_of("incorporation incorporated inclusion joined"), _ends_of("removal removed exclusion excluded expelled")),
    # "Why are the cargo trains so heavily policed?" against "policed very lightly" (adverbs only: "loosely tied
    # networks" is no answer to "Why do the maras control towns so tightly?")
    "intensity": (_ends_of("heavily tightly strictly intensely intensively"), _ends_of("lightly laxly barely")),
    # "Why are officials so eager to ...?" against "reluctant to"; not "rarely", which qualifies another verb as
    # often as not ("eager to keep records" against "rarely seek to impede them")
    "willingness": (_ends_of("eager eagerly keen willing willingly"), _ends_of("reluctant reluctantly unwilling")),
}
# Read only in a comparison ("higher than", "below the national average"): as loose words "above" is the
# report's "discussed above"
_LEVEL = (_ends_of("above higher"), _ends_of("below lower"))
MIN_COVERAGE = 0.3  # of the question's rarity-weighted words in the correcting sentence
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Conflict:
    sentence: str  # the passage's sentence that states the other end
    asked: str  # the question's word
    stated: str  # the sentence's word


# A low or high rate of crime is an end of the danger scale: "Tabasco had the 6th lowest homicide rate"
# says Tabasco is safe, against "What makes Tabasco the deadliest ...?"
_CRIME_LEVEL = re.compile(r"\b(lowest|lower|low|highest|higher|high)\s+(?:\w+\s+){0,2}?(?:levels? of\s+)?"
                          r"(?:homicides?|murders?|violent crime|crime|violence|killings)\b")


# "far more tranquil than its U.S. borderlands, which ... violent crime": a comparison is what the sentence
# claims, not the other words of the scale around it ("less violent than" is the calm end); what it is
# compared with follows ("than its U.S. borderlands", "below the national average")
_COMPARED = re.compile(r"\b(?:(more|less)\s+([a-z]+)\s+than|([a-z]+er)\s+than|(above|below)(?=\s+(?:the|its|their)\b))"
                       r"((?:\s+[\w.'’-]+){1,6})")
Ends = dict[str, tuple[set[str], set[str]]]


def _compared(text: str) -> tuple[Ends, set[str], set[str]]:
    """The ends of each scale the comparisons of ``text`` claim, and the stems of what is compared (the words
    before the first comparison) and of what it is compared with."""
    ends: Ends = {name: (set(), set()) for name in (*SCALES, "level")}
    against: set[str] = set()
    first = len(text)
    for m in _COMPARED.finditer(text):
        degree, adjective, comparative, position, rest = m.groups()
        word = adjective or comparative or position
        for name, scale in (*SCALES.items(), ("level", _LEVEL)):
            side = next((k for k, end in enumerate(scale) if word in end), None)
            if side is not None:
                ends[name][side if degree != "less" else 1 - side].add(f"{degree or ''} {word}".strip())
                against |= _stems(rest)
                first = min(first, m.start())
    return ends, _stems(text[:first]), against


def _ends(text: str) -> Ends:
    words = set(_WORD.findall(text))
    ends = {name: (words & a, words & b) for name, (a, b) in SCALES.items()}
    ends["level"] = (set(), set())
    for level in _CRIME_LEVEL.findall(text):
        ends["danger"][0 if level.startswith("low") else 1].add(f"{level} crime")
    return ends


def _question_claims(question: str) -> tuple[Ends, tuple[set[str], set[str]] | None]:
    """The scale ends ``question`` claims, and for a comparison the stems of what it compares and of what with
    (None: it claims by loose words)."""
    asked, subject, against = _compared(question)
    if any(up or down for up, down in asked.values()):
        return asked, (subject, against)
    return _ends(question), None


def _stated(compared: tuple[set[str], set[str]] | None, sentence: str) -> Ends:
    """The scale ends ``sentence`` claims against a question: for a question that compares, the sentence's
    comparisons of the same things ("Mexico's southern border" ... "than its northern border" / "than its U.S.
    borderlands"), not its loose words ("violent competition"); otherwise its words."""
    if compared is None:
        return _ends(sentence)
    stated, subject, against = _compared(sentence)
    return stated if subject & compared[0] and against & compared[1] else {name: (set(), set()) for name in stated}


# "Which new investments has the plan funded?" takes it for granted that there are some: X is the words
# between "which / what" and the verb. A question that itself negates ("Which country has no ...?") does not.
_WHICH_THING = re.compile(r"^\s*(?:which|what)\s+((?:[\w'’-]+\s+){1,6}?)(?:has|have|had|did|does|do|is|are|was|were|will|would)\b",
                          re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:no|not|never|none|without|nor)\b|n[’']t\b", re.IGNORECASE)
# "has not guided any new investment", "found no ties between international terrorist groups", "none of"
_NONE_OF = re.compile(r"\b(?:no|none of|never|not (?:\w+ ){0,2}?any)\b((?:\s+[\w'’-]+){1,6})", re.IGNORECASE)
_STEM = 5  # "investments" / "investment": words match on their first letters


def _stems(text: str) -> set[str]:
    return {w[:_STEM] for w in _WORD.findall(fold(text)) if len(w) >= 4 and w not in STOP_WORDS}


def denied(question: str, sentence: str) -> str:
    """What ``sentence`` says there is none of, of the things "Which X has ...?" takes to exist ("" when none)."""
    m = _WHICH_THING.search(question)
    if not m or _NEGATED.search(question):
        return ""
    things = _stems(m.group(1))
    for none in _NONE_OF.finditer(sentence):
        if _stems(none.group(1)) & things:
            return none.group(0).strip()
    return ""


# "How did the Border Police grow to several thousand officers?" against "the 135-member Border Police": a size
# the question takes for granted, and a sentence whose every count is far under it (a year, a share or money
# is no count)
_SIZE = re.compile(r"\b(?:(?:several|many|tens of) )?(dozens|hundreds|thousands?|millions?)\b", re.IGNORECASE)
_FLOOR = {"dozens": 24, "hundreds": 200, "thousand": 1000, "thousands": 2000, "million": 10**6, "millions": 2 * 10**6}
_COUNT = re.compile(r"(?<![\d.,$\w])(\d{1,3}(?:,\d{3})++|\d++)(?![\d.,])")


def smaller(question: str, sentence: str) -> tuple[str, str] | None:
    """(the size the question assumes, the largest count ``sentence`` gives) when every count is under it."""
    asked = list(_SIZE.finditer(question))
    if not asked or "$" in sentence:
        return None
    sizes = [m.group(1).lower() for m in asked]
    floor = max(_FLOOR[size] for size in sizes)
    if any(_FLOOR[m.group(1).lower()] >= floor for m in _SIZE.finditer(sentence)):
        return None
    # a share, distance, duration, money or date is no count ("35 miles", "2013")
    counts = [int(n.replace(",", "")) for n in _COUNT.findall(no_counts(sentence)) if n.replace(",", "").isdigit()]
    if counts and max(counts) < floor / 4:
        return asked[0].group(0), f"{max(counts):,}"
    return None


_NEAR = 3  # words between a count and a word of the question it is said of ("the 135-member Border Police")


def _said_of(question: str, sentence: str, count: str) -> bool:
    """Whether a word of ``question`` (stop words aside) stands within ``_NEAR`` words after or before ``count``."""
    words = [w for w in re.findall(r"[\w,]+", fold(sentence)) if w not in STOP_WORDS]
    asked = _stems(question)
    at = [k for k, w in enumerate(words) if w.replace(",", "") == count.replace(",", "")]
    return any(words[j][:_STEM] in asked for k in at for j in range(max(k - _NEAR, 0), min(k + _NEAR + 1, len(words))))


# "Why were municipal police the officials most often accused?" against "the Federal Police at the top of the
# list (35 percent), followed by municipal police forces (31 percent)": what the question puts first comes second
_FIRST = re.compile(r"\b(?:most|top|largest|biggest|first|leading|greatest|highest)\b", re.IGNORECASE)
_FOLLOWED = re.compile(r"^(.*?)\bfollowed by\b([^.;]*)", re.IGNORECASE)


def ranked_below(question: str, sentence: str) -> tuple[str, str] | None:
    """(the question's word for first, "followed by ...") when the sentence ranks second what the question puts first."""
    first, ranked = _FIRST.search(question), _FOLLOWED.search(sentence)
    if first is None or ranked is None:
        return None
    if (_stems(ranked.group(2)) & _stems(question)) - _stems(ranked.group(1)):
        return first.group(0), f"followed by{ranked.group(2)}".strip()
    return None


def _reversed(asked: Ends, stated: Ends) -> tuple[str, str] | None:
    """(the question's end of a scale, the sentence's other end) when the sentence states only the other end;
    a question that holds both ends of a scale ("dangerous despite its low homicide rate") is not read on it."""
    for name, (q_up, q_down) in asked.items():
        s_up, s_down = stated[name]
        if q_up and q_down:
            continue
        if q_down and s_up and not s_down:
            return sorted(q_down)[0], sorted(s_up)[0]
        if q_up and s_down and not s_up:
            return sorted(q_up)[0], sorted(s_down)[0]
    return None


def _weakly_tied(question: str, sentence: str) -> tuple[str, str] | None:
    """The corrections that tie a sentence to the question on their own: a count said of its subject ("the
    135-member Border Police"), or its words ranked second."""
    size = smaller(question, sentence)
    return (size if size and _said_of(question, sentence, size[1]) else None) or ranked_below(question, sentence)


def conflict(query: Query, sentences: Sequence[str], terms: TermWeights) -> Conflict | None:
    """The first sentence (best first) that states the opposite of what the question presupposes, or that
    there is none of what a "Which X ...?" question takes to exist."""
    which = _WHICH_THING.search(query.text)
    thing = which.group(1).strip() if which else ""
    assumes = presupposes(query.text)
    if not assumes and not thing:
        return None
    asked, compared = _question_claims(fold(query.text))  # once: every sentence is held against the same claim
    for sentence in sentences:
        coverage = terms.coverage(query.weights, set(tokenize(sentence)))
        if coverage < MIN_COVERAGE:
            # about the same thing, though the sentence holds few of the question's words ("grow", "several thousand")
            tied = _weakly_tied(query.text, sentence) if assumes and coverage >= MIN_COVERAGE / 2 else None
            if tied:
                return Conflict(sentence, *tied)
            continue
        none = denied(query.text, sentence) if thing else ""
        if none:
            return Conflict(sentence, thing, none)
        clash = (clashing_name(query.text, sentence) or majority_name(query.text, sentence) or smaller(query.text, sentence)
                 or ranked_below(query.text, sentence) or _reversed(asked, _stated(compared, fold(sentence)))) if assumes else None
        if clash:
            return Conflict(sentence, *clash)
    return None
