"""The Streamlit UI (app.py and pages/) under Streamlit's AppTest, on a fake assistant.

app.py builds its Assistant with the zero-argument factory named by ``BORDERQA_UI_ASSISTANT``
("module:function"); these tests point it at ``make_fake`` below. AppTest runs the script in this
process, so the factory is this very module, and the conversation store is the one the page used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from borderqa import ui_session
from borderqa.errors import ConfigError, GeneratorError, QueryError
from borderqa.feedback import FeedbackStore
from borderqa.index import IndexState
from borderqa.transcript import conversation_markdown
from borderqa.types import Answer, Citation, Hit, Passage, Sentence, Turn

APP = str(Path(__file__).resolve().parents[1] / "app.py")
QUESTION = "How long is Mexico's southern border?"
P0 = Passage("report:p0001", "report", ("Introduction",), 1, 1, "The report opens here.")
P1 = Passage(
    "report:p0002",
    "report",
    ("Introduction",),
    2,
    2,
    "Staff visited the north. This is our first report on Mexico's 714-mile southern border zone. It costs $5 & more.",
)
P2 = Passage(
    "report:p0042",
    "report",
    ("Border Security Strategy", "Belts of Control"),
    3,
    42,
    "Checkpoints stand along the highways north of the border.",
    cites=("INM 2013",),
)
P3 = Passage("report:p0043", "report", ("Border Security Strategy", "Belts of Control"), 4, 43, "A fourth belt runs inland.")
ANSWER_TEXT = "Mexico's southern border is 714 miles long [1]. Checkpoints stand north of it [2]."


def good_answer(question: str, generator: str | None) -> Answer:
    return Answer(
        question=question,
        text=ANSWER_TEXT,
        answerable=True,
        generator=generator or "extractive",
        citations=(
            Citation(1, P1, ("This is our first report on Mexico's 714-mile southern border zone.",)),
            Citation(2, P2, ("Checkpoints stand along the highways north of the border.",)),
        ),
        sentences=(
            Sentence("Mexico's southern border is 714 miles long.", (1,), "supported", role="lead"),
            Sentence("Checkpoints stand north of it.", (2,), "repaired", "citation replaced"),
            Sentence("It is the longest border in the world.", (), "dropped"),
        ),
        lead="Mexico's southern border is 714 miles long [1].",
        span="714-mile",
        timings={"total": 0.25},
    )


def refusal(question: str, generator: str | None) -> Answer:
    lead = "The report does not say: it was written in June 2014."
    return Answer(
        question=question,
        text=f"{lead} The closest related material is in “Border Security Strategy > Belts of Control” [1].",
        answerable=False,
        generator=generator or "extractive",
        citations=(Citation(1, P2),),
        sentences=(
            Sentence(lead, (), "supported", "refusal", role="refusal"),
            Sentence("The closest related material is in … [1].", (1,), "supported", "pointer", role="pointer"),
        ),
        related_sections=("Border Security Strategy > Belts of Control", "Introduction"),
        status="not_in_report",
        lead=lead,
        reason="it was written in June 2014",
    )


class FakeAssistant:
    """Answers by keyword: "boom" fails with a GeneratorError, "crash" with a RuntimeError, "2030" is out of
    the report's scope, "slow" waits for ``release``; anything else gets the 714-mile answer."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.release = threading.Event()
        self.slow_started = threading.Event()

    def index_state(self) -> IndexState:
        return IndexState(True, True, "", {"passages": 310, "built_at": "2014-06-01T00:00:00+0000"})

    def passages(self) -> list[Passage]:
        return [P0, P1, P2, P3]

    def search(self, query: str, k: int | None = None, mode: str | None = None) -> list[Hit]:
        self.calls.append(("search", query, k))
        return [Hit(P1, 0.5), Hit(P2, 0.25)][: k or 5]

    def stream(
        self, question: str, history: Sequence[Turn] | None = None, generator: str | None = None
    ) -> Iterator[str | Answer]:
        self.calls.append(("stream", question, list(history or ()), generator))
        if not question.strip():
            raise QueryError("the question is empty: type a question about the report")
        if "boom" in question:
            raise GeneratorError("the language model is unreachable: start it or choose the extractive generator")
        if "crash" in question:
            raise RuntimeError("unexpected internals")
        if "2030" in question:
            yield "The report does not say."
            yield refusal(question, generator)
            return
        yield "Mexico's southern border "
        if "slow" in question:
            self.slow_started.set()
            assert self.release.wait(20), "the test never released the slow answer"
        yield "is 714 miles long [1]."
        yield good_answer(question, generator)


