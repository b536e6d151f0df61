"""What the index embeds for a passage (its vectors) and whose word pieces it keeps (late interaction).

What is embedded (``embedding_texts``): a passage is embedded with where it sits, not only its words:
its section path, the lead-in of its list or the paragraph introducing its quote, and for title-page
passages what a title page holds (plus a second vector with the document's title). "On the Mexican side
are the states of ..." or "The jungle route, which includes ..." mean little alone; with "Geography and
Economy" or "... tend to pass through one of three corridors:" in front they match the questions staff
ask. In fusion this beat embedding the bare text (hybrid MRR 0.890 against 0.882, both halves better),
though on its own the dense ranking finds fewer answers in its top 5. The stored passage text stays clean
(Chroma's ``documents`` hold the embedded text; ``passages.json`` holds the passages as chunked).

Each build also keeps the model's contextual word-piece vectors of every passage (computed by
``Embedder.embed_tokens``; ``tokens.npy``, float16, about 20 MB, reused by text hash like the vectors).
This module only stores them; the model code is in embedding.py. Retrieval scores candidates by late
interaction with them (each question word piece matched to its most similar passage word piece, as in
ColBERT): as a ranker on its own that beat the passage vector on every metric on both halves of the eval
(MRR 0.87 against 0.76), and it lets "roadblocks" find "checkpoints" without a synonym list.
"""

from __future__ import annotations

from borderqa.chunking import TitleRole, title_page_role
from borderqa.types import Passage

# What each title-page line is, said in words, so "who wrote the report" finds the byline and "when was it
# published" the date: the lines themselves are only names, a date and a title.
TITLE_PAGE_LABELS: dict[TitleRole, str] = {
    "title": "Title page: the report's title.",
    "byline": "Title page: the report's authors (byline).",
    "date": "Title page: the report's date of publication.",
}


def embedding_text(passage: Passage) -> str:
    """The text embedded for a passage: its place in the report (section path, lead-in) and then its text."""
    if passage.kind == "title":
        return f"{TITLE_PAGE_LABELS[title_page_role(passage)]} {passage.text}"
    where = " > ".join(passage.section_path)
    context = f" {passage.context}" if passage.context else ""
    return f"{where}.{context} {passage.text}"


def embedding_texts(passage: Passage, document_title: str = "") -> list[str]:
    """Every text embedded for a passage; the index scores a passage by the best of them.

    A title-page passage is embedded twice: with what a title page holds ("Who wrote the report?") and
    with the document's title ("Who are the authors of Mexico's Other Border?"); each phrasing matched
    its own kind of question far better (cosine 0.71 against 0.35, and 0.77 against 0.37).
    """
    texts = [embedding_text(passage)]
    if passage.kind == "title" and document_title:
        texts.append(f"Title page of {document_title}: {passage.text}")
    return texts


def token_text(passage: Passage) -> str:
    """The text whose word-piece vectors are kept for late interaction: the passage's own words (with the
    section path and lead-in in front, as embedded, late interaction ranked worse on both halves), except
    on the title page, whose lines say what they are only through their label (the byline's names alone
    matched "Who are the authors of ...?" with 0.24 against the title's 0.67)."""
    return embedding_text(passage) if passage.kind == "title" else passage.text
