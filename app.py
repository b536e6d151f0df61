"""BorderQA chat UI: ``streamlit run app.py``.

A thin shell: it reads input, calls the ``Assistant`` and renders what comes back (HTML helpers in
``borderqa.ui_render``). The Assistant is ``Assistant.from_settings()`` (``BORDERQA_*`` settings), or
the zero-argument factory named by ``BORDERQA_UI_ASSISTANT="package.module:function"``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

import streamlit as st

from borderqa import ui_render as ui
from borderqa.errors import BorderQAError
from borderqa.types import Answer

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

log = logging.getLogger("borderqa.app")

GENERATORS = {
    "extractive": "Extractive: the report's own sentences",
    "local": "Local language model (llama.cpp)",
    "openai": "OpenAI-compatible server",
}
STYLE = """<style>
.borderqa-answer sup { color: #1c64b0; font-weight: 600; }
.borderqa-passage { line-height: 1.55; }
.borderqa-passage mark { background: #fff1a8; padding: 0 .1em; }
</style>"""


@st.cache_resource(show_spinner="Opening the report index…")
def load_assistant(factory_spec: str) -> Assistant:
    assistant = ui.assistant_factory(factory_spec)()
    warm_up = getattr(assistant, "warm_up", None)  # test doubles may not have one
    if warm_up is not None:
        with contextlib.suppress(BorderQAError):  # no index yet: the page says so when a question is asked
            warm_up()
    return assistant


def html(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def render_answer(answer: Answer) -> None:
    html(ui.answer_html(answer.text))
    if not answer.answerable and answer.related_sections:
        st.markdown("**Related sections of the report**")
        html("<ul>" + "".join(f"<li>{ui.escape(s)}</li>" for s in answer.related_sections) + "</ul>")
    for c in answer.citations:
        with st.expander(ui.escape_label(ui.citation_label(c))):
            html(ui.passage_html(c.passage.text, c.quotes))
            if c.sources:
                html(ui.sources_html(c))
    summary = ui.verdict_summary(answer.sentences)
    st.caption(f"{answer.generator} · {summary}" if summary else answer.generator)
    if any(s.verdict != "supported" for s in answer.sentences):
        with st.expander("Sentence check"):
            for s in answer.sentences:
                st.caption(ui.escape_label(ui.sentence_verdict_line(s)))


def render_body(m: ui.ChatMessage) -> None:
    if m.role == "user":
        html(f"<div>{ui.escape(m.content)}</div>")
    elif m.error:
        st.error(m.error)
    elif m.answer is not None:
        render_answer(m.answer)
    else:
        st.caption(f"{len(m.hits)} passages for “{m.content}”")
        for rank, hit in enumerate(m.hits, 1):
            with st.expander(ui.escape_label(ui.hit_label(rank, hit))):
                html(ui.passage_html(hit.passage.text))


def render_message(m: ui.ChatMessage) -> None:
    with st.chat_message(m.role):
        render_body(m)


def stream_answer(items: Iterable[str | Answer]) -> Answer:
    """Show chunks as they come, then replace them with the verified answer."""
    placeholder = st.empty()
    placeholder.caption("Reading the report…")
    text = ""
    try:
        for item in items:
            if isinstance(item, Answer):
                return item
            text += item
            placeholder.markdown(ui.answer_html(text + " ▌"), unsafe_allow_html=True)
    finally:
        placeholder.empty()
    raise BorderQAError("the answer stream ended without an answer; try again")


def respond(assistant: Assistant, question: str, generator: str, search_k: int | None) -> ui.ChatMessage:
    history = ui.history_turns(st.session_state.messages)
    try:
        if search_k is not None:
            return ui.ChatMessage("assistant", question, hits=assistant.search(question, k=search_k))
        answer = stream_answer(assistant.stream(question, history=history, generator=generator))
        return ui.ChatMessage("assistant", answer.text, answer=answer)
    except BorderQAError as exc:
        return ui.ChatMessage("assistant", "", error=str(exc))
    except Exception as exc:  # a shell never shows a traceback
        log.exception("answering %r failed", question)
        return ui.ChatMessage("assistant", "", error=f"Something went wrong ({type(exc).__name__}): {exc}")


def sidebar(assistant: Assistant) -> tuple[str, int | None]:
    with st.sidebar:
        st.title("BorderQA")
        st.markdown("Answers from WOLA's report **Mexico's Other Border**, every sentence cited.")
        st.info(
            "The report is dated **June 2014**: it cannot speak to anything later.", icon=":material/event:"
        )
        generator = st.radio("Answer with", list(GENERATORS), format_func=GENERATORS.__getitem__)
        search_only = st.toggle("Search only: show passages, no answer")
        k = st.slider("Passages to show (k)", 1, 20, 5, disabled=not search_only)
        state = assistant.index_state()
        if state.exists and state.fresh:
            st.success(
                f"Index ready: {state.manifest.get('passages', '?')} passages", icon=":material/check_circle:"
            )
        else:
            st.warning(
                f"Index not ready: {state.reason or 'missing'}. Run `borderqa index`.",
                icon=":material/warning:",
            )
        if st.button("New conversation"):
            st.session_state.messages = []
    return str(generator), (k if search_only else None)


def main() -> None:
    st.set_page_config(page_title="BorderQA", page_icon=":material/travel_explore:")
    html(STYLE)
    st.session_state.setdefault("messages", [])
    try:
        assistant = load_assistant(os.environ.get(ui.ASSISTANT_FACTORY_ENV, ""))
        generator, search_k = sidebar(assistant)
    except BorderQAError as exc:
        st.error(str(exc))
        st.stop()
    question = st.chat_input("Ask about Mexico's southern border…")  # pinned to the bottom of the page
    if not st.session_state.messages and not question:
        st.caption("Ask about Mexico's southern border, for example: How long is Mexico's southern border?")
    for m in st.session_state.messages:
        render_message(m)
    if question:
        asked = ui.ChatMessage("user", question)
        render_message(asked)
        with st.chat_message("assistant"):
            reply = respond(assistant, question, generator, search_k)
            render_body(reply)
        st.session_state.messages += [asked, reply]


main()
