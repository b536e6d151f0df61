"""Questions written by rule from a passage's sentences: a fast, second question writer beside the local
model (which takes 10-30 s a passage on 2 busy cores), so every passage gets answerable questions.

Each clause of a sentence that states a figure, a share, an amount, a year or who did something gives
one question whose answer is that phrase, verbatim:

* "Over 80,000 migrants were deported in 2013." -> "How many migrants were deported in 2013?"
* "The INM deported 80,079 people in 2013."    -> "The INM deported how many people in 2013?"
* "... 93 percent of those detained ..."         -> "... what percent of those detained ...?"
* "In 2013, the INM deported ..."                -> "In what year did ... / In what year, the INM ...?"
* "The INM runs the Siglo XXI station."          -> "Who runs the Siglo XXI station?"

Echo questions ("... deported how many people ...?") are unnatural but honest: the answer is where the
question says. They teach the reader where answers sit; the model-written questions teach it how people
ask. The output is the model's line format (``Q: ... | A: ...``), so the same checks apply to both.
"""

from __future__ import annotations

import re

from borderqa.answering.compose import clause_with
from borderqa.sentences import split_sentences
from borderqa.types import Passage

MAX_PER_PASSAGE = 4
_NUM = r"(?:US\$|\$)?\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion|thousand))?"
_WORD_NUM = r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds|thousands|dozens)"
_COUNT = re.compile(
    rf"\b(?:(?i:about|around|over|nearly|almost|more than|at least|some|roughly|approximately|just over|fewer than|up to)\s)?"
    rf"(?:{_NUM}|{_WORD_NUM})(?:\s(?:to|or|and)\s{_NUM})?\s(?P<unit>(?:[a-z][a-z-]+\s){{0,1}}[a-z][a-z-]+)\b"
)
_PERCENT = re.compile(rf"\b(?:about |nearly |over |almost )?{_NUM}\s?(?:percent|%)")
_MONEY = re.compile(rf"(?:US\$|\$){_NUM}(?:\s(?:million|billion))?")
_YEAR = re.compile(r"\b(?P<prep>[Ii]n|[Ss]ince|[Bb]y|[Dd]uring|[Uu]ntil)\s(?P<when>(?:(?:January|February|March|April|May|June|July|"
                   r"August|September|October|November|December|early|mid-|late|the first half of|the second half of)\s?)?(?:19|20)\d\d)\b")
_SUBJECT = re.compile(r"^(?P<subj>(?:The\s)?(?:[A-Z][\w’'.-]*(?:\s(?:of|for|and|de|del|la|the)\s|\s)?){1,6}(?:\([A-Z]{2,8}\))?)\s"
                      r"(?P<verb>[a-z]+(?:ed|s)|has|have|had|is|was|are|were|runs|ran|built|sent|spent|paid|took|gave|began|became|made)\s(?P<rest>.+)$")
_NOT_UNITS = {"percent", "and", "or", "to", "of", "in", "the", "a", "an", "per", "from", "by", "at", "however", "on", "for",
              "with", "as", "that", "which", "who", "were", "was", "are", "is", "had", "have", "has", "more", "less"}
_MONTHS = re.compile(r"(January|February|March|April|May|June|July|August|September|October|November|December|mid-)\s?$")
_NOT_SUBJECTS = {"while", "although", "within", "as", "if", "when", "because", "since", "after", "before", "this", "it",
                 "these", "those", "there", "such", "most", "many", "some", "one", "eight", "local", "different", "other"}


def _ask(clause: str, phrase: str, wh: str) -> str:
    """The clause with ``phrase`` replaced by ``wh``, as a question."""
    q = clause.replace(phrase, wh, 1).rstrip(" .;:,")
    if q.lower().startswith(wh.lower()):
        q = wh[0].upper() + q[1:]
    return re.sub(r"\s+", " ", q) + "?"


def _units(match: re.Match[str]) -> str:
    """The counted thing ("people", "migrant children"): words up to the first function word."""
    words: list[str] = []
    for w in match.group("unit").split():
        if w in _NOT_UNITS:
            break
        words.append(w)
    return " ".join(words)


def sentence_questions(sentence: str) -> list[tuple[str, str]]:
    """(question, answer) pairs from one sentence; the answer is a substring of the sentence."""
    out: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return False
        taken.append(m.span())
        return True

    for m in _MONEY.finditer(sentence):
        if free(m):
            out.append((_ask(clause_with(sentence, m.group()), m.group(), "how much money"), m.group()))
    for m in _PERCENT.finditer(sentence):
        if free(m):
            out.append((_ask(clause_with(sentence, m.group()), m.group(), "what percent"), m.group()))
    for m in _COUNT.finditer(sentence):
        unit = _units(m)
        number = m.group()[: m.start("unit") - m.start()].strip()
        if not unit or re.fullmatch(r"(?:19|20)\d\d,?", number) or _MONTHS.search(sentence[: m.start()]) or not free(m):
            continue
        phrase = f"{number} {unit}"
        out.append((_ask(clause_with(sentence, phrase), phrase, f"how many {unit}"), number))
    for m in _YEAR.finditer(sentence):
        clause = clause_with(sentence, m.group())
        wh = {"in": "in what year", "since": "since when", "by": "by when", "during": "during what year", "until": "until when"}
        out.append((_ask(clause, m.group(), wh[m.group("prep").lower()]), m.group("when")))
    s = _SUBJECT.match(sentence)
    subj = s.group("subj").split() if s else []
    capitals = sum(1 for w in subj if w[0].isupper())
    if s and len(subj) <= 8 and capitals >= 2 and subj[0].lower() not in _NOT_SUBJECTS | {"in", "on", "at", "by"}:
        rest = clause_with(s.group("rest"), s.group("rest")[:20]).rstrip(" .")
        out.append((f"Who {s.group('verb')} {rest}?", s.group("subj").strip()))
    return list(dict.fromkeys(out))


class TemplateWriter:
    """A ``QuestionWriter`` (``generation.py``) that writes by rule: ``Q: ... | A: ...`` lines."""

    def write(self, passage: Passage) -> str:
        lines = []
        for sentence in split_sentences(passage.text):
            for question, answer in sentence_questions(sentence):
                if 4 <= len(question.split()) <= 40:
                    lines.append(f"Q: {question} | A: {answer}")
        # several sentences first, then more from each: spread over the passage
        return "\n".join(lines[:MAX_PER_PASSAGE])
