"""The report reader (see app.py): contents by section, every paragraph with its id, number and anchors, a
search box, and deep links ``reader?p=report:p0042`` (what citation cards open)."""

from __future__ import annotations

import json

import streamlit as st

from borderqa import ui_render as ui
from borderqa import ui_session as session
from borderqa.errors import BorderQAError


def go_to(passage_id: str) -> None:
    st.query_params["p"] = passage_id


def main() -> None:
    try:
        assistant = session.assistant()
        session.show_startup()
        passages = list(assistant.passages())
    except BorderQAError as exc:
        st.error(str(exc))
        st.stop()
    if not passages:
        st.warning("The index holds no passages: run `borderqa index`.")
        st.stop()
    by_id = {p.id: p for p in passages}
    wanted = st.query_params.get("p", "")
    if wanted and wanted not in by_id:
        st.warning(f"There is no paragraph {wanted!r} in the report; showing the beginning.")
    target = by_id.get(wanted)
    toc = ui.sections(passages)
    here = next((i for i, (name, _) in enumerate(toc) if target and name == (target.section or target.document)), 0)
    if st.session_state.get("toc-shown") != here:  # a deep link or a search result moved us
        st.session_state["toc"] = here
        st.session_state["toc-shown"] = here

    def pick_section() -> None:
        chosen = int(st.session_state["toc"])
        st.session_state["toc-shown"] = chosen
        go_to(toc[chosen][1][0].id)

    with st.sidebar:
        st.radio(
            "Contents",
            range(len(toc)),
            format_func=lambda i: ui.toc_label(toc[i][0], len(toc[i][1])),
            key="toc",
            on_change=pick_section,
        )

    st.title("Mexico's Other Border")
    st.caption("WOLA, June 2014 — every paragraph with its id (as cited in answers), number and anchors.")
    query = st.text_input("Search the report", placeholder="e.g. checkpoints in Chiapas", key="reader-search")
    if query.strip():
        try:
            hits = assistant.search(query, k=8)
        except BorderQAError as exc:
            st.error(str(exc))
            hits = []
        with st.expander(f"{len(hits)} paragraphs match “{query}”", expanded=True):
            for i, h in enumerate(hits):
                cols = st.columns([6, 1], vertical_alignment="center")
                text = h.passage.text if len(h.passage.text) < 220 else h.passage.text[:220] + "…"
                cols[0].markdown(f"**{ui.escape_label(ui.locator_of(h.passage))}** · {ui.escape_label(text)}")
                cols[1].button("Go", key=f"go-{i}", on_click=go_to, args=(h.passage.id,))

    name, section = toc[here]
    st.subheader(ui.escape_label(name.split(" > ")[-1]))
    st.caption(ui.escape_label(name))
    target_id = target.id if target else ""
    session.html("".join(ui.paragraph_html(p, p.id == target_id) for p in section))
    cols = st.columns(2)
    if here > 0:
        cols[0].button("← " + toc[here - 1][0].split(" > ")[-1], on_click=go_to, args=(toc[here - 1][1][0].id,))
    if here + 1 < len(toc):
        cols[1].button(toc[here + 1][0].split(" > ")[-1] + " →", on_click=go_to, args=(toc[here + 1][1][0].id,))
    if target is not None:  # bring the linked paragraph into view (an inline script: nothing is fetched)
        anchor = json.dumps("para-" + target.id.replace(":", "-"))
        st.html(
            f"<script>const e = document.getElementById({anchor}); if (e) e.scrollIntoView({{block: 'center'}});</script>",
            unsafe_allow_javascript=True,
        )


main()
