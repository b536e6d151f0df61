"""Document -> paragraph passages with stable ids, section paths and the report's citation anchors.

The rules, in the order they are applied (each is tested on the real report):

1. Blocks. Consecutive non-blank lines form a block; every bullet (``- ``) or numbered (``1. ``) line
   starts a block of its own (a list item).
2. Page breaks. A paragraph or list item whose text does not end a sentence (``. ! ? : ;``, possibly
   followed by a closing quote or parenthesis) swallows the next non-list block: this copy of the report
   breaks paragraphs at page ends mid-sentence, often before a capitalised word ("...the Department of" /
   "Homeland Security declared..."), so the letter case of the next line cannot be the rule.
3. Headings are bare lines. A block is a heading when the block before it ended a sentence and it is one
   short line with no closing punctuation, written in title case (ignoring a trailing Spanish name in
   parentheses) or listed in the manifest outline. A lead-in ending in ":" is never a heading. Levels come
   from the manifest ``outline`` (the report's table of contents); a heading missing from the outline is
   logged and treated as a sibling of the current deepest heading.
4. Title page. Blocks up to a byline (a block starting "By ") in the first few blocks form the "Title page"
   section; prose before the first heading forms "Introduction". ``title_page_role`` says what each
   title-page line is: the byline, the date, or the title.
5. Lists. Each item is its own passage. The paragraph just before a list is its lead-in when it ends with
   ":", announces "the following" or counts what follows ("... took four steps."); items keep it as context. An indented item's context is its parent.
6. Block quotes. A paragraph after one that ends in ":" (and is not a list), or one whose opening is named
   in the manifest's ``block_quotes``, is a quote attached to the paragraph that introduces it.
7. Clean text. ``[anchor](#)`` links become their anchor text (kept in ``cites``), ``\\$`` becomes ``$``,
   ``*``/``**`` emphasis markers go, white space is folded.
8. Pages. In a paged source (a PDF: ``Document.line_pages``) a passage's ``pages`` are those of its first
   and last line, so a paragraph joined across a page break (rule 2) spans both; its ``paragraph`` number
   counts within its first page instead of its section, so that "p. 4 ¶2" finds it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from borderqa.types import Document, Passage, PassageKind

log = logging.getLogger(__name__)

# Bump when a rule changes: the index records it and rebuilds when it differs.
CHUNKER_VERSION = "report-paragraphs-2"
TITLE_SECTION = "Title page"
PREAMBLE_SECTION = "Introduction"

_LIST_RE = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END_RE = re.compile(r"""[.!?:;…](?:["'”’)\]]{0,3})$""")
_DATE_RE = re.compile(
    r"((january|february|march|april|may|june|july|august|september|october|november|december)\s+)?"
    r"(\d{1,2},?\s+)?\d{4}",
    re.IGNORECASE,
)
TitleRole = Literal["title", "byline", "date"]
_SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "de", "la", "las", "del"}


@dataclass
class _Block:
    raw: str
    first: int
    last: int
    kind: str = "paragraph"  # paragraph | list_item | heading
    indent: int = 0

    @property
    def clean(self) -> str:
        return clean_text(self.raw, strip_marker=self.kind == "list_item")


@dataclass
class _Outline:
    levels: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def clean_text(raw: str, strip_marker: bool = False) -> str:
    """Markdown debris out: links to anchor text, escapes, emphasis markers, extra white space."""
    text = _LINK_RE.sub(r"\1", raw)
    text = re.sub(r"\\+([$\\`*_{}\[\]()#+\-.!])", r"\1", text)
    text = text.replace("*", "")
    text = re.sub(r"\s+", " ", text).strip()
    if strip_marker:
        text = _LIST_RE.sub("", text, count=1)
    return text


def citation_anchors(raw: str) -> tuple[str, ...]:
    return tuple(clean_text(m.group(1)) for m in _LINK_RE.finditer(raw) if m.group(1).strip())


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END_RE.search(text.rstrip()))


def _norm(title: str) -> str:
    t = unicodedata.normalize("NFKC", clean_text(title)).lower()
    t = re.sub(r"[“”\"'‘’]", "", t)
    return re.sub(r"\s+", " ", t).strip()


def _parse_outline(lines: Iterable[str]) -> _Outline:
    outline = _Outline()
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        title = line.strip()
        outline.levels[_norm(title)] = indent // 2 + 1
        outline.titles[_norm(title)] = title
    return outline


def _split_blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            current = None
            continue
        marker = _LIST_RE.match(line)
        if marker:
            current = _Block(line, n, n, "list_item", len(marker.group(1)))
            blocks.append(current)
        elif current is None:
            current = _Block(line, n, n)
            blocks.append(current)
        else:
            current.raw += "\n" + line
            current.last = n
    return blocks


def _looks_like_heading(block: _Block, outline: _Outline) -> bool:
    if "\n" in block.raw.strip():
        return False
    text = block.clean
    if _norm(text) in outline.levels:
        return True
    if not text or len(text) > 120 or text[-1] in ".:;,?!" or not (text[0].isupper() or text[0] in "\"“'"):
        return False
    core = re.sub(r"\([^)]*\)\s*$", "", text)  # "Program (Programa ...)": judge the English part
    words = [w.strip("\"“”'‘’(),:") for w in core.split()]
    words = [w for w in words if w and w.lower() not in _SMALL_WORDS]
    if not words or len(words) > 14:
        return False
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    return capitalised / len(words) >= 0.75


def _unfinished(block: _Block) -> bool:
    """A prose block cut by a page break. Short list items ("Federal Police") are complete as they are."""
    if block.kind not in ("paragraph", "list_item") or ends_sentence(block.clean):
        return False
    return block.kind == "paragraph" or len(block.clean) > 100


