"""The conversation page (see app.py). Reads input, hands questions to the worker, renders what comes back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from borderqa import ui_render as ui
from borderqa import ui_session as session
from borderqa.errors import BorderQAError
from borderqa.feedback import FeedbackError
from borderqa.transcript import conversation_markdown
from borderqa.types import Answer, Passage, neighbours
from borderqa.ui_chat import AnswerJob, ChatMessage, Conversation

GENERATORS = {
    "extractive": "Extractive: the report's own sentences",
    "local": "Local language model (llama.cpp)",
    "openai": "OpenAI-compatible server",
}
EXAMPLES = (
    "How long is Mexico's southern border?",
    "What is La Bestia?",
    "How many migrants did Mexico deport in 2013?",
    "What are the belts of control?",
)
READER = "pages/reader.py"
html = session.html


def passages(assistant: Any) -> list[Passage]:
    try:
        return list(assistant.passages())
    except BorderQAError:
        return []


# --- feedback ------------------------------------------------------------------------------------------


def save_feedback(conv: Conversation, reply: ChatMessage, rating_key: str, comment_key: str | None) -> None:
    value = st.session_state.get(rating_key)
    rating = None if value is None else ("up" if value == 1 else "down")
    comment = st.session_state.get(comment_key, "") if comment_key else ""
    if rating is None and comment_key is None:  # a thumb clicked off again: nothing to store
        return
    store = session.feedback_store(session.settings_data_dir())
    assert reply.answer is not None
    try:
        store.add(reply.answer, conversation_id=conv.id, answer_id=reply.id, rating=rating, comment=comment)
    except FeedbackError as exc:
        st.session_state[f"fb-error-{reply.id}"] = str(exc)
    else:
        st.session_state.pop(f"fb-error-{reply.id}", None)


def render_feedback(conv: Conversation, reply: ChatMessage) -> None:
    store = session.feedback_store(session.settings_data_dir())
    stored = store.latest(reply.id)
    rating_key, comment_key = f"fb-{reply.id}", f"fbc-{reply.id}"
    default = None if stored is None or stored.rating is None else int(stored.rating == "up")
    cols = st.columns([1, 5])
    with cols[0]:
        st.feedback(
            "thumbs", key=rating_key, default=default, on_change=save_feedback, args=(conv, reply, rating_key, None)
        )
    with cols[1]:
        if stored is not None:
            rating = {"up": " (helpful)", "down": " (not helpful)"}.get(stored.rating or "", "")
            comment = f" · “{stored.comment[:120]}{'…' if len(stored.comment) > 120 else ''}”" if stored.comment else ""
            st.caption(":material/check: " + ui.escape_label(f"Feedback saved{rating}{comment}"))
    with st.expander("Add a comment"):
        st.text_area("What was wrong or missing? (optional)", key=comment_key)
        st.button(
            "Send feedback",
            key=f"fbs-{reply.id}",
            on_click=save_feedback,
            args=(conv, reply, rating_key, comment_key),
        )
    error = st.session_state.get(f"fb-error-{reply.id}")
    if error:
        st.error(error)


# --- answers ---------------------------------------------------------------------------------------------


def render_cards(answer: Answer, key: str, all_passages: list[Passage]) -> None:
    cards = []
    for c in answer.citations:
        before, after = neighbours(all_passages, c.passage.id)
        span = answer.span if c is answer.citations[0] else ""  # the span is from the first cited passage
        cards.append(ui.citation_card_html(c, key, before, after, span))
    if cards:
        html(f'<div class="borderqa-cards">{"".join(cards)}</div>')


def render_refusal(conv: Conversation, reply: ChatMessage, answer: Answer, all_passages: list[Passage]) -> None:
    st.info(ui.escape_label(ui.refusal_title(answer)), icon=":material/info:")
    if answer.status == "false_premise":
        st.caption("What the report says instead:")
        html(ui.quotes_html(answer, reply.id))
        render_cards(answer, reply.id, all_passages)
    sections = ui.nearest_sections(answer, all_passages)
    if sections:
        st.markdown("**Nearest sections of the report**")
    for i, (section, pid) in enumerate(sections):
        cols = st.columns([5, 1.4, 1.8], vertical_alignment="center")
        cols[0].markdown(ui.escape_label(section))
        if cols[1].button("Read it", key=f"read-{reply.id}-{i}", icon=":material/menu_book:"):
            st.switch_page(READER, query_params={"p": pid})
        cols[2].button(
            "Ask about it",
            key=f"askabout-{reply.id}-{i}",
            icon=":material/chat:",
            on_click=conv.ask,
            args=(ui.scoped_question(section), st.session_state.get("generator")),
        )


def render_answer(conv: Conversation, reply: ChatMessage, answer: Answer, all_passages: list[Passage]) -> None:
    if answer.status != "answered":
        render_refusal(conv, reply, answer, all_passages)
    else:
        html(ui.lead_html(answer, reply.id))
        quotes = ui.quotes_html(answer, reply.id)
        if quotes:
            html(quotes)
        render_cards(answer, reply.id, all_passages)
    st.caption(ui.escape_label(ui.answer_caption(answer)))
    with st.expander("Sentence check"):
        for s in answer.sentences:
            st.caption(ui.escape_label(ui.sentence_verdict_line(s)))
    render_feedback(conv, reply)


def render_reply(conv: Conversation, reply: ChatMessage, all_passages: list[Passage]) -> None:
    if reply.error:
        st.error(reply.error)
    elif reply.answer is not None:
        render_answer(conv, reply, reply.answer, all_passages)
    else:
        st.caption(f"{len(reply.hits)} passages for “{reply.content}”")
        for rank, hit in enumerate(reply.hits, 1):
            with st.expander(ui.escape_label(ui.hit_label(rank, hit))):
                html(ui.passage_html(hit.passage.text))


def wait_for(job: AnswerJob, poll: float = 0.15) -> ChatMessage:
    """Show the draft as it grows. A rerun stops this loop, never the job: the next run picks it up."""
    placeholder = st.empty()
    while not job.done.wait(poll):
        draft = job.draft()
        if draft:
            placeholder.markdown(ui.answer_html(draft + " ▌"), unsafe_allow_html=True)
        else:
            placeholder.caption(f"Reading the report… {job.elapsed():.0f} s")
    placeholder.empty()
    assert job.reply is not None
    return job.reply


# --- page ------------------------------------------------------------------------------------------------


def sidebar(assistant: Any, conv: Conversation) -> tuple[str, int | None]:
    with st.sidebar:
        st.title("BorderQA")
        st.markdown("Answers from WOLA's report **Mexico's Other Border**, every sentence cited.")
        st.info("The report is dated **June 2014**: it cannot speak to anything later.", icon=":material/event:")
        generator = st.radio("Answer with", list(GENERATORS), format_func=GENERATORS.__getitem__, key="generator")
        search_only = st.toggle("Search only: show passages, no answer")
        k = st.slider("Passages to show (k)", 1, 20, 5, disabled=not search_only)
        if session.startup().done:
            try:
                state = assistant.index_state()
            except BorderQAError as exc:
                st.warning(str(exc), icon=":material/warning:")
            else:
                if state.exists and state.fresh:
                    st.success(f"Index ready: {state.manifest.get('passages', '?')} passages", icon=":material/check_circle:")
                else:
                    st.warning(f"Index not ready: {state.reason or 'missing'}. Run `borderqa index`.", icon=":material/warning:")
    return str(generator), (k if search_only else None)


def sidebar_end(conv: Conversation) -> None:
    """Export and "New conversation", drawn last so that they count the turns of this very run."""
    with st.sidebar:
        exchanges = conv.exchanges()
        st.download_button(
            "Export conversation (Markdown)",
            data=conversation_markdown(exchanges),
            file_name=f"borderqa-{datetime.now(UTC):%Y%m%d-%H%M}.md",
            mime="text/markdown",
            icon=":material/download:",
            disabled=not exchanges,
        )
        new_conversation(conv)


def new_conversation(conv: Conversation) -> None:
    n = conv.questions()
    if st.button("New conversation", icon=":material/add_comment:"):
        if n >= session.LONG_CONVERSATION:
            st.session_state["confirm_new"] = True
        else:
            session.start_new_conversation()
            st.rerun()
    if st.session_state.get("confirm_new"):
        st.warning(f"Clear this conversation of {n} questions? Export it first to keep a copy.")
        cols = st.columns(2)
        cols[0].button("Yes, start over", on_click=session.start_new_conversation, type="primary")
        if cols[1].button("Keep it"):
            st.session_state.pop("confirm_new", None)
            st.rerun()


def main() -> None:
    try:
        assistant = session.assistant()
    except BorderQAError as exc:
        st.error(str(exc))
        st.stop()
    conv = session.conversation()
    generator, search_k = sidebar(assistant, conv)
    question = st.chat_input("Ask about Mexico's southern border…")  # pinned to the bottom of the page
    if question:
        conv.ask(question, generator, search_k)  # stored before anything runs: a rerun cannot lose it
    session.show_startup()
    worker = session.worker()
    jobs = {q.id: worker.submit(assistant, conv, q) for q in conv.pending()}  # in the order they were sent
    messages = conv.messages()
    if not messages:
        st.markdown("**Ask about Mexico's southern border**, for example:")
        cols = st.columns(2)
        for i, example in enumerate(EXAMPLES):
            cols[i % 2].button(example, key=f"example-{i}", on_click=conv.ask, args=(example, generator, search_k))
    all_passages = passages(assistant) if messages else []
    for m in messages:
        if m.role == "user":
            with st.chat_message("user"):
                html(f"<div>{ui.escape(m.content)}</div>")
            if m.id in jobs:
                with st.chat_message("assistant"):
                    render_reply(conv, wait_for(jobs[m.id]), all_passages)
        elif m.reply_to not in jobs:  # a job's reply is shown where its question is
            with st.chat_message("assistant"):
                render_reply(conv, m, all_passages)
    sidebar_end(conv)


main()
