"""Frozen value types shared by every stage of the pipeline.

Stages pass these, never raw Chroma dicts or bare tuples:

    Document --chunking--> Passage --retrieval--> Hit --answering--> Answer
                                                         (Citation, Sentence)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["title", "paragraph", "list_item", "quote"]
Verdict = Literal["supported", "repaired", "dropped"]
# What a sentence does in an answer: the direct answer first, then the report's supporting quotes; one
# line per part of a multi-part question; or the parts of a refusal / premise correction.
SentenceRole = Literal["lead", "quote", "part", "refusal", "pointer", "premise", "correction"]
# "answered": the report answers as asked; "not_in_report": it does not say; "false_premise": it
# contradicts what the question assumes (the correction is cited).
AnswerStatus = Literal["answered", "not_in_report", "false_premise"]
Role = Literal["user", "assistant"]
# What a rule put a hit first for (``Hit.chosen``); "" is retrieval's own order
Chosen = Literal["", "title page", "abbreviation", "publisher", "overview", "section"]


def content_hash(text: str) -> str:
    """Short, stable fingerprint of a text (used for ids of unchanged content and embedding reuse)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Document:
    """One corpus file as read by a loader: its manifest entry plus its text."""

    id: str
    title: str
    kind: str  # "report" or "source"
    format: str  # "markdown", "text", "pdf", "html"
    path: str
    text: str
    sha256: str
    authors: tuple[str, ...] = ()
    publisher: str = ""
    date: str = ""
    outline: tuple[str, ...] = ()  # indented heading outline from the manifest, if any
    block_quotes: tuple[str, ...] = ()  # openings of paragraphs that are unmarked block quotes
    url: str = ""
    # A paged source (PDF): the 1-based page of each line of ``text``; empty when the document has no pages.
    line_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Passage:
    """One citable paragraph (or list item, or block quote) of a document."""

    id: str  # stable and readable: "report:p0042"
    document: str
    section_path: tuple[str, ...]
    paragraph: int  # 1-based number within its section
    ordinal: int  # 1-based number within the document
    text: str  # clean text: no markdown, no escapes
    kind: PassageKind = "paragraph"
    lines: tuple[int, int] = (0, 0)  # 1-based source line range, inclusive
    cites: tuple[str, ...] = ()  # the report's own citation anchors (link texts) in this paragraph
    context_id: str | None = None  # lead-in paragraph of a list item, or the paragraph introducing a quote
    context: str = ""  # that paragraph's text, so a list item can be read on its own
    pages: tuple[int, int] = (0, 0)  # 1-based first and last page in a paged source (PDF); (0, 0): no pages

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)

    @property
    def sha(self) -> str:
        return content_hash(self.text)

    @property
    def page(self) -> int | None:
        """The page the passage starts on, or None when its document has no pages."""
        return self.pages[0] or None

    @property
    def locator(self) -> str:
        """Where a reader finds the passage: "p. 4 ¶2" or "pp. 4-5 ¶1" in a paged source (¶ counted
        within the first page), else "Section > Subsection ¶3" (¶ counted within the section)."""
        first, last = self.pages
        if first:
            where = f"p. {first}" if last == first else f"pp. {first}-{last}"
        else:
            where = self.section or self.document
        return f"{where} ¶{self.paragraph}"


def neighbours(passages: Sequence[Passage], passage_id: str) -> tuple[Passage | None, Passage | None]:
    """The passages just before and after ``passage_id`` in its document, by ordinal (None at either end, and
    both None for an unknown id). Used by the chat page's cards, the API's passage view and the answer's setting."""
    p = next((q for q in passages if q.id == passage_id), None)
    if p is None:
        return None, None
    near = {q.ordinal: q for q in passages if q.document == p.document and abs(q.ordinal - p.ordinal) == 1}
    return near.get(p.ordinal - 1), near.get(p.ordinal + 1)


@dataclass(frozen=True)
class Hit:
    """A passage returned by retrieval, with its fused score and the ranks that produced it."""

    passage: Passage
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    chosen: Chosen = ""  # what a rule put it first for; "": retrieval's order


def led_by(passage: Passage, hits: Sequence[Hit], chosen: Chosen, dropped: Callable[[Passage], bool] = lambda p: False) -> list[Hit]:
    """``hits`` led by ``passage``, scored as the top hit and marked ``chosen`` (a rule put it first for what
    the question asks), then the others in their order but those ``dropped``."""
    rest = (h for h in hits if h.passage.id != passage.id and not dropped(h.passage))
    return [Hit(passage, hits[0].score if hits else 0.0, chosen=chosen), *rest]


@dataclass(frozen=True)
class Turn:
    role: Role
    content: str


@dataclass(frozen=True)
class SourceSupport:
    """Two-hop provenance: a report sentence, the citation anchor it carries, and the passage of the cited
    source that best supports it (``passage`` None and ``found`` False when the source does not appear to
    contain it)."""

    claim: str  # the report sentence
    anchor: str  # the report's link text that cites the source
    document: str  # the source's document id
    document_title: str
    passage: Passage | None = None
    quote: str = ""  # the source sentence that supports the claim best
    score: float = 0.0
    found: bool = False
    note: str = ""


@dataclass(frozen=True)
class Citation:
    """A numbered reference from answer text (``[marker]``) to a passage, with the sentences it quotes."""

    marker: int
    passage: Passage
    quotes: tuple[str, ...] = ()
    document_title: str = ""  # filled in by the Assistant from the corpus manifest
    sources: tuple[SourceSupport, ...] = ()  # for a report passage: what its cited sources say (provenance.py)


@dataclass(frozen=True)
class Sentence:
    """One sentence of an answer, the markers it cites and the verifier's verdict."""

    text: str
    citations: tuple[int, ...]
    verdict: Verdict
    note: str = ""
    role: SentenceRole = "quote"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    answerable: bool
    generator: str
    citations: tuple[Citation, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    hits: tuple[Hit, ...] = ()
    standalone_question: str = ""  # the question after follow-up resolution
    related_sections: tuple[str, ...] = ()  # pointers when the report does not answer
    timings: dict[str, float] = field(default_factory=dict)
    status: AnswerStatus = "answered"
    lead: str = ""  # the direct answer: one sentence with its markers ("Each station has 54 or 108 Marines [1].")
    reason: str = ""  # why the report does not answer (status "not_in_report"), completing "The report does not say: ...";
    # for "false_premise", why the premise is doubted
    confidence: float | None = None  # the reader's probability that the cited passage answers the question
    span: str = ""  # the answer words, verbatim from the first cited passage ("" when none was found)
