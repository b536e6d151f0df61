"""Minimal pairs the first data set lacked: the same passage, a question one word away from answerable.

The first reader learnt from ~300 answerable questions, and every "no" it saw was a passage that lacked
the question's words (a swapped name the passage never uses, a hard negative from elsewhere). People's
unanswerable questions are different: the passage names everything asked about, but not bound together
("What is Guatemala's homicide rate?" against a passage that gives Honduras's rate and mentions
Guatemala), and their false premises flip one claim of the sentence that answers ("Why is Siglo XXI one of
the smallest centres?" against "the largest such facility"). Word checks cannot see either; a reader can
learn to, given pairs that differ only there. From every passage:

* ``rule``: answerable questions from every sentence (``templates.sentence_questions``, no cap per
  passage), each with one BM25 and one dense hard negative;
* ``binding_swap``: a name of the question that the answering sentence holds becomes another name of the
  same type that the passage mentions elsewhere but never next to a figure (``none``): the words are all
  there, the fact is not;
* ``unit_swap``: "How many X" asks for a plural noun of the passage that no figure there counts;
* ``polar_swap``: a word of the question that the answering sentence also uses becomes its opposite
  ("increase" -> "decrease", "largest" -> "smallest"): ``contradicts`` for a question that presupposes
  ("Why/How did ..."), ``none`` otherwise;
* ``why_premise``: "Why <clause>?" made of a sentence's clause with one polar word flipped or one name
  swapped for one the passage does not use (``contradicts``, corrected by the sentence), and the same
  question unflipped (``answer``: its premise is the passage's own claim), so "why" alone teaches nothing;
* ``attribute``: every attribute question the passage's main subject lacks (``perturb.ATTRIBUTES``), not
  only the one the first builder picked.

The opposites are general English (``OPPOSITES``), not read off any question. Choices are made by a hash,
so a rebuild writes the same examples; every question passes the eval-overlap check like the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from borderqa.answering.compose import clause_with
from borderqa.lexical import STOP_WORDS, fold
from borderqa.reader.examples import ReaderExample
from borderqa.reader.generation import locate, sentence_range
from borderqa.reader.perturb import Perturber, _hash, _role, passage_folded, presupposes
from borderqa.reader.templates import sentence_questions
from borderqa.sentences import split_sentences
from borderqa.types import Passage

Search = Callable[[str, int], list[Passage]]
Example = Callable[..., ReaderExample]

_PAIRS = (
    ("increase", "decrease"), ("increased", "decreased"), ("increases", "decreases"), ("increasing", "decreasing"),
    ("rise", "fall"), ("rose", "fell"), ("rising", "falling"), ("risen", "fallen"), ("grew", "shrank"),
    ("grow", "shrink"), ("growing", "shrinking"), ("growth", "decline"), ("more", "fewer"), ("higher", "lower"),
    ("highest", "lowest"), ("largest", "smallest"), ("biggest", "smallest"), ("larger", "smaller"),
    ("most", "least"), ("greater", "smaller"), ("open", "close"), ("opened", "closed"), ("opening", "closure"),
    ("complete", "unfinished"), ("completed", "abandoned"), ("approved", "rejected"), ("accepted", "refused"),
    ("legal", "illegal"), ("success", "failure"), ("succeeded", "failed"), ("before", "after"),
    ("northern", "southern"), ("north", "south"), ("first", "last"), ("strong", "weak"), ("stronger", "weaker"),
    ("cheap", "expensive"), ("safe", "dangerous"), ("safest", "most dangerous"), ("easy", "difficult"),
    ("easier", "harder"), ("many", "few"), ("public", "private"), ("federal", "state"), ("civilian", "military"),
    ("began", "ended"), ("start", "end"), ("started", "stopped"), ("added", "removed"), ("allowed", "banned"),
    ("rural", "urban"), ("rich", "poor"), ("wealthy", "poor"), ("doubled", "halved"), ("expanded", "reduced"),
    ("jump", "drop"), ("jumped", "dropped"), ("gained", "lost"), ("won", "lost"), ("above", "below"),
    ("over", "under"), ("inside", "outside"), ("always", "never"), ("worst", "best"),
    ("worse", "better"), ("new", "old"), ("long", "short"), ("tripled", "fell by two thirds"),
    ("official", "unofficial"), ("formal", "informal"), ("documented", "undocumented"), ("lowest", "highest"),
)
OPPOSITES: dict[str, str] = {**{a: b for a, b in _PAIRS}, **{b: a for a, b in _PAIRS if " " not in b}}
_POLAR_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, OPPOSITES), key=len, reverse=True)) + r")\b", re.IGNORECASE)
WHY_PER_PASSAGE = 3
NUMBER_RE = re.compile(r"\d")


def _cased(new: str, old: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def polar_swap(question: str, sentence: str) -> str | None:
    """``question`` with its first polar word that ``sentence`` also uses turned into its opposite."""
    said = fold(sentence)
    for m in _POLAR_RE.finditer(question):
        word = m.group().lower()
        if re.search(rf"\b{re.escape(word)}\b", said) and word in OPPOSITES:
            return question[: m.start()] + _cased(OPPOSITES[word], m.group()) + question[m.end() :]
    return None


def _replace(question: str, start: int, end: int, new: str) -> str:
    old = question[start:end]
    if old.lower().startswith("the ") and not new.startswith("the "):
        new = old[:4] + new
    elif not old.lower().startswith("the ") and new.startswith("the "):
        new = new[4:]
    return question[:start] + _cased(new, old) + question[end:]


def binding_swap(perturber: Perturber, question: str, passage: Passage, sentence: str) -> str | None:
    """A name of ``question`` that ``sentence`` holds, swapped for another of its type that the passage
    names only in sentences without a figure (so the passage cannot state the same fact for it)."""
    text = passage_folded(passage)
    said = fold(sentence)
    numbered = [fold(s) for s in split_sentences(passage.text) if NUMBER_RE.search(s)]
    for start, end, fam in perturber.names_in(question):
        if not fam.present(said) or question[end : end + 1] == "$":
            continue
        options = [
            f for f in perturber.families
            if f.type == fam.type and f is not fam and f.present(text) and not f.present(said)
            and not f.present(fold(question)) and not any(f.present(s) for s in numbered)
        ]
        if options:
            new = options[_hash(question + fam.forms[0]) % len(options)]
            role = _role(fam, question[start:end])
            return _replace(question, start, end, new.forms[role] if len(new.forms) > role else new.forms[0])
    return None


_AUX = re.compile(r"^(?P<subj>[^,;:]{3,80}?)\s(?P<aux>is|are|was|were|has|have|had|will|would|can|could|should|must)\s(?P<rest>.+)$")
_SUBORDINATE = re.compile(r"\b(that|which|who|when|where|if|although|though|despite|while|because|as)\b", re.IGNORECASE)


_HOW_MANY = re.compile(r"\b([Hh]ow many) ((?:[a-z-]+ ){0,2}?[a-z-]{4,}s)\b")
_PLURAL = re.compile(r"(?<![\d,.%] )(?<!\d )\b([a-z-]{5,}s)\b")


def unit_swap(question: str, passage: Passage) -> str | None:
    """"How many X" with X replaced by another plural noun of the passage that no figure counts there
    ("How many troops ..." against a passage counting municipalities): the words are there, the count not."""
    m = _HOW_MANY.search(question)
    if not m:
        return None
    counted = {w.lower() for w in re.findall(r"\d[\d,.]*\s+(?:[a-z-]+\s)?([a-z-]+)", passage.text)}
    asked = set(m.group(2).lower().split())
    options = sorted({w for w in _PLURAL.findall(passage.text) if w not in counted and w not in asked
                      and w not in STOP_WORDS and not w.endswith("ss")})
    if not options:
        return None
    new: str = options[_hash(question) % len(options)]
    return question[: m.start(2)] + new + question[m.end(2) :]


def _why(clause: str) -> str:
    """"Why <clause>?", the auxiliary moved first when there is one ("Why is the cost ...?")."""
    body = clause.rstrip(" .;:,")
    first = body.split(" ", 1)[0]
    if first.lower() in STOP_WORDS or first.lower() in ("despite", "although", "though", "nationwide", "today"):
        body = first.lower() + body[len(first) :]
    m = _AUX.match(body)
    if (m and len(m.group("subj").split()) <= 8 and not _SUBORDINATE.search(m.group("subj"))
            and (m.group("aux") not in ("has", "have", "had") or re.match(r"(been|\w+(ed|en))\b", m.group("rest")))):
        return f"Why {m.group('aux')} {m.group('subj')} {m.group('rest')}?"
    return f"Why {body}?"


def why_premises(perturber: Perturber, passage: Passage) -> Iterator[tuple[str, str, str]]:
    """(label, question, correcting sentence): "Why <clause>?" flipped (contradicts) and as stated (answer)."""
    text = passage_folded(passage)
    made = 0
    for sentence in split_sentences(passage.text):
        if made >= WHY_PER_PASSAGE or len(sentence.split()) < 8:
            continue
        m = _POLAR_RE.search(sentence)
        flipped = None
        clause = sentence
        if m and m.group().lower() in OPPOSITES:
            clause = clause_with(sentence, m.group())
            flipped = polar_swap(clause, sentence)
        else:
            names = perturber.names_in(sentence)
            for start, end, fam in names:
                options = [f for f in perturber.families if f.type == fam.type and f is not fam and not f.present(text)]
                if options:
                    clause = clause_with(sentence, sentence[start:end])
                    at = clause.find(sentence[start:end])
                    if at >= 0:
                        new = options[_hash(sentence) % len(options)].forms[0]
                        flipped = _replace(clause, at, at + end - start, new)
                    break
        if not flipped or len(clause.split()) > 30:
            continue
        made += 1
        yield "contradicts", _why(flipped), sentence
        # the same question as the passage states it is answered (its premise holds), so that the label
        # rests on the flipped word and never on "Why" alone (a first reader learnt exactly that)
        yield "answer", _why(clause), clause


def augmented(
    passages: Sequence[Passage],
    positives: Iterable[ReaderExample],
    make: Example,
    perturber: Perturber,
    negatives: Callable[[str, str, Passage], list[tuple[str, Passage]]] | None = None,
) -> Iterator[ReaderExample]:
    """The module's examples for ``passages``; ``positives`` are the answerable examples already made
    (their binding and polar variants are added); ``negatives(question, answer, passage)`` gives
    (kind, passage) hard negatives for the rule questions."""
    by_id = {p.id: p for p in passages}
    seen = set()
    for ex in positives:
        seen.add(fold(ex.question))
        passage = by_id.get(ex.passage_id)
        if passage is None or ex.answer_start < 0:
            continue
        lo, hi = sentence_range(passage.text, ex.answer_start, ex.answer_start + len(ex.answer))
        yield from _variants(ex.id, ex.question, passage, passage.text[lo:hi], make, perturber)
    for passage in passages:
        n = 0
        for sentence in split_sentences(passage.text):
            for question, answer in sentence_questions(sentence):
                if fold(question) in seen or not 4 <= len(question.split()) <= 40:
                    continue
                where = locate(answer, passage.text)
                if where is None:
                    continue
                seen.add(fold(question))
                n += 1
                qid = f"{passage.id}:r{n}"
                yield make(qid, question, passage, "answer", "rule", qid, passage.text[where[0] : where[1]], where[0])
                yield from _variants(qid, question, passage, sentence, make, perturber)
                for kind, v in perturber.variants(question, answer, passage):
                    yield make(f"{qid}:{kind}", v, passage, "none", kind, qid)
                for r, (side, neg) in enumerate(negatives(question, answer, passage) if negatives else [], 1):
                    yield make(f"{qid}:{side}{r}", question, neg, "none", f"hard_negative_{side}", qid)
        for k, question in enumerate(perturber.attributes(passage), 1):
            if fold(question) not in seen:
                seen.add(fold(question))
                yield make(f"{passage.id}:attribute{k}", question, passage, "none", "attribute", f"{passage.id}:attribute{k}")
        for k, (label, question, said) in enumerate(why_premises(perturber, passage), 1):
            if fold(question) in seen:
                continue
            seen.add(fold(question))
            where = locate(said, passage.text)
            if where is None:
                continue
            qid = f"{passage.id}:why{k}"
            yield make(qid, question, passage, label, "why_premise", qid, passage.text[where[0] : where[1]], where[0])


def _variants(qid: str, question: str, passage: Passage, sentence: str, make: Example, perturber: Perturber) -> Iterator[ReaderExample]:
    bound = binding_swap(perturber, question, passage, sentence)
    if bound and fold(bound) != fold(question):
        yield make(f"{qid}:binding", bound, passage, "none", "binding_swap", qid)
    counted = unit_swap(question, passage)
    if counted and fold(counted) != fold(question):
        yield make(f"{qid}:unit", counted, passage, "none", "unit_swap", qid)
    flipped = polar_swap(question, sentence)
    if flipped and fold(flipped) != fold(question):
        if presupposes(flipped):
            yield make(f"{qid}:polar", flipped, passage, "contradicts", "polar_swap", qid, sentence, passage.text.find(sentence))
        else:
            yield make(f"{qid}:polar", flipped, passage, "none", "polar_swap", qid)
