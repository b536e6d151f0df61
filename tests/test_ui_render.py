"""The UI's pure helpers: escaping, quote highlighting, labels, chat history, the factory hook."""

from __future__ import annotations

import pytest

from borderqa import ui_render as ui
from borderqa.errors import ConfigError
from borderqa.types import Answer, Citation, Hit, Passage, Sentence, Turn

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


def test_history_turns_keeps_questions_and_answers_only() -> None:
    answer = Answer(question="q1", text="It is 714 miles long [1].", answerable=True, generator="extractive")
    messages = [
        ui.ChatMessage("user", "q1"),
        ui.ChatMessage("assistant", answer.text, answer=answer),
        ui.ChatMessage("user", "q2"),
        ui.ChatMessage("assistant", "q2", hits=[Hit(passage(), 0.1)]),  # search results
        ui.ChatMessage("user", "q3"),
        ui.ChatMessage("assistant", "", error="boom"),
    ]
    assert ui.history_turns(messages) == [
        Turn("user", "q1"),
        Turn("assistant", "It is 714 miles long [1]."),
        Turn("user", "q2"),
        Turn("user", "q3"),
    ]


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


def test_source_citation_label_and_provenance_html() -> None:
    from borderqa.types import SourceSupport

    src = Passage("bulletin:p0007", "bulletin", ("Shelter Arrivals",), 1, 7, "Arrivals rose to 1,274 <fast>.",
                  pages=(4, 4))
    c = Citation(1, src, document_title="Crossings at the Suchiate River")
    assert ui.citation_label(c) == "[1] Crossings at the Suchiate River, p. 4 ¶1 (bulletin:p0007)"
    found = SourceSupport("Arrivals rose.", "statistics", "bulletin", "Bulletin", src, "Arrivals rose to 1,274 <fast>.",
                          0.9, True)
    missing = SourceSupport("Other.", "79,416", "bulletin", "Bulletin", note="the source does not appear to contain it")
    markup = ui.sources_html(Citation(2, passage(), sources=(found, missing)))
    assert "Source for “statistics”: <em>Bulletin</em>, p. 4 ¶1: <mark>Arrivals rose to 1,274 &#60;fast&#62;.</mark>" in markup
    assert "Source for “79,416”: <em>Bulletin</em>: the source does not appear to contain it" in markup
    assert ui.sources_html(Citation(3, passage())) == ""
