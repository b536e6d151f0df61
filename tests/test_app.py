"""The Streamlit UI (app.py) under Streamlit's AppTest, on a fake assistant.

app.py builds its Assistant with the zero-argument factory named by ``BORDERQA_UI_ASSISTANT``
("module:function"); these tests point it at ``make_fake`` below. AppTest runs the script in this
process, so the factory is this very module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from borderqa.errors import ConfigError, GeneratorError, QueryError
from borderqa.index import IndexState
from borderqa.types import Answer, Citation, Hit, Passage, Sentence, Turn

APP = str(Path(__file__).resolve().parents[1] / "app.py")
QUESTION = "How long is Mexico's southern border?"
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
)


class FakeAssistant:
    """Answers by keyword: "boom" fails with a GeneratorError, "crash" with a RuntimeError,
    "2030" is out of the report's scope; anything else gets the 714-mile answer."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def index_state(self) -> IndexState:
        return IndexState(True, True, "", {"passages": 310, "built_at": "2014-06-01T00:00:00+0000"})

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
            raise GeneratorError(
                "the language model is unreachable: start it or choose the extractive generator"
            )
        if "crash" in question:
            raise RuntimeError("unexpected internals")
        if "2030" in question:
            text = "The report does not say. The closest related material is in “Border Security Strategy > Belts of Control” [1]."
            yield text
            yield Answer(
                question=question,
                text=text,
                answerable=False,
                generator=generator or "extractive",
                citations=(Citation(1, P2),),
                sentences=(Sentence("The report does not say.", (), "supported", "refusal"),),
                related_sections=("Border Security Strategy > Belts of Control", "Introduction"),
            )
            return
        yield "Mexico's southern border "
        yield "is 714 miles long [1]."
        yield Answer(
            question=question,
            text="Mexico's southern border is 714 miles long [1]. Checkpoints stand north of it [2].",
            answerable=True,
            generator=generator or "extractive",
            citations=(
                Citation(1, P1, ("This is our first report on Mexico's 714-mile southern border zone.",)),
                Citation(2, P2, ("Checkpoints stand along the highways north of the border.",)),
            ),
            sentences=(
                Sentence("Mexico's southern border is 714 miles long.", (1,), "supported"),
                Sentence("Checkpoints stand north of it.", (2,), "repaired", "citation replaced"),
                Sentence("It is the longest border in the world.", (), "dropped"),
            ),
        )


FAKE = FakeAssistant()


def make_fake() -> FakeAssistant:
    return FAKE


def make_broken() -> FakeAssistant:
    raise ConfigError("bad setting 'index_dir': run `borderqa index` first")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BORDERQA_UI_ASSISTANT", f"{__name__}:make_fake")
    FAKE.calls.clear()
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


def test_sidebar_shows_generators_index_and_report_date(app: AppTest) -> None:
    assert app.sidebar.radio[0].options == [
        "Extractive: the report's own sentences",
        "Local language model (llama.cpp)",
        "OpenAI-compatible server",
    ]
    assert app.sidebar.radio[0].value == "extractive"
    assert "June 2014" in app.sidebar.info[0].value
    assert "310 passages" in app.sidebar.success[0].value
    assert app.sidebar.slider[0].disabled


def test_question_renders_answer_citations_and_verdicts(app: AppTest) -> None:
    ask(app, QUESTION)
    text = all_markdown(app)
    assert "714 miles long <sup>&#91;1&#93;</sup>" in text
    labels = [e.label for e in app.expander]
    assert r"\[1\] Introduction ¶2 (report:p0002)" in labels
    assert r"\[2\] Border Security Strategy > Belts of Control ¶3 (report:p0042)" in labels
    # The quoted sentence is highlighted inside the escaped passage text.
    assert "<mark>This is our first report on Mexico&#39;s 714-mile southern border zone.</mark>" in text
    assert "&#36;5 &#38; more." in text
    captions = [c.value for c in app.caption]
    assert "extractive · ✓ 1 supported · ↻ 1 repaired · ✗ 1 dropped" in captions
    assert any("✗ dropped: It is the longest border in the world." in c for c in captions)
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    assert FAKE.calls == [("stream", QUESTION, [], "extractive")]


def test_history_and_generator_are_passed_on(app: AppTest) -> None:
    ask(app, QUESTION)
    app.sidebar.radio[0].set_value("local").run()
    ask(app, "And the northern one?")
    assert FAKE.calls[-1] == (
        "stream",
        "And the northern one?",
        [
            Turn("user", QUESTION),
            Turn(
                "assistant",
                "Mexico's southern border is 714 miles long [1]. Checkpoints stand north of it [2].",
            ),
        ],
        "local",
    )
    assert [m.name for m in app.chat_message] == ["user", "assistant", "user", "assistant"]


def test_unanswerable_question_shows_related_sections(app: AppTest) -> None:
    ask(app, "What will the border look like in 2030?")
    text = all_markdown(app)
    assert "The report does not say." in text
    assert "Related sections of the report" in text
    assert "<li>Border Security Strategy &#62; Belts of Control</li>" in text
    assert r"\[1\] Border Security Strategy > Belts of Control ¶3 (report:p0042)" in [
        e.label for e in app.expander
    ]


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
    assert not app.exception


def test_unexpected_error_is_shown_without_traceback(app: AppTest) -> None:
    ask(app, "crash?")
    assert [e.value for e in app.error] == ["Something went wrong (RuntimeError): unexpected internals"]
    assert not app.exception


def test_new_conversation_clears_history(app: AppTest) -> None:
    ask(app, QUESTION)
    app.sidebar.button[0].click().run()
    assert len(app.chat_message) == 0


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