FAKE = FakeAssistant()


def make_fake() -> FakeAssistant:
    return FAKE


def make_broken() -> FakeAssistant:
    raise ConfigError("bad setting 'index_dir': run `borderqa index` first")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("BORDERQA_UI_ASSISTANT", f"{__name__}:make_fake")
    monkeypatch.setenv("BORDERQA_DATA_DIR", str(tmp_path / "data"))
    FAKE.calls.clear()
    FAKE.release.clear()
    FAKE.slow_started.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def conversation(at: AppTest) -> Any:
    return ui_session.conversations().get(at.session_state["conversation_id"])


def test_empty_chat_offers_example_questions(app: AppTest) -> None:
    labels = [b.label for b in app.button]
    assert "How long is Mexico's southern border?" in labels
    app.button(key="example-1").click().run()
    assert FAKE.calls[0][:2] == ("stream", "What is La Bestia?")
    assert [m.name for m in app.chat_message] == ["user", "assistant"]


def test_sidebar_shows_generators_index_and_report_date(app: AppTest) -> None:
    assert app.sidebar.radio[0].value == "extractive"
    assert "June 2014" in app.sidebar.info[0].value
    assert "310 passages" in app.sidebar.success[0].value
    assert app.sidebar.slider[0].disabled


def test_answer_lead_quotes_and_citation_cards(app: AppTest) -> None:
    ask(app, QUESTION)
    text = all_markdown(app)
    key = conversation(app).messages()[1].id
    # The direct answer first, as prose, with its marker linked to card 1 (an element inside it).
    lead = next(m.value for m in app.markdown if "borderqa-lead" in m.value)
    assert "714 miles long" in lead and f'href="#cite-{key}-1"' in lead
    # Then the supporting quote, marked as re-cited; the dropped sentence is never shown as an answer.
    quotes = next(m.value for m in app.markdown if "borderqa-quotes" in m.value)
    assert "Checkpoints stand north of it" in quotes and "↻ re-cited" in quotes
    assert "longest border" not in lead + quotes
    # Cards: section path, paragraph number, id, the quote marked, the answer span in bold, escaped text.
    assert f'id="cite-{key}-1"' in text and f'id="cite-{key}-2"' in text
    assert "Border Security Strategy &#62; Belts of Control ¶3" in text
    assert '<mark>This is our first report on Mexico&#39;s <strong class="borderqa-span">714-mile</strong>' in text
    assert "&#36;5 &#38; more." in text
    # Read in context: the paragraphs before and after; and the deep link into the reader.
    assert "Read in context" in text and "The report opens here." in text
    assert 'href="reader?p=report:p0002"' in text
    captions = [c.value for c in app.caption]
    assert "extractive · 0.25 s · ✓ 1 supported · ↻ 1 repaired · ✗ 1 dropped" in captions
    assert any("✗ dropped: It is the longest border in the world." in c for c in captions)
    assert "Sentence check" in [e.label for e in app.expander]
    assert FAKE.calls == [("stream", QUESTION, [], "extractive")]


def test_follow_up_gets_history_and_generator(app: AppTest) -> None:
    ask(app, QUESTION)
    app.sidebar.radio[0].set_value("local").run()
    ask(app, "And the northern one?")
    assert FAKE.calls[-1] == (
        "stream",
        "And the northern one?",
        [Turn("user", QUESTION), Turn("assistant", ANSWER_TEXT)],
        "local",
    )
    assert [m.name for m in app.chat_message] == ["user", "assistant", "user", "assistant"]


