"""Questions about a document itself: its title page answers who wrote it, when and under what title, and
nothing else; a question naming another document, or asking about something else, goes to the prose."""

from __future__ import annotations

from types import SimpleNamespace

from borderqa.answering.extractive import ExtractiveGenerator
from borderqa.answering.front_matter import answering_hits, asked_line, asked_publisher, published_first
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
PUBLISHERS = {"report": "WOLA (Washington Office on Latin America)"}
VISIT = _p(6, "In February 2014, WOLA investigators paid a 12-day visit to several points along Mexico's southern border.")
OURS = _p(7, "Staff from WOLA's Migration and Border Security Program have visited six sectors of the northern border. "
             "This is our first report on Mexico's 714-mile southern border zone.")


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


def test_a_question_for_the_publisher_of_the_report() -> None:
    for asked in ["Who published the report?", "Which organization wrote this report?", "What group is behind Mexico's Other Border?",
                  "Which organisation produced the report?"]:
        assert asked_publisher(asked, LINES, NAMES, PUBLISHERS) == "report", asked
        assert asked_line(asked, LINES, NAMES) is None, asked  # not the byline, though "wrote" is its word
    for other in ["When was the report published?", "Who wrote the report?", "Who published the Documentation Network's report?",
                  "Which organizations did WOLA interview?", "Who published it?"]:
        assert asked_publisher(other, LINES, NAMES, PUBLISHERS) is None, other
    assert asked_publisher("Who published the report?", LINES, NAMES, {}) is None  # no publisher in the manifest


def test_the_paragraph_naming_the_publisher_and_the_report_as_its_own_leads() -> None:
    hits = [Hit(STUDY, 5.0), Hit(TITLE, 4.0), Hit(NETWORK, 3.0)]
    led = published_first("Who published the report?", hits, [*LINES, VISIT, OURS, STUDY], LINES, NAMES, PUBLISHERS)
    assert [h.passage for h in led] == [OURS, STUDY, NETWORK] and led[0].chosen == "publisher" and led[0].score == 5.0
    # no paragraph speaks of "our report": the first naming the publisher
    assert published_first("Who published the report?", hits, [*LINES, VISIT, STUDY], LINES, NAMES, PUBLISHERS)[0].passage == VISIT
    assert published_first("Who published the report?", hits, [*LINES, STUDY], LINES, NAMES, PUBLISHERS) is hits
    assert published_first("Who wrote the report?", hits, [*LINES, OURS], LINES, NAMES, PUBLISHERS) is hits


def test_the_pipeline_answers_a_question_for_the_publisher() -> None:
    everything = [*LINES, VISIT, OURS, STUDY, NETWORK]
    generator = ExtractiveGenerator(AnsweringSettings(), SentenceBank(FakeEmbedder()), TermWeights.of(everything))
    retriever = SimpleNamespace(passages=everything, search=lambda text, k=5: [Hit(STUDY, 5.0), Hit(NETWORK, 4.0), Hit(TITLE, 3.0)])
    pipeline = AnswerPipeline(retriever, generator.bank, generator, AnsweringSettings(), generator.terms,  # type: ignore[arg-type]
                              document_names=NAMES, publishers=PUBLISHERS)
    answer = pipeline.answer("Who published the report?", [])
    # answered from the paragraph, though it holds none of the question's words
    assert answer.answerable and "WOLA" in answer.text
    assert [c.passage for c in answer.citations] == [OURS]


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


def test_the_acknowledgements_lead_only_a_question_about_someone() -> None:
    thanks = _p(90, "Martha Rojas of the Colegio de la Frontera Sur (ECOSUR) in San Cristóbal de las Casas.", "list_item",
                "Acknowledgements")
    plan = _p(91, "The Peña Nieto administration discussed this three-tier plan with the Obama administration.",
              section="Border Security Strategy")
    hits = [Hit(thanks, 6.0), Hit(plan, 5.0)]
    # a plan the report never names by that name is not answered by a college's name that shares its words
    assert [h.passage for h in answering_hits("What does WOLA say about Plan Frontera Sur?", hits, LINES, NAMES)] == [plan]
    # a question about someone thanked, or naming the line's name whole, keeps it
    for asked in ("Which ECOSUR researcher in San Cristóbal does WOLA thank?", "What is ECOSUR?",
                  "What is the Colegio de la Frontera Sur?"):
        assert answering_hits(asked, hits, LINES, NAMES) is hits
    # the acknowledgements further down are left be
    assert answering_hits("What does WOLA say about Plan Frontera Sur?", hits[::-1], LINES, NAMES) == hits[::-1]
