"""Pure helpers for the Streamlit UI (``app.py``, ``pages/``): safe HTML for answers, citation cards,
refusals and the report reader, and labels.

Nothing here imports Streamlit, so all of it is unit-tested. Text from the report or from a language
model is always HTML-escaped, and the characters Markdown (and Streamlit's ``$...$`` math) would act on
are written as character references, so ``st.markdown(html, unsafe_allow_html=True)`` shows them as-is.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote

from borderqa.errors import ConfigError
from borderqa.transcript import locator, passage_locator
from borderqa.types import Answer, Citation, Hit, Passage, Sentence

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

ASSISTANT_FACTORY_ENV = "BORDERQA_UI_ASSISTANT"

# HTML's own specials, and characters that Markdown, GitHub-flavoured Markdown or KaTeX would interpret.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]#+!|~$"}
_MARKER_RE = re.compile(r"\[(\d+)\]")
_BULLET_RE = re.compile(r"^[-*•]\s+")
_VERDICT_GLYPHS = {"supported": "✓", "repaired": "↻", "dropped": "✗"}
_EM_SPACE = "\u2003"
READER_PATH = "reader"  # the report reader page's URL path (pages/reader.py)


def escape(text: str) -> str:
    """HTML-escape ``text`` and neutralise Markdown/math syntax; the result displays literally."""
    return "".join(_ENTITIES.get(c, c) for c in text)


def escape_label(text: str) -> str:
    """Backslash-escape what Streamlit's widget labels (a Markdown subset) would format."""
    return re.sub(r"([\\`*_~$\[\]])", r"\\\1", text)


# --- quotes in passages -------------------------------------------------------------------------------


