"""Questions about a whole document ("Summarize the report", "What are WOLA's main conclusions?") are answered
from the opening paragraphs of the section the document gives to them; a question that asks about something
in it goes to retrieval as before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.front_matter import as_the_report
from borderqa.answering.overview import (
    OVERVIEW_LINES,
    asked_lines,
    asked_overview,
    overview_lines,
    overview_section,
)
from borderqa.answering.pipeline import AnswerPipeline
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Hit, Passage


def _p(n: int, text: str, section: tuple[str, ...], kind: str = "paragraph", document: str = "report") -> Passage:
    return Passage(f"{document}:p{n:04d}", document, section, n, n, text, kind=kind)  # type: ignore[arg-type]


TITLE = _p(1, "Mexico's Other Border: Security, Migration, and the Humanitarian Crisis", ("Title page",), "title")
LINES = [TITLE]
NAMES = {"report": f"{TITLE.text} WOLA (Washington Office on Latin America) Adam Isacson June 2014"}
PUBLISHERS = {"report": "WOLA (Washington Office on Latin America)"}
INTRO = ("Introduction",)
CONCLUSION = ("Conclusion and Recommendations",)
TRIP = _p(2, "In February 2014, WOLA investigators paid a 12-day visit to the border. It was part of a larger project.", INTRO)
FOUND = _p(3, "On this trip, we found a border very different from the U.S.-Mexico line. It is simple to cross.", INTRO)
CHECKPOINTS = _p(4, "Checkpoints dot the highways of Chiapas. Agents search buses for migrants.", ("Border Security Strategy", "Checkpoints"))
PICTURE = _p(5, "Our study of the border zone has left us with a complicated picture.", CONCLUSION)
ASKED = _p(6, "What can be done instead, then? Some near-term options exist.", CONCLUSION)
BROKEN = _p(7, "This broken policy is contributing to a severe humanitarian crisis. Migrants suffer.", CONCLUSION)
ITEM = _p(8, "Recognize and support the work of migrant shelters.", CONCLUSION, "list_item")
THANKS = _p(9, "WOLA wishes to thank the many people who helped.", ("Acknowledgements",))
EVERYTHING = [TITLE, TRIP, FOUND, CHECKPOINTS, PICTURE, ASKED, BROKEN, ITEM, THANKS]


def test_a_question_for_a_documents_summary_or_conclusions() -> None:
    for q in ("Summarize the report.", "What is the report about?", "Give me an overview of Mexico's Other Border."):
        assert asked_overview(q, LINES, NAMES, PUBLISHERS) == ("report", "summary"), q
    for q in ("What are the report's main conclusions?", "What did WOLA find?", "What are WOLA's key findings?",
              "What does the report conclude?"):
        assert asked_overview(q, LINES, NAMES, PUBLISHERS) == ("report", "conclusions"), q


def test_a_question_naming_no_document_asks_about_the_report() -> None:
    for q in ("What are the main conclusions?", "Summarize.", "What are the key findings?"):
        assert asked_overview(q, LINES, NAMES, PUBLISHERS, "report") is not None, q
        assert asked_overview(q, LINES, NAMES, PUBLISHERS) is None, q  # no report to default to
    assert asked_overview("What did the survey find?", LINES, NAMES, PUBLISHERS, "report") is None


def test_no_overview_for_what_the_title_page_answers_a_topic_a_negation_or_no_subject() -> None:
    for q in ("Who wrote the report's conclusions?", "What is the title of the conclusion?", "When was the summary published?",
              "What did the report find about border security?", "What did WOLA find at the border?",
              "What did the report not find?", "Who found it?", "What about it?", "Tell me more about that.",
              "What is it about?", "Where can I find the report?"):
        assert asked_overview(q, LINES, NAMES, PUBLISHERS, "report") is None, q
    # how long the answer should be is not what it is about
    assert asked_overview("Summarize the report briefly in two sentences.", LINES, NAMES, PUBLISHERS) == ("report", "summary")
    assert asked_overview("Summarize the document.", LINES, NAMES, PUBLISHERS) == ("report", "summary")


def test_the_report_among_other_documents() -> None:
    source = _p(20, "Crimes Against Migrants in Chiapas: A Survey", ("Title page",), "title", document="survey")
    lines = [TITLE, source]
    names = {**NAMES, "survey": f"{source.text} Fray Matías Center 2013"}
    assert asked_overview("Summarize the report.", lines, names, PUBLISHERS, "report") == ("report", "summary")
    assert asked_overview("What are the report's main conclusions?", lines, names, PUBLISHERS, "report") == ("report", "conclusions")
    assert asked_overview("Summarize Crimes Against Migrants in Chiapas.", lines, names, PUBLISHERS, "report") == ("survey", "summary")


def test_no_overview_for_a_question_about_something_in_it_or_another_document() -> None:
    for q in ("What does the report conclude about checkpoints?", "What did WOLA find at the checkpoints?",
              "Who wrote the report?", "What does WOLA recommend?", "What is the Paso Seguro program about?",
              "Summarize the Documentation Network's report.", "What did investigators find in Tenosique?"):
        assert asked_overview(q, LINES, NAMES, PUBLISHERS, "report") is None, q


def test_the_section_and_its_opening_sentences() -> None:
    bank = SentenceBank(FakeEmbedder())
    assert overview_section("report", "conclusions", EVERYTHING) == [PICTURE, ASKED, BROKEN]  # prose only
    assert overview_section("report", "summary", EVERYTHING) == [TRIP, FOUND]
    assert overview_section("other", "summary", EVERYTHING) == []
    lines = overview_lines([PICTURE, ASKED, BROKEN], bank)
    # one line per paragraph, its first sentence; a paragraph opening with a question is passed over
    assert lines == [(PICTURE, PICTURE.text), (BROKEN, "This broken policy is contributing to a severe humanitarian crisis.")]
    many = [_p(10 + i, f"Point number {i} is made here. More follows.", CONCLUSION) for i in range(OVERVIEW_LINES + 2)]
    assert [p for p, _ in overview_lines(many, bank)] == many[:OVERVIEW_LINES]


def _pipeline(found: list[Passage]) -> AnswerPipeline:
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of(EVERYTHING))
    retriever = SimpleNamespace(passages=EVERYTHING, search=lambda text, k=5: [Hit(p, 5.0 - i) for i, p in enumerate(found)])
    return AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms,  # type: ignore[arg-type]
                          document_names=NAMES, publishers=PUBLISHERS, report="report")


def test_the_pipeline_answers_a_summary_from_the_documents_own_sections() -> None:
    pipeline = _pipeline([THANKS, CHECKPOINTS])  # what retrieval finds for such a question: the acknowledgements
    answer = pipeline.answer("What are WOLA's main conclusions?", [])
    assert answer.answerable
    assert [c.passage for c in answer.citations] == [PICTURE, BROKEN]
    assert answer.lead == "Our study of the border zone has left us with a complicated picture [1]."
    summary = pipeline.answer("Summarize.", [])
    assert [c.passage for c in summary.citations] == [TRIP, FOUND]
    short = pipeline.answer("Summarize the report in one sentence.", [])
    assert [c.passage for c in short.citations] == [TRIP]
    # a question about something in it is answered from what retrieval finds
    about = pipeline.prepare("What does the report conclude about checkpoints?", [])
    assert about.hits and not any(h.chosen == "overview" for h in about.hits)


def test_the_publisher_is_searched_as_the_report() -> None:
    publisher = PUBLISHERS["report"]
    assert as_the_report("What does WOLA recommend?", publisher) == "What does the report recommend?"
    assert as_the_report("What are WOLA's recommendations?", publisher) == "What are the report's recommendations?"
    assert as_the_report("What are WOLA's main recommendations?", publisher) == "What are the report's main recommendations?"
    assert as_the_report("What does the Washington Office on Latin America recommend?", publisher) == "What does the report recommend?"
    assert as_the_report("Why does WOLA call for an end to the military's role?", publisher) == (
        "Why does the report call for an end to the military's role?")
    # the publisher as someone in the report, not its voice
    assert as_the_report("Who published the report?", publisher) == "Who published the report?"
    assert as_the_report("How long was WOLA's research trip?", publisher) == "How long was WOLA's research trip?"
    assert as_the_report("Whom does WOLA thank in Tapachula?", publisher) == "Whom does WOLA thank in Tapachula?"
    assert as_the_report("What did WOLA say to INM officials?", publisher) == "What did WOLA say to INM officials?"
    assert as_the_report("When did WOLA find the grave?", publisher) == "When did WOLA find the grave?"
    assert as_the_report("What does WOLA recommend?", "") == "What does WOLA recommend?"


def _searching_pipeline() -> tuple[AnswerPipeline, list[str]]:
    """A pipeline over the small report above whose retriever records what it is asked to search."""
    searched: list[str] = []

    def search(text: str, k: int = 5) -> list[Hit]:
        searched.append(text)
        return [Hit(CHECKPOINTS, 5.0)]

    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of(EVERYTHING))
    retriever = SimpleNamespace(passages=EVERYTHING, search=search)
    pipeline = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms,  # type: ignore[arg-type]
                              document_names=NAMES, publishers=PUBLISHERS, report="report")
    return pipeline, searched


def test_the_pipeline_searches_the_publishers_recommendations_as_the_reports() -> None:
    pipeline, searched = _searching_pipeline()
    pipeline.answer("What does WOLA recommend about checkpoints?", [])
    pipeline.answer("Whom does WOLA thank?", [])
    assert searched[0] == "What does the report recommend about checkpoints?"
    assert "Whom does WOLA thank?" in searched


def test_each_part_of_a_two_part_question_is_searched_in_the_reports_voice_too() -> None:
    pipeline, searched = _searching_pipeline()
    pipeline.answer("How many checkpoints are on the highways of Chiapas, and what does WOLA recommend about them?", [])
    # the second part's own search: "the report recommends", not the acknowledgements' "WOLA thanks"
    assert any(s.startswith("What does the report recommend about them?") for s in searched)
    assert not any("WOLA recommend" in s for s in searched)


@pytest.mark.slow
def test_the_real_report_answers_its_summary_conclusions_recommendations_and_titled_sections() -> None:
    from borderqa.assistant import Assistant

    assistant = Assistant.from_settings()
    conclusions = assistant.ask("What are the report's main conclusions?")
    assert conclusions.answerable
    assert {c.passage.section_path[0] for c in conclusions.citations} == {"Conclusion and Recommendations"}
    assert "complicated picture" in conclusions.lead
    summary = assistant.ask("Summarize.")
    assert {c.passage.section_path[0] for c in summary.citations} == {"Introduction"}
    recommends = assistant.ask("What does WOLA recommend?")  # the report's voice: searched as the report
    assert recommends.answerable and "our report recommends" in recommends.text
    assert "Acknowledgements" not in {c.passage.section_path[0] for c in recommends.citations}
    safe = assistant.ask("What is Paso Seguro?")  # answered from the section the report gives it
    assert safe.answerable and "April 22 forum" in safe.text


def test_how_many_lines_an_overview_is_asked_for() -> None:
    assert asked_lines("Summarize the report in two sentences.") == 2
    assert asked_lines("Summarize the report in a single sentence.") == 1
    assert asked_lines("Give me the gist in 3 bullet points") == 3
    assert asked_lines("Summarize the report in twenty sentences.") == OVERVIEW_LINES  # at most the default
    assert asked_lines("Summarize the report.") == OVERVIEW_LINES