def test_refusal_is_an_info_box_with_section_buttons(app: AppTest) -> None:
    ask(app, "What will the border look like in 2030?")
    assert [i.value for i in app.info if "does not say" in i.value] == [
        "The report does not say: it was written in June 2014."
    ]
    assert not any("supported" in c.value for c in app.caption if "extractive" in c.value)
    labels = [b.label for b in app.button]
    assert labels.count("Read it") == 2 and labels.count("Ask about it") == 2
    # "Ask about it" asks a question scoped to that section.
    next(b for b in app.button if b.label == "Ask about it").click().run()
    assert FAKE.calls[-1][1] == "What does the report say in the section “Belts of Control”?"
    # "Read it" opens the reader at the pointer's paragraph.
    next(b for b in app.button if b.label == "Read it").click().run()
    assert not app.exception
    assert app.query_params["p"] == "report:p0042"
    target = next(m.value for m in app.markdown if "borderqa-target" in m.value)
    assert '<div class="borderqa-para borderqa-target" id="para-report-p0042">' in target
    assert "The report&#39;s source notes on: “INM 2013”" in target


def test_reader_deep_link_contents_and_search(app: AppTest) -> None:
    app.switch_page("pages/reader.py")
    app.query_params["p"] = "report:p0043"
    app.run()
    assert not app.exception
    assert "report:p0043 · ¶4" in all_markdown(app)
    assert app.sidebar.radio[0].value == 1  # the section "Belts of Control" in the contents
    app.text_input(key="reader-search").set_value("checkpoints").run()
    assert ("search", "checkpoints", 8) in FAKE.calls
    app.button(key="go-0").click().run()
    assert app.query_params["p"] == "report:p0002"
    assert app.sidebar.radio[0].value == 0


def test_question_sent_while_another_streams_keeps_both_turns(app: AppTest) -> None:
    app.chat_input[0].set_value("slow: how long is the border?")
    # The page reruns while the first answer streams (here: the run is stopped mid-stream, as a rerun does).
    with pytest.raises(RuntimeError, match="timed out"):
        app.run(timeout=1.5)
    assert FAKE.slow_started.is_set()
    threading.Timer(0.5, FAKE.release.set).start()
    ask(app, "And the northern one?")
    assert [m.name for m in app.chat_message] == ["user", "assistant", "user", "assistant"]
    messages = conversation(app).messages()
    assert [m.content for m in messages if m.role == "user"] == ["slow: how long is the border?", "And the northern one?"]
    assert all(m.answer is not None for m in messages if m.role == "assistant")
    # The follow-up was resolved against the first answer, which had finished meanwhile.
    assert FAKE.calls[-1][2] == [Turn("user", "slow: how long is the border?"), Turn("assistant", ANSWER_TEXT)]


def test_reload_keeps_the_conversation(app: AppTest) -> None:
    ask(app, QUESTION)
    cid = app.session_state["conversation_id"]
    assert app.query_params["c"] == cid
    reloaded = AppTest.from_file(APP, default_timeout=30)  # a new browser session with the same URL
    reloaded.query_params["c"] = cid
    reloaded.run()
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant"]
    assert FAKE.calls == [("stream", QUESTION, [], "extractive")]  # shown again, not asked again


def test_feedback_is_saved_and_exported(app: AppTest, tmp_path: Path) -> None:
    ask(app, QUESTION)
    app.feedback[0].set_value(1).run()
    app.text_area[0].set_value("Right figure, «good» 👍🏽").run()
    next(b for b in app.button if b.label == "Send feedback").click().run()
    store = FeedbackStore(tmp_path / "data")
    records = store.records()
    assert [(r.rating, r.comment) for r in records] == [("up", ""), ("up", "Right figure, «good» 👍🏽")]
    r = records[-1]
    assert r.question == QUESTION and r.answer == ANSWER_TEXT and r.app_version
    assert [c["id"] for c in r.citations] == ["report:p0002", "report:p0042"]
    assert any("Feedback saved (helpful)" in c.value for c in app.caption)
    assert "Right figure" in store.export("csv") and '"rating": "up"' in store.export("jsonl")


