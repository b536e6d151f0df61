"""Pure helpers for the Streamlit UI (``app.py``): safe HTML for answers and passages, labels, chat state.

Nothing here imports Streamlit, so all of it is unit-tested. Text from the report or from a language
model is always HTML-escaped, and the characters Markdown (and Streamlit's ``$...$`` math) would act on
are written as character references, so ``st.markdown(html, unsafe_allow_html=True)`` shows them as-is.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from borderqa.errors import ConfigError
from borderqa.types import Answer, Citation, Hit, Sentence, Turn

if TYPE_CHECKING:
    from borderqa.assistant import Assistant

ASSISTANT_FACTORY_ENV = "BORDERQA_UI_ASSISTANT"

# HTML's own specials, and characters that Markdown, GitHub-flavoured Markdown or KaTeX would interpret.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]#+!|~$"}
_MARKER_RE = re.compile(r"\[(\d+)\]")
_BULLET_RE = re.compile(r"^[-*•]\s+")
_VERDICT_GLYPHS = {"supported": "✓", "repaired": "↻", "dropped": "✗"}


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


def highlight_quotes(text: str, quotes: Iterable[str]) -> str:
    """Safe HTML of a passage with the quoted sentences wrapped in ``<mark>``."""
    out: list[str] = []
    pos = 0
    for start, end in quote_spans(text, quotes):
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def passage_html(text: str, quotes: Iterable[str] = ()) -> str:
    """A passage as one HTML block (Markdown leaves the inside of a ``<div>`` block alone)."""
    return f'<div class="borderqa-passage">{highlight_quotes(text, quotes)}</div>'


# --- answers ------------------------------------------------------------------------------------------


def _inline(text: str) -> str:
    """Escaped text with each ``[n]`` marker as a superscript."""
    out: list[str] = []
    pos = 0
    for m in _MARKER_RE.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(f"<sup>&#91;{m.group(1)}&#93;</sup>")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


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
    """``[2] Border Security Strategy > Belts of Control ¶3 (report:p0042)``; a source's passage is named
    by its document and page: ``[1] Crossings at the Suchiate River, p. 4 ¶1 (bulletin:p0007)``."""
    p = c.passage
    title = f"{c.document_title}, " if c.document_title and p.document != "report" else ""
    return f"[{c.marker}] {title}{p.locator} ({p.id})"


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


def hit_label(rank: int, hit: Hit) -> str:
    """``1 · Introduction ¶4 (report:p0007) · score 0.0325`` (no ``1.``: Markdown would start a list)."""
    p = hit.passage
    return f"{rank} · {p.locator} ({p.id}) · score {hit.score:.4f}"


def quotes_by_marker(answer: Answer) -> dict[int, tuple[str, ...]]:
    return {c.marker: c.quotes for c in answer.citations}


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


# --- chat state ---------------------------------------------------------------------------------------


@dataclass
class ChatMessage:
    """One bubble of the conversation, kept in ``st.session_state``."""

    role: str  # "user" or "assistant"
    content: str
    answer: Answer | None = None
    hits: list[Hit] = field(default_factory=list)
    error: str = ""


def history_turns(messages: Sequence[ChatMessage]) -> list[Turn]:
    """The conversation so far as ``Turn``s: every question, and the text of every answer.

    Search results and errors are not answers, so they are left out.
    """
    turns: list[Turn] = []
    for m in messages:
        if m.role == "user":
            turns.append(Turn("user", m.content))
        elif m.answer is not None:
            turns.append(Turn("assistant", m.answer.text))
    return turns


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
