"""BorderQA chat UI: ``streamlit run app.py``.

A thin shell: this file only sets up the page and its two pages, ``pages/chat.py`` (the conversation) and
``pages/reader.py`` (the report, with deep links ``reader?p=report:p0042``). What they show is built by
``borderqa.ui_render``; chat state and the answering worker are ``borderqa.ui_chat``; the shared Streamlit
plumbing is ``borderqa.ui_session``. The Assistant is ``Assistant.from_settings()`` (``BORDERQA_*``
settings), or the zero-argument factory named by ``BORDERQA_UI_ASSISTANT="package.module:function"``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from borderqa.ui_session import STYLE, html

# A local icon: a Material icon name here makes the browser fetch the favicon from fonts.gstatic.com.
ICON = Path(__file__).resolve().parent / "assets" / "borderqa-icon.png"
st.set_page_config(page_title="BorderQA", page_icon=str(ICON), layout="centered")
html(STYLE)
st.navigation(
    [
        st.Page("pages/chat.py", title="Ask the report", icon=":material/forum:", default=True),
        st.Page("pages/reader.py", title="Read the report", icon=":material/menu_book:", url_path="reader"),
    ]
).run()
