"""Hybrid retrieval: dense (Chroma) + lexical (BM25) -> reciprocal-rank fusion -> re-scoring -> hits.

Re-scoring (no cross-encoder runs offline here) adds small, measured bonuses to the fused score:

* exact numbers: a number in the question ("86,298", "714") that occurs in the passage;
* rare words: question words that occur in few passages (names like "Tecún Umán", "Huixtla") found in it;
* section titles: question words that name the passage's section ("checkpoints", "asylum").

``LangChainRetriever`` exposes the same pipeline as a LangChain ``BaseRetriever``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from borderqa.config import RetrievalSettings, SearchMode
from borderqa.embedding import Embedder
from borderqa.index import ChromaIndex
from borderqa.lexical import BM25Index, expand_query, tokenize
from borderqa.types import Hit, Passage


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    fused: float
    dense_rank: int | None
    lexical_rank: int | None


class Retriever:
    def __init__(self, index: ChromaIndex, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._passages = index.passages()
        self._by_id = {p.id: p for p in self._passages}
        self._bm25 = BM25Index(self._passages)
        df: Counter[str] = Counter()
        self._tokens: dict[str, set[str]] = {}
        for p in self._passages:
            toks = set(tokenize(p.text))
            self._tokens[p.id] = toks
            df.update(toks)
        self._idf = {t: math.log(len(self._passages) / n) for t, n in df.items()}
        self._section_tokens = {p.id: set(tokenize(" ".join(p.section_path))) for p in self._passages}

    @property
    def passages(self) -> list[Passage]:
        return list(self._passages)

    def passage(self, pid: str) -> Passage | None:
        return self._by_id.get(pid)

    def search(self, query: str, k: int | None = None, mode: SearchMode | None = None) -> list[Hit]:
        k = k or self.settings.k
        mode = mode or self.settings.mode
        fetch = max(self.settings.fetch_k, k)
        dense = self.index.query(self.embedder.embed_query(query), fetch) if mode != "lexical" else []
        lexical = self._bm25.search(query, fetch) if mode != "dense" else []
        if mode == "dense":
            return [Hit(self._by_id[pid], s, dense_rank=i + 1) for i, (pid, s) in enumerate(dense[:k])]
        if mode == "lexical":
            return [Hit(self._by_id[pid], s, lexical_rank=i + 1) for i, (pid, s) in enumerate(lexical[:k])]
        candidates = self._fuse(dense, lexical)
        if self.settings.rescore:
            candidates = self._rescore(query, candidates)
        return [Hit(c.passage, c.fused, c.dense_rank, c.lexical_rank) for c in candidates[:k]]

    def _fuse(self, dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]]) -> list[_Candidate]:
        s = self.settings
        d_rank = {pid: i + 1 for i, (pid, _) in enumerate(dense)}
        l_rank = {pid: i + 1 for i, (pid, _) in enumerate(lexical)}
        out = []
        for pid in d_rank.keys() | l_rank.keys():
            score = 0.0
            if pid in d_rank:
                score += s.dense_weight / (s.rrf_k + d_rank[pid])
            if pid in l_rank:
                score += s.lexical_weight / (s.rrf_k + l_rank[pid])
            out.append(_Candidate(self._by_id[pid], score, d_rank.get(pid), l_rank.get(pid)))
        return sorted(out, key=lambda c: (-c.fused, c.passage.ordinal))

    def _rescore(self, query: str, candidates: list[_Candidate]) -> list[_Candidate]:
        unit = 1.0 / (self.settings.rrf_k + 1)  # the fused score of a first place on one side
        q_tokens = set(expand_query(tokenize(query)))
        numbers = {t for t in q_tokens if t[0].isdigit() and len(t) >= 2}
        rare = {t for t in q_tokens if not t[0].isdigit() and self._idf.get(t, 0.0) > 3.0}
        out = []
        for c in candidates:
            toks = self._tokens[c.passage.id]
            bonus = 0.0
            if numbers:
                bonus += 0.6 * unit * len(numbers & toks) / len(numbers)
            if rare:
                bonus += 0.4 * unit * len(rare & toks) / len(rare)
            if q_tokens & self._section_tokens[c.passage.id]:
                bonus += 0.15 * unit
            out.append(_Candidate(c.passage, c.fused + bonus, c.dense_rank, c.lexical_rank))
        return sorted(out, key=lambda c: (-c.fused, c.passage.ordinal))


def hit_to_langchain(hit: Hit) -> LCDocument:
    p = hit.passage
    return LCDocument(
        page_content=p.text,
        id=p.id,
        metadata={"id": p.id, "document": p.document, "section": p.section, "paragraph": p.paragraph, "score": hit.score},
    )


class LangChainRetriever(BaseRetriever):
    """The hybrid pipeline as a LangChain retriever: ``retriever.invoke("question")`` -> Documents."""

    retriever: Retriever
    k: int = 5
    mode: SearchMode = "hybrid"

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [hit_to_langchain(h) for h in self.retriever.search(query, k=self.k, mode=self.mode)]
