"""Questions asking what an abbreviation stands for are answered from the sentence that spells it out, not
from the later paragraphs that only use it."""

from __future__ import annotations

from types import SimpleNamespace

from borderqa.answering.acronyms import asked_abbreviation, defined_first, spells_out
from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.pipeline import AnswerPipeline
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Hit, Passage


def _p(n: int, text: str) -> Passage:
    return Passage(f"report:p{n:04d}", "report", ("Refugee Status and Asylum",), n, n, text)


DEFINED = _p(10, "What COMAR stands for matters: COMAR decides. The center put her in touch with the Secretariat of "
                 "the Interior's Refugee Assistance Commission (Comisión Mexicana de Ayuda a Refugiados, COMAR) to "
                 "request refugee status.")
USED = _p(20, "Many migrants have credible claims. COMAR only approves a small number of requests each year, and COMAR "
              "reported approving only 24.7 percent of 4,589 requests between 2009 and 2013.")


def test_the_abbreviation_asked_about() -> None:
    assert asked_abbreviation("What does COMAR stand for?") == "COMAR"
    assert asked_abbreviation("What does the acronym SEMAR stand for?") == "SEMAR"
    assert asked_abbreviation("What is the full name of the IFAI?") == "IFAI"
    assert asked_abbreviation("What is CBP short for?") == "CBP"
    assert asked_abbreviation("What does the Report stand for?") is None
    assert asked_abbreviation("How many requests did COMAR approve?") is None


def test_a_question_typed_in_lower_case_asks_about_the_word_in_capitals() -> None:
    assert asked_abbreviation("what does comar stand for") == "COMAR"
    assert asked_abbreviation("What is the full name of the ifai?") == "IFAI"
    assert asked_abbreviation("how many requests did comar approve?") is None
    hits = [Hit(USED, 6.0), Hit(DEFINED, 2.0)]
    assert [h.passage for h in defined_first("what does comar stand for", hits, [DEFINED, USED])] == [DEFINED, USED]
    # a word in lower case that the report spells out as no abbreviation changes nothing
    assert defined_first("what does the report stand for", hits, [DEFINED, USED]) is hits


def test_a_sentence_spells_out_an_abbreviation_after_its_name() -> None:
    assert spells_out("COMAR", DEFINED.text)
    assert spells_out("CBP", "In FY 2013, U.S. Customs and Border Protection (CBP) apprehended 21,537 children.")
    assert not spells_out("COMAR", USED.text)
    assert not spells_out("CBP", "(CBP has also recorded a more modest increase.)")


def test_the_spelling_out_passage_leads_when_asked() -> None:
    hits = [Hit(USED, 6.0), Hit(DEFINED, 2.0)]
    assert [h.passage for h in defined_first("What does COMAR stand for?", hits, [DEFINED, USED])] == [DEFINED, USED]
    assert defined_first("How many requests did COMAR approve?", hits, [DEFINED, USED]) is hits
    assert defined_first("What does IFAI stand for?", hits, [DEFINED, USED]) is hits  # never spelled out


def test_the_answer_leads_with_the_sentence_that_spells_it_out() -> None:
    everything = [DEFINED, USED]
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of(everything))
    retriever = SimpleNamespace(passages=everything, search=lambda text, k=5: [Hit(USED, 6.0), Hit(DEFINED, 2.0)])
    pipeline = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
    answer = pipeline.answer("What does COMAR stand for?", [])
    assert answer.answerable and "Comisión Mexicana de Ayuda a Refugiados" in answer.lead
    assert answer.citations[0].passage == DEFINED
