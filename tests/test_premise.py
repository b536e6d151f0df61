"""A language model's "the premise is wrong" drafts: flagged, verified, and never an answer as asked (fast)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import SimpleNamespace

from borderqa.answering.pipeline import PREMISE_LEAD, AnswerPipeline, _Prepared, restates
from borderqa.citations import parse_draft, premise_flag
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Passage

CHIAPAS = Passage(
    "report:p0101", "report", ("Conditions in the Border Zone", "Violence"), 1, 101,
    "Chiapas had the 12th lowest homicide rate of Mexico's 31 states in 2013. Billboards call it the third safest state.",
)


class _Scripted:
    """A generator that writes a fixed draft (what a language model might answer)."""

    name = "scripted"

    def __init__(self, draft: str) -> None:
        self.draft = draft

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        return self.draft

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        yield self.draft


def _pipeline(draft: str) -> AnswerPipeline:
    retriever = SimpleNamespace(passages=[CHIAPAS])
    return AnswerPipeline(retriever, SentenceBank(FakeEmbedder()), _Scripted(draft), AnsweringSettings(), TermWeights.of([CHIAPAS]))  # type: ignore[arg-type]


def _prepared(question: str) -> _Prepared:
    return _Prepared(question, question, [], [CHIAPAS], True, 1.0, "")


def test_premise_flag_strips_the_phrase_and_keeps_the_claim() -> None:
    flagged, rest = premise_flag(parse_draft("The premise is wrong: Chiapas had the 12th lowest homicide rate [1]. More [1]."))
    assert flagged
    assert rest[0].text.startswith("Chiapas had the 12th lowest") and rest[0].markers == (1,)
    assert len(rest) == 2
    assert premise_flag(parse_draft("The question's premise is false. Chiapas is calm [1]."))[0]
    assert not premise_flag(parse_draft("Chiapas had the 12th lowest homicide rate [1]."))[0]


def test_a_supported_correction_is_not_an_answer_as_asked() -> None:
    draft = "The premise is wrong: Chiapas had the 12th lowest homicide rate of Mexico's 31 states in 2013 [1]."
    answer = _pipeline(draft)._verified(draft, _prepared("Why is Chiapas the most violent state in Mexico?"))
    assert answer.answerable is False
    assert answer.text.startswith(PREMISE_LEAD)
    assert "12th lowest" in answer.text and "[1]" in answer.text
    assert answer.citations and answer.citations[0].passage == CHIAPAS
    assert answer.sentences[0].note == "premise"


def test_an_unsupported_correction_is_ignored() -> None:
    draft = "The premise is wrong: Chiapas has 900 soldiers on its border [1]."  # 900 is in no passage
    answer = _pipeline(draft)._verified(draft, _prepared("Why is Chiapas the most violent state in Mexico?"))
    assert not answer.text.startswith(PREMISE_LEAD)
    assert answer.answerable  # the report's own sentences answer instead


def test_a_correction_that_only_repeats_the_premise_is_no_correction() -> None:
    q = "Since Mexico approves most asylum requests, why do Central Americans still head north?"
    assert restates("Mexico approves most asylum requests.", q)
    assert not restates("Mexico does not approve most asylum requests.", q)
    assert not restates("COMAR approved only 24.7 percent of requests.", q)


def test_a_repeated_sentence_is_kept_once() -> None:
    s = "Chiapas had the 12th lowest homicide rate of Mexico's 31 states in 2013 [1]."
    answer = _pipeline(s * 3)._verified(s + " " + s + " " + s, _prepared("How violent is Chiapas?"))
    assert answer.text.count("12th lowest") == 1


def test_a_models_says_nothing_sentence_is_kept_as_a_refusal_line_not_an_uncited_quote() -> None:
    from borderqa.citations import DraftSentence, Verifier
    from borderqa.embedding import FakeEmbedder
    from borderqa.sentences import SentenceBank
    from borderqa.types import Passage

    p = Passage("report:p0001", "report", ("S",), 1, 1, "The central route runs through Comitán.")
    (verified,) = Verifier(SentenceBank(FakeEmbedder())).verify([DraftSentence("The report does not say which towns are on each.", ())], [p])
    assert verified[0].role == "refusal" and verified[0].note == "refusal" and not verified[0].citations


def test_a_reader_premise_correction_cites_the_contradicting_sentence_not_the_best_answer() -> None:
    from borderqa.reader.reading import Reading

    first, second = CHIAPAS.text.split(". ", 1)
    sentences = (first + ".", second)
    pipeline = _pipeline("unused")
    prep = _prepared("Why is Chiapas the most dangerous state in Mexico?")
    # sentence 2 answers best, sentence 1 contradicts the question
    read = Reading(CHIAPAS, 0.7, 0.9, 0.1, "third safest", -1, -1, sentences=sentences, answers=(0.1, 0.7), best=1,
                   contradicting=0)
    answer = pipeline._premise_from_reading(prep, read)
    assert answer is not None and answer.text.startswith(PREMISE_LEAD) and "12th lowest" in answer.text
    assert "third safest" not in answer.text
    ruled = Reading(CHIAPAS, 0.0, 1.0, 0.0, sentences[1], 0, 0)  # a premise rule's: the sentence it quotes
    answer = pipeline._premise_from_reading(prep, ruled)
    assert answer is not None and "third safest" in answer.text


def test_a_dropped_lead_line_leaves_the_quotes_out_of_the_lead() -> None:
    draft = ("Chiapas has 900 soldiers on its border [1]. "  # an antecedent line the verifier drops (900 is in no passage)
             "Chiapas had the 12th lowest homicide rate of Mexico's 31 states in 2013 [1]. "
             "Billboards call it the third safest state [1].")
    prep = _prepared("What homicide rate did Chiapas have in 2013?")
    prep.lead_lines = 2
    answer = _pipeline(draft)._verified(draft, prep)
    assert answer.lead.startswith("Chiapas had the 12th lowest") and "third safest" not in answer.lead
    assert [s.role for s in answer.sentences if s.verdict != "dropped"] == ["lead", "quote"]
