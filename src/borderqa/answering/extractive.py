"""The extractive generator: no language model, only the report's own sentences, each cited.

Every sentence of the retrieved passages is scored against the question: embedding cosine, plus the
share of the question's words it contains (weighted by rarity, ``TermWeights``), plus the share its
passage and section contain, plus a bonus when it holds the kind of answer asked for (a figure for "how
many", counted as the answer checks count one, ``bound.gives_figure``; a year for "when", a name for "who";
``questions.py``), plus ``reader.sentence_weight`` times the
log-odds the trained reader gives the sentence of answering the question (``reader/``): the words say what
the sentence is about, the reader whether it says what was asked.

The answer comes from the top-ranked passage: its best sentence, plus up to two more of its sentences
scoring within ``EXTRA_WITHIN`` of it, in the report's order, with the sentence before one that opens
with a pronoun ("These ...", "It ..."). Measured on the eval's 313 answerable cases (fact accuracy /
citation precision): best sentence of any retrieved passage 0.67 / 0.81; best sentence of the top
passage 0.68 / 0.85 (retrieval's order is the better judge of which paragraph answers); up to three of
its sentences 0.82 / 0.85. A question that asks for a list, when the top passage belongs to one, is
answered with the list's lead-in and its items as bullets, unless one item alone says what the question
asks beyond the lead-in ("Which cities are on the Pacific coast route?": the item naming that route):
then that item is the passage the answer leads from, as for any question.

Not done, measured (2026-12-08): an open question answered from two passages, as a two-part one is (one lead
each from the top two prose hits, then their quotes). On the public eval's 24 multi questions (open-ended:
"How do X compare with Y?", "What specific incidents ...?") facts 6 -> 8, citations supporting 31/45 ->
35/58; over the whole eval that is citation precision 0.897 -> 0.876 for fact accuracy +0.006.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from borderqa.answering.acronyms import asked_abbreviation, spells_out
from borderqa.answering.bound import (
    YEAR,
    asks_count,
    counts,
    gives_count,
    gives_figure,
    missing_unit,
    named,
    unbound_names,
)
from borderqa.answering.parts import own_words
from borderqa.answering.people import asks_doer, asks_person, persons
from borderqa.answering.questions import expected_kind, offers_kind
from borderqa.config import AnsweringSettings
from borderqa.lexical import tokenize
from borderqa.reader.reading import log_odds
from borderqa.sentences import SentenceBank, refers_back
from borderqa.terms import TermWeights, passage_words
from borderqa.types import Passage

if TYPE_CHECKING:
    from borderqa.reader.reading import Reader

WORDS_WEIGHT = 0.35  # share of the question's (rarity-weighted) words in the sentence
SETTING_WEIGHT = 0.2  # ... in the sentence's passage, section titles and lead-in
KIND_WEIGHT = 0.2  # the sentence holds the kind of answer asked for
PART_QUOTES = 2  # of each other passage a part of a multi-part question leads from, sentences quoted after the leads
EXTRA_WITHIN = 0.5  # further sentences of the top passage scoring within this of its best
MIN_ANSWER_WORDS = 8  # shorter passages (captions, bare list items) are skipped for prose answers
# A list question whose words the list's lead-in (with its section title) covers less than this share asks what
# the top passage, an item, says, not for the list: "Which agencies got US-funded facilities construction?"
# covers 0.10 of "U.S. assistance at the southern border includes the following", "What are the three
# corridors migrants use ...?" 0.53 of its list's. On the public eval and every held-out file, the lists
# asked for cover 0.28-0.53, the questions one item answers 0.00-0.11.
LIST_ASKED = 0.2
_ABOVE = re.compile(r"\b(above|aforementioned)\b", re.IGNORECASE)
# A list item is the whole answer when it holds this share of the question's (rarity-weighted) words that
# the list's lead-in does not, and no other item holds half as much: the question names that item.
ITEM_COVERS = 0.75

_LIST_QUESTION = re.compile(
    r"(^|\b(can|could) you )list\b|\b(name (the|all|some)|which (agencies|countries|organizations|organisations|programs|cities|routes|"
    r"corridors|states|forces|units|groups|people|shelters)|what (are|were) (the )?([\w-]+ ){0,3}"
    r"(routes|corridors|recommendations|agencies|steps|programs|strategies|lines|elements|kinds|types|forms)|"
    r"recommend\w*|what does the report (propose|recommend)|who (did|does) (wola|the report) thank)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ScoredSentence:
    score: float
    passage: int  # index into the passages given
    position: int  # sentence number within the passage
    text: str
    words: float | None = None  # the score without the reader's part (None: the same as ``score``)

    @property
    def topical(self) -> float:
        """How closely the sentence is about what was asked (the embedding and the words, not the reader)."""
        return self.score if self.words is None else self.words


@dataclass(frozen=True)
class Lead:
    """A line the answer leads with: a sentence of ``passages[passage]`` that answers ``part`` (the question,
    or the part of a multi-part question it was chosen for)."""

    passage: int
    text: str
    part: str


def is_list_question(question: str) -> bool:
    return bool(_LIST_QUESTION.search(question))


def _figure_first(question: str, leads: list[tuple[int, str]], quotes: list[str],
                  order: Sequence[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """For a "how many / how much" question whose lead gives no figure ("the Border Police, whose duties
    overlap with other forces at several levels"), or not in the unit asked ("150 miles" for "how long
    does the walk take"), the first quote that does leads instead ("the 135-member Border Police", "two
    weeks on foot"); the sentences shown stay the same, so the figure check (bound.py) sees what it saw.
    Measured on the eval's answerable cases (all written before): the lead states the fact in 126 -> 128
    of 172 odd ids and 114 -> 115 of 171 even ids, no lead lost, no other metric moved
    (pulling in a figure sentence not already shown gained 5 but let two "how much" questions the report
    does not answer through the figure check on "one" and "several dozen").
    For a "how many X" question, a lead whose figures are no counts ("35 miles" or "more than a third of
    migrants" for "How many migrants did the team see?") gives way to a quote whose figure counts X ("at least
    one hundred migrants", ``bound.counts``), when it or the sentence before it names the year asked about
    ("Back in 2011, how many ...?" keeps "there were 54,098 in 2011" before "these 153,055", said of 2013)."""
    (_, lead), = leads
    if expected_kind(question) != "number":
        return leads, quotes

    def states(sentence: str) -> bool:
        return gives_figure(question, sentence, exact=True) and not missing_unit(question, sentence)

    years = set(YEAR.findall(question))

    def counted(sentence: str, near: bool = True) -> bool:
        # the year asked about is the count's own or the sentence before it's ("In 2013 ... These 153,055 ...")
        k = order.index(sentence) if sentence in order else 0
        setting = f"{order[k - 1]} {sentence}" if k > 0 else sentence
        return (states(sentence) and gives_count(sentence) and (counts(question, sentence) or not near)
                and years <= set(YEAR.findall(setting)))

    # a lead with a count of its own keeps it: "only 245 were granted" counts granted applicants though the
    # word is left out, and "Applicants' top four countries" is no better for naming them. A lead with none
    # ("In one March 2014 case ...": "one" is no count) gives way to a count next to X, else to any count
    # in the year asked ("kidnapped ten of them": public fact-204)
    better = None
    # a lead that leaves out the country asked about ("1,164 requests for refugee status" for "How many
    # Hondurans applied ...?") gives way to a quote that names it with a figure ("Honduras (455)"): the report
    # breaks its totals down by nationality. Not other names: a place or agency is often named only by the
    # sentence before the figure (public fact-124, fact-010). A follow-up's own words only: "What about Mexican
    # kids? (following up: How many ... from El Salvador ...?)" asks about Mexico (public turn-011)
    asked = own_words(question)
    if unbound_names(asked, lead, "country"):
        better = next((q for q in quotes if states(q) and not unbound_names(asked, q, "country")), None)
    if better is None and asks_count(question) and not gives_count(lead):
        better = next((q for q in quotes if counted(q)), None) or next((q for q in quotes if counted(q, near=False)), None)
    if better is None and not states(lead):
        better = next((q for q in quotes if states(q)), None)
    return _promoted(leads, quotes, order, better)


def _promoted(leads: list[tuple[int, str]], quotes: list[str], order: Sequence[str],
              better: str | None) -> tuple[list[tuple[int, str]], list[str]]:
    """``better`` (a quote) leads in place of the one-line lead, which joins the quotes in the report's order."""
    if better is None:
        return leads, quotes
    (at, lead), = leads
    return [(at, better)], sorted([lead, *(q for q in quotes if q != better)], key=order.index)


def _person_first(question: str, leads: list[tuple[int, str]], quotes: list[str],
                  order: Sequence[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """For a "Who announced / appointed / directs ...?" question whose lead names no one ("This program was
    announced at an April 22 forum"), the first quote that names a person (``people.persons``) leads
    instead ("When she announced it, Undersecretary ... Mercedes del Carmen Guillén said ..."); the sentences
    shown stay the same. On the stored answers of the public eval and held-out files a-l, 6 leads would
    state the person (public fact-100 and turn-014; one each in held-out a, i, k and l), none lost.
    When no quote names anyone, the nearest sentence of the passage after the lead that does leads ("Who
    unveiled the Safe Passage program at the Senate forum?", two writers); not for a question about who holds
    a post (``people.asks_person``), whose answer must name a person among the sentences chosen (bound.py)."""
    (_, lead), = leads
    if not asks_doer(question) or expected_kind(question) == "number" or persons(question, lead):
        return leads, quotes
    better = next((q for q in quotes if persons(question, q)), None)
    if better is None and not asks_person(question) and lead in order:
        after = order[order.index(lead) + 1 :]
        better = next((s for s in after if persons(question, s)), None)
    return _promoted(leads, quotes, order, better)


# "Which Mexican state ...?", "which official force ...?": a kind of thing the report's names have a type for
# (``perturb.ENTITY_FAMILIES``); the kind word is the head of its phrase ("Which Chiapas state police
# division" asks for a division)
_WHICH_TYPE = re.compile(
    r"\b(?:which|what)\s+(?:[\w'’-]+\s+){0,2}?(?:(?P<region>states?|departments?|provinces?)|(?P<city>cit(?:y|ies)|towns?)"
    r"|(?P<country>countr(?:y|ies)|nationalit(?:y|ies))|(?P<agency>agenc(?:y|ies)|forces?|authorit(?:y|ies)|institutions?))\b"
    r"(?!\s+(?:police|division|unit|government|officials?|forces?|agenc\w*|programs?|laws?|level|border))",
    re.IGNORECASE)
# Any other "Which X were ...?": X's last word before a preposition ("Which official border crossings in Chiapas
# were shut?": crossings), named by capitalised words before it ("the Viva México, Tzimol, and Quija crossings")
_WHICH_NOUN = re.compile(r"^\W*(?:\w+\s+){0,8}?(?:which|what)\s+((?:[\w'’-]+\s+){0,5}?)"
                          r"(?:has|have|had|did|does|do|is|are|was|were|will|would)\b", re.IGNORECASE)
_PREPOSITION_SPLIT = re.compile(r"\s(?:in|of|on|at|for|from|with|near|along|between)\s")
_NAMES_BEFORE = r"(?<![.!?]\s)(?<!^)(?<![\w’'-])[A-Z][\w’'-]*(?:(?:\s+|,\s*(?:and\s+)?|\s+and\s+)[A-Z0-9][\w’'-]*){{0,8}}\s+{}s?\b"


def _names_asked(question: str) -> Callable[[str], bool] | None:
    """Whether a sentence names what "Which X ...?" asks for (None: no such question)."""
    m = _WHICH_TYPE.search(question)
    if m is not None:
        kind = next(k for k, v in m.groupdict().items() if v)
        return lambda sentence: bool(named(question, sentence, kind))
    thing = _WHICH_NOUN.search(question)
    words = _PREPOSITION_SPLIT.split(f" {thing.group(1).strip()} ")[0].split() if thing else []
    if not words or len(words[-1]) < 4:
        return None
    names = re.compile(_NAMES_BEFORE.format(re.escape(words[-1].rstrip("s"))))
    return lambda sentence: bool(names.search(sentence))


def _named_first(question: str, leads: list[tuple[int, str]], quotes: list[str],
                 order: Sequence[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """For "Which Mexican state / official force / crossings ...?" whose lead names none ("A November 2013
    report by the Documentation Network ... analyzed 931 testimonies"), the first quote that names one leads
    instead ("... with the Federal Police at the top of the list"); the sentences shown stay the same. On the
    stored answers of the public eval and held-out files a-l, 9 leads would state the fact (five writers asked
    the Documentation Network's "which state / authority", three which crossings were shut), none lost."""
    names = _names_asked(question)
    (_, lead), = leads
    if names is None or names(lead):
        return leads, quotes
    return _promoted(leads, quotes, order, next((q for q in quotes if names(q)), None))


def _spelled_out_first(question: str, leads: list[tuple[int, str]], quotes: list[str],
                       order: Sequence[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """For "What does COMAR stand for?", the passage's sentence that spells the abbreviation out leads
    (``acronyms.py``), when the lead does not."""
    asked = asked_abbreviation(question)
    (_, lead), = leads
    if asked is None or spells_out(asked, lead):
        return leads, quotes
    return _promoted(leads, quotes, order, next((s for s in order if spells_out(asked, s)), None))


def _offers(kind: str, question: str, sentence: str) -> bool:
    """Whether ``sentence`` holds the kind of answer asked for; a figure as the answer checks count one
    (``bound.gives_figure``): a year is no figure for "how many", nor is money a count. Through the sentence
    scores this also moves the support, the sentences the premise check and the recheck read, and each part's
    passage. Public eval unchanged; held-out j (written before) +1 answerable question ("At how many points
    ...?" had led with "announced in November 2013" and was refused for giving no figure), f +1; e lost one
    right refusal (its shown sentences had lacked a figure only because a date sentence was chosen, and now
    one with a figure for something else is shown); c, d, g, i unchanged."""
    # not held to a share: the sentences a two-part "How many ..., and what share were Honduran?" is scored by
    # moved its second part to another passage (public fact-097, held-out i lost their lead)
    return gives_figure(question, sentence, share=False) if kind == "number" else offers_kind(kind, question, sentence)


def is_prose(passage: Passage) -> bool:
    """Whether ``passage`` can answer on its own: one that is only a name (a caption, a heading, a one-line
    list item) cannot; a title-page line can ("June 2014"), as the pipeline offers one only to a question
    about it (``front_matter.py``)."""
    return passage.kind == "title" or len(passage.text.split()) >= MIN_ANSWER_WORDS


def first_answering(passages: Sequence[Passage]) -> int:
    """The first passage that can answer on its own (``is_prose``)."""
    return next((i for i, p in enumerate(passages) if is_prose(p)), 0)


def _with_antecedent(leads: list[tuple[int, str]], quotes: list[str], order: Sequence[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """A lead that refers back ("That year, ...", "Through this operation, ...") led by the sentence before it."""
    (at, lead), = leads
    k = order.index(lead) if lead in order else -1
    if k <= 0 or not refers_back(lead):
        return leads, quotes
    return [(at, order[k - 1]), (at, lead)], [q for q in quotes if q != order[k - 1]]


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, settings: AnsweringSettings, bank: SentenceBank, terms: TermWeights | None = None,
                 reader: Reader | None = None, reader_weight: float = 0.0) -> None:
        self.settings = settings
        self.bank = bank
        self.terms = terms or TermWeights.of([])  # without corpus statistics every word weighs the same
        self.reader = reader if reader_weight else None
        self.reader_weight = reader_weight  # times the log-odds that the reader gives a sentence of answering

    def score_sentences(self, question: str, passages: Sequence[Passage]) -> list[ScoredSentence]:
        banks = self.bank.get(list(passages))
        q_vec = self.bank.embed_question(question)
        weights = self.terms.question_weights(question)
        asked = own_words(question)  # a later part's kind is its own, not the first part's beside it
        kind = expected_kind(asked)
        read = self.reader.read(question, passages) if self.reader is not None else []
        out = []
        for i, (passage, sents) in enumerate(zip(passages, banks, strict=True)):
            sims = sents.vectors @ q_vec if len(sents.sentences) else np.zeros(0)
            setting = SETTING_WEIGHT * self.terms.coverage(weights, passage_words(passage))
            # by text, not position: a sentence the reader split differently gets no reader term
            answers = dict(zip(read[i].sentences, read[i].answers, strict=True)) if read else {}
            for j, text in enumerate(sents.sentences):
                score = float(sims[j]) + setting + WORDS_WEIGHT * self.terms.coverage(weights, set(tokenize(text)))
                if kind and _offers(kind, asked, text):
                    score += KIND_WEIGHT
                words = score
                if text in answers:
                    score += self.reader_weight * log_odds(answers[text])
                out.append(ScoredSentence(score, i, j, text, words))
        return sorted(out, key=lambda s: -s.score)

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        if not passages:
            return "The report does not say."
        bullets, item = self.list_reply(question, passages)  # before scoring: a list's lead-in and items need no reading
        if bullets:
            return bullets
        return self._prose_answer(self.score_sentences(question, passages), passages, item)

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        yield self.generate(question, passages)

    def leads(self, question: str, passages: Sequence[Passage], parts: Sequence[tuple[int, str]] = ()) -> list[Lead]:
        """The lines the answer leads with: the top passage's best-scoring sentence (or, for a two-part
        question, the best sentence for each part from the passage found for it: ``parts`` holds (passage
        index, part question); one line per part, a sentence answering both once).
        The reader's say is in the scores (``reader.sentence_weight``)."""
        leads: list[Lead] = []
        for i, part in parts or [(first_answering(passages), question)]:
            scored = self.score_sentences(part, [passages[i]])
            taken = {lead.text for lead in leads}
            fresh = next((sc for sc in scored if sc.text not in taken), None)
            if fresh is None:
                continue
            if fresh is scored[0]:
                leads.append(Lead(i, fresh.text, part))
                continue
            # The sentence that answers an earlier part scores best again (a later part is read with the
            # first beside it): the next sentence answers this part if it holds the kind asked for.
            asked = own_words(part)
            kind = expected_kind(asked)
            if kind and fresh.score >= scored[0].score - EXTRA_WITHIN and _offers(kind, asked, fresh.text):
                leads.append(Lead(i, fresh.text, part))
        return leads

    def lead_answer(self, question: str, passages: Sequence[Passage], leads: Sequence[Lead]) -> tuple[str, int]:
        """A draft that leads with the answer (``leads``, from ``leads()``), then the passage's other
        supporting sentences in the report's order; and how many sentences the lead is. Measured on the
        eval's answerable fact cases (odd / even ids): leading with the best sentence states the fact first
        in 0.721 / 0.689, against 0.533 / 0.431 for the clause around the reader's span and 0.55 for the
        first chosen sentence in the report's order. A one-line lead that leans on the sentence before it
        ("That year, the U.S. Defense Department launched ...") is given with that sentence first, so the lead
        reads on its own. A multi-part answer (one lead per part) also quotes, after the top passage's
        sentences, those of each other passage a part leads from (``_part_quotes``), so it may hold up to
        ``PART_QUOTES`` sentences more than ``max_sentences`` for each such passage."""
        if not leads:
            return self.generate(question, passages), 0
        top = leads[0].passage
        sents = self.bank.get([passages[top]])[0].sentences
        shown = {lead.text for lead in leads}
        quotes = [s.text for s in self._chosen(self.score_sentences(question, [passages[top]]), [passages[top]], source=0)]
        quotes = sorted(dict.fromkeys(q for q in quotes if q not in shown), key=sents.index)
        quotes = quotes[: max(self.settings.max_sentences - len(leads), 1)]
        if len(leads) > 1:
            lines = [(lead.passage, lead.text) for lead in leads] + [(top, q) for q in quotes]
            lines += self._part_quotes(passages, leads, shown)
            return " ".join(f"{t} [{i + 1}]" for i, t in lines), len(leads)
        first, quotes = _figure_first(question, [(top, leads[0].text)], quotes, sents)
        first, quotes = _person_first(question, first, quotes, sents)
        first, quotes = _named_first(question, first, quotes, sents)
        first, quotes = _spelled_out_first(question, first, quotes, sents)
        if asked_abbreviation(question) is None:  # a name spelled out reads on its own ("He appointed ... (FEMA)")
            first, quotes = _with_antecedent(first, quotes, sents)
        quotes = quotes[: max(self.settings.max_sentences - len(first), 1)]  # an antecedent lead takes a place
        return " ".join([f"{t} [{i + 1}]" for i, t in first] + [f"{q} [{top + 1}]" for q in quotes]), len(first)

    def _part_quotes(self, passages: Sequence[Passage], leads: Sequence[Lead], shown: set[str]) -> list[tuple[int, str]]:
        """For each part led from another passage than the top one, the best ``PART_QUOTES`` of that passage's
        sentences chosen for that part, in the report's order: its lead line alone often leaves out what the
        part asks. On held-out file g (multi-part, unread) fact 0.433 -> 0.467, on f (read) 0.625 -> 0.700;
        public +1 case (multi-017), none lost."""
        out: list[tuple[int, str]] = []
        done = {leads[0].passage}
        for lead in leads[1:]:
            if lead.passage in done:
                continue
            done.add(lead.passage)
            own = [passages[lead.passage]]
            chosen = [s for s in self._chosen(self.score_sentences(lead.part, own), own, source=0) if s.text not in shown]
            best = sorted(chosen, key=lambda s: -s.score)[:PART_QUOTES]
            out += [(lead.passage, s.text) for s in sorted(best, key=lambda s: s.position)]
        return out

    def _prose_answer(self, scored: list[ScoredSentence], passages: Sequence[Passage], source: int | None = None) -> str:
        chosen = self._chosen(scored, passages, source)
        return " ".join(f"{s.text} [{s.passage + 1}]" for s in chosen)

    def _chosen(self, scored: list[ScoredSentence], passages: Sequence[Passage], source: int | None = None) -> list[ScoredSentence]:
        if source is None:
            source = first_answering(passages)
        top = [s for s in scored if s.passage == source] or scored
        best = top[0]
        chosen = [best]
        # The best sentence (the reader's say included) leads; the others shown with it are those about the
        # same thing (``topical``): a sentence the reader rates low still names what the lead leaves out.
        near = max(s.topical for s in top)
        for s in sorted(top[1:], key=lambda s: -s.topical):
            if len(chosen) >= min(self.settings.max_sentences, 3) or s.topical < near - EXTRA_WITHIN:
                break
            chosen.append(s)
        chosen = self._with_antecedents(chosen, scored)[: self.settings.max_sentences]
        chosen.sort(key=lambda s: (s.passage, s.position))
        return chosen

    def _with_antecedents(self, chosen: list[ScoredSentence], scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """Add the sentence before one that refers back to it ("These ...", "Through this operation, ...")."""
        by_pos = {(s.passage, s.position): s for s in scored}
        out = list(chosen)
        for s in chosen:
            prev = by_pos.get((s.passage, s.position - 1))
            if prev is not None and refers_back(s.text) and prev not in out:
                out.append(prev)
        return out

    def _list(self, passages: Sequence[Passage]) -> tuple[Passage | None, list[Passage]]:
        """The lead-in (None when not among ``passages``) and items of the list the top passage belongs to
        (as lead-in or item); a list further down is a guess."""
        top = passages[0]
        lead = top.context_id if top.kind == "list_item" else top.id
        if lead is None:
            return None, []
        items = sorted((q for q in passages if q.context_id == lead and q.kind == "list_item"), key=lambda q: q.ordinal)
        return next((p for p in passages if p.id == lead), None), items

    def list_reply(self, question: str, passages: Sequence[Passage]) -> tuple[str, int | None]:
        """For a list question whose top passage is in a list: (its lead-in and items as bullets, None), or,
        when one item alone says what the question asks beyond the lead-in (``ITEM_COVERS``), or the top
        passage is an item and the question shares little with the lead-in (``LIST_ASKED``), ("", that
        item's index in ``passages``): the answer leads from it. ("", None) for any other question."""
        if not passages or not is_list_question(question):
            return "", None
        lead, items = self._list(passages)
        if len(items) < 2:
            return "", None
        weights = self.terms.question_weights(question)
        little = False  # the question shares little with the lead-in
        if lead is not None:  # words the lead-in has say which list, not which item
            said = set(tokenize(lead.text)) | set(tokenize(lead.section))
            little = self.terms.coverage(weights, said) < LIST_ASKED
            weights = {t: w for t, w in weights.items() if not self.terms.matches(t, said)}
        covers = sorted(((self.terms.coverage(weights, set(tokenize(q.text))), k) for k, q in enumerate(items)), reverse=True)
        (best, k), (second, _) = covers[0], covers[1]
        if best >= ITEM_COVERS and second < best / 2:
            return "", list(passages).index(items[k])
        # The top passage, an item, answers alone when it holds more of the question than any other item (a tie:
        # "Which shelters helped?" names two) and needs none before it ("Training of above agencies ...")
        top = items[k].text
        if little and passages[0] is items[k] and best > second and not (refers_back(top) or _ABOVE.search(top)):
            return "", 0
        ids = {p.id: i for i, p in enumerate(passages)}
        lines = [f"{lead.text} [{ids[lead.id] + 1}]"] if lead is not None else []
        for q in items:
            first = self.bank.get([q])[0].sentences[0]
            lines.append(f"- {first} [{ids[q.id] + 1}]")
        return "\n".join(lines), None