def _classify(blocks: list[_Block], outline: _Outline) -> list[_Block]:
    """Mark the title page (rule 4), join page-break fragments (rule 2) and mark headings (rule 3)."""
    title_end = _title_page_end(blocks)
    for block in blocks[:title_end]:
        block.kind = "title"
    out: list[_Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and block.kind == "paragraph" and _unfinished(prev):
            prev.raw += "\n" + block.raw
            prev.last = block.last
            continue
        if block.kind == "paragraph" and _looks_like_heading(block, outline):
            block.kind = "heading"
        out.append(block)
    return out


def title_page_role(passage: Passage) -> TitleRole:
    """What a title-page line is: the byline ("By ..."), the date of publication, or (else) the title."""
    text = passage.text.strip()
    if text.startswith("By "):
        return "byline"
    if _DATE_RE.fullmatch(text):
        return "date"
    return "title"


def _title_page_end(blocks: list[_Block]) -> int:
    """Index just past the byline, or 0 when the document has no title block."""
    for i, block in enumerate(blocks[:6]):
        if clean_text(block.raw).startswith("By "):
            return i + 1
    return 0


# "... if governments took four steps." before a list: a last sentence that counts what follows.
_COUNTS_ITEMS = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten)\s+(?:[\w-]+\s+){0,2}[\w-]+s\.$", re.IGNORECASE)


def _is_lead_in(text: str) -> bool:
    last = text.rsplit(". ", 1)[-1]
    return text.endswith(":") or "following" in last.lower() or bool(_COUNTS_ITEMS.search(last))


def split_passages(doc: Document) -> list[Passage]:
    """All passages of a document, in reading order."""
    outline = _parse_outline(doc.outline)
    blocks = _classify(_split_blocks(doc.text), outline)
    title_end = sum(1 for b in blocks if b.kind == "title")
    quote_openings = tuple(_norm(q) for q in doc.block_quotes)

    passages: list[Passage] = []
    path: tuple[str, ...] = (TITLE_SECTION,) if title_end else (PREAMBLE_SECTION,)
    counts: Counter[tuple[object, ...]] = Counter()
    found_headings: set[str] = set()
    prev: _Block | None = None
    prev_passage: Passage | None = None
    lead_in: Passage | None = None  # context of the current list run
    parents: list[Passage] = []  # top-level item per indent, for nested items
    for i, block in enumerate(blocks):
        if i == title_end and title_end and block.kind != "heading":
            path = (PREAMBLE_SECTION,)
        if block.kind == "heading":
            path = _enter_heading(path, block.clean, outline, found_headings)
            prev, prev_passage, lead_in, parents = block, None, None, []
            continue
        text = block.clean
        kind: PassageKind = "paragraph"
        context: Passage | None = None
        if block.kind == "title":
            kind = "title"
        elif block.kind == "list_item":
            kind = "list_item"
            if prev is None or prev.kind != "list_item":
                lead_in = prev_passage if prev_passage is not None and _is_lead_in(prev_passage.text) else None
                parents = []
            parents = [p for p in parents if p.lines[0] < block.first and _indent_of(p, blocks) < block.indent]
            context = parents[-1] if parents else lead_in
        elif prev_passage is not None and prev is not None and (
            (prev.kind == "paragraph" and prev_passage.kind == "paragraph" and prev_passage.text.endswith(":"))
            or _norm(text).startswith(quote_openings or ("\0",))
        ):
            kind = "quote"
            context = prev_passage if prev_passage.kind != "quote" else _find(passages, prev_passage.context_id)
        pages = (doc.line_pages[block.first - 1], doc.line_pages[block.last - 1]) if doc.line_pages else (0, 0)
        key: tuple[object, ...] = ("page", pages[0]) if doc.line_pages else path
        counts[key] += 1
        passage = Passage(
            id=f"{doc.id}:p{len(passages) + 1:04d}",
            document=doc.id,
            section_path=path,
            paragraph=counts[key],
            ordinal=len(passages) + 1,
            text=text,
            kind=kind,
            lines=(block.first, block.last),
            cites=citation_anchors(block.raw),
            context_id=context.id if context else None,
            context=context.text if context else "",
            pages=pages,
        )
        passages.append(passage)
        if kind == "list_item":
            parents.append(passage)
        prev, prev_passage = block, passage
    missing = [outline.titles[t] for t in outline.levels if t not in found_headings]
    if missing:
        log.warning("%s: outline headings not found in the text: %s", doc.id, "; ".join(missing))
    return passages


def _indent_of(p: Passage, blocks: list[_Block]) -> int:
    return next((b.indent for b in blocks if b.first == p.lines[0]), 0)


def _find(passages: list[Passage], pid: str | None) -> Passage | None:
    return next((p for p in passages if p.id == pid), None)


def _enter_heading(path: tuple[str, ...], title: str, outline: _Outline, found: set[str]) -> tuple[str, ...]:
    key = _norm(title)
    if key in outline.levels:
        level = outline.levels[key]
        found.add(key)
    else:
        if outline.levels:
            log.warning("heading %r is not in the manifest outline; treated as a sibling", title)
        in_body = [p for p in path if p not in (TITLE_SECTION, PREAMBLE_SECTION)]
        level = max(len(in_body), 1)
    body = tuple(p for p in path if p not in (TITLE_SECTION, PREAMBLE_SECTION))
    return (*body[: level - 1], title)


def split_corpus(documents: Iterable[Document]) -> list[Passage]:
    return [p for doc in documents for p in split_passages(doc)]
