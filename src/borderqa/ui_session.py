"""What the Streamlit pages (``pages/chat.py``, ``pages/reader.py``) share: the one assistant, worker and
conversation store of the server process, the start-up progress, the page style.

Only Streamlit plumbing lives here; what is shown comes from ``ui_render``, chat state from ``ui_chat``.
"""

from __future__ import annotations

import os
import time
from typing import Any

import streamlit as st

from borderqa import ui_render as ui
from borderqa.config import Settings
from borderqa.feedback import FeedbackStore
from borderqa.ui_chat import AnswerWorker, Conversation, ConversationStore, Startup, startup_steps

STYLE = """<style>
.borderqa-answer sup a, .borderqa-answer sup { color: #1c64b0; font-weight: 600; text-decoration: none; }
.borderqa-lead p { font-size: 1.08rem; margin-bottom: .3rem; }
.borderqa-span { background: #e3efff; border-radius: .2em; padding: 0 .15em; }
.borderqa-quotes ul { margin: 0 0 .4rem 0; color: #333; }
.borderqa-repaired { font-size: .8em; color: #8a5a00; background: #fff4dc; border-radius: .3em; padding: 0 .3em; }
.borderqa-passage { line-height: 1.55; }
.borderqa-passage mark, .borderqa-context mark { background: #fff1a8; padding: 0 .1em; }
.borderqa-card { border: 1px solid #dde2ea; border-radius: .5rem; padding: .35rem .7rem; margin: .3rem 0; }
.borderqa-card summary { cursor: pointer; }
.borderqa-card[open] { background: #fbfcfe; }
.borderqa-card:target, .borderqa-card-body:target { outline: 2px solid #1c64b0; }
.borderqa-pid { color: #6b7280; font-size: .85em; }
.borderqa-context { margin: .4rem 0; font-size: .92em; }
.borderqa-context-before, .borderqa-context-after { color: #4b5563; margin: .3rem 0; }
.borderqa-context-here { border-left: 3px solid #1c64b0; padding-left: .5rem; }
.borderqa-para { padding: .35rem .5rem; margin: .2rem 0; border-radius: .4rem; }
.borderqa-target { background: #fff8d6; border-left: 4px solid #e0a800; }
.borderqa-cites { color: #6b7280; font-size: .82em; }
</style>"""
LONG_CONVERSATION = 3  # "New conversation" asks first from this many questions on


def html(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def factory_spec() -> str:
    return os.environ.get(ui.ASSISTANT_FACTORY_ENV, "")


@st.cache_resource(show_spinner=False)
def _assistant(spec: str) -> Any:
    return ui.assistant_factory(spec)()


@st.cache_resource(show_spinner=False)
def worker() -> AnswerWorker:
    return AnswerWorker()


@st.cache_resource(show_spinner=False)
def conversations() -> ConversationStore:
    return ConversationStore()


@st.cache_resource(show_spinner=False)
def _startup(spec: str) -> Startup:
    return Startup(startup_steps(_assistant(spec)))


@st.cache_resource(show_spinner=False)
def feedback_store(data_dir: str) -> FeedbackStore:
    return FeedbackStore(data_dir)


def settings_data_dir() -> str:
    return str(Settings.load().data_dir)


def assistant() -> Any:
    """The process's assistant; its loading steps start on the worker the first time a page asks."""
    spec = factory_spec()
    a = _assistant(spec)
    _startup(spec).begin(worker())
    return a


def startup() -> Startup:
    return _startup(factory_spec())


def show_startup(poll: float = 0.2) -> None:
    """A progress message per loading step until the assistant is ready (nothing once it is)."""
    s = startup()
    if s.done:
        return
    with st.status("Getting BorderQA ready…", expanded=True) as status:
        area = st.empty()
        while not s.done:
            area.markdown(_startup_lines(s))
            time.sleep(poll)
        area.markdown(_startup_lines(s))
        status.update(label=f"Ready in {s.finished or 0:.1f} s", state="complete", expanded=False)


def _startup_lines(s: Startup) -> str:
    """One line per step, with Streamlit's own (bundled) icons: emoji fonts may be missing offline."""
    lines = []
    for step in s.steps:
        label = ui.escape_label(step.label)
        if step.seconds is not None:
            icon = ":material/warning:" if step.error else ":material/check_circle:"
            error = f": {ui.escape_label(step.error)}" if step.error else ""
            lines.append(f"{icon} {label} ({step.seconds:.1f} s){error}")
        elif step.began is not None:
            lines.append(f":material/hourglass_top: **{label}…** ({time.monotonic() - step.began:.0f} s)")
        else:
            lines.append(f":material/radio_button_unchecked: {label}")
    return "\n\n".join(lines)


def conversation() -> Conversation:
    """This tab's conversation: the one named by ``?c=`` in the URL (so a reload keeps it), else a new one."""
    wanted = st.session_state.get("conversation_id") or st.query_params.get("c")
    conv = conversations().get(wanted)
    st.session_state["conversation_id"] = conv.id
    if st.query_params.get("c") != conv.id:
        st.query_params["c"] = conv.id
    return conv


def start_new_conversation() -> None:
    conv = conversations().get(None)
    st.session_state["conversation_id"] = conv.id
    st.session_state.pop("confirm_new", None)
    st.query_params["c"] = conv.id
