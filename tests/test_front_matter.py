"""Questions about a document itself: its title page answers who wrote it, when and under what title, and
nothing else; a question naming another document, or asking about something else, goes to the prose."""

from __future__ import annotations

from types import SimpleNamespace

from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.front_matter import answering_hits, asked_line
from borderqa.answering.pipeline import AnswerPipeline
from borderqa.config import AnsweringSettings
from borderqa.embedding import FakeEmbedder
from borderqa.sentences import SentenceBank
from borderqa.terms import TermWeights
from borderqa.types import Hit, Passage


def _p(n: int, text: str, kind: str = "paragraph", section: str = "Introduction") -> Passage:
    return Passage(f"report:p{n:04d}", "report", (section,), n, n, text, kind=kind)  # type: ignore[arg-type]


DATE = _p(1, "June 2014", "title", "Title page")
TITLE = _p(2, "Mexico's Other Border: Security, Migration, and the Humanitarian Crisis at the Line with Central America",
           "title", "Title page")
BYLINE = _p(3, "By Adam Isacson, Senior Associate; Maureen Meyer, Senior Associate; Gabriela Morales, Consultant",
            "title", "Title page")
LINES = [DATE, TITLE, BYLINE]
STUDY = _p(4, "In April 2014 Mexico's government published a diagnostic study of the southern border zone.")
NETWORK = _p(5, "A November 2013 report by the Documentation Network analyzed 931 testimonies of migrants.")
NAMES = {"report": f"{TITLE.text} WOLA (Washington Office on Latin America) Adam Isacson June 2014"}


def test_the_line_asked_for_about_the_report_or_its_title() -> None:
    assert asked_line("Who wrote the report?", LINES, NAMES) is BYLINE
    assert asked_line("Who are the authors of WOLA's report \"Mexico's Other Border\"?", LINES, NAMES) is BYLINE
    assert asked_line("When was Mexico's Other Border published?", LINES, NAMES) is DATE
    assert asked_line("When did WOLA publish this report?", LINES, NAMES) is DATE
    assert asked_line("What is the title of the report?", LINES, NAMES) is TITLE
    assert asked_line("What is the subtitle of the report?", LINES, NAMES) is TITLE
    assert asked_line("When is the report dated?", LINES, NAMES) is DATE
    assert asked_line("In what year was the report released?", LINES, NAMES) is DATE
    assert asked_line("What year was the report written?", LINES, NAMES) is DATE  # "written" with a year
    assert asked_line("Who is the report's lead author?", LINES, NAMES) is BYLINE


def test_no_line_for_another_document_or_another_question() -> None:
    assert asked_line("When was the Documentation Network's report published?", LINES, NAMES) is None
    assert asked_line("Who wrote the 2010 State Department cable?", LINES, NAMES) is None
    assert asked_line("What happened in June 2014?", LINES, NAMES) is None
    assert asked_line("Who wrote it?", LINES, NAMES) is None  # names no document
    assert asked_line("Who published Mexico's Other Border?", LINES, NAMES) is None  # a publisher, not a date


def test_title_lines_lead_only_when_asked_for() -> None:
    hits = [Hit(TITLE, 7.0), Hit(STUDY, 5.0), Hit(BYLINE, 3.0), Hit(DATE, 1.0)]
    assert [h.passage for h in answering_hits("Who wrote Mexico's Other Border?", hits, LINES, NAMES)] == [BYLINE, STUDY]
    assert answering_hits("Who wrote Mexico's Other Border?", hits, LINES, NAMES)[0].score == 7.0
    # a title says nothing to a question that names it; the byline stays for a question naming its people
    assert [h.passage for h in answering_hits("What did Mexico's Other Border find?", hits, LINES, NAMES)] == [STUDY]
    assert BYLINE in [h.passage for h in answering_hits("What is Maureen Meyer's position?", hits, LINES, NAMES)]
    plain = [Hit(STUDY, 5.0), Hit(NETWORK, 4.0)]
    assert answering_hits("When was the study published?", plain, LINES, NAMES) is plain


def test_the_pipeline_answers_from_the_line_asked_for() -> None:
    everything = [*LINES, STUDY, NETWORK]
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of(everything))
    found = {"Who wrote Mexico's Other Border?": [TITLE, STUDY, NETWORK, BYLINE],
             "When was Mexico's Other Border published?": [STUDY, TITLE, NETWORK, DATE]}
    retriever = SimpleNamespace(passages=everything, search=lambda text, k=5: [Hit(p, 5.0 - i) for i, p in enumerate(found[text])])
    pipeline = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms,  # type: ignore[arg-type]
                              document_names=NAMES)
    wrote = pipeline.answer("Who wrote Mexico's Other Border?", [])
    assert wrote.answerable and "Adam Isacson" in wrote.lead
    assert [c.passage for c in wrote.citations] == [BYLINE]
    published = pipeline.answer("When was Mexico's Other Border published?", [])
    assert published.answerable and published.lead.startswith("June 2014")
    # without the manifest's names the title line still names the report
    bare = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms)  # type: ignore[arg-type]
    assert "Adam Isacson" in bare.answer("Who wrote Mexico's Other Border?", []).lead
