"""One question to one verified ``Answer``: resolve follow-ups, retrieve, decide scope, generate, verify.

Scope (scope.py): a question is answered only when it asks about nothing the report cannot cover (later
years, names it never uses, a figure its closest passage does not give) and the retrieved passages hold a
sentence that matches it well enough. Otherwise the answer says "The report does not say", why, and
points to the closest sections, with their citations. When retrieval scores its top two passages close, the
local model says which answers (recheck.py), and that one leads; so too when the question is refused only
because the top passage lacks a year or figure it writes and the second holds them. A language model's draft is verified sentence by
sentence (citations.py); when nothing in it survives, the extractive answer replaces it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from borderqa.answering.acronyms import defined_first
from borderqa.answering.assumption import PremiseJudge
from borderqa.answering.base import REPORT_DATE, Generator, QuestionRewriter
from borderqa.answering.bound import costs_nothing, unanswered
from borderqa.answering.extractive import ExtractiveGenerator, first_answering, is_list_question, is_prose
from borderqa.answering.front_matter import answering_hits, as_the_report, published_first
from borderqa.answering.overview import asked_lines, asked_overview, overview_lines, overview_section
from borderqa.answering.parts import leans_back, question_parts
from borderqa.answering.places import places_in
from borderqa.answering.recheck import recheck, undecided
from borderqa.answering.scope import MISSING_FIGURES, ScopeChecker, missing_numbers
from borderqa.answering.titled import titled_first
from borderqa.citations import Verifier, parse_draft, premise_flag, render, renumber
from borderqa.config import AnsweringSettings, ReaderSettings
from borderqa.conversation import is_followup, standalone_question
from borderqa.errors import GeneratorError
from borderqa.lexical import STOP_WORDS, content_words, tokenize
from borderqa.query import Query
from borderqa.reader.perturb import presupposes
from borderqa.reader.reading import Reader, Reading
from borderqa.retrieval import Retriever
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Answer, Citation, Hit, Passage, Sentence, Turn, neighbours

RECHECK_SENTENCES = 2
PREMISE_LEAD = "The report does not support the question's premise."
PREMISE_DOUBTED = "its closest sentences, quoted below, do not bear out what the question assumes"
_OPENING_LOWER = {"the", "a", "an", "in", "on", "at", "since", "between", "during", "most", "many", "some", "this", "these", "there", "it", "of", "as", "for", "while", "although"}


@dataclass
class _Prepared:
    question: str
    standalone: str
    hits: list[Hit]
    passages: list[Passage]
    answerable: bool
    support: float
    reason: str
    timings: dict[str, float] = field(default_factory=dict)
    readings: list[Reading] = field(default_factory=list)  # reader's view of the top hits, best first
    premise: Reading | None = None  # the passage contradicting the question's premise, if any
    part_readings: list[Reading] = field(default_factory=list)  # best reading per part of a multi-part question
    part_passages: list[Passage] = field(default_factory=list)  # each part's own closest passage (multi-part)
    query: Query | None = None
    lead_lines: int = 1  # sentences the draft leads with: one per part of a two-part question, or a lead and the one it leans on

    @property
    def confidence(self) -> float | None:
        """The probability the decision rests on: the best reading's, over the question and its parts."""
        found = [r.answer for r in self.readings + self.part_readings]
        return max(found) if found else None


def frame_in_time(text: str) -> str:
    """'As of the report (June 2014), ...' in front of an answer to a question about the present."""
    first, _, rest = text.partition(" ")
    if first.lower() in _OPENING_LOWER or first.lower() in STOP_WORDS:
        first = first.lower()
    return f"As of the report ({REPORT_DATE}), {first} {rest}".strip()


_NEGATION = re.compile(r"\b(not|no|never|neither|nor|none|only)\b|n't\b", re.IGNORECASE)


def restates(sentence: str, question: str) -> bool:
    """Whether a 'correction' only repeats the question's own words with the same polarity (a small model
    flags the premise, then asserts it: "Mexico approves most asylum requests")."""
    words = content_words(sentence)
    asked = set(tokenize(question))
    return bool(words) and words <= asked and bool(_NEGATION.search(sentence)) == bool(_NEGATION.search(question))


def _without_repeats(verified: list[tuple[Sentence, list[tuple[int, str]]]]) -> list[tuple[Sentence, list[tuple[int, str]]]]:
    """A small model sometimes writes the same sentence again and again: keep the first."""
    seen: set[str] = set()
    out = []
    for v in verified:
        key = " ".join(tokenize(v[0].text))
        if key and key in seen:
            continue
        seen.add(key)
        out.append(v)
    return out