def _loose_pattern(quote: str) -> re.Pattern[str] | None:
    words = quote.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def quote_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Sorted, merged ``(start, end)`` ranges of ``text`` where the quotes occur.

    A quote is matched exactly first, then ignoring case and runs of whitespace; quotes that do not
    occur are skipped.
    """
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        quote = quote.strip()
        if not quote:
            continue
        start = text.find(quote)
        if start >= 0:
            spans.append((start, start + len(quote)))
            continue
        pattern = _loose_pattern(quote)
        match = pattern.search(text) if pattern else None
        if match:
            spans.append(match.span())
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight_quotes(text: str, quotes: Iterable[str], span: str = "") -> str:
    """Safe HTML of a passage: the quoted sentences in ``<mark>``, the answer ``span`` in ``<strong>``."""
    marked = quote_spans(text, quotes)
    strong = quote_spans(text, [span]) if span.strip() else []
    cuts = sorted({0, len(text), *(i for r in marked + strong for i in r)})
    out: list[str] = []
    open_mark = False
    for start, end in pairwise(cuts):
        in_mark = any(a <= start and end <= b for a, b in marked)
        if in_mark != open_mark:
            out.append("<mark>" if in_mark else "</mark>")
            open_mark = in_mark
        piece = escape(text[start:end])
        if any(a <= start and end <= b for a, b in strong):
            piece = f'<strong class="borderqa-span">{piece}</strong>'
        out.append(piece)
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("\n", "<br>")


def passage_html(text: str, quotes: Iterable[str] = (), span: str = "") -> str:
    """A passage as one HTML block (Markdown leaves the inside of a ``<div>`` block alone)."""
    return f'<div class="borderqa-passage">{highlight_quotes(text, quotes, span)}</div>'


# --- answers ------------------------------------------------------------------------------------------


def cite_anchor(key: str, marker: int) -> str:
    """The HTML id inside citation card ``marker`` of answer ``key``; its marker links here."""
    return f"cite-{key}-{marker}"


def _marker(n: str, key: str) -> str:
    if not key:
        return f"<sup>&#91;{n}&#93;</sup>"
    return (
        f'<sup><a class="borderqa-marker" href="#{cite_anchor(key, int(n))}" '
        f'title="open citation {n}">&#91;{n}&#93;</a></sup>'
    )


def _inline(text: str, key: str = "", span: str = "") -> str:
    """Escaped text with each ``[n]`` marker as a superscript (a link to its card when ``key`` is given)
    and the answer ``span``, if it occurs, in ``<strong>``."""
    out: list[str] = []
    pos = 0
    for m in _MARKER_RE.finditer(text):
        out.append(_with_span(text[pos : m.start()], span))
        out.append(_marker(m.group(1), key))
        pos = m.end()
    out.append(_with_span(text[pos:], span))
    return "".join(out)


def _with_span(text: str, span: str) -> str:
    found = quote_spans(text, [span]) if span.strip() else []
    if not found:
        return escape(text)
    a, b = found[0]
    return f'{escape(text[:a])}<strong class="borderqa-span">{escape(text[a:b])}</strong>{escape(text[b:])}'


def answer_html(text: str) -> str:
    """Answer text as safe HTML: paragraphs, ``- `` bullets as a list, ``[n]`` markers as superscripts."""
    blocks: list[str] = []
    items: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        bullet = _BULLET_RE.match(line)
        if bullet:
            items.append(f"<li>{_inline(line[bullet.end() :])}</li>")
            continue
        if items:
            blocks.append(f"<ul>{''.join(items)}</ul>")
            items = []
        blocks.append(f"<p>{_inline(line)}</p>")
    if items:
        blocks.append(f"<ul>{''.join(items)}</ul>")
    return f'<div class="borderqa-answer">{"".join(blocks)}</div>'


def citation_label(c: Citation) -> str:
    """``[2] Border Security Strategy > Belts of Control ¶3 (report:p0042)``."""
    return f"[{c.marker}] {locator(c)} ({c.passage.id})"


def hit_label(rank: int, hit: Hit) -> str:
    """``1 · Introduction ¶4 (report:p0007) · score 0.0325`` (no ``1.``: Markdown would start a list)."""
    p = hit.passage
    return f"{rank} · {passage_locator(p)} ({p.id}) · score {hit.score:.4f}"


def sources_html(c: Citation) -> str:
    """Two-hop provenance of a report citation: for each anchored sentence, what its source says."""
    items: list[str] = []
    for s in c.sources:
        head = f"Source for “{escape(s.anchor)}”: <em>{escape(s.document_title)}</em>"
        if s.found and s.passage is not None:
            body = f", {escape(s.passage.locator)}: {highlight_quotes(s.passage.text, [s.quote])}"
        else:
            body = f": {escape(s.note)}"
        items.append(f"<li>{head}{body}</li>")
    return f'<ul class="borderqa-sources">{"".join(items)}</ul>' if items else ""


def verdict_summary(sentences: Sequence[Sentence]) -> str:
    """``✓ 2 supported · ↻ 1 repaired`` (empty when there are no sentences)."""
    counts: dict[str, int] = {}
    for s in sentences:
        counts[s.verdict] = counts.get(s.verdict, 0) + 1
    return " · ".join(f"{_VERDICT_GLYPHS[v]} {counts[v]} {v}" for v in _VERDICT_GLYPHS if v in counts)


def sentence_verdict_line(s: Sentence) -> str:
    """One line of the sentence check, e.g. ``✓ supported [1]: The border is 714 miles long.``"""
    marks = "".join(f"[{m}]" for m in s.citations)
    note = f" ({s.note})" if s.note else ""
    return f"{_VERDICT_GLYPHS.get(s.verdict, '?')} {s.verdict}{' ' + marks if marks else ''}{note}: {s.text}"


# --- the answer layout: lead, supporting quotes, citation cards ----------------------------------------

_SUPPORTING_ROLES = ("quote", "part", "correction")


def shown_sentences(answer: Answer) -> list[Sentence]:
    """The sentences a reader sees: never a dropped one (those stay in the sentence check)."""
    return [s for s in answer.sentences if s.verdict != "dropped"]


def lead_text(answer: Answer) -> str:
    """The direct answer: ``Answer.lead``, else the lead sentence, else the whole text."""
    if answer.lead.strip():
        return answer.lead
    lead = next((s for s in shown_sentences(answer) if s.role == "lead"), None)
    if lead is not None:
        return lead.text + "".join(f" [{m}]" for m in lead.citations)
    return answer.text


def lead_html(answer: Answer, key: str) -> str:
    """The direct answer as plain prose, its answer span in bold, markers linked to their cards."""
    return f'<div class="borderqa-answer borderqa-lead"><p>{_inline(lead_text(answer), key, answer.span)}</p></div>'


def supporting_sentences(answer: Answer) -> list[Sentence]:
    lead = " ".join(lead_text(answer).split())
    return [
        s for s in shown_sentences(answer) if s.role in _SUPPORTING_ROLES and " ".join(s.text.split()) not in lead
    ]


def quotes_html(answer: Answer, key: str) -> str:
    """The supporting sentences as a list; a re-cited (repaired) one says so, it never looks checked."""
    items: list[str] = []
    for s in supporting_sentences(answer):
        marks = "".join(f" [{m}]" for m in s.citations)
        badge = ""
        if s.verdict == "repaired":
            note = escape(s.note or "its citation was repaired by the check")
            badge = f' <span class="borderqa-repaired" title="{note}">↻ re-cited</span>'
        items.append(f"<li>{_inline(s.text + marks, key)}{badge}</li>")
    if not items:
        return ""
    return f'<div class="borderqa-answer borderqa-quotes"><ul>{"".join(items)}</ul></div>'


def reader_url(passage_id: str) -> str:
    """Deep link to a paragraph in the report reader: ``reader?p=report:p0042``."""
    return f"{READER_PATH}?p={url_quote(passage_id, safe=':')}"


def _context_html(p: Passage, role: str) -> str:
    return (
        f'<div class="borderqa-context-{role}"><span class="borderqa-pid">{escape(locator_of(p))} · '
        f"{escape(p.id)}</span><br>{highlight_quotes(p.text, ())}</div>"
    )


def locator_of(p: Passage) -> str:
    return locator(Citation(0, p))


def citation_card_html(
    c: Citation, key: str, before: Passage | None = None, after: Passage | None = None, span: str = ""
) -> str:
    """A citation card: section path, paragraph number and id; the paragraph with its supporting
    sentences marked; "Read in context" (the paragraphs before and after); a link to the reader.

    A ``<details>`` element: its marker in the answer links to an element inside it, and the browser opens
    it when it follows the link.
    """
    p = c.passage
    body = highlight_quotes(p.text, c.quotes, span)
    context = ""
    if before is not None or after is not None:
        parts = [_context_html(before, "before")] if before else []
        parts.append(f'<div class="borderqa-context-here">{body}</div>')
        parts += [_context_html(after, "after")] if after else []
        context = f'<details class="borderqa-context"><summary>Read in context</summary>{"".join(parts)}</details>'
    link = f'<a class="borderqa-open" href="{reader_url(p.id)}" target="_blank">Open in the report reader</a>'
    return (
        f'<details class="borderqa-card"><summary><b>&#91;{c.marker}&#93;</b> {escape(locator(c))} '
        f'<span class="borderqa-pid">{escape(p.id)}</span></summary>'
        f'<div class="borderqa-card-body" id="{cite_anchor(key, c.marker)}">'
        f'<div class="borderqa-passage">{body}</div>{sources_html(c)}{context}<div>{link}</div></div></details>'
    )


def answer_caption(answer: Answer) -> str:
    """``extractive · 0.31 s · ✓ 2 supported · ↻ 1 repaired`` (no verdicts for a refusal)."""
    parts = [answer.generator]
    if "total" in answer.timings:
        parts.append(f"{answer.timings['total']:.2f} s")
    if answer.confidence is not None:
        parts.append(f"confidence {answer.confidence:.0%}")
    if answer.status == "answered":
        summary = verdict_summary(answer.sentences)
        if summary:
            parts.append(summary)
    return " · ".join(parts)


def refusal_title(answer: Answer) -> str:
    if answer.status == "false_premise":
        return "The report does not support the question's premise."
    reason = answer.reason.strip().rstrip(".")
    return f"The report does not say: {reason}." if reason else "The report does not say."


def nearest_sections(answer: Answer, passages: Sequence[Passage] = ()) -> list[tuple[str, str]]:
    """(section path, a paragraph id in it) for each related section: the cited pointer passage, else the
    section's first paragraph."""
    out: list[tuple[str, str]] = []
    for section in answer.related_sections:
        cited = next((c.passage.id for c in answer.citations if c.passage.section == section), None)
        first = cited or next((p.id for p in passages if p.section == section), None)
        if first:
            out.append((section, first))
    return out