def test_feedback_comment_too_long_is_refused_and_kept(app: AppTest, tmp_path: Path) -> None:
    ask(app, QUESTION)
    app.text_area[0].set_value("x" * 10_000_001).run()
    next(b for b in app.button if b.label == "Send feedback").click().run()
    assert any("the limit is 10,000" in e.value for e in app.error)
    assert len(app.text_area[0].value) == 10_000_001  # the text stays in the box
    assert FeedbackStore(tmp_path / "data").records() == []


def test_export_markdown(app: AppTest) -> None:
    assert app.sidebar.download_button[0].disabled
    ask(app, QUESTION)
    ask(app, "What will the border look like in 2030?")
    button = app.sidebar.download_button[0]
    assert button.label == "Export conversation (Markdown)" and not button.disabled
    md = conversation_markdown(conversation(app).exchanges())
    assert "## 1. How long is Mexico's southern border?" in md
    assert "[1] Introduction ¶2, report:p0002" in md
    assert "> “This is our first report on Mexico's 714-mile southern border zone.”" in md
    assert "## 2. What will the border look like in 2030?" in md and "*Not in the report.*" in md


def test_new_conversation_asks_before_clearing_a_long_one(app: AppTest) -> None:
    ask(app, QUESTION)
    app.sidebar.button(key=None)
    new = next(b for b in app.sidebar.button if b.label == "New conversation")
    new.click().run()
    assert len(app.chat_message) == 0  # a short conversation is cleared at once
    old = app.session_state["conversation_id"]
    for q in (QUESTION, "And the northern one?", "And the western one?"):
        ask(app, q)
    next(b for b in app.sidebar.button if b.label == "New conversation").click().run()
    assert "Clear this conversation of 3 questions?" in app.sidebar.warning[0].value
    assert len(app.chat_message) == 6
    next(b for b in app.sidebar.button if b.label == "Keep it").click().run()
    assert len(app.chat_message) == 6 and not app.sidebar.warning
    next(b for b in app.sidebar.button if b.label == "New conversation").click().run()
    next(b for b in app.sidebar.button if b.label == "Yes, start over").click().run()
    assert len(app.chat_message) == 0
    assert app.session_state["conversation_id"] != old


def test_search_only_mode_lists_passages(app: AppTest) -> None:
    app.sidebar.toggle[0].set_value(True).run()
    app.sidebar.slider[0].set_value(1).run()
    ask(app, QUESTION)
    assert FAKE.calls == [("search", QUESTION, 1)]
    assert [e.label for e in app.expander] == ["1 · Introduction ¶2 (report:p0002) · score 0.5000"]


def test_library_error_is_shown_without_traceback(app: AppTest) -> None:
    ask(app, "boom?")
    assert [e.value for e in app.error] == [
        "the language model is unreachable: start it or choose the extractive generator"
    ]


def test_unexpected_error_is_shown_without_traceback(app: AppTest) -> None:
    ask(app, "crash?")
    assert [e.value for e in app.error] == ["Something went wrong (RuntimeError): unexpected internals"]


def test_assistant_that_cannot_be_built_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERQA_UI_ASSISTANT", f"{__name__}:make_broken")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert [e.value for e in at.error] == ["bad setting 'index_dir': run `borderqa index` first"]
    assert not at.exception
    assert len(at.chat_input) == 0


def test_failure_mid_stream_leaves_only_the_error(app: AppTest) -> None:
    def failing(question: str, history: Any = None, generator: Any = None) -> Iterator[str | Answer]:
        yield "Partial text that must not stay "
        raise GeneratorError("the model server went away")

    original = FAKE.stream
    FAKE.stream = failing  # type: ignore[method-assign]
    try:
        ask(app, QUESTION)
    finally:
        FAKE.stream = original  # type: ignore[method-assign]
    assert [e.value for e in app.error] == ["the model server went away"]
    assert "Partial text" not in all_markdown(app)


def test_user_text_is_escaped(app: AppTest) -> None:
    ask(app, "<b>How</b> long is it, $5 or *6*?")
    assert "<div>&#60;b&#62;How&#60;/b&#62; long is it, &#36;5 or &#42;6&#42;?</div>" in all_markdown(app)