class AnswerPipeline:
    def __init__(
        self,
        retriever: Retriever,
        bank: SentenceBank,
        generator: Generator,
        settings: AnsweringSettings,
        terms: TermWeights | None = None,
        reader: Reader | None = None,
        reader_settings: ReaderSettings | None = None,
        premise_judge: PremiseJudge | None = None,
        document_names: Mapping[str, str] | None = None,
        publishers: Mapping[str, str] | None = None,
        report: str = "",
    ) -> None:
        self.reader = reader
        # questions about a document itself (front_matter.py): its title page, and what names it
        self.title_lines = [p for p in retriever.passages if p.kind == "title"]
        self.document_names = document_names or {}
        self.publishers = publishers or {}
        self.report = report  # the report's document id: what a question naming no document asks about
        self.premise_judge = premise_judge
        self.reader_settings = reader_settings or ReaderSettings()
        self.retriever = retriever
        self.bank = bank
        self.generator = generator
        self.settings = settings
        self.verifier = Verifier(bank)
        terms = terms or TermWeights.of(retriever.passages)
        self.extractive = generator if isinstance(generator, ExtractiveGenerator) else ExtractiveGenerator(
            settings, bank, terms, reader, self.reader_settings.sentence_weight)
        self.scope = ScopeChecker(settings.min_support, self.reader_settings)

    # --- stages -------------------------------------------------------------------------------------

    def prepare(self, question: str, history: Sequence[Turn]) -> _Prepared:
        t0 = time.perf_counter()
        standalone = question
        if history and is_followup(question):
            if isinstance(self.generator, QuestionRewriter):
                try:
                    standalone = self.generator.rewrite(question, history) or question
                except GeneratorError:
                    standalone = standalone_question(question, history)
            else:
                standalone = standalone_question(question, history)
        t1 = time.perf_counter()
        query = Query.parse(question, standalone, self.extractive.terms)
        overview = self._overview(question, standalone, query)
        if overview is not None:  # answered from the document's own section: nothing to search
            overview.timings = {"rewrite": t1 - t0}
            return overview
        read_k = self.reader_settings.passages if self.reader else 0
        hits = answering_hits(standalone, self.retriever.search(self._in_voice(standalone), k=max(self.settings.passages, 6, read_k)),
                              self.title_lines, self.document_names)
        everything = self.retriever.passages
        hits = defined_first(standalone, hits, everything)
        hits = titled_first(standalone, hits, everything)
        hits = published_first(standalone, hits, everything, self.title_lines, self.document_names, self.publishers)
        t2 = time.perf_counter()
        prep = self._decided(question, standalone, hits, query)
        prep.timings = {"rewrite": t1 - t0, "retrieve": t2 - t1, **prep.timings}
        if self.rechecks(prep):
            started = time.perf_counter()
            assert self.premise_judge is not None
            rechecked, _ = recheck(standalone, hits, self.premise_judge, lambda p: self.recheck_sentences(standalone, p),
                                   self.settings.recheck_margin, self.settings.recheck_gap)
            if rechecked is not hits:  # the second passage leads, if the checks still answer from it
                prep = self._answered_from(prep, self._decided(question, standalone, rechecked, query, prep.part_passages))
            prep.timings["recheck"] = time.perf_counter() - started
        elif not prep.answerable and prep.premise is None and self._figure_second(prep):
            prep = self._second_for_figure(prep, question, standalone, query)
        return prep

    def _overview(self, question: str, standalone: str, query: Query) -> _Prepared | None:
        """A question for a whole document's summary or conclusions (``overview.py``), answered from the
        opening paragraphs of the section the document gives to it; None for any other question, or when the
        document has no such section. The scope checks and the reader are not asked: no passage answers such
        a question by its words."""
        asked = asked_overview(standalone, self.title_lines, self.document_names, self.publishers, self.report)
        if asked is None:
            return None
        lines = overview_lines(overview_section(*asked, self.retriever.passages), self.bank, asked_lines(standalone))
        if not lines:
            return None
        hits = [Hit(p, 1.0, chosen="overview") for p, _ in lines]  # in the document's order, none ranked
        return _Prepared(question, standalone, hits, [p for p, _ in lines], True, 1.0, "", query=query)

    def _figure_second(self, prep: _Prepared) -> bool:
        """Whether a question refused because its top passage lacks a year or figure it writes ("... in
        2013?") may be answered from the second, which holds them: retrieval scores the two close and the
        local model is there to read them."""
        q = prep.query
        if (self.premise_judge is None or q is None or not q.figures or len(prep.hits) < 2
                or not prep.reason.startswith(MISSING_FIGURES)):  # refused for a name it never uses: no second look
            return False
        first, second = prep.hits[0].passage, prep.hits[1].passage
        return (undecided(prep.hits, self.settings.recheck_gap) and bool(missing_numbers(q.figures, first))
                and not missing_numbers(q.figures, second))

    def _second_for_figure(self, prep: _Prepared, question: str, standalone: str, query: Query) -> _Prepared:
        """The second passage leads when the local model finds its best sentences answer the question (margin
        at least ``premise_min_margin``, the premise check's "the text answers it") and better than the
        first's, and the checks then answer from it. Measured before it was built, on the stored refusals of
        every file for a year the top passage lacks: of 15 close pairs whose second passage holds the year,
        the model says so for all 4 answerable ones (margins 2.1-3.4: "Which state led deportations in
        2013?", asked by three writers, and "How long was WOLA's trip in February 2014?") and for 3 of 11
        unanswerable ones (1.3-1.8), which the checks on the second passage then refuse ("How many returns
        and deportations took place in Veracruz in 2013?" once ``places.other_place`` gives no figure to the
        places "followed by" ranks after the figure's own)."""
        started = time.perf_counter()
        assert self.premise_judge is not None
        reordered, found = recheck(standalone, prep.hits, self.premise_judge,
                                   lambda p: self.recheck_sentences(standalone, p), self.settings.recheck_margin)
        if found is not None and found.swapped and found.margins[1] >= self.settings.premise_min_margin:
            prep = self._answered_from(prep, self._decided(question, standalone, reordered, query, prep.part_passages))
        prep.timings["recheck"] = time.perf_counter() - started
        return prep

    @staticmethod
    def _answered_from(prep: _Prepared, second: _Prepared) -> _Prepared:
        """``second`` (the decision on the reordered passages) when the checks answer from it, its read and scope
        times added to the first decision's; else ``prep``."""
        if not second.answerable or second.premise is not None:
            return prep
        second.timings = {k: v + second.timings.get(k, 0.0) for k, v in prep.timings.items()}
        return second

    def rechecks(self, prep: _Prepared, gap: float | None = None) -> bool:
        """Whether the recheck reads this question: one the checks answer with no premise correction, of one part,
        that assumes nothing (the recheck would side with what a false premise assumes) and asks for no list (its
        answer is the top passage's list), whose top two passages retrieval scores within ``gap`` (None:
        ``answering.recheck_gap``)."""
        gap = self.settings.recheck_gap if gap is None else gap
        return (prep.answerable and prep.premise is None
                and self.premise_judge is not None and prep.query is not None and len(prep.query.parts) == 1
                and not presupposes(prep.standalone) and not is_list_question(prep.standalone)
                # a passage a rule put first for what the question asks (front_matter.py, acronyms.py) stays first;
                # so does a byline for a question naming its people
                and not prep.hits[0].chosen and prep.hits[0].passage.kind != "title"
                and undecided(prep.hits, gap))

    def _decided(self, question: str, standalone: str, hits: list[Hit], query: Query,
                 part_passages: list[Passage] | None = None) -> _Prepared:
        """The reader's readings of ``hits`` and the scope decision on them (in their order); ``part_passages``:
        each part's own closest passage when a first decision has searched them (a reordering changes no part)."""
        t2 = time.perf_counter()
        read_k = self.reader_settings.passages if self.reader else 0
        readings: list[Reading] = []
        part_readings: list[Reading] = []
        if self.reader:
            read = [h.passage for h in hits[:read_k]]
            readings = self.reader.read(standalone, read)
            parts = query.parts
            if len(parts) > 1 and self.reader_settings.min_answer > 0:  # a part the reader finds answered counts
                part_readings = [max(self.reader.read(part, read), key=lambda r: r.answer) for part in parts]
        t3 = time.perf_counter()
        passages = self._context(hits, standalone)
        # The support is the best sentence of the passages the reader reads (its say weighs in only there);
        # without a reader, of those a language model would be shown.
        judged = passages[: read_k or self.settings.passages]
        scored = self.extractive.score_sentences(standalone, judged) if judged else []
        support = scored[0].score if scored else 0.0
        ranked = [sc.text for sc in scored if sc.passage == 0]  # the top passage's sentences, best first
        own = self._part_passages(query.parts) if part_passages is None else part_passages
        decision = self.scope.decide(query, passages, support, readings + part_readings, ranked, self.extractive.terms, own,
                                     chosen=bool(hits and hits[0].chosen))
        timings = {"read": t3 - t2, "scope": time.perf_counter() - t3}
        return _Prepared(question, standalone, hits, passages, decision.answerable, support, decision.reason, timings,
                         readings, decision.premise, part_readings, own, query)

    def _part_passages(self, parts: Sequence[str]) -> list[Passage]:
        """Each part's own closest passage, for a question of two or more parts (the answer may take a part
        from it, so the scope checks read it too), each part searched in the report's voice as the question is
        ("..., and what does WOLA recommend about military roles?" found the acknowledgements' thanks); [] for
        a one-part question."""
        if len(parts) < 2:
            return []
        found = (self.retriever.search(self._in_voice(part), k=1) for part in parts)
        return list(dict.fromkeys(hits[0].passage for hits in found if hits))

    def _in_voice(self, text: str) -> str:
        """``text`` as searched: the report's publisher as the voice of its report written "the report"
        (``front_matter.as_the_report``)."""
        return as_the_report(text, self.publishers.get(self.report, ""))

    def recheck_sentences(self, question: str, passage: Passage) -> list[str]:
        """The two sentences of ``passage`` the extractive answer would lead with (what the recheck reads)."""
        return [sc.text for sc in self.extractive.score_sentences(question, [passage])[:RECHECK_SENTENCES]]

    def _context(self, hits: list[Hit], question: str) -> list[Passage]:
        """Top passages for the generator; for a list question, the whole list around a listed hit."""
        passages = [h.passage for h in hits[: self.settings.passages]]
        if not is_list_question(question):
            return passages
        for h in hits[:3]:
            lead = h.passage.context_id if h.passage.kind == "list_item" else h.passage.id
            siblings = [p for p in self.retriever.passages if p.context_id == lead and p.kind == "list_item"]
            if len(siblings) >= 2:
                lead_p = self.retriever.passage(lead) if lead else None
                extra = ([lead_p] if lead_p else []) + siblings[:15]
                return passages + [p for p in extra if p not in passages]
        return passages

    # --- answers ------------------------------------------------------------------------------------

    def answer(self, question: str, history: Sequence[Turn]) -> Answer:
        return self.answer_prepared(self.prepare(question, history))

    def stream(self, question: str, history: Sequence[Turn]) -> Iterator[str | Answer]:
        yield from self.stream_prepared(self.prepare(question, history))

    def answer_prepared(self, prep: _Prepared) -> Answer:
        """The verified answer to a question ``prepare`` has read (``reader calibrate`` records both)."""
        final: Answer | None = None
        for item in self.stream_prepared(prep):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream_prepared(self, prep: _Prepared) -> Iterator[str | Answer]:
        if not prep.answerable:
            answer = (self._premise_from_reading(prep, prep.premise) if prep.premise else None) or self._refusal(prep)
            yield answer.text
            yield answer
            return
        t0 = time.perf_counter()
        chunks: list[str] = []
        first: float | None = None
        streams_tokens = not isinstance(self.generator, ExtractiveGenerator)
        if self.generator is self.extractive:
            drafts: Iterator[str] = iter([self._extractive_draft(prep)])
        else:
            drafts = self.generator.stream(prep.standalone, prep.passages)
        for chunk in drafts:
            if first is None:
                first = time.perf_counter() - t0
            chunks.append(chunk)
            if streams_tokens:
                yield chunk
        prep.timings["first_token"] = first if first is not None else 0.0
        prep.timings["generate"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        answer = self._verified("".join(chunks), prep)
        if answer.reason == PREMISE_DOUBTED and self.generator is self.extractive:
            moved = self._borne_out_second(prep)
            if moved is not None:
                answer = self._verified(self._extractive_draft(moved), moved, doubt=False)
        answer.timings["verify"] = time.perf_counter() - t1
        if not streams_tokens:
            yield answer.text
        yield answer

    def _extractive_draft(self, prep: _Prepared) -> str:
        """The extractive answer's draft: a whole list's lead-in and items as bullets when a list is asked; else
        the lead from the list item a list question names, or from the top passage (or one per part), then
        the quotes (``prep.passages`` and ``prep.lead_lines`` are set to what the draft cites and leads with)."""
        if prep.hits and prep.hits[0].chosen == "overview":
            lines = overview_lines(prep.passages, self.bank, len(prep.passages))
            return " ".join(f"{s} [{i + 1}]" for i, (_, s) in enumerate(lines))
        draft, item = self.extractive.list_reply(prep.standalone, prep.passages)
        if draft:
            return draft
        if item is not None:
            parts = [(item, prep.standalone)]
        else:
            prep.passages, parts = self._answer_parts(prep)
        leads = self.extractive.leads(prep.standalone, prep.passages, parts)
        draft, prep.lead_lines = self.extractive.lead_answer(prep.standalone, prep.passages, leads)
        return draft

    def _borne_out_second(self, prep: _Prepared) -> _Prepared | None:
        """When the premise check doubts the answer from the top passage, the decision on the second instead,
        if retrieval scores the two close (``recheck_gap``), the local model finds the second's best sentences
        bear out what the question assumes (margin at least ``premise_min_margin``, the premise check's own
        "yes") and the checks answer from it; else None (the premise correction stands). "Why does the
        Pacific-coast train route no longer start in Tapachula?" (asked by four writers) was corrected with
        "the train ... will once again start in Tapachula sometime in 2014"; the paragraph before says the
        track was destroyed by Hurricane Stan. Measured before it was built, on the 70 answers of every file the
        premise check corrected: 4 of the 10 answerable ones move to the second passage, 1 of the 60 false
        premises (at margin 1.5: 4 and 0; 0.5: 8 and 7)."""
        if (self.premise_judge is None or prep.query is None or len(prep.query.parts) > 1 or len(prep.hits) < 2
                or not undecided(prep.hits, self.settings.recheck_gap)):
            return None
        started = time.perf_counter()
        margin = self.premise_judge.margin(prep.standalone, self.recheck_sentences(prep.standalone, prep.hits[1].passage))
        prep.timings["premise_check"] = prep.timings.get("premise_check", 0.0) + time.perf_counter() - started
        if margin is None or margin < self.settings.premise_min_margin:
            return None
        swapped = [prep.hits[1], prep.hits[0], *prep.hits[2:]]
        moved = self._answered_from(prep, self._decided(prep.question, prep.standalone, swapped, prep.query, prep.part_passages))
        return moved if moved is not prep else None

    def _answer_parts(self, prep: _Prepared) -> tuple[list[Passage], list[tuple[int, str]]]:
        """The passages to answer from, and (passage index into them, part question) for each part of a
        two-part question: the one of the top two passages, and each part's own closest passage (moved in
        after them), whose best sentence scores higher for that part; the passages as they were and [] for a
        one-part question. On the held-out multi-part file g (unread):
        fact 0.400 -> 0.467, false refusals 0.067 -> 0.033; the public eval's fact accuracy unchanged,
        citation precision 0.859 -> 0.857."""
        parts = prep.query.parts if prep.query is not None else question_parts(prep.standalone)
        if len(parts) < 2 or not prep.passages:
            return prep.passages, []
        own = prep.part_passages if prep.query is not None else self._part_passages(parts)
        # each part's own closest passage is a candidate too; a caption ("Joint Task Force Tecún Umán,
        # Guatemala") answers no part
        top = [p for p in dict.fromkeys([*prep.passages[:2], *own]) if is_prose(p)]
        top = top or [prep.passages[first_answering(prep.passages)]]
        out: list[tuple[int, str]] = []
        for k, part in enumerate(parts):
            scored = self.extractive.score_sentences(part, top)
            if k == 0 and scored and any(leans_back(p) for p in parts[1:]):
                follow = self._next_paragraph(top[scored[0].passage])
                if follow is not None and follow not in top:
                    top.append(follow)
            out.append((scored[0].passage if scored else 0, part))
        return top + [p for p in prep.passages if p not in top], out

    def _next_paragraph(self, passage: Passage) -> Passage | None:
        """The prose paragraph after ``passage`` in its section: a later part that leans on the first ("...,
        and roughly how many members does it have?", "..., and who is the prosecutor?") is often answered
        there, where the report goes on about the same subject."""
        _, after = neighbours(self.retriever.passages, passage.id)
        if after is None or after.section_path != passage.section_path or not is_prose(after):
            return None
        return after

    def _verified(self, draft: str, prep: _Prepared, doubt: bool = True) -> Answer:
        """``draft`` checked sentence by sentence against ``prep.passages`` and rendered; a refusal when
        nothing survives or the answer checks find it does not give what was asked; a premise correction when
        the question's premise is flagged, or doubted by the premise check (unless ``doubt`` is false: the
        model has already found the draft's passage bears it out)."""
        false_premise, sentences_in = premise_flag(parse_draft(draft))
        verified = _without_repeats(self.verifier.verify(sentences_in, prep.passages))
        kept = [v for v in verified if v[0].verdict != "dropped" and v[0].note != "refusal"]
        if false_premise:
            corrections = [v for v in kept if not restates(v[0].text, prep.standalone)]
            if corrections:
                return self._premise_corrected(corrections, prep)
        if not kept and self.generator is not self.extractive:
            # Nothing the model wrote is supported (or it refused while the report does answer):
            # answer with the report's own best sentences instead.
            fallback = self.verifier.verify(parse_draft(self.extractive.generate(prep.standalone, prep.passages)), prep.passages)
            verified = [v for v in verified if v[0].verdict == "dropped"] + [
                (Sentence(s.text, s.citations, "repaired", "replaced by the report's own sentence"), sup)
                for s, sup in fallback
            ]
            kept = [v for v in verified if v[0].verdict != "dropped"]
        if not kept:
            return self._refusal(prep, extra=[v[0] for v in verified])
        texts = [v[0].text for v in kept]
        setting = self._setting([prep.passages[i] for v in kept for i, _ in v[1]])
        gap = unanswered(prep.query, " ".join(texts), setting) if prep.query else ""
        if gap:  # the sentences found do not give what was asked (bound.py)
            return self._refusal(replace(prep, reason=gap))
        free = costs_nothing(prep.standalone, texts)
        if free:  # "How much does it cost?" of a thing the report says is free
            return self._premise_corrected([v for v in kept if v[0].text in free], prep)
        if doubt and self._premise_doubted(prep, texts):
            return self._premise_corrected(kept, prep, PREMISE_DOUBTED)
        sentences, citations = renumber(verified, prep.passages)
        text = render(sentences)
        if prep.query is not None and prep.query.time_sensitive:
            text = frame_in_time(text)
        shown = [i for i, s in enumerate(sentences) if s.verdict != "dropped" and s.role != "refusal"]
        lead = ""
        if shown:  # the draft leads with the answer (extractive: its best sentence, or one per part) in its first lines
            lines = [i for i in shown if i < prep.lead_lines] or shown[:1]  # a dropped lead line leaves the quotes be
            sentences[lines[0]] = replace(sentences[lines[0]], role="lead")
            for i in lines[1:]:
                sentences[i] = replace(sentences[i], role="part")
            lead = self._lead([sentences[i] for i in lines], prep)
        return Answer(
            question=prep.question,
            text=text,
            answerable=True,
            generator=self.generator.name,
            citations=tuple(citations),
            sentences=tuple(sentences),
            hits=tuple(prep.hits),
            standalone_question=prep.standalone,
            timings=dict(prep.timings),
            lead=lead,
            confidence=prep.confidence,
            span=self._span(prep, lead),
        )

    def _setting(self, cited: Sequence[Passage]) -> str:
        """The setting of the cited passages' sentences: their section titles ("Migrants Who Remain in
        Chiapas"), and the places the paragraph before each in its section names ("abuses suffered by migrants
        in Chiapas" sets the place of "The special prosecutor ... opened 586 preliminary investigations"). A
        section title binds any name it holds ("Border Security in Guatemala"); that paragraph's countries do
        not: a figure for one country follows a paragraph on others (public eval: 3 unanswerable questions,
        "How many Guatemalans applied ...?" and two homicide rates, were answered when they bound)."""
        out: dict[str, None] = {}
        everything = self.retriever.passages  # a copy per call: read it once
        for p in dict.fromkeys(cited):
            if p.section_path:
                out[p.section_path[-1]] = None
            before, _ = neighbours(everything, p.id)
            if before is not None and before.section_path == p.section_path:
                out.update(dict.fromkeys(places_in(before.text)))
        return " ".join(out)

    def _premise_doubted(self, prep: _Prepared, sentences: Sequence[str]) -> bool:
        """Whether the premise check (assumption.py) finds that the answer's sentences do not bear out what
        a question that assumes something assumes."""
        if self.premise_judge is None or not presupposes(prep.standalone):
            return False
        started = time.perf_counter()
        margin = self.premise_judge.margin(prep.standalone, sentences)
        prep.timings["premise_check"] = time.perf_counter() - started
        return margin is not None and margin < self.settings.premise_min_margin

    def _premise_corrected(self, verified: list[tuple[Sentence, list[tuple[int, str]]]], prep: _Prepared,
                           reason: str = "") -> Answer:
        """The model found the question's premise contradicted: say so, then what the report says instead.

        Not an answer to the question as asked (``answerable`` is false), but every correcting sentence is
        verified and cited like any other. A flag with no supported correction is ignored by the caller.
        """
        sentences, citations = renumber(verified, prep.passages)
        sentences = [replace(s, role="correction") for s in sentences]
        lead = Sentence(PREMISE_LEAD, (), "supported", "premise", role="premise")
        return Answer(
            question=prep.question,
            text=f"{PREMISE_LEAD} {render(sentences)}",
            answerable=False,
            generator=self.generator.name,
            citations=tuple(citations),
            sentences=(lead, *sentences),
            hits=tuple(prep.hits),
            standalone_question=prep.standalone,
            related_sections=tuple(dict.fromkeys(c.passage.section for c in citations)),
            timings=dict(prep.timings),
            status="false_premise",
            lead=PREMISE_LEAD,
            reason=reason,
        )

    def _premise_from_reading(self, prep: _Prepared, reading: Reading) -> Answer | None:
        """A passage contradicts what the question assumes (the reader's or a premise rule's finding): cite
        the correcting sentence, the one found contradicting (not the reader's best answer)."""
        passage = reading.passage
        holder = None
        if 0 <= reading.contradicting < len(reading.sentences):  # the reader's
            holder = reading.sentences[reading.contradicting]
        elif reading.span:  # a premise rule's (scope.py): the sentence it quotes
            holder = next((s for s in self.bank.get([passage])[0].sentences if reading.span in s), None)
        if holder is None:
            scored = self.extractive.score_sentences(prep.standalone, [passage])
            holder = scored[0].text if scored else None
        if holder is None:
            return None
        verified = self.verifier.verify(parse_draft(f"{holder} [1]"), [passage])
        kept = [v for v in verified if v[0].verdict != "dropped"]
        return self._premise_corrected(kept, replace(prep, passages=[passage])) if kept else None

    def _refusal(self, prep: _Prepared, extra: Sequence[Sentence] = ()) -> Answer:
        """'The report does not say', with the closest sections and their passages cited as pointers."""
        near: list[Passage] = []
        sections: list[str] = []
        for h in prep.hits:
            if h.passage.section not in sections:
                sections.append(h.passage.section)
                near.append(h.passage)
            if len(near) == 2:
                break
        citations = tuple(Citation(i + 1, p, ()) for i, p in enumerate(near))
        pointer = " and ".join(f"“{p.section}” [{i + 1}]" for i, p in enumerate(near))
        lead = f"The report does not say: {prep.reason}." if prep.reason else "The report does not say."
        text = f"{lead} The closest related material is in {pointer}." if near else lead
        sentences = (
            *extra,
            Sentence(lead, (), "supported", "refusal", role="refusal"),
            *((Sentence(f"The closest related material is in {pointer}.", tuple(c.marker for c in citations), "supported", "pointer", role="pointer"),) if near else ()),
        )
        return Answer(
            question=prep.question,
            text=text,
            answerable=False,
            generator=self.generator.name,
            citations=citations,
            sentences=sentences,
            hits=tuple(prep.hits),
            standalone_question=prep.standalone,
            related_sections=tuple(sections),
            timings=dict(prep.timings),
            status="not_in_report",
            lead=lead,
            reason=prep.reason,
            confidence=prep.confidence,
        )

    @staticmethod
    def _lead(first: Sequence[Sentence], prep: _Prepared) -> str:
        lead = render(first)
        return frame_in_time(lead) if prep.query is not None and prep.query.time_sensitive else lead

    @staticmethod
    def _span(prep: _Prepared, lead: str) -> str:
        """The reader's answer words, when the lead states them (they are highlighted there)."""
        span = prep.readings[0].span if prep.readings else ""
        return span if span and span in lead else ""