def scoped_question(section: str) -> str:
    """The question the "ask about it" button sends for a section."""
    leaf = section.split(" > ")[-1].strip()
    return f"What does the report say in the section “{leaf}”?"


# --- the report reader -------------------------------------------------------------------------------


def sections(passages: Sequence[Passage]) -> list[tuple[str, list[Passage]]]:
    """The table of contents: each section in report order, with its paragraphs."""
    out: dict[str, list[Passage]] = {}
    for p in passages:
        out.setdefault(p.section or p.document, []).append(p)
    return list(out.items())


def toc_label(section: str, count: int) -> str:
    depth = section.count(" > ")
    return f"{' ' * depth}{section.split(' > ')[-1]} ({count})"


def paragraph_html(p: Passage, target: bool = False, quotes: Iterable[str] = ()) -> str:
    """One paragraph of the reader: its id, number and kind, the text, and the report's own anchors."""
    cls = "borderqa-para borderqa-target" if target else "borderqa-para"
    kind = "" if p.kind == "paragraph" else f" · {p.kind.replace('_', ' ')}"
    cites = ""
    if p.cites:
        links = ", ".join(f"“{c}”" for c in p.cites)
        cites = f'<div class="borderqa-cites">The report&#39;s source notes on: {escape(links)}</div>'
    return (
        f'<div class="{cls}" id="para-{escape(p.id.replace(":", "-"))}">'
        f'<span class="borderqa-pid">{escape(p.id)} · ¶{p.paragraph}{kind}</span>'
        f'<div class="borderqa-passage">{highlight_quotes(p.text, quotes)}</div>{cites}</div>'
    )


def assistant_factory(spec: str) -> Callable[[], Assistant]:
    """``"package.module:function"`` -> that zero-argument function; empty -> ``Assistant.from_settings``.

    ``app.py`` reads the spec from ``$BORDERQA_UI_ASSISTANT`` (see ``ASSISTANT_FACTORY_ENV``), so the UI
    can run on a differently built ``Assistant`` (tests use a fake one).
    """
    if not spec.strip():
        from borderqa.assistant import Assistant

        return Assistant.from_settings
    module_name, sep, attr = spec.strip().partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(f"{ASSISTANT_FACTORY_ENV}={spec!r} must look like 'package.module:function'")
    try:
        factory: Any = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{ASSISTANT_FACTORY_ENV}={spec!r} cannot be loaded: {exc}") from exc
    if not callable(factory):
        raise ConfigError(f"{ASSISTANT_FACTORY_ENV}={spec!r} is not callable")
    return factory  # type: ignore[no-any-return]
