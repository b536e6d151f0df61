"""The UI's pure helpers: escaping, quote highlighting, labels, chat history, the factory hook."""

from __future__ import annotations

import pytest

from borderqa import ui_render as ui
from borderqa.errors import ConfigError
from borderqa.types import Answer, Citation, Hit, Passage, Sentence

TEXT = (
    "Mexico's southern border is 714 miles long. It costs US$1.50 to cross by raft & <nobody> asks. "
    "Officials call it *porous*."
)


def passage(
    text: str = TEXT, section: tuple[str, ...] = ("Border Security Strategy", "Belts of Control")
) -> Passage:
    return Passage(
        id="report:p0042", document="report", section_path=section, paragraph=3, ordinal=42, text=text
    )


def test_escape_neutralises_html_markdown_and_math() -> None:
    out = ui.escape('<script>alert("x")</script> *bold* _it_ $5 and $6 [1](http://x) `code` # h')
    assert "<script>" not in out and "&#60;script&#62;" in out
    for raw in ("*", "_", "$", "[", "]", "`", '"', "<s", "# "):
        assert raw not in out
    assert "&#36;5" in out and "&#42;bold&#42;" in out and "&#35; h" in out


def test_highlight_marks_the_quote_and_escapes_everything() -> None:
    out = ui.highlight_quotes(TEXT, ["It costs US$1.50 to cross by raft & <nobody> asks."])
    assert out.count("<mark>") == 1 and out.count("</mark>") == 1
    marked = out[out.index("<mark>") + 6 : out.index("</mark>")]
    assert marked == "It costs US&#36;1.50 to cross by raft &#38; &#60;nobody&#62; asks."
    assert out.startswith("Mexico&#39;s southern border is 714 miles long. <mark>")
    assert "&#42;porous&#42;" in out and "<nobody>" not in out


def test_highlight_matches_loosely_merges_overlaps_and_skips_missing() -> None:
    quotes = [
        "mexico's  SOUTHERN border\nis 714 miles long.",  # case and whitespace differ
        "714 miles long. It costs",  # overlaps the first
        "A sentence the passage does not contain.",
        "   ",
    ]
    assert ui.quote_spans(TEXT, quotes) == [(0, len("Mexico's southern border is 714 miles long. It costs"))]
    out = ui.highlight_quotes(TEXT, quotes)
    assert out.count("<mark>") == 1


def test_highlight_several_quotes_in_order() -> None:
    out = ui.highlight_quotes(
        TEXT, ["Officials call it *porous*.", "Mexico's southern border is 714 miles long."]
    )
    assert out.count("<mark>") == 2
    assert out.index("714") < out.index("porous")


def test_highlight_without_quotes_is_just_escaped() -> None:
    assert ui.highlight_quotes("a < b\nc", []) == "a &#60; b<br>c"


def test_passage_html_is_one_html_block() -> None:
    out = ui.passage_html("one\n\ntwo", ["two"])
    assert out.startswith('<div class="borderqa-passage">') and out.endswith("</div>")
    assert "\n" not in out  # a blank line would end the HTML block and let Markdown in
    assert "<mark>two</mark>" in out


def test_answer_html_markers_paragraphs_and_bullets() -> None:
    out = ui.answer_html(
        "The border is 714 miles long [1]. It costs $5 [2][3].\n- first item [1]\n- second <b>"
    )
    assert "<sup>&#91;1&#93;</sup>" in out and "<sup>&#91;3&#93;</sup>" in out
    assert "&#36;5" in out
    assert "<ul><li>first item <sup>&#91;1&#93;</sup></li><li>second &#60;b&#62;</li></ul>" in out
    assert out.count("<p>") == 1


def test_citation_label() -> None:
    c = Citation(2, passage(), ("x",))
    assert ui.citation_label(c) == "[2] Border Security Strategy > Belts of Control ¶3 (report:p0042)"
    assert ui.citation_label(Citation(1, passage(section=()))) == "[1] report ¶3 (report:p0042)"


def test_escape_label_keeps_text_readable() -> None:
    assert ui.escape_label("[1] A > B_c *d* $5") == r"\[1\] A > B\_c \*d\* \$5"


def test_hit_label() -> None:
    label = ui.hit_label(1, Hit(passage(), 0.0325))
    assert label == "1 · Border Security Strategy > Belts of Control ¶3 (report:p0042) · score 0.0325"


def test_verdicts() -> None:
    sentences = [
        Sentence("a", (1,), "supported"),
        Sentence("b", (1,), "supported"),
        Sentence("c", (2,), "repaired", "citation replaced"),
        Sentence("d", (), "dropped"),
    ]
    assert ui.verdict_summary(sentences) == "✓ 2 supported · ↻ 1 repaired · ✗ 1 dropped"
    assert ui.verdict_summary([]) == ""
    assert ui.sentence_verdict_line(sentences[2]) == "↻ repaired [2] (citation replaced): c"
    assert ui.sentence_verdict_line(sentences[3]) == "✗ dropped: d"


