"""Two-hop provenance: from a report sentence, through its citation anchor, to the source passage.

The report's paragraphs carry citation anchors (their link texts, ``Passage.cites``); a source's manifest
entry says which anchors it backs (``backs``). For a report sentence holding such an anchor, the backing
source is searched (the hybrid retriever, restricted to that document) for the sentence as the report
writes it, and the best candidates are put through the answer verifier's support check (citations.py:
its numbers and names must occur in the source passage, and one of the passage's sentences must be close
to it in meaning or share most of its words). The best supported passage is the answer; when none is
supported, the result says that the source does not appear to contain the claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from borderqa.citations import Verifier
from borderqa.corpus.manifest import ManifestEntry
from borderqa.lexical import fold
from borderqa.retrieval import Retriever
from borderqa.sentences import SentenceBank, passage_sentences
from borderqa.types import Citation, Passage, SourceSupport

CANDIDATES = 5  # source passages put through the support check, best retrieved first
NOT_FOUND = "the source does not appear to contain it"


@dataclass(frozen=True)
class AnchorClaim:
    """A report sentence and one citation anchor it carries."""

    sentence: str
    anchor: str


def anchored_sentences(passage: Passage) -> list[AnchorClaim]:
    """Each anchor of ``passage`` with the sentence it sits in (the whole text when no sentence holds it)."""
    sentences = passage_sentences(passage)
    out: list[AnchorClaim] = []
    for anchor in passage.cites:
        key = fold(anchor)
        sentence = next((s for s in sentences if key in fold(s)), passage.text)
        out.append(AnchorClaim(sentence, anchor))
    return out


class Provenance:
    """Finds, for report passages, what the sources they cite say. Built per index version."""

    def __init__(self, retriever: Retriever, bank: SentenceBank, entries: Sequence[ManifestEntry]) -> None:
        self.retriever = retriever
        self.verifier = Verifier(bank)
        self.bank = bank
        self.entries = [e for e in entries if e.kind == "source"]
        self.titles = {e.id: e.title for e in entries}
        self._indexed = {p.document for p in retriever.passages}

    def backers(self, passage: Passage) -> list[tuple[AnchorClaim, ManifestEntry]]:
        """The anchors of a report passage that a source backs, each with that source."""
        return [
            (claim, e)
            for claim in anchored_sentences(passage)
            for e in self.entries
            if any(b.matches(passage.id, claim.anchor) for b in e.backs)
        ]

    def trace(self, passage: Passage, sentences: Sequence[str] = ()) -> tuple[SourceSupport, ...]:
        """What the backing sources say about ``passage``'s anchored sentences; with ``sentences`` (the
        sentences an answer quotes), only about those."""
        wanted = {fold(s) for s in sentences}
        out: list[SourceSupport] = []
        for claim, entry in self.backers(passage):
            if wanted and not any(w in fold(claim.sentence) or fold(claim.sentence) in w for w in wanted):
                continue
            out.append(self._support(claim, entry))
        return tuple(out)

    def attach(self, citations: Sequence[Citation]) -> tuple[Citation, ...]:
        """The citations with their ``sources`` and ``document_title`` filled in."""
        return tuple(
            replace(c, document_title=c.document_title or self.titles.get(c.passage.document, ""),
                    sources=self.trace(c.passage, c.quotes) if c.passage.cites else ())
            for c in citations
        )

    def _support(self, claim: AnchorClaim, entry: ManifestEntry) -> SourceSupport:
        base = SourceSupport(claim.sentence, claim.anchor, entry.id, entry.title)
        if entry.id not in self._indexed:
            return replace(base, note="the source is not in the index (unreadable, or added since: see `borderqa sources`)")
        hits = self.retriever.search(claim.sentence, k=CANDIDATES, documents=[entry.id])
        if not hits:
            return replace(base, note=NOT_FOUND)
        passages = [h.passage for h in hits]
        banks = self.bank.get(passages)
        vector = self.bank.embed([claim.sentence])[0]
        scored = [(self.verifier.support(claim.sentence, vector, p, b), p) for p, b in zip(passages, banks, strict=True)]
        (score, quote), best = max(scored, key=lambda t: t[0][0])
        if score <= 0:
            return replace(base, note=NOT_FOUND)
        return replace(base, passage=best, quote=quote, score=round(score, 4), found=True)