def test_assistant_factory_resolves_a_spec() -> None:
    assert ui.assistant_factory("os:getcwd") is __import__("os").getcwd


def test_assistant_factory_default_is_from_settings() -> None:
    from borderqa.assistant import Assistant

    assert ui.assistant_factory("") == Assistant.from_settings


@pytest.mark.parametrize("spec", ["nocolon", "no_such_module_xyz:f", "os:no_such_attr", "os:sep"])
def test_assistant_factory_bad_specs_are_config_errors(spec: str) -> None:
    with pytest.raises(ConfigError, match="BORDERQA_UI_ASSISTANT"):
        ui.assistant_factory(spec)


@pytest.mark.parametrize("text", [TEXT, "a & b &amp; <i>x</i> \\ ¿qué? — “quoted” 'single'", "&#35;"])
def test_escape_round_trips_through_an_html_parser(text: str) -> None:
    import html

    assert html.unescape(ui.escape(text)) == text


def answer(**kw: object) -> Answer:
    base: dict[str, object] = dict(
        question="How long?",
        text="The border is 714 miles long [1]. It is porous [1]. It is the longest [2].",
        answerable=True,
        generator="extractive",
        citations=(Citation(1, passage(), ("Mexico's southern border is 714 miles long.",)),),
        sentences=(
            Sentence("The border is 714 miles long.", (1,), "supported", role="lead"),
            Sentence("It is porous.", (1,), "repaired", "citation replaced"),
            Sentence("It is the longest.", (2,), "dropped"),
        ),
        lead="The border is 714 miles long [1].",
        span="714 miles",
    )
    base.update(kw)
    return Answer(**base)  # type: ignore[arg-type]


def test_lead_is_prose_with_the_span_and_linked_markers() -> None:
    out = ui.lead_html(answer(), "k1")
    assert '<strong class="borderqa-span">714 miles</strong>' in out
    assert '<a class="borderqa-marker" href="#cite-k1-1"' in out
    assert "porous" not in out  # supporting quotes come after, not in the lead


def test_lead_falls_back_to_the_lead_sentence_then_the_text() -> None:
    assert ui.lead_text(answer(lead="")) == "The border is 714 miles long. [1]"
    assert ui.lead_text(answer(lead="", sentences=())) == answer().text


def test_quotes_never_show_a_dropped_sentence_and_mark_a_repaired_one() -> None:
    out = ui.quotes_html(answer(), "k1")
    assert "It is porous." in out and "↻ re-cited" in out and 'title="citation replaced"' in out
    assert "longest" not in out and "714 miles long" not in out


def test_citation_card_has_locator_highlight_context_and_reader_link() -> None:
    before = passage("The paragraph before.")
    after = passage("The paragraph after.")
    out = ui.citation_card_html(answer().citations[0], "k1", before, after, span="714 miles")
    assert out.startswith('<details class="borderqa-card"><summary><b>&#91;1&#93;</b> Border Security Strategy &#62; Belts of Control ¶3')
    assert '<div class="borderqa-card-body" id="cite-k1-1">' in out
    assert '<mark>Mexico&#39;s southern border is <strong class="borderqa-span">714 miles</strong> long.</mark>' in out
    assert "Read in context" in out and "The paragraph before." in out and "The paragraph after." in out
    assert 'href="reader?p=report:p0042"' in out


def test_refusal_title_reason_and_nearest_sections() -> None:
    refusal = answer(
        status="not_in_report",
        reason="it was written in June 2014.",
        related_sections=("Border Security Strategy > Belts of Control", "Introduction", "Nowhere"),
    )
    assert ui.refusal_title(refusal) == "The report does not say: it was written in June 2014."
    assert ui.refusal_title(answer(status="false_premise")).startswith("The report does not support")
    intro = Passage("report:p0001", "report", ("Introduction",), 1, 1, "x")
    assert ui.nearest_sections(refusal, [intro]) == [
        ("Border Security Strategy > Belts of Control", "report:p0042"),  # its cited pointer passage
        ("Introduction", "report:p0001"),  # the section's first paragraph
    ]
    assert ui.answer_caption(refusal) == "extractive"  # no "✓ supported" on a refusal
    assert ui.scoped_question("A > Belts of Control") == "What does the report say in the section “Belts of Control”?"


def test_reader_helpers() -> None:
    a = Passage("report:p0001", "report", ("Intro",), 1, 1, "one")
    b = Passage("report:p0002", "report", ("Intro",), 2, 2, "two", cites=("INM 2013",))
    c = Passage("report:p0003", "report", ("Intro", "Sub"), 1, 3, "three", kind="list_item")
    assert ui.sections([a, b, c]) == [("Intro", [a, b]), ("Intro > Sub", [c])]
    assert ui.toc_label("Intro > Sub", 1) == "\u2003Sub (1)"
    out = ui.paragraph_html(b, target=True)
    assert '<div class="borderqa-para borderqa-target" id="para-report-p0002">' in out
    assert "report:p0002 · ¶2" in out and "The report&#39;s source notes on: “INM 2013”" in out
    assert "list item" in ui.paragraph_html(c)
